"""Serving from several processes that share one copy of the lists: load, then fork.

``uvicorn --workers N`` starts each worker afresh, so each loads the name index and the entities
again (about 0.8 GB apiece). :func:`serve_forked` loads them once in the parent, with no thread
started yet, opens the listening socket, and forks ``workers`` children; each builds its own app
(case database connection, audit writer and job threads) around the shared screener and serves the
socket. The loaded pages stay shared between the processes until one writes to them; the collector
is kept off them (``gc.freeze``). The parent waits, and stops the children when it is stopped.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
from typing import Any


def serve_forked(
    host: str, port: int, workers: int, log_level: str = "info", *, update_every: float | None = None
) -> None:
    """Serve the app on ``host:port`` from ``workers`` forked processes sharing the loaded lists; with
    ``update_every`` each app has the list-update schedule, which the one process holding its lock
    runs (``api.schedule``)."""
    import uvicorn

    from supplyscreen.api.app import create_app
    from supplyscreen.screener import Screener
    from supplyscreen.settings import ServiceSettings

    settings = ServiceSettings.from_env()
    screener = Screener.open(settings.home)
    screener.matcher  # noqa: B018 - the name index, loaded before the fork so the children share it
    screener.store.preload()
    screener.store.snapshot.wait_for_reading()
    gc.collect()
    gc.freeze()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Each child listens on a socket of its own, bound with SO_REUSEPORT, so the kernel spreads the
    # connections over the processes; one shared socket let whichever process woke first accept them
    # all (8 connections on one process of two: half the throughput, in one run of two). The parent's
    # socket is bound, never listened on: it takes no connection, and a port in use fails here, once.
    reuse_port = hasattr(socket, "SO_REUSEPORT")
    reserved = _socket(family, host, port, reuse_port)
    if not reuse_port:  # one socket shared by every child
        reserved.listen(2048)
        reserved.set_inheritable(True)
    children: list[int] = []
    for _ in range(max(1, workers)):
        pid = os.fork()
        if pid == 0:  # a child: its own app and threads around the shared screener
            code = 0
            try:
                listener = _socket(family, host, port, True) if reuse_port else reserved
                if reuse_port:
                    listener.listen(2048)
                app = create_app(settings, screener=screener, update_every=update_every)
                config = uvicorn.Config(app, log_level=log_level, access_log=False, proxy_headers=False)
                uvicorn.Server(config).run(sockets=[listener])
            except BaseException:  # noqa: BLE001 - a child never returns into the parent's code
                code = 1
            finally:
                os._exit(code)
        children.append(pid)

    def stop(signum: int, frame: Any) -> None:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except ChildProcessError:
                break
            except InterruptedError:
                continue
    reserved.close()


def _socket(family: int, host: str, port: int, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to ``host:port``. IPPROTO_TCP is named: asyncio sets TCP_NODELAY only on
    sockets whose protocol says TCP (with 0, replies waited 40 ms for the client's delayed ACK)."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock
