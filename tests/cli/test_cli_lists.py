"""`supplyscreen lists …` on the embedded snapshot built from the real list files."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import LISTS, UN_XML
from support.cli import run_cli


def _status(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    code, out, _ = run_cli(["lists", "status", "--json"], capsys, monkeypatch)
    assert code == 0
    return json.loads(out)  # type: ignore[no-any-return]


def test_status_lists_every_official_list_with_counts_and_dates(capsys, monkeypatch) -> None:
    status = _status(capsys, monkeypatch)
    rows = {(r["source"], r["list"]): r for r in status["lists"]}  # type: ignore[index, union-attr]
    assert rows[("us_ofac_sdn", "us_ofac_sdn")]["entities"] == 14965
    assert rows[("us_ofac_sdn", "us_ofac_sdn")]["snapshot_date"] == "2024-05-03"
    assert rows[("us_trade_csl", "us_bis_entity_list")]["entities"] == 2001
    assert rows[("us_trade_csl", "us_ofac_sdn")]["entities"] == 10026
    assert rows[("us_ofac_nonsdn", "us_ofac_ssi")]["entities"] == 286
    assert rows[("us_ofac_nonsdn", "us_ofac_plc")]["entities"] == 78
    assert rows[("us_ofac_nonsdn", "us_ofac_cmic")]["entities"] == 68
    assert rows[("us_ofac_nonsdn", "us_ofac_cmic")]["snapshot_date"] == "2025-12-19"
    assert rows[("un_sc", "un_sc")]["entities"] == 1003
    assert rows[("un_sc", "un_sc")]["snapshot_date"] == "2026-02-27"
    assert rows[("us_fcc_covered", "us_fcc_covered")]["entities"] == 12
    assert rows[("curated_uflpa", "us_dhs_uflpa")]["entities"] == 94
    assert rows[("curated_covered", "us_ndaa_889")]["entities"] == 29
    assert rows[("curated_el_xinjiang", "us_bis_entity_list")]["entities"] == 45
    assert all(r["snapshot_date"] for r in status["lists"])  # type: ignore[union-attr]
    sources = status["sources"]
    assert sources["us_trade_csl"]["records"] == 14160  # type: ignore[index]
    assert sources["us_trade_csl"]["entities"] == 14048  # type: ignore[index]
    assert sources["us_ofac_nonsdn"]["records"] == 442  # the 2025-12 CSV set (443 in 2025-01's XML)  # type: ignore[index]
    assert sources["curated_uflpa"]["official"] is False  # type: ignore[index]


def test_status_reports_skipped_side_file_rows_and_warns_about_old_lists(capsys, monkeypatch) -> None:
    code, out, err = run_cli(["lists", "status"], capsys, monkeypatch)
    assert code == 0
    assert "2,460 alt orphan" in out and "4,893 add orphan" in out and "6 comments orphan" in out
    assert "14,160 records read → 14,048 entities" in out
    assert "older than 30 days" in err
    assert "curated" in out


def test_show_xpcc_by_sdn_id_with_glomag_and_linked_persons(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(["lists", "show", "us_ofac_sdn:29299"], capsys, monkeypatch)
    assert code == 0
    assert "XINJIANG PRODUCTION AND CONSTRUCTION CORPS" in out
    assert "GLOMAG" in out
    assert "CHEN, Quanguo (us_ofac_sdn:29220)" in out
    assert "新疆生产建设兵团" in out
    assert "first seen 20" in out and "last changed 20" in out


def test_show_hikvision_by_name_carries_all_its_lists(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(["lists", "show", "Hikvision", "--json"], capsys, monkeypatch)
    assert code == 0
    entity = json.loads(out)[0]
    codes = {m["list_code"] for m in entity["memberships"]}
    assert {"us_bis_entity_list", "us_ofac_cmic", "us_fcc_covered", "us_ndaa_889"} <= codes
    assert entity["caption"] if "caption" in entity else True
    assert "us_ofac_nonsdn:30946" in entity["source_ids"]
    assert any(s.startswith("us_trade_csl:") for s in entity["source_ids"])
    # the embedded lists are dated by their data: first seen when its first record's list was as
    # of, last changed when its newest record's was, last seen when the snapshot was made
    assert entity["first_seen"] <= entity["last_change"] < entity["last_seen"]
    assert entity["first_seen"] == "2021-07-12T00:00:00"  # its oldest record: the Entity List research file
    assert entity["last_seen"] > "2026"


def test_show_unknown_id_is_a_clear_error(capsys, monkeypatch) -> None:
    code, _, err = run_cli(["lists", "show", "us_ofac_sdn:999999999"], capsys, monkeypatch)
    assert code == 2
    assert "us_ofac_sdn:999999999" in err
    assert "Traceback" not in err


def test_export_ftm_writes_every_entity_with_sanctions(tmp_path: Path, capsys, monkeypatch) -> None:
    target = tmp_path / "lists.ftm.json"
    code, out, _ = run_cli(["lists", "export", "--format", "ftm", "--out", str(target)], capsys, monkeypatch)
    assert code == 0
    objects = [json.loads(line) for line in target.open(encoding="utf-8")]
    things = [o for o in objects if o["schema"] != "Sanction" and "#" not in o["id"]]
    sanctions = [o for o in objects if o["schema"] == "Sanction"]
    assert f"wrote {len(things):,} entities" in out
    assert len(things) > 19000
    xpcc = next(o for o in things if o["id"] == "us_ofac_sdn:29299")
    assert "us_ofac_sdn" in xpcc["datasets"]
    assert "2021" < xpcc["first_seen"] <= xpcc["last_change"] < xpcc["last_seen"]
    assert any(
        s["properties"]["entity"] == ["us_ofac_sdn:29299"] and s["properties"].get("program") == ["GLOMAG"]
        for s in sanctions
    )


def test_export_unknown_format_is_a_usage_error(tmp_path: Path, capsys, monkeypatch) -> None:
    code, _, err = run_cli(
        ["lists", "export", "--format", "xml", "--out", str(tmp_path / "x")], capsys, monkeypatch
    )
    assert code == 2
    assert "xml" in err


def test_add_user_list_then_status_and_show(tmp_path: Path, capsys, monkeypatch) -> None:
    csv_path = tmp_path / "vendors.csv"
    csv_path.write_text(
        "name,aliases,country,notes\nAcme Shady Trading Ltd,Acme Shady;ACS,CN,internal review 2026\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli(["lists", "add", "internal_blacklist", str(csv_path)], capsys, monkeypatch)
    assert code == 0, out
    assert "added list internal_blacklist: 1 entities" in out
    status = _status(capsys, monkeypatch)
    assert any(r["list"] == "internal_blacklist" and r["entities"] == 1 for r in status["lists"])  # type: ignore
    code, out, _ = run_cli(["lists", "show", "Acme Shady Trading", "--json"], capsys, monkeypatch)
    assert json.loads(out)[0]["memberships"][0]["list_code"] == "internal_blacklist"
    code, out, _ = run_cli(["lists", "remove", "internal_blacklist"], capsys, monkeypatch)
    assert code == 0
    assert not any(r["list"] == "internal_blacklist" for r in _status(capsys, monkeypatch)["lists"])  # type: ignore


def test_add_user_list_with_an_official_code_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    csv_path = tmp_path / "v.csv"
    csv_path.write_text("name\nAcme\n", encoding="utf-8")
    code, _, err = run_cli(["lists", "add", "us_ofac_sdn", str(csv_path)], capsys, monkeypatch)
    assert code == 2
    assert "us_ofac_sdn" in err


def test_update_from_a_folder_switches_and_versions_list_it(tmp_path: Path, capsys, monkeypatch) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shutil.copyfile(UN_XML, mirror / "consolidated.xml")  # 18 entities; the embedded list has 1,003
    code, out, err = run_cli(["lists", "update", "un_sc", "--from", str(mirror)], capsys, monkeypatch)
    err = " ".join(err.split())  # the console folds long lines
    assert code == 2 and "fewer than 95% of the 1,003 in the active snapshot" in err and "--force" in err
    code, out, err = run_cli(
        ["lists", "update", "un_sc", "--from", str(mirror), "--force"], capsys, monkeypatch
    )
    assert code == 0, err
    assert "updated un_sc: 18 entities" in out
    # the status shows when the mirrored list was installed, beside the list's own date
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    row = next(r for r in _status(capsys, monkeypatch)["lists"] if r["source"] == "un_sc")  # type: ignore[union-attr]
    assert row["mirror"] == str(mirror) and row["mirrored_on"] == today
    assert row["snapshot_date"] == "2026-02-27"
    sdn = next(r for r in _status(capsys, monkeypatch)["lists"] if r["source"] == "us_ofac_sdn")  # type: ignore[union-attr]
    assert sdn["mirrored_on"] is None  # the embedded list came from the official files
    code, out, _ = run_cli(["lists", "status"], capsys, monkeypatch)
    out = " ".join(out.split())
    assert f"un_sc: 18 records read → 18 entities; installed {today} from the mirror" in out
    assert "(list dated 2026-02-27)" in out
    code, out, _ = run_cli(["lists", "versions"], capsys, monkeypatch)
    lines = out.split("\n")
    assert lines[0].strip() == "embedded" and lines[1].startswith("* ")
    code, out, _ = run_cli(["lists", "use", "embedded"], capsys, monkeypatch)
    assert code == 0


def test_update_with_unknown_source_fails_with_the_known_ones(capsys, monkeypatch) -> None:
    code, _, err = run_cli(["lists", "update", "no_such_list"], capsys, monkeypatch)
    assert code == 2
    assert "us_ofac_sdn" in err and "no_such_list" in err


def test_update_that_fails_exits_1_and_keeps_the_embedded_snapshot(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    code, out, err = run_cli(["lists", "update", "un_sc", "--from", str(tmp_path)], capsys, monkeypatch)
    assert code == 1
    assert "not found" in err
    assert "active snapshot unchanged: embedded" in out


def test_update_with_sdn_csv_cut_at_a_row_boundary_exits_2_naming_the_file(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """D10: an sdn.csv cut at a line end lacks OFAC's trailing 0x1A byte and is refused."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    sdn = (LISTS / "us_ofac_sdn" / "sdn_2024-05-03.csv").read_bytes()
    rows = sdn.split(b"\r\n")
    (mirror / "sdn.csv").write_bytes(b"\r\n".join(rows[:20]) + b"\r\n")  # whole rows, no end marker
    for name, official in (("alt", "alt.csv"), ("add", "add.csv"), ("sdn_comments", "sdn_comments.csv")):
        shutil.copyfile(LISTS / "us_ofac_sdn" / f"{name}_2025-12.csv", mirror / official)
    code, out, err = run_cli(
        ["lists", "update", "us_ofac_sdn", "--from", str(mirror), "--force"], capsys, monkeypatch
    )
    err = " ".join(err.split())
    assert code == 2
    assert "sdn.csv" in err and "end-of-file marker" in err
    assert "active snapshot unchanged: embedded" in out
