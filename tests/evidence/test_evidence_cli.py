"""`supplyscreen evidence add|list|remove` and `lists show` at the command line: a news article's
verified mentions stored with its hash and audited; a duplicate, a bad date, a document naming no
list entity and an unreadable file refused in one line with exit 2; `lists show` shows where the
entity is mentioned; the private person the article names is nowhere; a base install (no service
extra) says what to install, and `lists show` still works."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from support.cli import run_cli

from evidence.articles import (
    DAHUA_KEY,
    PRIVATE_PERSON,
    SNIPPET,
    SOURCE,
    TITLE,
    write_article,
    write_unrelated,
)
from supplyscreen.cases import Cases
from supplyscreen.cases.evidence import list_evidence


class Cli:
    def __init__(
        self,
        home: Path,
        database: str,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.home, self.database = home, database
        self.capsys, self.monkeypatch = capsys, monkeypatch
        self.printed: list[str] = []

    def __call__(self, *args: str, database: bool = True) -> tuple[int, str, str]:
        extra = ["--home", str(self.home)] + (["--database-url", self.database] if database else [])
        code, out, err = run_cli([*args, *extra], self.capsys, self.monkeypatch)
        self.printed.append(out + err)
        return code, out, " ".join(err.split())


@pytest.fixture
def cli(
    screener_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    monkeypatch.setenv("SUPPLYSCREEN_USER", "dana")
    monkeypatch.delenv("SUPPLYSCREEN_DATABASE_URL", raising=False)
    return Cli(screener_home, f"sqlite:///{tmp_path / 'cases.db'}", capsys, monkeypatch)


def _audit(database: str) -> list[tuple[str, str, dict[str, object]]]:
    cases = Cases.open(database)
    try:
        return [
            (row.action, row.user_name, json.loads(row.payload))
            for row in cases.audit.rows()
            if row.action.startswith("evidence")
        ]
    finally:
        cases.close()


def test_add_list_show_and_remove_evidence(cli: Cli, tmp_path: Path) -> None:
    article = write_article(tmp_path / "council.html")
    code, out, err = cli(
        "evidence", "add", str(article), "--date", "2026-03-02", "--source", SOURCE,
        "--url", "https://example.com/council",
    )  # fmt: skip
    assert code == 0, err
    assert "stored evidence 1: 1 verified mention(s) of 1 list entity in council.html" in out
    assert f'"{TITLE}", 2026-03-02, {SOURCE}' in out  # the title read from the page's <title>
    assert f"Dahua Technology ({DAHUA_KEY})" in " ".join(out.split())
    assert "never a flag" in out

    cases = Cases.open(cli.database)
    try:
        (stored,) = list_evidence(cases.db)
    finally:
        cases.close()
    assert stored.sha256 == hashlib.sha256(article.read_bytes()).hexdigest()
    assert (stored.title, stored.date, stored.source, stored.url, stored.added_by, stored.kind) == (
        TITLE, "2026-03-02", SOURCE, "https://example.com/council", "dana", "html",
    )  # fmt: skip
    assert [m.entity_id for m in stored.mentions] == [DAHUA_KEY]
    assert SNIPPET in stored.mentions[0].sentence
    assert PRIVATE_PERSON not in json.dumps(stored.to_dict())

    code, out, err = cli("evidence", "list", "--format", "json")
    assert code == 0, err
    (listed,) = json.loads(out)
    assert listed["id"] == 1 and listed["mentions"][0]["entity_id"] == DAHUA_KEY
    code, out, _ = cli("evidence", "list")
    assert code == 0 and "City council" in out and SOURCE in out
    code, out, _ = cli("evidence", "list", "--entity", "us_ofac_sdn:1", "--format", "json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = cli("evidence", "list", "--entity", DAHUA_KEY, "--format", "json")
    assert [e["id"] for e in json.loads(out)] == [1]

    code, out, err = cli("lists", "show", DAHUA_KEY)
    assert code == 0, err
    text = " ".join(out.split())
    assert "Mentioned in 1 document(s) kept as evidence (information beside a hit, not a flag)" in text
    assert f'2026-03-02 {SOURCE}: "{TITLE}" (evidence 1, page 1) https://example.com/council' in text
    assert SNIPPET in text
    code, out, _ = cli("lists", "show", DAHUA_KEY, "--json")
    (shown,) = json.loads(out)
    assert shown["mentioned_in"][0]["title"] == TITLE and SNIPPET in shown["mentioned_in"][0]["snippet"]
    code, out, _ = cli("lists", "show", "us_ofac_nonsdn:30946")  # an entity no evidence mentions
    assert code == 0 and "Mentioned in" not in out

    code, out, err = cli("evidence", "remove", "1", "--user", "erin")
    assert code == 0 and "removed evidence 1 (City council reviews its camera contracts)" in out
    code, out, _ = cli("lists", "show", DAHUA_KEY)
    assert code == 0 and "Mentioned in" not in out
    code, out, err = cli("evidence", "remove", "1")
    assert code == 2 and "no evidence 1" in err

    audit = _audit(cli.database)
    assert [(action, user) for action, user, _ in audit] == [
        ("evidence_add", "dana"),
        ("evidence_remove", "erin"),
    ]
    added = audit[0][2]
    assert added["sha256"] == stored.sha256 and added["title"] == TITLE and added["source"] == SOURCE
    assert added["entities"] == [DAHUA_KEY] and audit[1][2]["evidence_id"] == 1
    assert all(PRIVATE_PERSON not in printed for printed in cli.printed)
    code, out, _ = cli("audit", "verify")
    assert code == 0 and "audit log intact" in out


def test_a_duplicate_is_refused_unless_replaced(cli: Cli, tmp_path: Path) -> None:
    article = write_article(tmp_path / "council.html")
    add = ["evidence", "add", str(article), "--date", "2026-03-02", "--source", SOURCE]
    assert cli(*add)[0] == 0
    code, out, err = cli(*add, "--title", "Another title")
    assert code == 2 and out == ""
    assert err.startswith(
        f"error: council.html is stored already as evidence 1 ('{TITLE}', 2026-03-02, added by dana on 20"
    )
    assert err.endswith("); give --replace to store it again")
    code, out, err = cli(*add, "--title", "Corrected title", "--replace")
    assert code == 0, err
    assert f"replaced evidence 1 ({TITLE})" in out and "stored evidence 2" in out
    assert [a for a, _, _ in _audit(cli.database)] == ["evidence_add", "evidence_remove", "evidence_add"]


def test_bad_input_is_refused_in_one_line_with_exit_2(cli: Cli, tmp_path: Path) -> None:
    article = write_article(tmp_path / "council.html")
    code, out, err = cli("evidence", "add", str(article), "--date", "2026-02-30", "--source", SOURCE)
    assert (code, out) == (2, "")
    assert (
        err
        == "error: date: '2026-02-30' is not a publication date; give --date as YYYY-MM-DD, YYYY-MM or YYYY"
    )
    code, _, err = cli("evidence", "add", str(article), "--date", "2026", "--source", " ")
    assert code == 2 and err.startswith("error: source: ")
    code, _, err = cli(
        "evidence", "add", str(article), "--date", "2026", "--source", SOURCE, "--url", "ftp://x"
    )
    assert code == 2 and err.startswith("error: url: ")
    code, _, err = cli(
        "evidence", "add", str(tmp_path / "missing.html"), "--date", "2026", "--source", SOURCE
    )
    assert code == 2 and "missing.html: no such file" in err
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    code, _, err = cli("evidence", "add", str(broken), "--date", "2026", "--source", SOURCE)
    assert code == 2 and err.startswith("error: ") and "broken.pdf" in err and "Traceback" not in err
    code, _, err = cli("evidence", "add", str(article), "--source", SOURCE)  # --date is required
    assert code == 2 and "--date" in err

    unrelated = write_unrelated(tmp_path / "library.html")
    code, out, err = cli("evidence", "add", str(unrelated), "--date", "2026-03-02", "--source", SOURCE)
    assert (code, out) == (2, "")
    assert err == "error: no list entity is named in library.html; nothing stored"
    assert PRIVATE_PERSON not in err
    cases = Cases.open(cli.database)
    try:
        assert list_evidence(cases.db) == []
    finally:
        cases.close()
    assert _audit(cli.database) == []


def test_a_base_install_says_what_to_install_and_lists_show_still_works(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = write_article(tmp_path / "council.html")
    assert cli("evidence", "add", str(article), "--date", "2026", "--source", SOURCE)[0] == 0
    for module in (
        "sqlalchemy",
        "sqlalchemy.exc",
        "alembic",
        "supplyscreen.cases.db",
        "supplyscreen.cases.evidence",
    ):
        monkeypatch.setitem(sys.modules, module, None)  # as if the service extra were not installed
    code, out, err = cli("evidence", "list")
    assert code == 2 and "needs the service extra" in err and "pip install 'supplyscreen[service]'" in err
    code, out, err = cli("lists", "show", DAHUA_KEY)
    assert code == 0 and "Dahua Technology" in out and "Mentioned in" not in out and err == ""


def test_lists_show_without_a_case_database_shows_no_evidence(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    cli.database = f"sqlite:///{missing}"
    code, out, err = cli("lists", "show", DAHUA_KEY)
    assert code == 0 and "Mentioned in" not in out and err == ""
    assert not missing.exists()  # looking for evidence creates no database
