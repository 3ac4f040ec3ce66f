"""`supplyscreen serve --workers 2`: the lists are loaded once, two forked processes serve one
socket, and stopping the parent stops them (issue 19, point 5: a service that uses every core)."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from support.server import start_serve, wait_until_ready

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forking needs a POSIX system")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from /proc; no procps needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_two_forked_processes_answer_and_stop_with_the_parent(screener_home: Path, tmp_path: Path) -> None:
    server, port, key = start_serve(screener_home, tmp_path / "home", workers=2)
    try:
        assert wait_until_ready(port, server, 120), "the server did not become ready"
        assert len(_children(server.pid)) == 2
        body = json.dumps({"queries": {"q": {"schema": "Company", "properties": {"name": ["Hikvision"]}}}})
        for _ in range(10):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/match/default",
                data=body.encode(),
                headers={"Authorization": f"ApiKey {key}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                results = json.load(answer)["responses"]["q"]["results"]
            assert results and results[0]["match"]
        children = _children(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    time.sleep(0.5)
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
