"""When each entity was first seen, last seen and last changed, across installed list versions
(issue 17: yente's first_seen, last_seen and last_change)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from supplyscreen.store import Store
from supplyscreen.store.history import entity_history
from supplyscreen.store.store import embedded_snapshot_path

HIKVISION = "us_ofac_nonsdn:30946"


def _version(home: Path, name: str, created: str, edit: dict[str, dict[str, object] | None]) -> None:
    """A copy of the embedded snapshot as installed version ``name``, made at ``created``, with the
    entities of ``edit`` changed (a dict of fields to set) or removed (None)."""
    folder = home / "snapshots" / name
    shutil.copytree(embedded_snapshot_path(), folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(version=name, created=created)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    lines = gzip.decompress((folder / "entities.jsonl.gz").read_bytes()).split(b"\n")
    kept = []
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        if record["id"] in edit:
            change = edit[record["id"]]
            if change is None:
                continue
            line = json.dumps({**record, **change}, ensure_ascii=False).encode("utf-8")
        kept.append(line)
    (folder / "entities.jsonl.gz").write_bytes(gzip.compress(b"\n".join(kept) + b"\n", mtime=0))


def test_first_seen_last_seen_and_last_change_come_from_the_installed_versions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    embedded = Store.open(home).snapshot.created[:19]
    other = "us_ofac_sdn:29220"
    _version(home, "v1", "2099-01-01T00:00:00Z", {other: None})  # delisted in v1
    _version(home, "v2", "2099-02-01T00:00:00Z", {HIKVISION: {"notes": ["a change in v2"]}})
    store = Store.open(home)
    store.activate("v2")
    history = entity_history(store)
    unchanged = history["un_sc:CDe.002"]
    assert (unchanged.first_seen, unchanged.last_seen, unchanged.last_change) == (
        embedded,
        "2099-02-01T00:00:00",
        embedded,
    )
    changed = history[HIKVISION]
    assert changed.first_seen == embedded and changed.last_change == "2099-02-01T00:00:00"
    back = history[other]  # gone in v1, back in v2: first seen at the embedded version, changed in v2
    assert back.first_seen == embedded and back.last_change == "2099-02-01T00:00:00"
    store.activate("v1")  # rolled back: what v2 says is not history yet
    earlier = entity_history(store)
    assert other not in earlier and earlier[HIKVISION].last_seen == "2099-01-01T00:00:00"
    assert earlier[HIKVISION].last_change == embedded


def test_the_only_version_is_first_and_last_seen_and_last_changed(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "home")
    seen = entity_history(store)[HIKVISION]
    created = store.snapshot.created[:19]
    assert (seen.first_seen, seen.last_seen, seen.last_change) == (created, created, created)
