"""The audit chain is keyed and an export's signed head catches a cut tail (issue 19, D11): rewriting
a row and recomputing the public hashes, or deleting the last rows and moving the head back, used to
pass `audit verify`."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from support.cli import run_cli

from supplyscreen.cases import Cases
from supplyscreen.cases.audit import GENESIS, head_path, read_head, row_hash


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SUPPLYSCREEN_AUDIT_KEY", raising=False)
    monkeypatch.delenv("SUPPLYSCREEN_DATABASE_URL", raising=False)
    return tmp_path / "home"


def _logged(home: Path, n: int = 10) -> Cases:
    cases = Cases.open(home=home)
    for i in range(n):
        cases.audit.record("match", f"user{i}", {"q": f"Acme {i}"}, "v1")
    return cases


def _tamper(home: Path, sql: list[str]) -> None:
    """Change the SQLite file as someone with write access to it would: triggers dropped first."""
    with sqlite3.connect(home / "supplyscreen.db") as db:
        db.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        db.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in sql:
            db.execute(statement)


def _rechain(home: Path, marks: bool = True) -> None:
    """Recompute every public hash and the head, as a forger without the key can."""
    with sqlite3.connect(home / "supplyscreen.db") as db:
        rows = db.execute(
            "SELECT seq, ts, user_name, action, list_version, payload FROM audit_log ORDER BY seq"
        ).fetchall()
        prev = GENESIS
        for seq, ts, user, action, version, payload in rows:
            digest = row_hash(prev, seq, ts, user, action, version, payload)
            db.execute("UPDATE audit_log SET prev_hash=?, hash=? WHERE seq=?", (prev, digest, seq))
            if not marks:
                db.execute("UPDATE audit_log SET mac=NULL WHERE seq=?", (seq,))
            prev = digest
        db.execute("UPDATE audit_head SET seq=?, hash=? WHERE id=1", (len(rows), prev))


def test_rows_carry_key_marks_and_the_key_file_is_private(home: Path) -> None:
    cases = _logged(home)
    assert all(row.mac for row in cases.audit.rows())
    assert cases.audit.verify().ok and cases.audit.verify().unkeyed == 0
    assert stat.S_IMODE(os.stat(home / "audit.key").st_mode) == 0o600


def test_a_rewritten_row_with_recomputed_hashes_is_caught_by_its_key_mark(home: Path) -> None:
    _logged(home).close()
    _tamper(home, ['UPDATE audit_log SET payload=\'{"q":"nothing to see"}\' WHERE seq=4'])
    _rechain(home)
    result = Cases.open(home=home).audit.verify()
    assert not result.ok and result.bad_seq == 4 and "key mark" in result.reason


def test_a_cut_tail_with_its_head_moved_back_is_caught_against_a_signed_export(home: Path) -> None:
    cases = _logged(home)
    export = home / "audit.jsonl"
    cases.audit.export(export, "jsonl")
    head = read_head(export)
    assert head["seq"] == 10 and head_path(export).is_file()
    cases.close()
    _tamper(home, ["DELETE FROM audit_log WHERE seq > 7"])
    _rechain(home)
    cases = Cases.open(home=home)
    assert cases.audit.verify().ok  # the chain alone cannot tell
    result = cases.audit.verify_against(head)
    assert not result.ok and "cut off" in result.reason


def test_a_log_rewritten_without_marks_passes_alone_but_not_against_a_signed_export(home: Path) -> None:
    cases = _logged(home)
    export = home / "audit.csv"
    cases.audit.export(export, "csv")
    cases.close()
    _tamper(home, ["UPDATE audit_log SET user_name='someone else' WHERE seq=2"])
    _rechain(home, marks=False)
    cases = Cases.open(home=home)
    assert cases.audit.verify().unkeyed == 10
    result = cases.audit.verify_against(read_head(export))
    assert not result.ok and "rewritten" in result.reason


def test_the_cli_exports_a_signed_head_and_verify_against_it_fails_on_a_cut_tail(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _logged(home).close()
    export = home / "audit.jsonl"
    code, out, err = run_cli(
        ["audit", "export", "--out", str(export), "--home", str(home)], capsys, monkeypatch
    )
    assert code == 0, err
    assert "signed head" in out
    code, out, err = run_cli(
        ["audit", "verify", "--against", str(export), "--home", str(home)], capsys, monkeypatch
    )
    assert code == 0 and "holds the head signed" in out, err
    _tamper(home, ["DELETE FROM audit_log WHERE seq = 10"])
    _rechain(home)
    code, out, err = run_cli(
        ["audit", "verify", "--against", str(export), "--home", str(home)], capsys, monkeypatch
    )
    assert code == 1 and "cut off" in err


def test_the_key_may_come_from_the_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPLYSCREEN_AUDIT_KEY", "a key kept in the service's secrets")
    cases = _logged(home, 2)
    assert cases.audit.verify().ok and not (home / "audit.key").exists()
    monkeypatch.setenv("SUPPLYSCREEN_AUDIT_KEY", "another key")
    result = Cases.open(home=home).audit.verify()
    assert not result.ok and "key mark" in result.reason
