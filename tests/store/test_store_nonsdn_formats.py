"""`lists update us_ofac_nonsdn`: the official address gives the enhanced XML; a folder or mirror may hold
it, OFAC's legacy CSV set, or both (the ZIP wins); switching format is no missing companion file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import LISTS
from support.cli import run_cli

from supplyscreen.errors import UpdateError
from supplyscreen.sources.registry import source_spec
from supplyscreen.store import Store
from supplyscreen.store import fetch as fetch_module
from supplyscreen.store.build import build_snapshot, read_source
from supplyscreen.store.fetch import fetch_source

FOLDER = LISTS / "us_ofac_consolidated_nonsdn"
ZIP = ("zip", "CONS_ENHANCED_2025-01-14.ZIP", "CONS_ENHANCED.ZIP")
CSV_SET = (  # role, fixture file, official name
    ("prim", "cons_prim_2025-12.csv", "CONS_PRIM.CSV"),
    ("alt", "cons_alt_2025-12.csv", "CONS_ALT.CSV"),
    ("add", "cons_add_2025-12.csv", "CONS_ADD.CSV"),
    ("comments", "cons_comments_2025-12.csv", "CONS_COMMENTS.CSV"),
)
BASE = "20200101T000000Z-nonsdn"
CODE = "us_ofac_nonsdn"


def _store(home: Path, *files: tuple[str, str, str]) -> Store:
    """A store whose active snapshot holds the non-SDN list read from the given fixture files."""
    data = read_source(source_spec(CODE), {role: FOLDER / fixture for role, fixture, _ in files})
    (home / "snapshots").mkdir(parents=True)
    build_snapshot(home / "snapshots" / BASE, {CODE: data}, version=BASE)
    store = Store.open(home)
    store.activate(BASE)
    return store


def _mirror(folder: Path, *files: tuple[str, str, str]) -> Path:
    """``folder`` holding the given fixture files under their official names."""
    folder.mkdir(parents=True, exist_ok=True)
    for _, fixture, official in files:
        shutil.copyfile(FOLDER / fixture, folder / official)
    return folder


@pytest.fixture()
def xml_store(tmp_path: Path) -> Store:
    return _store(tmp_path / "home", ZIP)


@pytest.fixture()
def csv_store(tmp_path: Path) -> Store:
    return _store(tmp_path / "home", *CSV_SET)


def test_a_csv_set_folder_replaces_a_version_built_from_the_enhanced_xml(
    xml_store: Store, tmp_path: Path
) -> None:
    assert set(xml_store.snapshot.sources[CODE].files) == {"zip"}
    mirror = _mirror(tmp_path / "mirror", *CSV_SET)
    result = xml_store.update([CODE], str(mirror))
    assert result.failed == {} and result.version is not None
    info = xml_store.snapshot.sources[CODE]
    assert set(info.files) == {"prim", "alt", "add", "comments"}  # the format read
    assert info.files["prim"]["filename"] == "CONS_PRIM.CSV"
    assert info.files["prim"]["url"] == str(mirror / "CONS_PRIM.CSV")
    assert info.entities == 14 and info.mirror == str(mirror)
    assert any(n.startswith("read from the legacy CSV set: CONS_PRIM.CSV") for n in info.notes)
    rows = {r.list_code: r for r in xml_store.status() if r.source == CODE}
    assert "us_ofac_sdn" not in rows and rows["us_ofac_plc"].entities == 3
    assert xml_store.get("us_ofac_nonsdn:40101").caption.upper().startswith("HANGZHOU HIKVISION")
    assert xml_store.versions() == ["embedded", BASE, result.version]


def test_an_enhanced_xml_folder_replaces_a_version_built_from_the_csv_set(
    csv_store: Store, tmp_path: Path
) -> None:
    mirror = _mirror(tmp_path / "mirror", ZIP)
    # the XML fixture has one entry fewer than the CSV one: 13 of 14 is under the 95% kept by default
    result = csv_store.update([CODE], str(mirror), min_ratio=0.9)
    assert result.failed == {} and result.version is not None
    info = csv_store.snapshot.sources[CODE]
    assert set(info.files) == {"zip"} and info.entities == 13
    assert info.snapshot_date == "2025-01-10"


def test_a_folder_with_both_formats_gives_the_zip(xml_store: Store, tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "mirror", ZIP, *CSV_SET)
    result = xml_store.update([CODE], str(mirror))
    assert result.failed == {} and result.version is not None
    assert set(xml_store.snapshot.sources[CODE].files) == {"zip"}
    paths, locations = fetch_source(source_spec(CODE), tmp_path / "fetched", str(mirror))
    assert set(paths) == {"zip"} and locations["zip"] == str(mirror / "CONS_ENHANCED.ZIP")


def test_a_csv_set_lacking_a_file_the_active_csv_version_has_is_refused(
    csv_store: Store, tmp_path: Path
) -> None:
    mirror = _mirror(tmp_path / "mirror", *(f for f in CSV_SET if f[0] != "alt"))
    result = csv_store.update([CODE], str(mirror))
    assert result.version is None and result.refused == {CODE}
    why = result.failed[CODE]
    assert "CONS_ALT.CSV not found" in why and "active snapshot was built with it" in why
    assert csv_store.active_version == BASE
    forced = csv_store.update([CODE], str(mirror), force=True)
    assert forced.version is not None and set(csv_store.snapshot.sources[CODE].files) == {
        "prim",
        "add",
        "comments",
    }


def test_a_folder_with_neither_format_names_both_main_files(xml_store: Store, tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "mirror", *(f for f in CSV_SET if f[0] != "prim"))
    result = xml_store.update([CODE], str(mirror))
    assert result.version is None and result.refused == set()  # not fetched, rather than refused
    assert result.failed[CODE] == (
        f"{CODE}: {mirror / 'CONS_ENHANCED.ZIP'} not found, nor {mirror / 'CONS_PRIM.CSV'} not found "
        "(either format of the list will do)"
    )


def test_the_official_addresses_give_the_enhanced_zip_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def download(url: str, target: Path) -> None:
        asked.append(url)
        shutil.copyfile(FOLDER / ZIP[1], target)

    monkeypatch.setattr(fetch_module, "_download", download)
    paths, locations = fetch_source(source_spec(CODE), tmp_path / "fetched")
    assert asked == [
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ENHANCED.ZIP"
    ]
    assert set(paths) == {"zip"} and locations["zip"] == asked[0]


def test_a_source_of_one_format_fetches_as_before(tmp_path: Path) -> None:
    """A source of one format keeps its behaviour: its files under their official names, a missing
    required one named alone."""
    mirror = tmp_path / "sdn"
    mirror.mkdir()
    shutil.copyfile(LISTS / "us_ofac_sdn" / "sdn_2024-05-03.csv", mirror / "sdn.csv")
    paths, _ = fetch_source(source_spec("us_ofac_sdn"), tmp_path / "fetched", str(mirror))
    assert set(paths) == {"sdn"}
    with pytest.raises(UpdateError, match=r"^us_ofac_sdn: .*sdn\.csv not found$"):
        fetch_source(source_spec("us_ofac_sdn"), tmp_path / "fetched2", str(tmp_path / "nowhere"))


def test_cli_update_from_a_csv_set_folder_over_the_enhanced_xml(
    xml_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = _mirror(tmp_path / "mirror", *CSV_SET)
    home = ["--home", str(xml_store.home)]
    code, out, err = run_cli(["lists", "update", CODE, "--from", str(mirror), *home], capsys, monkeypatch)
    assert code == 0, err
    assert f"updated {CODE}: 14 entities" in out
    code, out, _ = run_cli(["lists", "status", *home], capsys, monkeypatch)
    assert code == 0 and "read from the legacy CSV set" in out
    code, out, _ = run_cli(["lists", "versions", *home], capsys, monkeypatch)
    assert code == 0 and BASE in out and out.count("* ") == 1
