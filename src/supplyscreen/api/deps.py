"""Route dependencies: the service state, the principal behind a request, role checks."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from supplyscreen.api.security import SAFE_METHODS, SESSION_COOKIE, ReadTokens, api_key_from, tokens_equal
from supplyscreen.api.service import ServiceState
from supplyscreen.cases.accounts import Principal

UNAUTHENTICATED = "authentication required: send 'Authorization: ApiKey <key>' or sign in"


class LoginRequired(Exception):
    """A web page was asked for without a session: the browser is sent to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def state_of(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


async def _csrf_ok(request: Request, expected: str) -> bool:
    if tokens_equal(request.headers.get("x-csrf-token"), expected):
        return True
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        return tokens_equal(str(form.get("csrf_token") or ""), expected)
    return False


async def identify(request: Request) -> Principal | None:
    """The principal of a request (API key, else a reading token where ``ReadTokens.admits`` it,
    else session cookie), or None; raises 401 for a bad key and
    403 for a cookie-authenticated change without the CSRF token."""
    state = state_of(request)
    key = api_key_from(request.headers, request.query_params)
    if key:
        principal = state.auth.by_key(key)
        if principal is None:
            raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "ApiKey"})
        return principal
    token = request.query_params.get("token")
    if token and ReadTokens.admits(request.method, request.url.path):
        return state.read_tokens.principal(token, state.cases.accounts)  # None: 401 like no key
    session = state.sessions.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    principal = state.auth.by_session(session)
    if principal is None:
        return None
    if request.method not in SAFE_METHODS and not await _csrf_ok(request, session.csrf):
        raise HTTPException(403, "missing or wrong CSRF token")
    request.state.csrf = session.csrf
    return principal


def _throttle(state: ServiceState, principal: Principal) -> None:
    wait = state.limiter.allow(f"{principal.via}:{principal.key_id or principal.name}")
    if wait:
        raise HTTPException(
            429, "rate limit exceeded; slow down", headers={"Retry-After": str(max(1, math.ceil(wait)))}
        )


def require(role: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits principals with at least ``role`` (401 without one, 403 if too weak)."""

    async def dependency(request: Request) -> Principal:
        principal = await identify(request)
        if principal is None:
            raise HTTPException(401, UNAUTHENTICATED, headers={"WWW-Authenticate": "ApiKey"})
        _throttle(state_of(request), principal)
        if not principal.can(role):
            raise HTTPException(403, f"this needs the {role} role; you are {principal.role}")
        request.state.principal = principal
        return principal

    return dependency


def web_user(role: str = "viewer") -> Callable[[Request], Awaitable[Principal]]:
    """Like :func:`require`, for web pages: without a session the browser goes to the sign-in page."""

    async def dependency(request: Request) -> Principal:
        principal = await identify(request)
        if principal is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(target)
        _throttle(state_of(request), principal)
        if not principal.can(role):
            raise HTTPException(403, f"this needs the {role} role; you are {principal.role}")
        request.state.principal = principal
        return principal

    return dependency


viewer = require("viewer")
reviewer = require("reviewer")
admin = require("admin")
