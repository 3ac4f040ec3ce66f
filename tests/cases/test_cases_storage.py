"""The case database on SQLite and (when CI provides one) PostgreSQL: accounts, decisions, jobs, and
the audit log whose hash chain exposes any changed, removed or cut-off row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from support.casedb import BACKENDS, database_url

from supplyscreen.cases import AuditWriter, Cases, DecisionLookup, membership_fingerprint, name_subject
from supplyscreen.cases.accounts import AccountError, hash_password, verify_password
from supplyscreen.cases.decisions import DecisionError
from supplyscreen.model import Entity, Flag, Hit, Membership, Name, Record


@pytest.fixture(params=BACKENDS)
def cases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cases]:
    with database_url(request.param, tmp_path) as url:
        opened = Cases.open(url)
        yield opened
        opened.close()


def _tamper(cases: Cases, statement: str) -> None:
    """Change the log behind the application's back, the way someone with database access would."""
    with cases.db.engine.begin() as conn:
        if cases.db.dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        conn.execute(text(statement))


def _entity(*lists: str) -> Entity:
    return Entity(
        id="us_bis_entity_list:hikvision",
        schema="Company",
        names=[Name("Hangzhou Hikvision Digital Technology Co., Ltd.")],
        memberships=[Membership(list_code=code, program="EAR") for code in lists],
    )


def test_passwords_are_scrypt_hashes_that_verify_only_the_right_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password("anything", "not-a-hash")


def test_users_sign_in_with_their_password_and_role(cases: Cases) -> None:
    cases.accounts.add_user("alice", "s3cret-password", "reviewer")
    principal = cases.accounts.authenticate("alice", "s3cret-password")
    assert principal is not None and principal.role == "reviewer" and principal.via == "session"
    assert principal.can("viewer") and principal.can("reviewer") and not principal.can("admin")
    assert cases.accounts.authenticate("alice", "wrong-password") is None
    assert cases.accounts.authenticate("bob", "s3cret-password") is None
    with pytest.raises(AccountError, match="exists already"):
        cases.accounts.add_user("alice", "another-password", "viewer")
    with pytest.raises(AccountError, match="unknown role"):
        cases.accounts.add_user("carol", "long-enough-pw", "superuser")


def test_api_keys_are_stored_as_sha256_digests_and_can_be_revoked(cases: Cases) -> None:
    key = cases.accounts.create_key("admin", user="ops", label="erp")
    assert len(key) >= 43  # 32 random bytes, URL-safe base64
    with cases.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT digest, prefix FROM api_keys")).one()
    import hashlib

    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in stored.digest
    principal = cases.accounts.key_principal(key)
    assert principal is not None and (principal.name, principal.role, principal.via) == (
        "ops",
        "admin",
        "key",
    )
    assert cases.accounts.key_principal(key + "x") is None
    assert cases.accounts.revoke_key(key[:8]) == 1
    assert cases.accounts.key_principal(key) is None


def test_audit_chain_verifies_and_names_the_first_changed_row(cases: Cases) -> None:
    for i in range(1, 6):
        cases.audit.record("screening", "alice", {"rows": i, "input": "po.csv", "名": "海康威视"}, "v1")
    assert cases.audit.verify().ok and cases.audit.verify().rows == 5
    _tamper(cases, "UPDATE audit_log SET user_name = 'mallory' WHERE seq = 3")
    result = cases.audit.verify()
    assert not result.ok
    assert result.bad_seq == 3
    assert "row 3 was changed" in result.reason


