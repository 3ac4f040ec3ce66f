"""Monitor work inside the service, shared by the API's routes, the web UI and the update schedule.

Adding, running and removing monitors takes one lock, held across the service's threads and its
processes (``serve --workers``; an ``flock`` on ``<home>/.monitors.lock``), so a monitor is never
run twice at once; the work runs in a worker thread (one at a time per process, ``MONITOR_WORK``),
never on the event loop. Before a monitor is added or run, the service loads the active list
version if it is not the one it serves (``ServiceState.reload_lists``): a run always compares
against the lists the data directory holds now.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import anyio

from supplyscreen.api.jobs import private_dir, private_file
from supplyscreen.api.service import ServiceState
from supplyscreen.errors import SupplyscreenError

log = logging.getLogger("supplyscreen.api")
LOCK_NAME = ".monitors.lock"
UPLOADS = "monitor-uploads"
#: Monitor work running at once in one process (the lock below also keeps other processes out).
MONITOR_WORK = anyio.CapacityLimiter(1)
_THREADS = threading.Lock()
_SAFE_NAME = re.compile(r"[^\w.\- ()]")
T = TypeVar("T")


async def off_the_loop(work: Callable[..., T], *args: Any) -> T:
    """Run monitor work in a worker thread, one at a time per process."""
    return await anyio.to_thread.run_sync(work, *args, limiter=MONITOR_WORK)


@contextmanager
def monitor_lock(home: Path) -> Iterator[None]:
    """Exclusive monitor work: one thread of one process sharing the data directory ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    with _THREADS, open(home / LOCK_NAME, "a") as fh:
        _lock(fh)
        yield  # closing the file releases the lock


def _lock(fh: IO[str]) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the thread lock alone (one process)
        return
    fcntl.flock(fh, fcntl.LOCK_EX)


def parse_since(text: str | None) -> str | None:
    """An ISO 8601 date or time as the case tables store times (UTC, ``…T09:30:00.000000Z``); a time
    without a zone is UTC. A SupplyscreenError for anything else."""
    if text is None or not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SupplyscreenError(
            f"since={text!r} is not an ISO 8601 date or time (e.g. 2026-03-01 or 2026-03-01T09:30:00Z)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def upload_name(filename: str | None) -> str:
    """An upload's file name, safe to store: its last path part, odd characters replaced (its
    extension, which says how to read it, is kept)."""
    name = (filename or "").replace("\\", "/").split("/")[-1][:200]
    name = _SAFE_NAME.sub("_", name).strip()
    return name if name.strip(".") else "upload"


@contextmanager
def saved_upload(home: Path, filename: str | None, source: IO[bytes], limit: int) -> Iterator[Path]:
    """The uploaded file saved in a private folder of ``home`` under its own name (which the monitor
    keeps) and removed afterwards; ``UploadTooLarge`` past ``limit`` bytes, ``EmptyUpload`` if empty."""
    folder = private_dir(private_dir(home / UPLOADS) / uuid.uuid4().hex)
    try:
        target = folder / upload_name(filename)
        size = 0
        with private_file(target) as fh:
            while block := source.read(1 << 20):
                size += len(block)
                if size > limit:
                    raise UploadTooLarge(limit)
                fh.write(block)
        if size == 0:
            raise EmptyUpload("the uploaded file is empty")
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class UploadTooLarge(SupplyscreenError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit >> 20} MB")


class EmptyUpload(SupplyscreenError):
    pass


def current_lists(state: ServiceState) -> None:
    """Load the active list version if it is not the one served; a version that cannot be loaded is
    logged (by ``reload_lists``) and the loaded one used."""
    try:
        state.reload_lists()
    except Exception:  # noqa: BLE001 - logged where it failed; the lists loaded still answer
        pass


def add(state: ServiceState, name: str, path: Path, user: str, mapping: str, sheet: str) -> Any:
    """``monitor add`` in the service: save the master (and screen a new monitor's baseline)."""
    from supplyscreen.monitor.book import check_name
    from supplyscreen.monitor.run import add_monitor

    check_name(name)
    with monitor_lock(state.settings.home):
        current_lists(state)
        state.audit.flush()  # the audit rows queued before come first
        return add_monitor(
            state.cases,
            state.shared_screener(),
            name,
            path,
            user=user,
            mapping=mapping.strip() or None,
            sheet=sheet.strip() or None,
        )


def run(state: ServiceState, name: str, user: str, notify: list[str] | None = None) -> Any:
    """``monitor run`` for one monitor against the active lists."""
    from supplyscreen.monitor.book import MonitorBook
    from supplyscreen.monitor.notify import parse_target
    from supplyscreen.monitor.run import run_monitor

    for target in notify or ():
        parse_target(target)  # a malformed target is refused before anything runs
    with monitor_lock(state.settings.home):
        MonitorBook(state.cases.db).get(name)
        current_lists(state)
        state.audit.flush()
        return run_monitor(state.cases, state.shared_screener(), name, user=user, notify=notify or ())


def remove(state: ServiceState, name: str, user: str) -> None:
    from supplyscreen.monitor.run import remove_monitor

    with monitor_lock(state.settings.home):
        state.audit.flush()
        remove_monitor(state.cases, name, user=user)


def mark_seen(state: ServiceState, name: str, change_id: int, user: str) -> Any:
    """Mark a change seen, with a ``monitor_change_seen`` audit row."""
    from supplyscreen.monitor.book import MonitorBook

    change = MonitorBook(state.cases.db).mark_seen(name, change_id, user)
    state.audit.flush()
    state.cases.audit.record(
        "monitor_change_seen",
        user,
        {
            "monitor": name,
            "change": change_id,
            "row": change.row,
            "vendor": change.vendor,
            "kind": change.change,
            "entity_id": change.entity_id,
        },
        state.list_version,
    )
    return change


def run_all(state: ServiceState, user: str) -> list[dict[str, Any]]:
    """Run every monitor, each on its own: one that fails is logged and reported in its entry
    (``error``), the others still run."""
    from supplyscreen.monitor.book import MonitorBook
    from supplyscreen.monitor.run import run_monitor

    outcomes: list[dict[str, Any]] = []
    with monitor_lock(state.settings.home):
        names = MonitorBook(state.cases.db).names()
        state.audit.flush()
        screener = state.shared_screener()
        for name in names:
            try:
                result = run_monitor(state.cases, screener, name, user=user)
            except Exception as exc:  # noqa: BLE001 - one monitor's failure stops no other
                log.exception("scheduled run of monitor %s failed", name)
                outcomes.append({"monitor": name, "ok": False, "error": str(exc) or type(exc).__name__})
                continue
            outcomes.append(
                {
                    "monitor": name,
                    "ok": True,
                    "mode": result.mode,
                    "changes": len(result.changes),
                    "list_version": result.list_version,
                }
            )
    return outcomes
