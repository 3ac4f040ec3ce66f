"""`supplyscreen monitor …` at the command line: exit codes a cron job can tell apart, outputs, and
`lists update --monitor`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from support.cli import run_cli
from support.homes import small_home

from supplyscreen.cases import Cases

WATCH = ["id", "name", "aliases", "country", "notes", "schema"]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_monitor_commands_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = small_home(tmp_path / "home")  # small lists: each new version is built in a moment
    monkeypatch.setenv("SUPPLYSCREEN_USER", "dana")

    def cli(*args: str) -> tuple[int, str]:
        code, out, err = run_cli([*args, "--home", str(home)], capsys, monkeypatch)
        return code, out + err

    master = _csv(
        tmp_path / "vendors.csv",
        [
            ["Supplier ID", "Supplier", "Address"],
            ["S-1", "Hangzhou Hikvision Digital Technology Co., Ltd.", "Hangzhou"],
            ["S-2", "Tessaract Dyeworks Ltd", "Manchester"],
            ["S-3", "Acme Office Supplies", "Phoenix, AZ"],
        ],
    )
    code, out = cli("monitor", "add", "vendors", str(master))
    assert code == 0, out
    assert "3 rows screened as the baseline" in out and "1 high" in out
    code, out = cli("monitor", "run", "vendors")
    assert code == 0 and "0 change(s)" in out  # nothing new since the baseline
    code, out = cli(
        "lists",
        "add",
        "watch",
        str(_csv(tmp_path / "w.csv", [WATCH, ["1", "Tessaract Dyeworks Limited", "", "GB", "", "Company"]])),
    )
    assert code == 0, out
    code, out = cli("monitor", "run", "--out", str(tmp_path / "changes.csv"))
    assert code == 3, out  # changes: as --fail-on findings
    assert "row 2 Tessaract Dyeworks Ltd: new_hit Tessaract Dyeworks Limited [user_watch]" in " ".join(
        out.split()
    )
    with open(tmp_path / "changes.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["row"], r["change"], r["source"], r["cause"]) for r in rows] == [
        ("2", "new_hit", "user_watch", "list_update")
    ]
    assert json.loads(rows[0]["list_change"])["change"] == "added"
    code, out = cli("monitor", "run", "vendors", "--out", str(tmp_path / "again.html"))
    assert code == 0 and "no changes" in (tmp_path / "again.html").read_text(encoding="utf-8")
    code, out = cli("monitor", "show", "vendors", "--json")
    shown = json.loads(out)
    assert (
        shown["rows"] == 3
        and shown["open_changes"] == 1
        and shown["changes"][0]["vendor"] == "Tessaract Dyeworks Ltd"
    )
    assert [r["mode"] for r in shown["runs"]] == ["unchanged", "incremental", "unchanged", "baseline"]
    code, out = cli("monitor", "list", "--json")
    assert [m["name"] for m in json.loads(out)] == ["vendors"]
    # bad input: exit 2, one line, no traceback
    for args, message in (
        (("monitor", "run", "nope"), "no monitor named 'nope'"),
        (("monitor", "run", "--out", str(tmp_path / "x.txt")), "unknown format"),
        (("monitor", "run", "--notify", "ftp://x"), "ftp://x"),
        (("monitor", "add", "v2", str(tmp_path / "missing.csv")), "missing.csv"),
        (("monitor", "add", "bad name", str(master)), "monitor name"),
    ):
        code, out = cli(*args)
        assert code == 2, (args, out)
        assert message in out and "Traceback" not in out
    code, out = cli("monitor", "remove", "vendors")
    assert code == 0
    cases = Cases.open(home=home)
    try:
        actions = [(r.action, r.user_name) for r in cases.audit.rows()]
    finally:
        cases.close()
    assert ("monitor_remove", "dana") in actions and ("monitor_add", "dana") in actions
    code, out = cli("monitor", "list", "--json")
    assert json.loads(out) == []


def test_lists_update_runs_monitors_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = small_home(tmp_path / "home")  # small lists: each new version is built in a moment

    def cli(*args: str) -> tuple[int, str]:
        code, out, err = run_cli([*args, "--home", str(home)], capsys, monkeypatch)
        return code, out + err

    official = Path(__file__).resolve().parents[1] / "fixtures" / "official"
    folder = official / "lists" / "un_sc_consolidated"
    assert folder.is_dir()
    master = _csv(tmp_path / "m.csv", [["vendor", "address"], ["Acme Office Supplies", "Phoenix"]])
    assert cli("monitor", "add", "m", str(master))[0] == 0
    code, out = cli("lists", "update", "--notify", "mailto:a@example.com")
    assert code == 2 and "--notify needs --monitor" in out
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    xml = next(folder.glob("*.xml"))
    (mirror / "consolidated.xml").write_bytes(xml.read_bytes())
    code, out = cli("lists", "update", "un_sc", "--from", str(mirror), "--force")
    assert code == 0, out
    assert "monitor m" not in out  # not unless --monitor
    code, out = cli("lists", "update", "un_sc", "--from", str(mirror), "--force", "--monitor")
    assert code == 0, out
    assert "monitor m: 0 change(s)" in out
