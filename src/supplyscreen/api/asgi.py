"""The ASGI application object for uvicorn and other servers (``supplyscreen.api.asgi:app``)."""

from supplyscreen.api.app import create_app

app = create_app()
