"""`serve --update-every`: the interval's syntax; a scheduled run updates the lists from a mirror on
127.0.0.1 (``$SUPPLYSCREEN_SOURCES_BASE_URL``), serves the new version and runs every monitor as
``scheduler``, and the status shows it; failures are recorded, never raised; one process of several
runs the schedule (the lock), also under `serve --workers 2`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from monitor_support import (  # noqa: E402
    BASE_VERSION,
    add_watchlist,
    list_mirror,
    monitor_service,
    small_home,
    upload,
)
from support.server import child_pids, free_port, wait_until_ready  # noqa: E402

from supplyscreen.api.schedule import (  # noqa: E402
    LOCK_NAME,
    ScheduleError,
    Scheduler,
    format_interval,
    parse_interval,
)
from supplyscreen.cases import Cases  # noqa: E402
from supplyscreen.monitor.book import MonitorBook  # noqa: E402


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30m", 1800),
        ("6h", 21600),
        ("24h", 86400),
        ("1d", 86400),
        ("1h30m", 5400),
        (" 2D ", 172800),
        ("90s", 90),
    ],
)
def test_durations_are_read(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "24", "h", "5x", "-1h", "1.5h", "1 day", "30s", "0m", "1h-"])
def test_other_durations_are_refused(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_interval(text)


def test_intervals_are_written_back_in_words() -> None:
    assert [format_interval(s) for s in (86400, 21600, 5400, 90, 60)] == ["1d", "6h", "1h30m", "1m30s", "1m"]


def test_serve_refuses_a_bad_interval_with_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "supplyscreen",
            "serve",
            "--update-every",
            "sometimes",
            "--home",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--update-every" in done.stderr and "not a duration" in done.stderr


def _status(service: Any) -> dict[str, Any]:
    lists = service.client.get("/lists", headers=service.headers("viewer")).json()
    schedule: dict[str, Any] = lists["schedule"]
    assert service.client.get("/monitors", headers=service.headers("viewer")).json()["schedule"] == schedule
    return schedule


def test_a_scheduled_run_updates_the_lists_serves_them_and_runs_every_monitor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        list_mirror(tmp_path / "mirror") as url,
        monitor_service(tmp_path / "home", update_every=86400) as service,
    ):
        monkeypatch.setenv("SUPPLYSCREEN_SOURCES_BASE_URL", url)
        assert upload(service).status_code == 201
        before = _status(service)
        assert before["enabled"] is True and before["every"] == "1d" and before["last_update"] is None
        scheduler: Scheduler = service.client.app.state.scheduler  # type: ignore[attr-defined]
        deadline = time.time() + 30
        while not scheduler.leader:  # the one scheduler of this data directory takes the lock at once
            assert time.time() < deadline
            time.sleep(0.05)

        record = scheduler.run_once()  # what the schedule does each interval

        status = _status(service)
        update = status["last_update"]
        assert update["outcome"] == "updated" and update["previous_version"] == BASE_VERSION
        assert update["version"] != BASE_VERSION and update["serving"] == update["version"]
        assert update["updated"] == ["un_sc", "us_fcc_covered"]  # the others are not on the mirror
        assert update["started"] and update["finished"]
        assert status["next_run"] and status["next_run"] > update["finished"]
        assert (
            status["running"] is False and status["runs_here"] is True and status["runner_pid"] == os.getpid()
        )
        assert status == {**status, **{k: record[k] for k in ("next_run", "last_update", "last_monitors")}}
        lists = service.client.get("/lists", headers=service.headers("viewer")).json()
        assert lists["version"] == update["version"]
        assert service.client.app.state.service.serving_version == update["version"]  # type: ignore[attr-defined]
        [run] = status["last_monitors"]["runs"]
        assert run["monitor"] == "vendors" and run["ok"] is True and run["list_version"] == update["version"]
        last = MonitorBook(service.cases.db).runs("vendors", limit=1)[0]
        assert last["user"] == "scheduler" and last["list_version"] == update["version"]
        page = service.client.get("/ui/monitoring", headers=service.headers("viewer")).text
        assert "every <strong>1d</strong>" in page and "updated" in page and update["version"] in page


def test_failures_are_recorded_and_the_service_keeps_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPLYSCREEN_SOURCES_BASE_URL", f"http://127.0.0.1:{free_port()}")  # nothing there
    with monitor_service(tmp_path / "home", update_every=3600) as service:
        upload(service)
        upload(service, name="second")

        def broken(cases: Any, screener: Any, name: str, **kwargs: Any) -> Any:
            raise RuntimeError(f"monitor {name} broke")

        monkeypatch.setattr("supplyscreen.monitor.run.run_monitor", broken)
        scheduler: Scheduler = service.client.app.state.scheduler  # type: ignore[attr-defined]
        scheduler.run_once()
        status = _status(service)
        assert (
            status["last_update"]["outcome"] == "failed" and status["last_update"]["version"] == BASE_VERSION
        )
        assert "un_sc" in status["last_update"]["failed"]
        monitors = status["last_monitors"]
        assert monitors["failed"] == 2 and [r["error"] for r in monitors["runs"]] == [
            "monitor second broke",
            "monitor vendors broke",
        ]
        assert service.client.get("/readyz").status_code == 200
        assert service.client.get("/monitors", headers=service.headers()).status_code == 200


def test_the_schedule_runs_by_itself_after_its_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with list_mirror(tmp_path / "mirror") as url, monitor_service(tmp_path / "home") as service:
        monkeypatch.setenv("SUPPLYSCREEN_SOURCES_BASE_URL", url)
        scheduler = Scheduler(service.client.app.state.service, 0.5, codes=["us_fcc_covered"])  # type: ignore[attr-defined]
        scheduler.start()
        try:
            deadline = time.time() + 60
            while not (scheduler.status()["last_update"] or {}).get("finished"):
                assert time.time() < deadline, "the schedule did not run"
                time.sleep(0.1)
            status = scheduler.status()
            assert status["last_update"]["outcome"] == "updated"
            assert status["last_update"]["updated"] == ["us_fcc_covered"]
            assert status["last_monitors"]["runs"] == []  # no monitor yet
        finally:
            scheduler.close()


def test_a_version_activated_outside_the_service_is_served_after_a_reload(tmp_path: Path) -> None:
    """What every process does within seconds (``watch_lists``) and a monitor route does at once."""
    with monitor_service(tmp_path / "home") as service:
        state = service.client.app.state.service  # type: ignore[attr-defined]
        assert state.lists_changed() is False and state.reload_lists() is False
        body = {
            "queries": {"q": {"schema": "Company", "properties": {"name": ["Zorblax Industrial Holdings"]}}}
        }
        before = service.client.post("/match/default", json=body, headers=service.headers("viewer")).json()
        assert not any(r["match"] for r in before["responses"]["q"]["results"])
        version = add_watchlist(tmp_path / "home")  # as `supplyscreen lists add` in another process
        assert state.lists_changed() is True
        assert state.reload_lists() is True and state.serving_version == version
        assert state.lists_changed() is False and state.reload_lists() is False
        after = service.client.post("/match/default", json=body, headers=service.headers("viewer")).json()
        assert after["responses"]["q"]["results"][0]["match"] is True
        assert service.client.get("/lists", headers=service.headers("viewer")).json()["version"] == version


def test_one_scheduler_per_data_directory_runs_the_schedule(tmp_path: Path) -> None:
    with monitor_service(tmp_path / "home") as service:
        state = service.client.app.state.service  # type: ignore[attr-defined]
        first, second = Scheduler(state, 3600), Scheduler(state, 3600)
        try:
            assert first.try_lead() is True
            assert second.try_lead() is False  # another scheduler, as in another worker process
            held = subprocess.run(
                [sys.executable, "-c", _TRY_LOCK, str(tmp_path / "home" / LOCK_NAME)], timeout=60
            )
            assert held.returncode == 1  # another process cannot take it either
            first.close()
            assert second.try_lead() is True  # it takes over once the first stops
        finally:
            first.close()
            second.close()


_TRY_LOCK = """
import fcntl, sys
with open(sys.argv[1], "a") as fh:
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit(1)
"""


@pytest.mark.skipif(not hasattr(os, "fork") or not Path("/proc").is_dir(), reason="forking, /proc")
def test_with_two_forked_workers_exactly_one_runs_the_schedule(tmp_path: Path) -> None:
    import json

    home = small_home(tmp_path / "home")
    key = Cases.open(home=home).accounts.create_key("viewer")
    port = free_port()
    env = dict(os.environ, SUPPLYSCREEN_HOME=str(home))
    env.pop("SUPPLYSCREEN_DATABASE_URL", None)
    command = [sys.executable, "-m", "supplyscreen", "serve", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen([*command, "--workers", "2", "--update-every", "1h"], env=env)
    try:
        assert wait_until_ready(port, server, 120), "the server did not become ready"
        children = child_pids(server.pid)
        assert len(children) == 2
        seen: dict[bool, set[int]] = {True: set(), False: set()}
        deadline = time.time() + 30
        while time.time() < deadline:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/lists", headers={"Authorization": f"ApiKey {key}"}
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                schedule = json.load(answer)["schedule"]
            if schedule["runner_pid"] is not None:
                seen[schedule["runs_here"]].add(schedule["runner_pid"])
                if seen[True] and seen[False]:
                    break
            time.sleep(0.05)
        runners = seen[True] | seen[False]
        assert len(runners) == 1 and runners <= set(children)  # every process names the same one
        assert schedule["enabled"] is True and schedule["every"] == "1h" and schedule["next_run"]
        held = subprocess.run([sys.executable, "-c", _TRY_LOCK, str(home / LOCK_NAME)], timeout=60)
        assert held.returncode == 1
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
