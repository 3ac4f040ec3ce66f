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
from support.server import child_pids, start_serve, wait_until_ready

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forking needs a POSIX system")


def test_two_forked_processes_answer_and_stop_with_the_parent(screener_home: Path, tmp_path: Path) -> None:
    server, port, key = start_serve(screener_home, tmp_path / "home", workers=2)
    try:
        assert wait_until_ready(port, server, 120), "the server did not become ready"
        assert len(child_pids(server.pid)) == 2
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
        children = child_pids(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    time.sleep(0.5)
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
