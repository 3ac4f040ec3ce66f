"""`supplyscreen serve`: the HTTP API and web UI (FastAPI under uvicorn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from supplyscreen.cli.common import HomeOption, err


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
        home: HomeOption = None,
    ) -> None:
        """Serve the API (/match, /reconcile, /screen …, documented at /docs) and the web UI (/ui/)."""
        try:
            import uvicorn
        except ImportError:
            raise typer.BadParameter(
                "the service needs its extra: pip install 'supplyscreen[service]'", param_hint="serve"
            ) from None
        if home:
            os.environ["SUPPLYSCREEN_HOME"] = str(Path(home).expanduser())
        if database_url:
            os.environ["SUPPLYSCREEN_DATABASE_URL"] = database_url
        err.print(
            f"supplyscreen serving on http://{host}:{port}/ (web UI /ui/, API docs /docs)", highlight=False
        )
        if workers > 1 and hasattr(os, "fork"):
            from supplyscreen.api.forked import serve_forked  # one copy of the lists for every process

            serve_forked(host, port, workers, log_level)
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
