"""`lists update`: a good file switches atomically; a cut, corrupt or shrunk one keeps the old version."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import FCC_HTML, UN_XML

from supplyscreen.errors import UnknownEntityError
from supplyscreen.sources import registry
from supplyscreen.sources.registry import source_spec
from supplyscreen.store import Store
from supplyscreen.store.build import build_snapshot, read_source


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
    assert "fewer than 80%" in result.failed["un_sc"]
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
    assert "fewer than 60% of the active 18" in result.failed["un_sc"]


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
