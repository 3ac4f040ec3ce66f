"""A service started in its own process, for tests and the service benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from supplyscreen.cases import Cases


def wait_until_ready(port: int, server: subprocess.Popen[bytes], seconds: float) -> bool:
    """Whether the service on 127.0.0.1:``port`` answers ``/readyz`` with 200 within ``seconds``
    (False as soon as its process ``server`` has ended)."""
    deadline = time.time() + seconds
    while time.time() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:  # not listening yet, or 503 while the lists load (HTTPError is an OSError)
            pass
        time.sleep(0.3)
    return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(
    screener_home: Path, home: Path, workers: int = 1
) -> tuple[subprocess.Popen[bytes], int, str]:
    """``supplyscreen serve`` (``workers`` processes) in its own process on the session's lists
    (``screener_home``, linked into ``home`` without a rebuild): (process, port, a viewer's key).
    It is not waited for: see ``wait_until_ready``."""
    home.mkdir(parents=True, exist_ok=True)
    for item in screener_home.iterdir():
        (home / item.name).symlink_to(item)
    key = Cases.open(home=home).accounts.create_key("viewer")
    port = free_port()
    env = dict(os.environ, SUPPLYSCREEN_HOME=str(home))
    env.pop("SUPPLYSCREEN_DATABASE_URL", None)
    command = [sys.executable, "-m", "supplyscreen", "serve", "--port", str(port), "--log-level", "warning"]
    if workers > 1:
        command += ["--workers", str(workers)]
    return subprocess.Popen(command, env=env), port, key


def child_pids(pid: int) -> list[int]:
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
