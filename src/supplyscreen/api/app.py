"""The FastAPI application: routers, limits, error handling, start-up and shut-down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import fastapi_offline  # type: ignore[import-untyped]
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic_core import PydanticSerializationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from supplyscreen.api import (
    monitors,
    reconcile,
    scanning,
    screening,
    web,
    web_entities,
    web_monitoring,
    web_scan,
    yente,
)
from supplyscreen.api.admission import Admission
from supplyscreen.api.deps import LoginRequired, state_of, viewer
from supplyscreen.api.jobs import JobRunner
from supplyscreen.api.schedule import Scheduler, schedule_status, watch_lists
from supplyscreen.api.service import ServiceState
from supplyscreen.cases import Cases
from supplyscreen.cases.accounts import Principal
from supplyscreen.cases.hooks import install_list_audit
from supplyscreen.errors import SupplyscreenError
from supplyscreen.screener import Screener
from supplyscreen.settings import ServiceSettings as Settings
from supplyscreen.version import __version__

log = logging.getLogger("supplyscreen.api")
STATIC = Path(__file__).resolve().parent / "static"
#: Swagger UI's and ReDoc's files, shipped by the fastapi-offline package (MIT; Swagger UI 5 reads the
#: OpenAPI 3.1 that FastAPI writes)
SWAGGER_UI = Path(fastapi_offline.__file__).resolve().parent / "static"
UPLOAD_PATHS = ("/screen", "/ui/upload", "/monitors", "/scan", "/ui/scan")
#: paths whose answers are a user's own (web pages, jobs and their results, monitors' vendors and
#: changes): never cached or referred
PRIVATE_PATHS = ("/ui", "/jobs", "/monitors", "/scan")


class BodyLimit:
    """Refuses request bodies over the limit with 413, counting bytes as they arrive (no Content-Length
    trust needed); uploads have their own, larger limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.settings.max_upload_bytes if path in UPLOAD_PATHS else self.settings.max_body_bytes
        limit += 64 * 1024  # multipart framing and form fields
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _too_large(send, limit)
                return
        seen = 0
        exceeded = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}  # the app stops reading; its answer is replaced
            return message

        async def guarded(message: Message) -> None:
            if not exceeded:
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not exceeded:
                raise
        if exceeded:
            await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = b'{"detail":"request body too large (limit %d MB)"}' % (limit >> 20)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _not_unicode(request: Request, exc: Exception) -> Response:
    """Text that is no valid Unicode (a lone surrogate such as "\\ud800", which JSON can carry but
    UTF-8 cannot) is the request's fault: 422, saying so."""
    return JSONResponse(
        {"detail": "the request holds text that is not valid Unicode (a lone surrogate such as \\ud800)"},
        status_code=422,
    )


