"""data/sources.yaml declares every source once; the registry, the linkage's order, the known gaps
and the snapshot builder's file list all derive from it."""

from __future__ import annotations

import pytest
from conftest import OFFICIAL, REPO
from support.scripts import load_path

from supplyscreen.errors import StoreError
from supplyscreen.screen.run import KNOWN_GAPS
from supplyscreen.sources import registry
from supplyscreen.store.linkage import SOURCE_PRIORITY


def test_every_declared_source_has_a_reader_under_its_code() -> None:
    for code, declared in registry.declarations().items():
        spec = registry.source_spec(code)
        assert spec.code == code, declared.module
        assert spec.official == (code not in registry.CURATED)
        if declared.updatable:
            assert all(f.url.startswith("https://") for f in spec.files if f.required)


def test_the_order_of_authority_puts_ofacs_own_files_first_and_curated_research_last() -> None:
    assert SOURCE_PRIORITY == registry.PRIORITY
    assert registry.PRIORITY[:2] == ("us_ofac_sdn", "us_ofac_nonsdn")
    assert set(registry.PRIORITY[-3:]) == set(registry.CURATED)
    assert set(registry.UPDATABLE) == {c for c in registry.PRIORITY if c not in registry.CURATED}


def test_known_gaps_and_the_builders_files_come_from_the_declarations() -> None:
    assert KNOWN_GAPS == registry.known_gaps()
    assert "94 of the 144" in KNOWN_GAPS["curated_uflpa"] and "  " not in KNOWN_GAPS["curated_uflpa"]
    builder = load_path(REPO / "scripts" / "build_snapshot.py", "build_snapshot_r")
    assert builder.SHARED_FILES == registry.embedded_files()
    assert set(builder.CURATED_FILES) == set(registry.CURATED)
    for code, (files, _date) in registry.embedded_files().items():
        spec = registry.source_spec(code)
        fmt = spec.format_of(files)  # every file of one format (the non-SDN list has two)
        assert fmt is not None and set(files) == {f.role for f in spec.format_files(fmt)}, code
        assert all((OFFICIAL / path).is_file() for path in files.values()), code


def test_min_share_defaults_to_ninety_five_percent_and_unknown_codes_are_named() -> None:
    assert registry.min_share("un_sc") == 0.95  # a drop of over 5% needs --force
    assert registry.min_share("my_watchlist") == registry.DEFAULT_MIN_SHARE
    with pytest.raises(StoreError, match="known sources: us_ofac_sdn, us_ofac_nonsdn"):
        registry.source_spec("no_such_source")
