"""Service configuration, read from environment variables (documented in the README).

``SUPPLYSCREEN_HOME``           data directory (lists, uploads, the SQLite case database)
``SUPPLYSCREEN_DATABASE_URL``   case database, e.g. ``postgresql+psycopg://user:pw@host/db``
``SUPPLYSCREEN_MAX_UPLOAD_MB``  largest file accepted by ``POST /screen`` (default 100)
``SUPPLYSCREEN_RATE_LIMIT``     requests per second per API key or user (default 1000)
``SUPPLYSCREEN_RATE_BURST``     requests a key may send at once before the limit applies (default 2000)
``SUPPLYSCREEN_SECRET_KEY``     signs session cookies (default: a random key kept in the data directory)
``SUPPLYSCREEN_SESSION_HOURS``  how long a web sign-in lasts (default 12)
``SUPPLYSCREEN_SECURE_COOKIES`` ``1`` when served over HTTPS: cookies are sent only over HTTPS
``SUPPLYSCREEN_AUDIT_MATCHES``  ``0`` to keep /match and /reconcile look-ups out of the audit log
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from supplyscreen.store.store import default_home

MB = 1 << 20


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        return default


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(slots=True)
class Settings:
    """What the service needs to know; :meth:`from_env` reads it from the environment."""

    home: Path = field(default_factory=default_home)
    database_url: str | None = None
    max_upload_bytes: int = 100 * MB
    max_body_bytes: int = 10 * MB
    max_records: int = 1000
    rate_limit: float = 1000.0
    rate_burst: float = 2000.0
    secret_key: str = ""
    session_hours: float = 12.0
    secure_cookies: bool = False
    audit_matches: bool = True
    auth_cache_seconds: float = 30.0

    @classmethod
    def from_env(cls, home: Path | None = None, database_url: str | None = None) -> Settings:
        return cls(
            home=Path(home).expanduser() if home else default_home(),
            database_url=database_url or os.environ.get("SUPPLYSCREEN_DATABASE_URL") or None,
            max_upload_bytes=int(_env_float("SUPPLYSCREEN_MAX_UPLOAD_MB", 100) * MB),
            rate_limit=_env_float("SUPPLYSCREEN_RATE_LIMIT", 1000.0),
            rate_burst=_env_float("SUPPLYSCREEN_RATE_BURST", 2000.0),
            secret_key=os.environ.get("SUPPLYSCREEN_SECRET_KEY", ""),
            session_hours=_env_float("SUPPLYSCREEN_SESSION_HOURS", 12.0),
            secure_cookies=_env_flag("SUPPLYSCREEN_SECURE_COOKIES", False),
            audit_matches=_env_flag("SUPPLYSCREEN_AUDIT_MATCHES", True),
        )

    def resolved_secret(self) -> str:
        """The session-signing secret: configured, else kept in ``<home>/service-secret`` (made once)."""
        if self.secret_key:
            return self.secret_key
        path = self.home / "service-secret"
        if path.is_file():
            text = path.read_text(encoding="utf-8").strip()
            if text:
                return text
        self.home.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secret)
        return secret
