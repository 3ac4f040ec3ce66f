"""`lists update`: a good file switches atomically; a cut, corrupt or shrunk one keeps the old version."""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import FCC_HTML, LISTS, UN_XML

from supplyscreen.errors import UnknownEntityError
from supplyscreen.sources import registry
from supplyscreen.sources.registry import source_spec
from supplyscreen.store import Store
from supplyscreen.store.build import build_snapshot, read_source
from supplyscreen.store.store import UpdateResult


class _Handler(SimpleHTTPRequestHandler):
    """Serves a folder; under /cut/ it announces the full length but closes the connection halfway."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        if self.path.startswith("/cut/"):
            path = Path(self.translate_path(self.path.replace("/cut/", "/good/", 1)))
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server on 127.0.0.1 over tmp_path/site, with good/, corrupt/ and shrunk/ folders."""
    site = tmp_path / "site"
    good, corrupt, shrunk = site / "good", site / "corrupt", site / "shrunk"
    for d in (good, corrupt, shrunk):
        d.mkdir(parents=True)
    shutil.copyfile(UN_XML, good / "consolidated.xml")
    shutil.copyfile(FCC_HTML, good / "coveredlist")
    text = UN_XML.read_bytes()
    (corrupt / "consolidated.xml").write_bytes(text[:200] + b"\x00garbage<<<" + text[-500:])
    tree = ET.parse(UN_XML)
    root = tree.getroot()
    for group in root:
        for child in list(group)[::2]:
            group.remove(child)
    tree.write(shrunk / "consolidated.xml", encoding="utf-8", xml_declaration=True)

    def handler(*args: object, **kwargs: object) -> _Handler:
        return _Handler(*args, directory=str(site), **kwargs)  # type: ignore[arg-type]

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", site
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    """A store whose active snapshot holds the UN and FCC lists (small, so tests stay fast)."""
    home = tmp_path / "home"
    sources = {
        "un_sc": read_source(source_spec("un_sc"), {"xml": UN_XML}),
        "us_fcc_covered": read_source(source_spec("us_fcc_covered"), {"html": FCC_HTML}),
    }
    (home / "snapshots").mkdir(parents=True)
    build_snapshot(home / "snapshots" / "20200101T000000Z-base", sources, version="20200101T000000Z-base")
    s = Store.open(home)
    s.activate("20200101T000000Z-base")
    return s


def test_update_from_local_server_switches_to_a_new_version_with_checksum(
    store: Store, server: tuple[str, Path]
) -> None:
    base_url, _ = server
    result = store.update(["un_sc"], f"{base_url}/good")
    assert result.failed == {}
    assert result.version is not None and result.version != "20200101T000000Z-base"
    assert store.active_version == result.version
    info = store.snapshot.sources["un_sc"]
    assert info.entities == 18
    assert len(info.files["xml"]["sha256"]) == 64
    assert info.files["xml"]["url"] == f"{base_url}/good/consolidated.xml"
    assert (store.snapshot.path / "files" / "un_sc" / "consolidated.xml").is_file()
    # the list not updated is carried over unchanged
    assert (
        store.snapshot.sources["us_fcc_covered"].entities
        == Store.open(store.home).snapshot.sources["us_fcc_covered"].entities
    )


def test_cut_connection_leaves_previous_version_active(store: Store, server: tuple[str, Path]) -> None:
    base_url, _ = server
    result = store.update(["un_sc"], f"{base_url}/cut")
    assert result.version is None
    assert "un_sc" in result.failed
    assert "connection closed" in result.failed["un_sc"] or "incomplete" in result.failed["un_sc"]
    assert store.active_version == "20200101T000000Z-base"
    assert store.versions() == ["embedded", "20200101T000000Z-base"]


