"""Who is asking and how often: API keys and signed session cookies, CSRF tokens, per-key rate limits.

A request proves itself with ``Authorization: ApiKey <key>`` (as the OpenSanctions API), the
``api_key`` query parameter (for OpenRefine, which cannot set headers), or the web UI's session
cookie. Cookie-authenticated requests that change something must also carry the session's CSRF token
(form field ``csrf_token`` or header ``X-CSRF-Token``). Signing out records the time in the user's
row (``sessions_valid_after``): cookies issued until then are refused, even copied ones. Key and user
look-ups are cached briefly so authentication costs no database round trip per request (a sign-out
drops the user from this process's cache at once).
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
from datetime import UTC, datetime
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
    """A signed-in web user: name, CSRF token, expiry and issue time (epoch seconds)."""

    user: str
    csrf: str
    expires: float
    issued: float = 0.0

    def issued_after(self, stamp: str | None) -> bool:
        """Whether the session was issued after ``stamp`` (a case database time; None: always)."""
        if not stamp:
            return True
        issued = datetime.fromtimestamp(self.issued, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return issued > stamp


class SessionSigner:
    """Session cookies: a JSON body and its HMAC-SHA256, so the server keeps no session table."""

    def __init__(self, secret: str, hours: float) -> None:
        self._key = hashlib.sha256(("supplyscreen-session:" + secret).encode()).digest()
        self.seconds = hours * 3600

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def issue(self, user: str) -> tuple[str, Session]:
        """A new cookie value for ``user`` and the session it holds."""
        now = time.time()
        session = Session(user, secrets.token_urlsafe(24), now + self.seconds, now)
        body = _b64(
            json.dumps({"u": user, "c": session.csrf, "e": session.expires, "i": session.issued}).encode()
        )
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
            expires = float(data["e"])
            issued = float(data.get("i", expires - self.seconds))
            session = Session(str(data["u"]), str(data["c"]), expires, issued)
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > time.time() else None


class ReadTokens:
    """Reading tokens for the links a reconciliation manifest hands to OpenRefine (suggest, preview,
    view): OpenRefine cannot send a header, and the API key must never be echoed into a manifest it
    stores and shows. A token names its key by the first 16 characters of the key's digest and is
    signed with the server's secret; it reads (GET) entities and suggestions, nothing else, and dies
    with its key."""

    @staticmethod
    def admits(method: str, path: str) -> bool:
        """Whether a token may authenticate this request: reading entities, suggestions and previews."""
        if method not in ("GET", "HEAD"):
            return False
        if path.startswith("/entities/"):
            return True
        parts = path.split("/")  # "", "reconcile", dataset, what …
        return len(parts) >= 4 and parts[1] == "reconcile" and parts[3] in ("suggest", "preview", "extend")

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("supplyscreen-read:" + secret).encode()).digest()

    def _mac(self, digest: str) -> str:
        return _b64(hmac.new(self._key, digest.encode(), hashlib.sha256).digest())[:32]

    def issue(self, key: str) -> str:
        digest = key_digest(key)
        return f"{digest[:16]}.{self._mac(digest)}"

    def principal(self, token: str, accounts: Accounts) -> Principal | None:
        """The principal of a valid token of an unrevoked key, else None."""
        prefix, _, mac = token.partition(".")
        found = accounts.digest_principal(prefix) if len(prefix) == 16 and mac else None
        if found is None or not hmac.compare_digest(mac, self._mac(found[0])):
            return None
        return found[1]


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
        self._users: dict[str, tuple[tuple[str, str | None] | None, float]] = {}

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
        """The session's user, unless inactive or signed out since the session was issued."""
        now = time.monotonic()
        cached = self._users.get(session.user)
        if cached is None or cached[1] <= now:
            cached = (self.accounts.session_user(session.user), now + self.ttl)
            if len(self._users) > 10_000:
                self._users.clear()
            self._users[session.user] = cached
        found = cached[0]
        if found is None or not session.issued_after(found[1]):
            return None
        return Principal(session.user, found[0], "session")

    def sign_out(self, user: str) -> None:
        """Revoke every session of ``user`` issued until now, in the database and in this cache."""
        self.accounts.revoke_sessions(user)
        self._users.pop(user, None)


def api_key_from(headers: Any, query: Any) -> str | None:
    """The key in ``Authorization: ApiKey …`` (or ``Bearer …``), else the ``api_key`` query parameter."""
    auth = headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("apikey", "bearer") and value.strip():
            return str(value.strip())
    key = query.get("api_key")
    return str(key) if key else None
