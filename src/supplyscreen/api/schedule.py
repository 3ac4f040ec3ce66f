"""`serve --update-every 24h`: the lists updated on a schedule, then every monitor run.

Every interval the schedule calls ``Store.update()`` (the official addresses, or the mirror that
``$SUPPLYSCREEN_SOURCES_BASE_URL`` names), has the service serve the new version
(``ServiceState.reload_lists``) and runs every monitor as the user ``scheduler``. A failed update
or monitor run is logged and recorded, never raised: the service keeps serving.

One process runs it. ``serve --workers N`` forks N processes, each with its own app; each starts a
:class:`Scheduler`, and only the one that holds an exclusive ``flock`` on ``<home>/.schedule.lock``
runs the schedule (the others try again every minute, so one takes over if it stops). The lock
also keeps a second service on the same data directory from updating it at the same time. The
runner writes what it did and when it runs next to ``<home>/schedule.json``, which every process
reads for the status it answers (``GET /lists``, ``GET /monitors``, the Monitoring page). The other
processes load a new version within ``LIST_CHECK_SECONDS`` (:func:`watch_lists`).

The first run comes one interval after the last recorded update (at once when that is overdue),
or one interval after start when none is recorded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import anyio

from supplyscreen.api import monitoring
from supplyscreen.api.service import ServiceState
from supplyscreen.errors import SupplyscreenError
from supplyscreen.store import Store

log = logging.getLogger("supplyscreen.api")
UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
MIN_SECONDS = 60
LOCK_NAME = ".schedule.lock"
STATUS_NAME = "schedule.json"
USER = "scheduler"
#: how often a process that does not run the schedule tries to take it over
RETRY_LEAD_SECONDS = 60.0
#: how often every process looks for a new active list version
LIST_CHECK_SECONDS = 10.0
_DURATION = re.compile(r"(?:\d+[dhms])+")


class ScheduleError(SupplyscreenError):
    """A schedule that cannot be: a malformed or too short interval."""


def parse_interval(text: str) -> float:
    """Seconds in a duration such as ``30m``, ``6h``, ``24h``, ``1d`` or ``1h30m`` (units d, h, m, s;
    at least a minute)."""
    compact = (text or "").strip().lower().replace(" ", "")
    if not _DURATION.fullmatch(compact):
        raise ScheduleError(
            f"{text!r} is not a duration: give a number and a unit, e.g. 30m, 6h, 24h or 1d "
            "(units d, h, m, s)"
        )
    seconds = sum(int(n) * UNITS[unit] for n, unit in re.findall(r"(\d+)([dhms])", compact))
    if seconds < MIN_SECONDS:
        raise ScheduleError(f"{text!r} is too short: update the lists at most once a minute")
    return float(seconds)


def format_interval(seconds: float) -> str:
    """``86400`` → ``1d``, ``5400`` → ``1h30m``."""
    left = int(round(seconds))
    parts = []
    for unit, size in UNITS.items():
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return "".join(parts) or f"{seconds:g}s"


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(text: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(text)).timestamp()
    except ValueError:
        return None


def _try_lock(fh: IO[str]) -> bool:
    """An exclusive lock on the open file, without waiting; False when another holds it."""
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class Scheduler:
    """The schedule of one process; see the module docstring."""

    def __init__(
        self,
        state: ServiceState,
        every: float,
        *,
        codes: Sequence[str] = (),
        base_url: str | None = None,
    ) -> None:
        self.state = state
        self.every = float(every)
        self.codes = list(codes)
        self.base_url = base_url
        self.home: Path = state.settings.home
        self.leader = False
        self.next_run: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[str] | None = None
        self._run_lock = threading.Lock()
        self._status_lock = threading.Lock()

    # -- running ----------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="supplyscreen-schedule", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock: another process may take the schedule over
            self._lock_file = None
        self.leader = False

    def try_lead(self) -> bool:
        """Take the schedule if no other process (or scheduler) runs it."""
        if self.leader:
            return True
        self.home.mkdir(parents=True, exist_ok=True)
        fh = open(self.home / LOCK_NAME, "a")  # held open while this process leads
        if not _try_lock(fh):
            fh.close()
            return False
        self._lock_file, self.leader = fh, True
        now = time.time()
        last = _epoch((self._read().get("last_update") or {}).get("started"))
        self.next_run = max(last + self.every, now) if last is not None else now + self.every
        self._write(
            pid=os.getpid(), every=format_interval(self.every), running=False, next_run=iso(self.next_run)
        )
        log.info("this process runs the list-update schedule (every %s)", format_interval(self.every))
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if not self.try_lead():
                    self._stop.wait(min(self.every, RETRY_LEAD_SECONDS))
                    continue
                wait = (self.next_run or 0.0) - time.time()
                if wait > 0:
                    self._stop.wait(min(wait, 3600.0))
                    continue
                self.run_once()
            except Exception:  # noqa: BLE001 - the schedule never stops the service
                log.exception("the list-update schedule failed; trying again in a minute")
                self._stop.wait(60.0)

    def run_once(self) -> dict[str, Any]:
        """One scheduled run: update the lists, serve the new version, run every monitor; what it did
        is recorded in the status (and returned). Never raises for a failed update or monitor."""
        with self._run_lock:
            started = time.time()
            self._write(running=True, run_started=iso(started))
            update = self._update()
            monitors = self._monitors()
            finished = time.time()
            self.next_run = max(started + self.every, finished + min(self.every, 60.0))
            record = {
                "running": False,
                "next_run": iso(self.next_run),
                "last_update": update,
                "last_monitors": monitors,
            }
            self._write(**record)
            return record

    def _update(self) -> dict[str, Any]:
        """``Store.update()`` on a store object of its own (the one serving keeps its lists until the
        swap), then the new version served."""
        state = self.state
        entry: dict[str, Any] = {"started": iso(time.time())}
        try:
            store = Store.open(state.screener.store.home)
            previous = store.active_version
            result = store.update(self.codes, self.base_url)
        except Exception as exc:  # noqa: BLE001 - recorded and logged; the lists stay as they are
            log.exception("scheduled list update failed")
            entry.update(outcome="failed", error=str(exc)[:1000] or type(exc).__name__)
        else:
            outcome = "updated" if result.version else "failed" if result.failed else "unchanged"
            entry.update(
                outcome=outcome,
                version=result.version or previous,
                previous_version=previous,
                updated=sorted(result.updated),
                failed={code: message[:500] for code, message in sorted(result.failed.items())},
            )
            if result.failed:
                log.warning(
                    "scheduled list update: %d list(s) not updated: %s", len(result.failed), result.failed
                )
        try:
            state.reload_lists()
        except Exception as exc:  # noqa: BLE001 - logged by reload_lists; the loaded lists still answer
            entry["reload_error"] = str(exc)[:1000] or type(exc).__name__
        entry["serving"] = state.serving_version
        entry["finished"] = iso(time.time())
        return entry

    def _monitors(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"started": iso(time.time())}
        try:
            runs = monitoring.run_all(self.state, USER)
        except Exception as exc:  # noqa: BLE001 - recorded and logged
            log.exception("scheduled monitor runs failed")
            entry.update(error=str(exc)[:1000] or type(exc).__name__, runs=[])
        else:
            entry.update(runs=runs, failed=sum(1 for r in runs if not r["ok"]))
            entry["changes"] = sum(r.get("changes", 0) for r in runs)
        entry["finished"] = iso(time.time())
        return entry

    # -- status -----------------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        try:
            found = json.loads((self.home / STATUS_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def _write(self, **changes: Any) -> None:
        """Merge ``changes`` into the status file, atomically (readers never see half a file)."""
        with self._status_lock:
            data = {**self._read(), **changes}
            path = self.home / STATUS_NAME
            tmp = path.with_name(f".{STATUS_NAME}.{os.getpid()}.tmp")
            try:
                tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
                os.replace(tmp, path)
            except OSError:
                log.exception("could not write the schedule's status to %s", path)

    def status(self) -> dict[str, Any]:
        """What the service answers about the schedule, from whichever process runs it."""
        saved = self._read()
        return {
            "enabled": True,
            "every": format_interval(self.every),
            "interval_seconds": self.every,
            "runs_here": self.leader,
            "runner_pid": saved.get("pid"),
            "running": bool(saved.get("running")),
            "next_run": saved.get("next_run"),
            "last_update": saved.get("last_update"),
            "last_monitors": saved.get("last_monitors"),
            "serving": self.state.serving_version,
        }


def schedule_status(app: Any) -> dict[str, Any]:
    """The app's schedule as the API answers it; ``{"enabled": false}`` without ``--update-every``."""
    scheduler: Scheduler | None = getattr(app.state, "scheduler", None)
    if scheduler is None:
        return {"enabled": False}
    return scheduler.status()


async def watch_lists(state: ServiceState, every: float = LIST_CHECK_SECONDS) -> None:
    """Every ``every`` seconds, serve the active list version if it changed (by the schedule in
    another process, or by `lists update`); runs until cancelled."""
    while True:
        await asyncio.sleep(every)
        if state.lists_changed():
            try:
                await anyio.to_thread.run_sync(state.reload_lists)
            except Exception:  # noqa: BLE001 - logged by reload_lists; the loaded lists still answer
                pass
