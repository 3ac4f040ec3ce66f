"""scripts/build_snapshot.py: the embedded snapshot's builder, run on the folder of fixture files in
the official formats (tests/fixtures/official), and its one-line answer when the folder is missing."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from conftest import OFFICIAL, REPO
from support.scripts import load_path

from supplyscreen import Screener
from supplyscreen.store import Store

VERSION = "20200101T000000Z-fixtures"


def _builder() -> ModuleType:
    return load_path(REPO / "scripts" / "build_snapshot.py", "build_snapshot")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The snapshot built from the fixture folder, inside a data directory's snapshots/ folder."""
    out = tmp_path_factory.mktemp("home") / "snapshots" / VERSION
    out.parent.mkdir()
    assert _builder().main([str(OFFICIAL), "--out", str(out), "--version", VERSION]) == 0
    return out


def _entities(snapshot: Path) -> list[dict[str, object]]:
    with gzip.open(snapshot / "entities.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_the_fixture_folder_holds_every_file_the_builder_reads() -> None:
    assert _builder().missing_files(OFFICIAL) == []


def test_every_source_is_built_with_its_date_and_the_files_it_came_from(built: Path) -> None:
    builder = _builder()
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == VERSION
    sources = manifest["sources"]
    assert set(sources) == set(builder.SHARED_FILES) | set(builder.CURATED_FILES)
    for code, (files, date) in builder.SHARED_FILES.items():
        info = sources[code]
        assert info["official"] is True and info["entities"] > 0
        assert info["snapshot_date"] == date or code == "un_sc"  # the UN file says its own date
        for role, rel in files.items():
            assert info["files"][role]["local_name"] == Path(rel).name
            assert info["files"][role]["size"] == (OFFICIAL / rel).stat().st_size
    assert sources["curated_uflpa"]["official"] is False and sources["curated_uflpa"]["entities"] == 94
    # nothing of the real lists leaks in: the fixture files are a few dozen records each
    assert manifest["entities"] < 400
    assert manifest["lists"]["us_dhs_uflpa"] == 94


def test_the_same_party_on_two_official_lists_becomes_one_linked_entity(built: Path) -> None:
    (xpcc,) = [e for e in _entities(built) if "us_ofac_sdn:90001" in e["source_ids"]]  # type: ignore[operator]
    assert "us_trade_csl:90001" in xpcc["source_ids"]  # type: ignore[operator]
    lists = {m["list_code"] for m in xpcc["memberships"]}  # type: ignore[index, union-attr]
    assert "us_ofac_sdn" in lists


def test_a_screener_on_the_built_snapshot_finds_a_listed_name(built: Path) -> None:
    store = Store.open(built.parents[1])
    store.activate(VERSION)
    screener = Screener(store)
    hits = screener.match("Hangzhou Hikvision Digital Technology Co., Ltd.")
    assert hits and hits[0].match
    assert {"us_bis_entity_list", "us_ofac_cmic"} <= {code for h in hits[:1] for code in h.lists}


def test_a_missing_folder_is_one_line_naming_what_is_needed_and_where_it_comes_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _builder().main([str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere" in err
    assert "lists/us_ofac_sdn/sdn_2024-05-03.csv" in err and "docs/sources.md" in err
    assert not out.exists()


def test_the_compressed_fixtures_hold_exactly_their_plain_twins() -> None:
    lists = OFFICIAL / "lists"
    csv = lists / "us_trade_csl" / "consolidated_2022-05.csv"
    assert gzip.decompress(csv.with_name(csv.name + ".gz").read_bytes()) == csv.read_bytes()
    xml = lists / "us_ofac_consolidated_nonsdn" / "CONS_ENHANCED_2025-01-14.xml"
    with zipfile.ZipFile(xml.with_suffix(".ZIP")) as archive:
        assert archive.namelist() == ["CONS_ENHANCED.XML"]
        assert archive.read("CONS_ENHANCED.XML") == xml.read_bytes()
