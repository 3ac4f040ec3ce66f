"""The HTTP service: a yente-compatible matching API, OpenRefine reconciliation, file and record
screening, reviewer decisions, the audit log, and a web UI. Thin: every route calls the core.

Public API::

    from supplyscreen.api import create_app, Settings
    app = create_app(Settings.from_env())     # serve with uvicorn, or `supplyscreen serve`
"""

from supplyscreen.api.app import create_app
from supplyscreen.settings import ServiceSettings as Settings

__all__ = ["Settings", "create_app"]