def test_audit_rows_cannot_be_updated_or_deleted_through_the_database(cases: Cases) -> None:
    cases.audit.record("decision", "alice", {"status": "false_positive"}, "v1")
    for statement in ("UPDATE audit_log SET user_name = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            with cases.db.engine.begin() as conn:
                conn.execute(text(statement))
    assert cases.audit.verify().ok


def test_audit_verify_catches_a_deleted_row_and_a_cut_off_end(cases: Cases) -> None:
    for i in range(4):
        cases.audit.record("match", "k", {"i": i})
    _tamper(cases, "DELETE FROM audit_log WHERE seq = 4")
    cut = cases.audit.verify()
    assert not cut.ok and "ends at row 3" in cut.reason
    _tamper(cases, "DELETE FROM audit_log WHERE seq = 2")
    gap = cases.audit.verify()
    assert not gap.ok and gap.bad_seq == 2 and "row 2 is missing" in gap.reason


def test_batched_audit_writer_keeps_order_and_chain(cases: Cases) -> None:
    writer = AuditWriter(cases.audit, batch=50)
    for i in range(230):
        writer.submit("match", "key:abc", {"i": i}, "v1")
    writer.flush()
    writer.close()
    rows = list(cases.audit.rows())
    assert [r.seq for r in rows] == list(range(1, 231))
    assert [r.payload for r in rows[:3]] == ['{"i":0}', '{"i":1}', '{"i":2}']
    assert cases.audit.verify().ok


def test_audit_export_writes_csv_and_jsonl(cases: Cases, tmp_path: Path) -> None:
    cases.audit.record("decision", "alice", {"entity_id": "x"}, "v1")
    cases.audit.record("screening", "bob", {"rows": 24}, "v1")
    assert cases.audit.export(tmp_path / "a.csv", "csv") == 2
    lines = (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "seq,ts,user,action,list_version,payload,prev_hash,hash"
    assert lines[1].startswith("1,") and ",alice,decision,v1," in lines[1]
    assert cases.audit.export(tmp_path / "a.jsonl", "jsonl") == 2
    import json

    second = json.loads((tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()[1])
    assert second["user"] == "bob" and second["payload"] == '{"rows":24}' and len(second["hash"]) == 64


def test_decision_is_kept_against_the_normalised_name_and_entity(cases: Cases) -> None:
    entity = _entity("us_bis_entity_list")
    note = cases.decide(
        user="alice",
        entity_id=entity.id,
        status="false_positive",
        entity=entity,
        name="Hikvision Digital Technology Co., Ltd.",
        comment="different company, checked registration number",
        list_version="v1",
    )
    assert note.subject == "name:hikvision digital technology"
    assert note.wording.startswith("cleared by alice on ")
    assert note.wording.endswith(": different company, checked registration number")
    lookup = cases.decisions.lookup()
    assert lookup.find("HIKVISION DIGITAL TECHNOLOGY CO LTD", entity.id) == note
    assert lookup.find("Hikvision Digital Technology", "another:entity") is None
    audit = list(cases.audit.rows(action="decision"))
    assert len(audit) == 1 and '"status":"false_positive"' in audit[0].payload
    with pytest.raises(DecisionError, match="unknown decision"):
        cases.decide(user="a", entity_id=entity.id, status="maybe", entity=entity, name="x")


def test_latest_decision_on_a_pair_wins(cases: Cases) -> None:
    entity = _entity("us_bis_entity_list")
    common = {"user": "alice", "entity_id": entity.id, "entity": entity, "name": "Acme Vision"}
    cases.decide(status="false_positive", comment="first look", **common)
    cases.decide(status="confirmed", comment="second look: same company", **common)
    note = cases.decisions.lookup().find("ACME VISION", entity.id)
    assert note is not None and note.status == "confirmed" and note.comment == "second look: same company"


def test_cleared_hit_drops_to_info_until_the_memberships_change() -> None:
    listed = _entity("us_bis_entity_list")
    record = Record(row=1, name="Hikvision Digital Technology Co Ltd")
    hit = Hit(
        listed.id, listed.names[0].value, "Company", [], [], ["us_bis_entity_list"], 0.95, True, True, "x", ""
    )
    from supplyscreen.cases.decisions import DecisionNote

    note = DecisionNote(
        id=1,
        subject=name_subject(record.name or ""),
        input_name=record.name or "",
        entity_id=listed.id,
        status="false_positive",
        comment="different company",
        user="alice",
        created="2026-03-01T10:00:00.000000Z",
        fingerprint=membership_fingerprint(listed),
    )
    lookup = DecisionLookup([note])
    flags = lookup.apply(record, hit, listed, [Flag("restricted_party", "high", "listed on the Entity List")])
    assert flags[0].severity == "info"
    assert flags[0].reason.startswith("cleared by alice on 2026-03-01: different company (was: listed on")
    assert flags[0].evidence["decision"]["applies"] is True
    assert flags[0].evidence["severity_before"] == "high"
    relisted = _entity("us_bis_entity_list", "us_dhs_uflpa")
    flags = lookup.apply(record, hit, relisted, [Flag("restricted_party", "high", "listed")])
    assert flags[0].severity == "high"
    assert flags[0].evidence["decision"]["applies"] is False
    assert "no longer applies" in flags[0].evidence["decision"]["note"]


def test_jobs_record_progress_and_interrupted_jobs_fail(cases: Cases) -> None:
    cases.jobs.create("j1", "alice", "po.csv", "v1")
    cases.jobs.create("j2", "alice", "vendors.xlsx", "v1")
    cases.jobs.update("j1", status="done", rows_done=24, summary={"by_risk": {"high": 13}})
    done = cases.jobs.get("j1")
    assert (
        done is not None and done.status == "done" and done.finished and done.summary["by_risk"]["high"] == 13
    )
    assert cases.jobs.interrupt_unfinished() == 1
    failed = cases.jobs.get("j2")
    assert failed is not None and failed.status == "failed" and "interrupted" in (failed.error or "")
    assert [j.id for j in cases.jobs.recent(user="alice")] == ["j2", "j1"] or len(cases.jobs.recent()) == 2


def test_reopening_runs_no_migration_twice_and_keeps_the_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    first = Cases.open(url)
    revision = first.db.revision
    first.audit.record("screening", "alice", {"rows": 1})
    first.close()
    again = Cases.open(url)
    assert again.db.revision == revision
    assert again.audit.count() == 1 and again.audit.verify().ok
    again.close()
