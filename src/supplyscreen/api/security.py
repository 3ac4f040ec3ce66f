"""Who is asking and how often: API keys and signed session cookies, CSRF tokens, per-key rate limits.

A request proves itself with ``Authorization: ApiKey <key>`` (as the OpenSanctions API), the
``api_key`` query parameter (for OpenRefine, which cannot set headers), or the web UI's session
cookie. Cookie-authenticated requests that change something must also carry the session's CSRF token
(form field ``csrf_token`` or header ``X-CSRF-Token``). Key and user look-ups are cached briefly so
authentication costs no database round trip per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from supplyscreen.cases.accounts import Accounts, Principal, key_digest

SESSION_COOKIE = "supplyscreen_session"
LOGIN_CSRF_COOKIE = "supplyscreen_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in web user: name, CSRF token, expiry (epoch seconds)."""

    user: str
    csrf: str
    expires: float


class SessionSigner:
    """Session cookies: a JSON body and its HMAC-SHA256, so the server keeps no session table."""

    def __init__(self, secret: str, hours: float) -> None:
        self._key = hashlib.sha256(("supplyscreen-session:" + secret).encode()).digest()
        self.seconds = hours * 3600

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def issue(self, user: str) -> tuple[str, Session]:
        """A new cookie value for ``user`` and the session it holds."""
        session = Session(user, secrets.token_urlsafe(24), time.time() + self.seconds)
        body = _b64(json.dumps({"u": user, "c": session.csrf, "e": session.expires}).encode())
        return f"{body}.{self._mac(body)}", session

    def read(self, cookie: str | None) -> Session | None:
        """The session in a cookie, or None when it is missing, forged or expired."""
        if not cookie or "." not in cookie:
            return None
        body, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            data = json.loads(_unb64(body))
            session = Session(str(data["u"]), str(data["c"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > time.time() else None


def tokens_equal(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class RateLimiter:
    """Token buckets, one per key: ``rate`` requests per second, up to ``burst`` at once."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, cost: float = 1.0) -> float:
        """0 when the request may go ahead, else the seconds to wait before trying again."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (cost - tokens) / self.rate


class Authenticator:
    """Principals for API keys and session users, cached for ``ttl`` seconds."""

    def __init__(self, accounts: Accounts, ttl: float) -> None:
        self.accounts = accounts
        self.ttl = ttl
        self._keys: dict[str, tuple[Principal | None, float]] = {}
        self._users: dict[str, tuple[str | None, float]] = {}

    def by_key(self, key: str) -> Principal | None:
        digest = key_digest(key)
        now = time.monotonic()
        cached = self._keys.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        principal = self.accounts.key_principal(key)
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[digest] = (principal, now + self.ttl)
        return principal

    def by_session(self, session: Session) -> Principal | None:
        now = time.monotonic()
        cached = self._users.get(session.user)
        if cached is None or cached[1] <= now:
            cached = (self.accounts.user_role(session.user), now + self.ttl)
            self._users[session.user] = cached
        role = cached[0]
        return Principal(session.user, role, "session") if role else None


def api_key_from(headers: Any, query: Any) -> str | None:
    """The key in ``Authorization: ApiKey …`` (or ``Bearer …``), else the ``api_key`` query parameter."""
    auth = headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("apikey", "bearer") and value.strip():
            return str(value.strip())
    key = query.get("api_key")
    return str(key) if key else None
