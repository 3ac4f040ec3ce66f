"""The incremental re-screen equals a full one (issue 22), on a master of a few hundred rows over
three list versions written here: additions, removals, renamings, and watchlist entries that merge
with official entities."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from supplyscreen.model import Record
from supplyscreen.monitor.rescreen import IncrementalStats, full, incremental
from supplyscreen.screener import Screener
from supplyscreen.store import Store

WORDS = (
    "Amber Basalt Cobalt Delta Ember Falcon Garnet Harbor Indigo Juniper Kestrel Lumen Meridian Nimbus "
    "Onyx Pinnacle Quartz Rivet Sable Tundra Umber Vortex Willow Xenon Yarrow Zephyr Orchid Cinder Glacier"
).split()
TRADES = (
    "Textiles",
    "Photonics",
    "Logistics",
    "Polysilicon",
    "Cable Works",
    "Machinery",
    "Trading",
    "Optics",
)
FORMS = ("Co., Ltd.", "Ltd", "LLC", "Group", "Inc.", "")


def _name(rng: random.Random) -> str:
    return " ".join(
        x for x in (rng.choice(WORDS), rng.choice(WORDS), rng.choice(TRADES), rng.choice(FORMS)) if x
    )


def _typo(rng: random.Random, name: str) -> str:
    i = rng.randrange(1, max(2, len(name) - 2))
    return (
        name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        if name[i].isalpha() and name[i + 1].isalpha()
        else name
    )


def _write(path: Path, entries: dict[str, tuple[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "aliases", "country", "notes", "schema"])
        for key, (name, aliases) in sorted(entries.items()):
            writer.writerow([key, name, aliases, "CN", "", "Company"])
    return path


def test_incremental_equals_full_over_three_versions(tmp_path: Path) -> None:
    rng = random.Random(22)
    home = tmp_path / "home"
    store = Store.open(home)
    official = [e.caption for e in store.entities() if e.schema in ("Company", "Organization")][::97][:90]
    # version 1: 40 entries of our own, 4 of them named as official entities (they merge)
    v1 = {f"W{i}": (_name(rng), "") for i in range(40)}
    for i, caption in enumerate(official[:4]):
        v1[f"M{i}"] = (caption, "")
    # version 2: 8 removed, 8 renamed (half keep the old name as an alias), 15 added, a merge undone
    v2 = dict(v1)
    for i in range(8):
        del v2[f"W{i}"]
    for i in range(8, 16):
        old = v2[f"W{i}"][0]
        v2[f"W{i}"] = (_name(rng), old if i % 2 else "")
    for i in range(40, 55):
        v2[f"W{i}"] = (_name(rng), "")
    del v2["M0"]
    # version 3: a removed entry back, renamings again, an alias added, more added
    v3 = dict(v2)
    v3["W3"] = v1["W3"]
    for i in range(16, 22):
        v3[f"W{i}"] = (v3[f"W{i}"][0] + " Holdings", "")
    v3["W30"] = (v3["W30"][0], _name(rng))
    for i in range(55, 65):
        v3[f"W{i}"] = (_name(rng), "")
    for i in range(40, 50):  # some of version 2's additions gone again
        del v3[f"W{i}"]
    # the master: official names (some misspelt), names of all three versions' entries, others
    names = [c if i % 3 else _typo(rng, c) for i, c in enumerate(official)]
    for version in (v1, v2, v3):
        names += [n if rng.random() < 0.7 else _typo(rng, n) for n, _ in list(version.values())[::2]]
    names += [a for _, a in v3.values() if a]
    names += [_name(rng) for _ in range(150)]
    records = [
        Record(row=i + 1, name=n, address="Shenzhen" if i % 5 else "Urumqi, Xinjiang")
        for i, n in enumerate(names)
    ]
    assert len(records) >= 300

    store.add_user_list("watch", _write(tmp_path / "v1.csv", v1))
    states = full(Screener.open(home), records)
    for n, entries in enumerate((v2, v3), 2):
        version = Store.open(home).add_user_list("watch", _write(tmp_path / f"v{n}.csv", entries))
        screener = Screener.open(home)
        log = [c for c in screener.store.snapshot.history().changes if c.version == version]
        assert log, "the version changed nothing"
        stats = IncrementalStats()
        fast = incremental(screener, records, states, log, stats)
        whole = full(Screener.open(home), records)
        assert [s.outcome() for s in fast] == [s.outcome() for s in whole], f"version {n}"
        changed = sum(a.outcome() != b.outcome() for a, b in zip(states, whole, strict=True))
        assert changed >= 10, f"version {n} changed only {changed} rows: the test would prove little"
        assert stats.rematched < stats.names / 3  # only what the change can affect is matched again
        assert stats.delta_entities >= len([c for c in log if c.change != "removed"])
        states = fast
