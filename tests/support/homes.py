"""A small data directory for tests whose lists are their own (a user watchlist, versions written by
the test): the UN and FCC fixture lists only, so that each new list version is built and indexed in
a fraction of a second rather than the embedded snapshot's several seconds."""

from __future__ import annotations

from pathlib import Path

from conftest import FCC_HTML, UN_XML

from supplyscreen.sources.registry import source_spec
from supplyscreen.store import Store
from supplyscreen.store.build import build_snapshot, read_source

BASE_VERSION = "20200101T000000Z-base"


def small_home(home: Path) -> Path:
    """A data directory whose active version holds the UN and FCC fixture lists only."""
    sources = {
        "un_sc": read_source(source_spec("un_sc"), {"xml": UN_XML}),
        "us_fcc_covered": read_source(source_spec("us_fcc_covered"), {"html": FCC_HTML}),
    }
    (home / "snapshots").mkdir(parents=True)
    build_snapshot(home / "snapshots" / BASE_VERSION, sources, version=BASE_VERSION)
    Store.open(home).activate(BASE_VERSION)
    return home
