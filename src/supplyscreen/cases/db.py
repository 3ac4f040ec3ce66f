"""Where the case database lives and how it is opened: a SQLite file by default, PostgreSQL if configured.

``SUPPLYSCREEN_DATABASE_URL`` (or ``--database-url``) names the database, e.g.
``postgresql+psycopg://user:password@host/supplyscreen``; without it the database is the file
``supplyscreen.db`` in the data directory (nothing to start). The schema is brought up to date with
the package's Alembic migrations the first time a database is opened. A new SQLite file is readable
by its owner only (0600; SQLite gives its ``-wal`` and ``-shm`` files the same mode), a folder made
for it 0700.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from supplyscreen.errors import SupplyscreenError
from supplyscreen.settings import DATABASE_ENV, DB_FILENAME, default_home

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 727_004_211  # any constant: serialises concurrent first starts on one server


class CaseDatabaseError(SupplyscreenError):
    """The case database cannot be opened or used (bad URL, server unreachable, failed migration)."""


def utc_now() -> str:
    """Now, as the ISO 8601 UTC text every case table stores (``2026-03-01T09:30:00.123456Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def database_url(url: str | None = None, home: str | Path | None = None) -> str:
    """The database to use: ``url``, else ``$SUPPLYSCREEN_DATABASE_URL``, else ``<home>/supplyscreen.db``."""
    chosen = url or os.environ.get(DATABASE_ENV)
    if chosen:
        return chosen
    base = Path(home).expanduser() if home else default_home()
    return f"sqlite:///{(base / DB_FILENAME).resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases or in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def database_exists(url: str) -> bool:
    """Whether there is a database to read decisions from: a SQLite file that exists, or any server URL."""
    path = sqlite_path(url)
    return path is None or path.is_file()


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 (whatever the umask) unless it exists; a missing folder
    is made 0700."""
    if not path.parent.is_dir():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and a busy timeout, for threads and processes."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CaseDatabaseError(f"not a database URL: {url!r} ({exc})") from exc
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            create_private(path)  # an empty file is an empty database; SQLite keeps its mode
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("psycopg2", ""):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we install
    return create_engine(parsed, pool_pre_ping=True)


@contextlib.contextmanager
def _migration_lock(engine: Engine, url: str) -> Iterator[None]:
    """One process at a time brings a database's schema up to date."""
    path = sqlite_path(url)
    if path is not None:
        lock_path = path.with_name(path.name + ".migrate-lock")
        create_private(lock_path)
        with open(lock_path, "w") as lock:
            try:
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX)
            except ImportError:  # pragma: no cover - Windows
                pass
            yield
        return
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
        return
    yield


def migrate(engine: Engine, url: str) -> str:
    """Run ``alembic upgrade head`` on the database when it is behind; returns the schema revision."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head() or ""
    with _migration_lock(engine, url):
        with engine.begin() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            if current != head:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
    return head


class CaseDatabase:
    """An open case database: its engine and sessions, schema up to date."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        try:
            self.revision = migrate(self.engine, url)
        except SupplyscreenError:
            raise
        except Exception as exc:  # driver errors: unreachable server, bad credentials, read-only file
            self.engine.dispose()
            raise CaseDatabaseError(f"cannot open the case database {_safe(url)}: {exc}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, home: str | Path | None = None) -> CaseDatabase:
        """The database named by ``url``, the environment, or the data directory (created if missing)."""
        return cls(database_url(url, home))

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"CaseDatabase({_safe(self.url)!r})"


def _safe(url: str) -> str:
    """The URL with its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"
