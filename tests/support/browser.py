"""What the browser tests share: the app served by uvicorn in a thread, and a headless Chromium page.

Playwright and uvicorn are imported by the caller (``pytest.importorskip``) before these are used;
the browser is Debian's Chromium (``$SUPPLYSCREEN_TEST_CHROMIUM``), never a downloaded one."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from support.server import free_port

CHROMIUM = os.environ.get("SUPPLYSCREEN_TEST_CHROMIUM", "/usr/bin/chromium")


@contextlib.contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn server on 127.0.0.1 in a thread: its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium_page() -> Iterator[Any]:
    """A page of a headless Chromium, 30 s for each wait."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()
