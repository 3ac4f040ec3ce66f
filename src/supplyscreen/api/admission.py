"""Admission control: the service sheds load with 503 instead of letting every request wait longer.

Matching is CPU work. When more look-ups arrive than the process can answer, queueing them all makes
every answer slow (at 32 connections the p99 grew to 831 ms). :class:`Admission` lets at most
``limit`` matching requests (``/match``, ``/search``, ``/reconcile``, ``/screen/records``) be in
flight; one more is answered at once with 503 and ``Retry-After``, which yente clients and load
balancers retry. Other routes (health, the web UI, jobs) are never refused by it.
"""

from __future__ import annotations

import os

from starlette.types import ASGIApp, Receive, Scope, Send

#: Matching requests in flight at most, per process (``$SUPPLYSCREEN_MAX_INFLIGHT``).
MAX_INFLIGHT_ENV = "SUPPLYSCREEN_MAX_INFLIGHT"
DEFAULT_MAX_INFLIGHT = 32
RETRY_AFTER_SECONDS = 1
#: The routes whose requests are counted (path prefixes, POST and GET alike).
COUNTED = ("/match/", "/search/", "/reconcile", "/screen/records")
BUSY = b'{"detail":"the service is busy: retry in a moment"}'


def max_inflight() -> int:
    """The configured limit (at least 1)."""
    try:
        return max(1, int(os.environ.get(MAX_INFLIGHT_ENV, DEFAULT_MAX_INFLIGHT)))
    except ValueError:
        return DEFAULT_MAX_INFLIGHT


class Admission:
    """Answers 503 with ``Retry-After`` when ``limit`` matching requests are already in flight."""

    def __init__(self, app: ASGIApp, limit: int | None = None) -> None:
        self.app = app
        self.limit = limit if limit is not None else max_inflight()
        self.inflight = 0
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(COUNTED):
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.limit:  # one event loop: no lock needed between check and count
            self.refused += 1
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(BUSY)).encode()),
                        (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": BUSY})
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