async def _not_serialisable(request: Request, exc: Exception) -> Response:
    """A response pydantic cannot write: text that is no valid Unicode echoed from the request is the
    request's fault (422); anything else is unexpected."""
    if "surrogates not allowed" in str(exc) or "UnicodeEncodeError" in str(exc):
        return await _not_unicode(request, exc)
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    """No stack trace to the client: a reference the operator finds in the server log."""
    ref = uuid.uuid4().hex[:12]
    log.error("error %s on %s %s", ref, request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": f"internal error (reference {ref})"}, status_code=500)


async def _known(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": str(exc)}, status_code=400)


async def _login(request: Request, exc: Exception) -> Response:
    target = exc.next_url if isinstance(exc, LoginRequired) else "/ui/"
    from urllib.parse import quote

    return RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303)


async def _invalid(request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [{k: e.get(k) for k in ("loc", "msg", "type")} for e in errors]
    return JSONResponse({"detail": detail}, status_code=422)


class SecurityHeaders:
    """Headers every answer carries, added to the response's start message (a plain ASGI middleware:
    starlette's ``BaseHTTPMiddleware`` costs a task and a stream per request, a fifth of a /match)."""

    UI = (
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", b"default-src 'self'; style-src 'self'; img-src 'self' data:"),
    )
    #: pages and files for a signed-in user: job ids never leak in a Referer, nothing is cached
    PRIVATE = ((b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        extra = [(b"x-content-type-options", b"nosniff")]
        if path.startswith("/ui"):
            extra.extend(self.UI)
        if path.startswith(PRIVATE_PATHS):
            extra.extend(self.PRIVATE)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _docs_router(app: FastAPI) -> APIRouter:
    """``/docs`` (the OpenAPI UI) and ``/favicon.ico``, from Swagger UI's files in the package's
    ``fastapi-offline`` dependency: the page works on a machine without internet."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="supplyscreen API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon.png",
        )

    @router.get("/favicon.ico")
    def favicon() -> FileResponse:
        return FileResponse(SWAGGER_UI / "favicon.png", media_type="image/png")

    return router


def create_app(
    settings: Settings | None = None,
    *,
    screener: Screener | None = None,
    cases: Cases | None = None,
    update_every: float | None = None,
) -> FastAPI:
    """The app for ``settings`` (default: from the environment); pass a ready ``screener`` or ``cases``
    to share them (tests do). With ``update_every`` (seconds) the lists are updated on that schedule
    and every monitor run after each update (``api.schedule``; one process of several runs it)."""
    settings = settings or Settings.from_env()
    screener = screener or Screener.open(settings.home)
    cases = cases or Cases.open(settings.database_url, settings.home)
    install_list_audit()
    state = ServiceState(settings, screener, cases)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.jobs.recover()  # unfinished jobs failed, their temporary files and expired jobs removed
        screener.matcher  # noqa: B018 - load the name index before the first request
        state.links()  # and the API's ids and referents (api.ids), read from every entity once
        state.history()  # and when each entity was first seen and last changed (store.history)
        watcher = asyncio.create_task(watch_lists(state))  # a new active version is served
        if app.state.scheduler is not None:
            app.state.scheduler.start()
        yield
        if app.state.scheduler is not None:
            app.state.scheduler.close()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        app.state.jobs.close()
        state.close()

    app = FastAPI(
        title="supplyscreen",
        version=__version__,
        description=(
            "Screen vendors, suppliers and purchase files against the official lists (OFAC, BIS Entity "
            "List, UN, FCC Covered List, NDAA s.889, UFLPA). Send `Authorization: ApiKey <key>`; "
            "`/match/{dataset}` answers like OpenSanctions' yente, `/reconcile/{dataset}` like an "
            "OpenRefine reconciliation service."
        ),
        lifespan=lifespan,
        docs_url=None,  # served below from the package's own copy of Swagger UI, never from a CDN
        redoc_url=None,
    )
    app.state.service = state
    app.state.jobs = JobRunner(state)
    app.state.scheduler = Scheduler(state, update_every) if update_every else None
    app.add_exception_handler(LoginRequired, _login)
    app.add_exception_handler(SupplyscreenError, _known)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(UnicodeError, _not_unicode)
    app.add_exception_handler(PydanticSerializationError, _not_serialisable)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization"],
    )
    app.add_middleware(BodyLimit, settings=settings)
    # outermost: a request refused for load is answered before any other work (issue 19, D12)
    app.add_middleware(Admission)
    app.include_router(yente.router)
    app.include_router(reconcile.router)
    app.include_router(screening.router)
    app.include_router(scanning.router)
    app.include_router(monitors.router)
    app.include_router(_status_router())
    app.include_router(web.router)
    app.include_router(web_monitoring.router)
    app.include_router(web_entities.router)
    app.include_router(web_scan.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/docs-assets", StaticFiles(directory=SWAGGER_UI), name="docs-assets")
    app.include_router(_docs_router(app))
    return app


def _status_router() -> Any:
    from fastapi import APIRouter

    router = APIRouter(tags=["Status"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers (no authentication)."""
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz(request: Request) -> Response:
        """Readiness: lists loaded, case database reachable, audit writes not failing (no authentication)."""
        state = state_of(request)
        problems = []
        try:
            state.cases.decisions.latest_id()
        except Exception:
            problems.append("case database unreachable")
        if state.audit.pending:
            problems.append(f"{state.audit.pending} audit events wait in the spool to be written")
        if state.screener._matcher is None:  # noqa: SLF001 - loaded at start-up
            problems.append("name index not loaded yet")
        status = 503 if problems else 200
        return JSONResponse({"status": "ok" if not problems else "unavailable", "problems": problems}, status)

    @router.get("/lists")
    def lists(request: Request, principal: Annotated[Principal, Depends(viewer)]) -> dict[str, Any]:
        """The active snapshot: version, and per list its source, entity count, snapshot date and age;
        the list-update schedule (``serve --update-every``): its last update, its next run."""
        store = state_of(request).screener.store
        snapshot = store.snapshot
        return {
            "version": store.active_version,
            "created": snapshot.created,
            "lists": [
                {
                    "list": r.list_code,
                    "source": r.source,
                    "title": r.title,
                    "entities": r.entities,
                    "snapshot_date": r.snapshot_date,
                    "age_days": r.age_days,
                    "stale": r.stale,
                    "official": r.official,
                }
                for r in store.status()
            ],
            "schedule": schedule_status(request.app),
        }

    @router.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/ui/", status_code=303)

    return router
