"""Every setting supplyscreen reads from the environment, declared here and nowhere else.

==============================  ===============================================================
``SUPPLYSCREEN_HOME``           data directory: list snapshots, the name index cache, uploads and
                                the SQLite case database (default: the user's data directory)
``SUPPLYSCREEN_DATABASE_URL``   case database, e.g. ``postgresql+psycopg://user:pw@host/db``
                                (default: ``supplyscreen.db`` in the data directory, once made)
``SUPPLYSCREEN_USER``           who runs a CLI command, for decisions and the audit trail
                                (default: the operating-system user)
``SUPPLYSCREEN_SOURCES_BASE_URL`` a mirror that ``lists update`` downloads every list from instead
                                of the official addresses (one folder, the official file names)
``SUPPLYSCREEN_PROGRESS``       set: ``match --input`` shows its progress bar even when the console is
                                not a terminal
``SUPPLYSCREEN_MAX_UPLOAD_MB``  largest file accepted by the service's ``POST /screen`` (default 100)
``SUPPLYSCREEN_RATE_LIMIT``     service requests per second per API key or user (default 1000)
``SUPPLYSCREEN_RATE_BURST``     requests a key may send at once before the limit applies (default 2000)
``SUPPLYSCREEN_SECRET_KEY``     signs the web UI's session cookies (default: a random key kept in
                                the data directory)
``SUPPLYSCREEN_SESSION_HOURS``  how long a web sign-in lasts (default 12)
``SUPPLYSCREEN_SECURE_COOKIES`` ``1`` when served over HTTPS: cookies are sent only over HTTPS
``SUPPLYSCREEN_AUDIT_MATCHES``  ``0`` keeps the service's /match and /reconcile look-ups out of the
                                audit log
``SUPPLYSCREEN_JOB_RETENTION_DAYS`` days the service keeps a finished screening job, its uploaded
                                file and results (default 30; ``0`` keeps them for ever)
``SUPPLYSCREEN_WEBHOOK_SECRET`` signs a monitor's webhook deliveries (``X-Supplyscreen-Signature:
                                sha256=<HMAC-SHA256 of the body>``)
``SUPPLYSCREEN_SMTP_URL``       the mail server of ``monitor run --notify mailto:…``, e.g.
                                ``smtp+starttls://user:pw@host:587`` (also ``smtp://``, ``smtps://``)
``SUPPLYSCREEN_MAIL_FROM``      the sender of a monitor's e-mail
``SUPPLYSCREEN_SMTP_CAFILE``    CA certificates (PEM) to trust for the mail server instead of the system's
==============================  ===============================================================

This module imports nothing of the package, so any module may import it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

HOME_ENV = "SUPPLYSCREEN_HOME"
DATABASE_ENV = "SUPPLYSCREEN_DATABASE_URL"
USER_ENV = "SUPPLYSCREEN_USER"
SOURCES_BASE_URL_ENV = "SUPPLYSCREEN_SOURCES_BASE_URL"
PROGRESS_ENV = "SUPPLYSCREEN_PROGRESS"
MAX_UPLOAD_MB_ENV = "SUPPLYSCREEN_MAX_UPLOAD_MB"
RATE_LIMIT_ENV = "SUPPLYSCREEN_RATE_LIMIT"
RATE_BURST_ENV = "SUPPLYSCREEN_RATE_BURST"
SECRET_KEY_ENV = "SUPPLYSCREEN_SECRET_KEY"
SESSION_HOURS_ENV = "SUPPLYSCREEN_SESSION_HOURS"
SECURE_COOKIES_ENV = "SUPPLYSCREEN_SECURE_COOKIES"
AUDIT_MATCHES_ENV = "SUPPLYSCREEN_AUDIT_MATCHES"
JOB_RETENTION_DAYS_ENV = "SUPPLYSCREEN_JOB_RETENTION_DAYS"
WEBHOOK_SECRET_ENV = "SUPPLYSCREEN_WEBHOOK_SECRET"
SMTP_URL_ENV = "SUPPLYSCREEN_SMTP_URL"
MAIL_FROM_ENV = "SUPPLYSCREEN_MAIL_FROM"
SMTP_CAFILE_ENV = "SUPPLYSCREEN_SMTP_CAFILE"

#: The SQLite case database in the data directory, used when no database URL is named.
DB_FILENAME = "supplyscreen.db"

MB = 1 << 20


def default_home() -> Path:
    """``$SUPPLYSCREEN_HOME``, else the user's data directory for supplyscreen."""
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("supplyscreen"))


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
class ServiceSettings:
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
    #: finished jobs older than this are removed, files and rows (at start-up and as jobs are added)
    job_retention_days: float = 30.0

    @classmethod
    def from_env(cls, home: Path | None = None, database_url: str | None = None) -> ServiceSettings:
        return cls(
            home=Path(home).expanduser() if home else default_home(),
            database_url=database_url or os.environ.get(DATABASE_ENV) or None,
            max_upload_bytes=int(_env_float(MAX_UPLOAD_MB_ENV, 100) * MB),
            rate_limit=_env_float(RATE_LIMIT_ENV, 1000.0),
            rate_burst=_env_float(RATE_BURST_ENV, 2000.0),
            secret_key=os.environ.get(SECRET_KEY_ENV, ""),
            session_hours=_env_float(SESSION_HOURS_ENV, 12.0),
            secure_cookies=_env_flag(SECURE_COOKIES_ENV, False),
            audit_matches=_env_flag(AUDIT_MATCHES_ENV, True),
            job_retention_days=_env_float(JOB_RETENTION_DAYS_ENV, 30.0),
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
