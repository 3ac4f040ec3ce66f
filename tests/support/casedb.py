"""Test helpers for the case database: a fresh SQLite file, or a fresh PostgreSQL schema when
SUPPLYSCREEN_TEST_POSTGRES_URL names a server (CI starts one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

POSTGRES_ENV = "SUPPLYSCREEN_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of ``backend`` (a new schema on PostgreSQL, dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'cases.db'}"
        return
    base = postgres_url()
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set (CI sets it to a local PostgreSQL server)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = "t_" + uuid.uuid4().hex[:12]
    url = make_url(base)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
