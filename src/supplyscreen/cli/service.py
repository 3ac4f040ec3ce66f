"""`supplyscreen serve`: the HTTP API and web UI (FastAPI under uvicorn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from supplyscreen.cli.common import HomeOption, err


def _interval(text: str) -> float:
    """``--update-every``'s seconds; a bad duration exits with 2 and says why."""
    from supplyscreen.api.schedule import ScheduleError, parse_interval  # the service extra is there

    try:
        return parse_interval(text)
    except ScheduleError as exc:
        raise typer.BadParameter(str(exc), param_hint="--update-every") from None


def register(app: typer.Typer) -> None:
    """Add the serve command to the main app."""

    @app.command("serve")
    def serve(
        host: Annotated[
            str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        workers: Annotated[
            int,
            typer.Option(help="Server processes; forked after loading the lists once, so they share them."),
        ] = 1,
        database_url: Annotated[
            str | None,
            typer.Option(
                "--database-url",
                help="Case database (default: $SUPPLYSCREEN_DATABASE_URL, else <home>/supplyscreen.db).",
                show_default=False,
            ),
        ] = None,
        log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
        update_every: Annotated[
            str | None,
            typer.Option(
                "--update-every",
                help=(
                    "Update the lists on this schedule (30m, 6h, 24h, 1d …), from the official addresses "
                    "or $SUPPLYSCREEN_SOURCES_BASE_URL, then run every monitor; one process runs it."
                ),
                show_default=False,
            ),
        ] = None,
        home: HomeOption = None,
    ) -> None:
        """Serve the API (/match, /reconcile, /screen, /monitors …, documented at /docs) and the web UI
        (/ui/)."""
        try:
            import uvicorn
        except ImportError:
            raise typer.BadParameter(
                "the service needs its extra: pip install 'supplyscreen[service]'", param_hint="serve"
            ) from None
        every = _interval(update_every) if update_every is not None else None
        if home:
            os.environ["SUPPLYSCREEN_HOME"] = str(Path(home).expanduser())
        if database_url:
            os.environ["SUPPLYSCREEN_DATABASE_URL"] = database_url
        if every is not None and workers > 1 and not hasattr(os, "fork"):
            raise typer.BadParameter(
                "a schedule with several workers needs a system that can fork (Linux, macOS)",
                param_hint="--update-every",
            )
        err.print(
            f"supplyscreen serving on http://{host}:{port}/ (web UI /ui/, API docs /docs)", highlight=False
        )
        if every is not None:
            from supplyscreen.api.schedule import format_interval

            err.print(
                f"updating the lists every {format_interval(every)}, then running every monitor",
                highlight=False,
            )
        if workers > 1 and hasattr(os, "fork"):
            from supplyscreen.api.forked import serve_forked  # one copy of the lists for every process

            serve_forked(host, port, workers, log_level, update_every=every)
            return
        if every is not None:  # the app built here, with its schedule
            from supplyscreen.api.app import create_app

            app = create_app(update_every=every)
            uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, proxy_headers=False)
            return
        uvicorn.run(
            "supplyscreen.api.asgi:app",
            host=host,
            port=port,
            workers=max(1, workers),
            log_level=log_level,
            access_log=False,
            proxy_headers=False,
        )
