"""CLI for cases: users, keys, audit export and verify, and reviewer decisions applied by `screen`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import EXAMPLE
from sqlalchemy import text
from support.cli import run_cli
from support.results import jsonl_rows

from supplyscreen.cases import Cases

DENIED_ROW = 21  # DAHUA ELECTRONICS CORPORATION, a Denied Persons entry: its only flag is the name hit


@pytest.fixture(autouse=True, scope="module")
def _commands_registered() -> None:
    """The case and service commands on the CLI (the cli package adds them; this adds them if it did not)."""
    from supplyscreen.cli import app, cases, service

    if "audit" not in {g.name for g in app.registered_groups}:
        cases.register(app)
    if "serve" not in {c.name for c in app.registered_commands}:
        service.register(app)


def _rows(path: Path) -> dict[int, dict]:  # type: ignore[type-arg]
    return {r["row"]: r for r in jsonl_rows(path)}


def test_users_add_reads_the_password_and_keys_create_prints_the_key_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("from-stdin-pw\n"))
    code, out, err = run_cli(
        ["users", "add", "alice", "--role", "reviewer", "--database-url", url], capsys, monkeypatch
    )
    assert code == 0, err
    assert "added user alice (reviewer)" in out
    code, out, err = run_cli(
        ["keys", "create", "--role", "admin", "--database-url", url], capsys, monkeypatch
    )
    assert code == 0, err
    key = out.strip().splitlines()[-1]
    cases = Cases.open(url)
    principal = cases.accounts.key_principal(key)
    assert principal is not None and principal.role == "admin"
    assert cases.accounts.authenticate("alice", "from-stdin-pw") is not None
    cases.close()
    code, _, err = run_cli(["keys", "create", "--role", "root", "--database-url", url], capsys, monkeypatch)
    assert code == 2 and "unknown role 'root'" in err
    code, out, err = run_cli(
        ["keys", "create", "--role", "viewer", "--label", "erp-prod", "--database-url", url],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    code, out, _ = run_cli(["keys", "list", "--database-url", url], capsys, monkeypatch)
    assert code == 0 and "label" in out
    viewer = next(line for line in out.splitlines() if "viewer" in line)
    assert "erp-prod" in viewer and "active" in viewer


def test_cleared_hit_is_not_raised_again_by_cli_screen_and_everything_is_audited(
    screener_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    base = ["--home", str(screener_home), "--database-url", url]
    monkeypatch.setenv("SUPPLYSCREEN_USER", "alice")
    Cases.open(url).close()  # the database exists: screenings now apply decisions and are audited
    first = tmp_path / "first.jsonl"
    code, _, err = run_cli(
        ["screen", str(EXAMPLE), "--out", str(first), "--workers", "1", *base], capsys, monkeypatch
    )
    assert code == 0, err
    row = _rows(first)[DENIED_ROW]
    assert row["risk"] == "high" and [f["code"] for f in row["flags"]] == ["restricted_party"]
    entity_id = row["hits"][0]["entity_id"]

    cases = Cases.open(url)
    entity = Screener_store(screener_home).get(entity_id)
    cases.decide(
        user="alice",
        entity_id=entity_id,
        status="false_positive",
        entity=entity,
        name="Dahua Electronics Corp.",
        comment="cable shop in Flushing, not the listed company",
    )
    cases.close()

    second = tmp_path / "second.jsonl"
    code, _, err = run_cli(
        ["screen", str(EXAMPLE), "--out", str(second), "--workers", "2", *base], capsys, monkeypatch
    )
    assert code == 0, err
    rows = _rows(second)
    cleared = rows[DENIED_ROW]
    assert cleared["hits"][0]["entity_id"] == entity_id  # the hit is kept, only its flag is downgraded
    # no longer "the listed Dahua Electronics": the weaker look-alike (Zhejiang Dahua) is now for review
    assert cleared["risk"] == "review"
    assert [(f["severity"], f["evidence"]["entity_id"] == entity_id) for f in cleared["flags"]] == [
        ("review", False),
        ("info", True),
    ]
    flag = cleared["flags"][1]
    assert flag["reason"].startswith("cleared by alice on ")
    assert ": cable shop in Flushing, not the listed company (was: " in flag["reason"]
    assert rows[22]["risk"] == "high"  # Hikvision itself is still flagged

    as_csv = tmp_path / "second.csv"
    code, _, err = run_cli(["screen", str(EXAMPLE), "--out", str(as_csv), *base], capsys, monkeypatch)
    assert code == 0, err
    with open(as_csv, encoding="utf-8-sig", newline="") as fh:
        csv_row = list(csv.DictReader(fh))[DENIED_ROW - 1]
    assert csv_row["risk"] == "review" and " | cleared by alice on " in csv_row["reasons"]

    code, out, err = run_cli(["audit", "verify", "--database-url", url], capsys, monkeypatch)
    assert code == 0, err
    assert "4 rows" in out  # three screenings and the decision
    export = tmp_path / "audit.csv"
    code, _, _ = run_cli(
        ["audit", "export", "--format", "csv", "--out", str(export), "--database-url", url],
        capsys,
        monkeypatch,
    )
    with open(export, encoding="utf-8", newline="") as fh:
        audit = list(csv.DictReader(fh))
    assert [r["action"] for r in audit] == ["screening", "decision", "screening", "screening"]
    assert all(r["user"] == "alice" for r in audit)
    assert json.loads(audit[0]["payload"])["by_risk"]["high"] == 13
    assert json.loads(audit[2]["payload"])["by_risk"]["high"] == 12


def Screener_store(home: Path):  # type: ignore[no-untyped-def]
    from supplyscreen.store import Store

    return Store.open(home)


def test_audit_verify_fails_and_names_the_first_tampered_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    cases = Cases.open(url)
    for action in ("screening", "decision", "screening"):
        cases.audit.record(action, "alice", {"action": action}, "v1")
    with cases.db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(
            text("UPDATE audit_log SET payload = replace(payload, 'decision', 'nothing') WHERE seq = 2")
        )
    cases.close()
    code, _, err = run_cli(["audit", "verify", "--database-url", url], capsys, monkeypatch)
    assert code == 1
    assert "row 2 was changed after it was written" in err and "first bad row: 2" in err


def test_switching_lists_writes_an_audit_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    Cases.open(home=home).close()
    code, _, err = run_cli(["lists", "use", "embedded", "--home", str(home)], capsys, monkeypatch)
    assert code == 0, err
    cases = Cases.open(home=home)
    rows = list(cases.audit.rows())
    cases.close()
    assert [r.action for r in rows] == ["lists.activate"]
    payload = json.loads(rows[0].payload)
    assert payload["previous"] == "embedded" and payload["version"] == "embedded"
    assert payload["sources"]["us_ofac_sdn"]["entities"] > 10_000
