"""A local webhook receiver and a fake ``sleep``, for the notification tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Waits(list[float]):
    """A fake ``sleep``: records the waits, waits for nothing."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass
class Hook:
    """A local webhook receiver: answers each POST with the next of ``statuses`` (the last one from
    then on) and keeps what it received."""

    statuses: list[int]
    received: list[tuple[Any, bytes]] = field(default_factory=list)  # (headers, body)
    hold: threading.Event | None = None  # when set, each answer waits for it (timeouts)
    url: str = ""


@contextmanager
def hook_server(*statuses: int, hold: threading.Event | None = None) -> Iterator[Hook]:
    hook = Hook(list(statuses), hold=hold)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.received.append((self.headers, body))
            if hook.hold is not None:
                hook.hold.wait(30)
            status = hook.statuses.pop(0) if len(hook.statuses) > 1 else hook.statuses[0]
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def do_GET(self) -> None:  # a followed redirect would arrive here
            hook.received.append((self.headers, b"GET"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    hook.url = f"http://127.0.0.1:{server.server_port}/hooks/supplyscreen"
    try:
        yield hook
    finally:
        if hold is not None:
            hold.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