def test_corrupt_file_fails_naming_the_file_and_line(store: Store, server: tuple[str, Path]) -> None:
    base_url, _ = server
    result = store.update(["un_sc"], f"{base_url}/corrupt")
    assert result.version is None
    assert "consolidated.xml" in result.failed["un_sc"]
    assert "line" in result.failed["un_sc"]
    assert store.active_version == "20200101T000000Z-base"
    assert store.snapshot.sources["un_sc"].entities == 18


def test_shrunk_list_is_refused_unless_forced(store: Store, server: tuple[str, Path]) -> None:
    base_url, _ = server
    result = store.update(["un_sc"], f"{base_url}/shrunk")
    assert result.version is None
    why = result.failed["un_sc"]
    assert "9 entities, fewer than 95% of the 18 in the active snapshot" in why and "--force" in why
    assert result.refused == {"un_sc"}
    assert store.active_version == "20200101T000000Z-base"
    forced = store.update(["un_sc"], f"{base_url}/shrunk", force=True)
    assert forced.version is not None
    assert store.snapshot.sources["un_sc"].entities == 9


def test_the_share_an_update_must_keep_is_the_sources_declared_min_share(
    store: Store, server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, _ = server
    declared = registry.declarations()
    lenient = dict(declared, un_sc=dataclasses.replace(declared["un_sc"], min_share=0.4))
    monkeypatch.setattr(registry, "declarations", lambda: lenient)
    result = store.update(["un_sc"], f"{base_url}/shrunk")  # 9 of 18 entities: 50% >= 40%
    assert result.failed == {} and result.version is not None
    strict = dict(declared, un_sc=dataclasses.replace(declared["un_sc"], min_share=0.6))
    monkeypatch.setattr(registry, "declarations", lambda: strict)
    result = store.update(["un_sc"], f"{base_url}/good")  # back to 18: fine
    assert result.failed == {}
    result = store.update(["un_sc"], f"{base_url}/shrunk")
    assert "fewer than 60% of the 18 in the active snapshot" in result.failed["un_sc"]


def test_one_failed_list_keeps_its_old_data_while_the_other_updates(
    store: Store, server: tuple[str, Path]
) -> None:
    base_url, site = server
    shutil.copyfile(site / "good" / "coveredlist", site / "corrupt" / "coveredlist")
    result = store.update(["un_sc", "us_fcc_covered"], f"{base_url}/corrupt")
    assert set(result.failed) == {"un_sc"}
    assert set(result.updated) == {"us_fcc_covered"}
    assert store.snapshot.sources["un_sc"].entities == 18  # carried over from the previous version


def test_update_from_a_folder_and_environment_variable(
    store: Store, server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, site = server
    result = store.update(["un_sc"], str(site / "good"))
    assert result.failed == {} and result.version
    base_url, _ = server
    monkeypatch.setenv("SUPPLYSCREEN_SOURCES_BASE_URL", f"{base_url}/good")
    again = store.update(["us_fcc_covered"])
    assert again.failed == {} and again.version


def test_missing_file_on_server_is_reported(store: Store, server: tuple[str, Path]) -> None:
    base_url, _ = server
    result = store.update(["un_sc"], f"{base_url}/nothing-here")
    assert result.version is None
    assert "not found" in result.failed["un_sc"]
    assert result.refused == set()  # not fetched, rather than fetched and refused


def test_rollback_to_previous_version(store: Store, server: tuple[str, Path]) -> None:
    base_url, _ = server
    store.update(["un_sc"], f"{base_url}/shrunk", force=True)
    assert store.snapshot.sources["un_sc"].entities == 9
    store.activate("20200101T000000Z-base")
    assert store.snapshot.sources["un_sc"].entities == 18


def test_entity_lookups_use_a_cached_id_index_that_a_damaged_cache_does_not_break(tmp_path: Path) -> None:
    """`get` reads the id index from the cache after the first run, and rebuilds a damaged one."""
    home = tmp_path / "home"
    first = Store.open(home).get("us_ofac_sdn:29299")
    caches = list((home / "cache").glob("entity-ids-*.json"))
    assert len(caches) == 1
    again = Store.open(home)
    assert again.get("us_ofac_sdn:29299").id == first.id
    assert again.get(first.id) is again.get("us_ofac_sdn:29299")  # one object per entity
    caches[0].write_text('{"us_ofac_sdn:29299": 0}', encoding="utf-8")  # stale: one entry
    rebuilt = Store.open(home)
    assert rebuilt.get("us_ofac_sdn:29299").id == first.id
    caches[0].write_text("not json", encoding="utf-8")
    assert Store.open(home).get("us_ofac_sdn:29299").id == first.id
    with pytest.raises(UnknownEntityError):
        Store.open(home).get("no-such-entity")
    # the full list and the looked-up entities are the same objects
    store = Store.open(home)
    looked_up = store.get(first.id)
    assert any(e is looked_up for e in store.entities())


def test_entities_read_in_background_are_the_ones_read_on_demand(tmp_path: Path) -> None:
    """A file screening starts reading the entity file in a thread; look-ups then give the same
    entities (one object each), and a damaged file is reported by the look-up, not lost in the thread."""
    from supplyscreen.errors import StoreError
    from supplyscreen.store.snapshot import ENTITIES, Snapshot

    home = tmp_path / "home"
    plain = Store.open(home)
    expected = plain.get("us_ofac_sdn:29299").to_dict()
    early = Store.open(home)
    early.snapshot.read_in_background()
    early.snapshot.read_in_background()  # once is enough: no second thread
    early.snapshot.wait_for_reading()
    assert early.snapshot._lines is not None  # read by the thread
    assert early.get("us_ofac_sdn:29299").to_dict() == expected
    assert early.get("us_ofac_sdn:29299") is early.get("us_ofac_sdn:29299")
    assert len(early.entities()) == len(plain.entities())

    damaged = tmp_path / "damaged"
    shutil.copytree(plain.snapshot.path, damaged)
    (damaged / ENTITIES).write_bytes((damaged / ENTITIES).read_bytes()[:5000])  # cut short
    snapshot = Snapshot(damaged)
    snapshot.read_in_background()
    snapshot.wait_for_reading()
    with pytest.raises(StoreError, match="damaged"):
        snapshot.entity_at(0)


def test_a_forked_child_gets_unlocked_entity_locks(tmp_path: Path) -> None:
    from supplyscreen.store import snapshot as snapshots

    snapshot = Store.open(tmp_path / "home").snapshot
    snapshot._lines_lock.acquire()  # as if another thread were reading when the process forked
    snapshots._new_locks_after_fork()
    assert snapshot._lines_lock.acquire(timeout=1)
    snapshot._lines_lock.release()


# -- the OFAC SDN set: end markers, companion files, names and addresses (issue 19, D10) ---------

SDN_FILES = {  # role → (fixture file, official name)
    "sdn": ("sdn_2024-05-03.csv", "sdn.csv"),
    "alt": ("alt_2025-12.csv", "alt.csv"),
    "add": ("add_2025-12.csv", "add.csv"),
    "comments": ("sdn_comments_2025-12.csv", "sdn_comments.csv"),
}
SDN_BASE = "20200101T000000Z-sdn"


def _rows(data: bytes) -> list[bytes]:
    """The CRLF-ended rows of an SDN CSV file, without its trailing 0x1A byte."""
    assert data.endswith(b"\r\n\x1a")
    return data[:-3].split(b"\r\n")


@pytest.fixture()
def sdn_store(tmp_path: Path) -> Store:
    """A store whose active snapshot holds the SDN list read from all four fixture files."""
    home = tmp_path / "home"
    files = {role: LISTS / "us_ofac_sdn" / fixture for role, (fixture, _) in SDN_FILES.items()}
    sources = {"us_ofac_sdn": read_source(source_spec("us_ofac_sdn"), files)}
    (home / "snapshots").mkdir(parents=True)
    build_snapshot(home / "snapshots" / SDN_BASE, sources, version=SDN_BASE)
    s = Store.open(home)
    s.activate(SDN_BASE)
    return s


@pytest.fixture()
def sdn_mirror(tmp_path: Path) -> Path:
    """A folder holding the four fixture files under their official names, as `--from` reads them."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    for fixture, official in SDN_FILES.values():
        shutil.copyfile(LISTS / "us_ofac_sdn" / fixture, folder / official)
    return folder


def _refused(store: Store, result: UpdateResult, *phrases: str) -> str:
    """Assert that the SDN update was refused and nothing installed changed; its reason, on one line."""
    assert result.version is None and result.updated == {}
    assert result.refused == {"us_ofac_sdn"}
    why = result.failed["us_ofac_sdn"]
    for phrase in phrases:
        assert phrase in why, why
    assert store.active_version == SDN_BASE
    assert store.versions() == ["embedded", SDN_BASE]
    return why


def test_a_complete_sdn_mirror_installs_and_records_the_mirror(sdn_store: Store, sdn_mirror: Path) -> None:
    before = sdn_store.snapshot.source_counts("us_ofac_sdn")
    result = sdn_store.update(["us_ofac_sdn"], str(sdn_mirror))
    assert result.failed == {} and result.version is not None
    info = sdn_store.snapshot.sources["us_ofac_sdn"]
    assert (info.entities, info.names, info.addresses) == tuple(before.values())
    assert info.names and info.names > info.entities and info.addresses
    (row,) = [r for r in sdn_store.status() if r.source == "us_ofac_sdn"]
    assert row.mirror == str(sdn_mirror)
    assert row.mirrored_on == datetime.now(UTC).strftime("%Y-%m-%d")
    assert row.snapshot_date is None or row.snapshot_date != row.mirrored_on  # the list's own date stays


def test_sdn_csv_cut_at_a_row_boundary_without_its_end_marker_is_refused(
    sdn_store: Store, sdn_mirror: Path
) -> None:
    rows = _rows((sdn_mirror / "sdn.csv").read_bytes())
    kept = rows[: len(rows) * 85 // 100]  # 15% of the entries lost, cut after a whole row
    (sdn_mirror / "sdn.csv").write_bytes(b"\r\n".join(kept) + b"\r\n")
    _refused(sdn_store, sdn_store.update(["us_ofac_sdn"], str(sdn_mirror)), "sdn.csv", "end-of-file marker")
    # the marker is the publisher's: --force does not override it, even on the complete file
    (sdn_mirror / "sdn.csv").write_bytes(b"\r\n".join(rows) + b"\r\n")
    why = _refused(sdn_store, sdn_store.update(["us_ofac_sdn"], str(sdn_mirror), force=True), "sdn.csv")
    assert "truncated" in why


def test_every_file_of_the_sdn_set_needs_its_end_marker(sdn_store: Store, sdn_mirror: Path) -> None:
    for official in ("alt.csv", "add.csv", "sdn_comments.csv"):
        good = (sdn_mirror / official).read_bytes()
        (sdn_mirror / official).write_bytes(good[:-1])  # the last row whole, the 0x1A byte gone
        result = sdn_store.update(["us_ofac_sdn"], str(sdn_mirror))
        _refused(sdn_store, result, f"{official}, line", "end-of-file marker")
        (sdn_mirror / official).write_bytes(good)


def test_alt_csv_cut_to_half_is_refused_by_its_marker_and_by_the_names_guard(
    sdn_store: Store, sdn_mirror: Path
) -> None:
    rows = _rows((sdn_mirror / "alt.csv").read_bytes())
    half = b"\r\n".join(rows[: len(rows) // 2]) + b"\r\n"
    (sdn_mirror / "alt.csv").write_bytes(half)
    _refused(sdn_store, sdn_store.update(["us_ofac_sdn"], str(sdn_mirror)), "alt.csv", "end-of-file marker")
    # even with its marker (a mirror that wrote one after a short file), half the aliases are missed
    (sdn_mirror / "alt.csv").write_bytes(half + b"\x1a")
    old = sdn_store.snapshot.source_counts("us_ofac_sdn")
    why = _refused(sdn_store, sdn_store.update(["us_ofac_sdn"], str(sdn_mirror)), "us_ofac_sdn: ")
    new_names = read_source(
        source_spec("us_ofac_sdn"),
        {role: sdn_mirror / official for role, (_, official) in SDN_FILES.items()},
    ).info.names
    assert new_names is not None and new_names < 0.95 * old["names"]
    assert f"the new files have {new_names} names, fewer than 95% of the {old['names']} in the active" in why
    assert "--force" in why and "entities" not in why
    forced = sdn_store.update(["us_ofac_sdn"], str(sdn_mirror), force=True)
    assert forced.version is not None and sdn_store.snapshot.sources["us_ofac_sdn"].names == new_names


def test_add_csv_cut_to_half_is_refused_by_the_addresses_guard(sdn_store: Store, sdn_mirror: Path) -> None:
    rows = _rows((sdn_mirror / "add.csv").read_bytes())
    (sdn_mirror / "add.csv").write_bytes(b"\r\n".join(rows[: len(rows) // 2]) + b"\r\n\x1a")
    _refused(sdn_store, sdn_store.update(["us_ofac_sdn"], str(sdn_mirror)), " addresses, fewer than 95%")


def test_alt_csv_missing_is_refused_when_the_active_snapshot_has_it(
    sdn_store: Store, sdn_mirror: Path
) -> None:
    (sdn_mirror / "alt.csv").unlink()
    why = _refused(sdn_store, sdn_store.update(["us_ofac_sdn"], str(sdn_mirror)), "alt.csv not found")
    assert "active snapshot was built with it" in why and "--force" in why
    (sdn_mirror / "add.csv").unlink()
    _refused(sdn_store, sdn_store.update(["us_ofac_sdn"], str(sdn_mirror)), "alt.csv, add.csv not found")
    forced = sdn_store.update(["us_ofac_sdn"], str(sdn_mirror), force=True)
    assert forced.version is not None
    info = sdn_store.snapshot.sources["us_ofac_sdn"]
    assert set(info.files) == {"sdn", "comments"} and info.addresses == 0
    # the active version now lacks them: an update without them is no longer refused for it
    again = sdn_store.update(["us_ofac_sdn"], str(sdn_mirror))
    assert again.failed == {} and again.version is not None


def test_a_snapshot_without_name_and_address_counts_is_still_guarded(
    sdn_store: Store, sdn_mirror: Path
) -> None:
    """Snapshots written before the manifest counted names and addresses (the embedded one among
    them) have them counted from the source's entity file."""
    manifest_path = sdn_store.snapshot.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    counted = sdn_store.snapshot.source_counts("us_ofac_sdn")
    for key in ("names", "addresses", "mirror"):
        del manifest["sources"]["us_ofac_sdn"][key]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    old = Store.open(sdn_store.home)
    assert old.snapshot.sources["us_ofac_sdn"].names is None
    assert old.snapshot.source_counts("us_ofac_sdn") == counted
    rows = _rows((sdn_mirror / "alt.csv").read_bytes())
    (sdn_mirror / "alt.csv").write_bytes(b"\r\n".join(rows[: len(rows) // 2]) + b"\r\n\x1a")
    _refused(old, old.update(["us_ofac_sdn"], str(sdn_mirror)), " names, fewer than 95%")


def test_the_embedded_sdn_list_counts_its_names_and_addresses(tmp_path: Path) -> None:
    counts = Store.open(tmp_path / "home").snapshot.source_counts("us_ofac_sdn")
    assert counts["entities"] == 14965
    assert counts["names"] > counts["entities"] and counts["addresses"] > 0
