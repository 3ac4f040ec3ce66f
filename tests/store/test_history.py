"""List history (issue 22): the change log per source record, first_seen / last_seen / last_change
from it, and `lists diff` — on list versions written here and on the embedded snapshot."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from supplyscreen.model import Address, Entity, Membership, Name
from supplyscreen.store import Store
from supplyscreen.store.changelog import carry_forward, compare, source_changes
from supplyscreen.store.diff import version_diff, write_diff
from supplyscreen.store.history import entity_history
from tests.support.cli import run_cli

HEADER = ["id", "name", "aliases", "country", "notes", "schema"]


def _watch(home: Path, tmp: Path, name: str, rows: list[list[str]]) -> str:
    path = tmp / f"{name}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return Store.open(home).add_user_list("watch", path)


def test_the_embedded_snapshot_carries_the_non_sdn_change_of_2025() -> None:
    """The embedded snapshot holds OFAC's non-SDN list of January 2025 (enhanced XML) as history and
    that of December 2025 (legacy CSV) as current: 1 removed, 0 added, 12 changed."""
    store = Store(Path("/nonexistent-supplyscreen-home"))
    diff = version_diff(store)
    totals = diff.totals()
    assert (totals["added"], totals["removed"], totals["changed"]) == (0, 1, 12)
    assert {c.source for c in diff.changes} == {"us_ofac_nonsdn"}
    (removed,) = [c for c in diff.changes if c.change == "removed"]
    assert removed.source_id == "us_ofac_nonsdn:26182" and removed.caption == "KAYAKIRAN, Evren"
    assert removed.date == "2025-12-19T00:00:00"
    changed = {c.source_id: c for c in diff.changes if c.change == "changed"}
    assert changed["us_ofac_nonsdn:18284"].fields["name"] == {
        "added": ["RN KOMSOMOLSKIY REFINERY LLC"],
        "removed": ["RN-KOMSOMOLSKY REFINERY LLC"],
    }
    eo14024 = [
        c for c in changed.values() if "RUSSIA-EO14024" in c.fields.get("programs", {}).get("added", ())
    ]
    assert len(eo14024) == 11
    assert changed["us_ofac_nonsdn:18782"].fields["programs"] == {"added": [], "removed": ["SYRIA"]}
    # names in Cyrillic and listing dates the CSV cannot carry are carried forward, not changes
    assert not any("aliases" in c.fields and c.fields["aliases"]["removed"] for c in changed.values())
    # KAYAKIRAN is still on the 2022 CSL: his merged entity keeps that membership and changed then
    (kayakiran,) = store.find_by_name("KAYAKIRAN, Evren", limit=1)
    assert kayakiran.source_ids == ["us_trade_csl:26182"]  # the CSL's record of the FSE listing
    assert [m.source_id for m in kayakiran.memberships] == ["us_trade_csl:26182"]
    seen = entity_history(store)[kayakiran.id]
    assert seen.last_change == "2025-12-19T00:00:00" and seen.first_seen < seen.last_change


def test_lists_diff_writes_csv_jsonl_and_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"

    def cli(*args: str) -> tuple[int, str]:
        code, out, err = run_cli(["lists", "diff", "--home", str(home), *args], capsys, monkeypatch)
        return code, out + err

    code, output = cli("--out", str(tmp_path / "d.html"))
    assert code == 0, output
    assert "0 added, 1 removed, 12 changed" in output
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert page.index("id=counts") < page.index("id=changes")  # the counts per list come first
    assert "<th scope=row>us_ofac_ssi</th><td>0</td><td>0</td><td>12</td>" in page
    assert cli("--out", str(tmp_path / "d.jsonl"))[0] == 0
    lines = [json.loads(x) for x in (tmp_path / "d.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 13 and {"source_id", "change", "fields", "date", "name"} <= set(lines[0])
    code, output = cli("--source", "un_sc", "--out", str(tmp_path / "d.csv"))
    assert code == 0 and "0 added, 0 removed, 0 changed" in output
    with open(tmp_path / "d.csv", encoding="utf-8") as fh:
        assert next(csv.reader(fh))[:5] == ["version", "date", "source", "lists", "change"]
    code, output = cli("--source", "nope")
    assert code == 2 and "no such source" in output
    code, output = cli("--out", str(tmp_path / "d.txt"))
    assert code == 2 and "unknown format" in output
    code, output = cli("--old", "2020-nope")
    assert code == 2 and "no installed list version" in output


def test_versions_keep_a_cumulative_log_and_each_records_dates(tmp_path: Path) -> None:
    home = tmp_path / "home"
    v1 = _watch(
        home,
        tmp_path,
        "v1",
        [["A", "Alpha Widgets", "", "CN", "", "Company"], ["B", "Beta Tools", "", "CN", "", ""]],
    )
    v2 = _watch(
        home,
        tmp_path,
        "v2",
        [["A", "ALPHA WIDGETS", "", "CN", "", "Company"], ["C", "Gamma Optics", "", "CN", "", ""]],
    )
    v3 = _watch(
        home,
        tmp_path,
        "v3",
        [
            ["A", "Alpha Widgets Group", "Alpha Widgets", "CN", "", "Company"],
            ["C", "Gamma Optics", "", "CN", "", ""],
        ],
    )
    store = Store.open(home)
    history = store.snapshot.history()
    assert history.lineage[-3:] == [v1, v2, v3]
    by_version = {
        v: [(c.change, c.source_id) for c in history.changes if c.version == v] for v in (v1, v2, v3)
    }
    assert sorted(by_version[v1]) == [("added", "user_watch:A"), ("added", "user_watch:B")]
    # letter case alone is no change
    assert sorted(by_version[v2]) == [("added", "user_watch:C"), ("removed", "user_watch:B")]
    assert by_version[v3] == [("changed", "user_watch:A")]
    seen = entity_history(store)
    created = {v: Store.open(home).snapshot_path(v) for v in (v1, v2, v3)}
    assert all(p.is_dir() for p in created.values())
    a, c = seen["user_watch:A"], seen["user_watch:C"]
    assert a.first_seen <= c.first_seen and a.last_change >= c.last_change
    assert a.last_seen >= a.last_change
    # any two installed versions, compared directly; the default is the active one's own changes
    direct = version_diff(store, old=v1, new=v3)
    assert sorted((c.change, c.source_id) for c in direct.changes if c.source == "user_watch") == [
        ("added", "user_watch:C"),
        ("changed", "user_watch:A"),
        ("removed", "user_watch:B"),
    ]
    assert [(c.change, c.source_id) for c in version_diff(store).changes] == [("changed", "user_watch:A")]
    assert [c.change for c in version_diff(store, new=v2).changes].count("added") == 1
    write_diff(direct, tmp_path / "x.jsonl")
    assert len((tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()) == 3


def _entity(**kw: object) -> Entity:
    entity = Entity(id="s:1", schema="Company", source_ids=["s:1"])
    for key, value in kw.items():
        setattr(entity, key, value)
    return entity


def test_case_spacing_and_address_splitting_are_no_change() -> None:
    old = _entity(
        names=[Name("Acme Trading Co., Ltd.")],
        addresses=[Address("12 Main Street, Urumqi, China", country="cn")],
        memberships=[Membership("l", program="P1")],
    )
    new = _entity(
        names=[Name("ACME  TRADING CO LTD")],
        addresses=[Address("12 Main Street", city="Urumqi", country="cn", region="China")],
        memberships=[Membership("l", program="P1")],
    )
    assert compare(old, new) == {}
    new.memberships.append(Membership("l", program="P2"))
    new.names.append(Name("Acme Xinjiang", "alias"))
    assert compare(old, new) == {
        "aliases": {"added": ["Acme Xinjiang"], "removed": []},
        "programs": {"added": ["P2"], "removed": []},
    }


def test_what_the_newer_format_cannot_carry_is_carried_forward() -> None:
    old = [
        _entity(
            names=[Name("Rosneft"), Name("Роснефть", "alias")],
            memberships=[Membership("us_ofac_ssi", program="UKRAINE-EO13662", listed_on="2014-07-16")],
        )
    ]
    new = [
        _entity(names=[Name("ROSNEFT")], memberships=[Membership("us_ofac_ssi", program="UKRAINE-EO13662")])
    ]
    notes = carry_forward(old, new)
    assert len(notes) == 3  # the date, the Cyrillic name, and the spelling of the Latin one
    assert new[0].memberships[0].listed_on == "2014-07-16"
    assert [n.value for n in new[0].names] == ["Rosneft", "Роснефть"]  # capitals alone are no change
    assert source_changes("s", old, new, version="v", date="d", old_ids={}, new_ids={}) == []
    # a newer file that carries dates keeps its own, and a record it gives none keeps none
    dated = _entity(names=[Name("Rosneft")], memberships=[Membership("us_ofac_ssi", listed_on="2022-02-24")])
    undated = _entity(
        id="s:2", source_ids=["s:2"], names=[Name("X")], memberships=[Membership("us_ofac_ssi")]
    )
    old.append(
        _entity(id="s:2", source_ids=["s:2"], memberships=[Membership("us_ofac_ssi", listed_on="2020-01-01")])
    )
    carry_forward(old, [dated, undated])
    assert dated.memberships[0].listed_on == "2022-02-24" and undated.memberships[0].listed_on is None


@pytest.mark.parametrize("kind", ["removed", "added"])
def test_a_record_added_or_removed_is_one_change(kind: str) -> None:
    one = [_entity(names=[Name("Acme")])]
    old, new = (one, []) if kind == "removed" else ([], one)
    (change,) = source_changes("s", old, new, version="v", date="d", old_ids={"s:1": "x:9"}, new_ids={})
    assert change.change == kind and change.source_id == "s:1"
    assert change.entity_id == ("x:9" if kind == "removed" else "s:1")
