"""A service started in its own process, for tests and the service benchmark."""

from __future__ import annotations

import subprocess
import time
import urllib.request


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
