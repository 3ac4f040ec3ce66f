"""Evidence in the case database, on SQLite and (when CI provides one) PostgreSQL: only verified
entity mentions are stored, one row per entity (the entities a span names equally too); a document
stored already, a bad date and a document naming no list entity are refused; adding and removing
write the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.casedb import BACKENDS, database_url

from supplyscreen.cases import Cases
from supplyscreen.cases.evidence import (
    EvidenceError,
    add_evidence,
    check_date,
    get_evidence,
    list_evidence,
    mentions_by_entity,
    mentions_of,
    remove_evidence,
)
from supplyscreen.scan.model import Mention

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture(params=BACKENDS)
def cases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cases]:
    with database_url(request.param, tmp_path) as url:
        opened = Cases.open(url, tmp_path)
        yield opened
        opened.close()


def _entity(
    entity_id: str,
    name: str,
    sentence: str,
    *,
    verdict: str = "match",
    start: int = 0,
    page: int = 1,
    also: list[dict[str, Any]] | None = None,
) -> Mention:
    return Mention(
        file="a.html",
        page=page,
        start=start,
        end=start + len(name),
        text=name,
        kind="entity",
        sentence=sentence,
        key=name,
        entity_id=entity_id,
        entity_name=name,
        lists=["us_bis_entity_list"],
        score=1.0 if verdict == "match" else 0.8,
        verdict=verdict,
        detail={"also": also or []},
    )


HUAWEI_ALSO = [
    {
        "entity_id": "e:huawei-2",
        "entity_name": "Huawei Technologies Co., Ltd.",
        "lists": ["us_bis_entity_list"],
    }
]
MENTIONS = [
    _entity("e:dahua", "Dahua Technology", "Dahua Technology sold cameras."),
    _entity("e:huawei", "Huawei", "Huawei shipped routers.", start=40, also=HUAWEI_ALSO),
    _entity("e:dahua", "Dahua", "Later Dahua declined to comment.", start=80, page=2),  # named again
    _entity("e:maybe", "Acme Holdings", "Acme Holdings sent a letter.", verdict="review", start=120),
    Mention(
        file="a.html",
        page=1,
        start=160,
        end=164,
        text="Aksu",
        kind="place",
        sentence="… moved to Aksu.",
        key="Aksu",
    ),
]


def _add(cases: Cases, mentions: list[Mention] = MENTIONS, **options: Any) -> Any:
    fields: dict[str, Any] = {
        "sha256": SHA_A,
        "title": "Cameras in the town hall",
        "date": "2026-03-02",
        "source": "Example Gazette",
        "filename": "a.html",
        "kind": "html",
        "user": "dana",
        "list_version": "v1",
        **options,
    }
    return add_evidence(cases, mentions, **fields)


def _audit(cases: Cases) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (row.action, row.user_name, json.loads(row.payload))
        for row in cases.audit.rows()
        if row.action.startswith("evidence")
    ]


def test_only_verified_entity_mentions_are_stored_one_row_per_entity(cases: Cases) -> None:
    result = _add(cases, url="https://example.com/news/1")
    info = result.evidence
    assert result.mentions == 3 and result.replaced is None
    assert [m.entity_id for m in info.mentions] == ["e:dahua", "e:huawei", "e:huawei-2"]
    dahua = info.mentions[0]
    assert (dahua.text, dahua.page, dahua.sentence) == (
        "Dahua Technology",
        1,
        "Dahua Technology sold cameras.",
    )
    also = info.mentions[2]  # the entity the same words name equally: the span and sentence of "Huawei"
    assert (also.entity_name, also.text, also.sentence) == (
        "Huawei Technologies Co., Ltd.",
        "Huawei",
        "Huawei shipped routers.",
    )
    stored = list_evidence(cases.db)
    assert [(e.id, e.title, e.date, e.source, e.url, e.sha256, e.added_by) for e in stored] == [
        (info.id, "Cameras in the town hall", "2026-03-02", "Example Gazette", "https://example.com/news/1",
         SHA_A, "dana")
    ]  # fmt: skip
    assert stored[0].list_version == "v1" and stored[0].kind == "html"
    assert [m.entity_id for m in stored[0].mentions] == ["e:dahua", "e:huawei", "e:huawei-2"]
    assert "Acme" not in json.dumps(stored[0].to_dict()) and "Aksu" not in json.dumps(stored[0].to_dict())
    assert mentions_of(cases.db, "e:maybe") == []
    (mention,) = mentions_of(cases.db, "e:dahua")
    assert mention.api_dict() == {
        "evidence_id": info.id,
        "title": "Cameras in the town hall",
        "date": "2026-03-02",
        "source": "Example Gazette",
        "url": "https://example.com/news/1",
        "snippet": "Dahua Technology sold cameras.",
        "page": 1,
    }
    (action, user, payload), *rest = _audit(cases)
    assert not rest and (action, user) == ("evidence_add", "dana")
    assert payload["evidence_id"] == info.id and payload["sha256"] == SHA_A
    assert payload["entities"] == ["e:dahua", "e:huawei", "e:huawei-2"] and payload["replaces"] is None
    assert cases.audit.verify().ok


def test_a_document_stored_already_is_refused_naming_its_evidence_unless_replaced(cases: Cases) -> None:
    first = _add(cases).evidence
    with pytest.raises(EvidenceError, match=rf"a\.html is stored already as evidence {first.id} .*--replace"):
        _add(cases, title="Another title")
    assert [e.title for e in list_evidence(cases.db)] == ["Cameras in the town hall"]
    again = _add(cases, title="Corrected title", date="2026-03", replace=True)
    assert again.replaced is not None and again.replaced.id == first.id
    (stored,) = list_evidence(cases.db)
    assert (stored.id, stored.title, stored.date) == (again.evidence.id, "Corrected title", "2026-03")
    assert [m.title for m in mentions_of(cases.db, "e:dahua")] == ["Corrected title"]
    actions = [(a, p["evidence_id"]) for a, _, p in _audit(cases)]
    assert actions == [
        ("evidence_add", first.id),
        ("evidence_remove", first.id),
        ("evidence_add", again.evidence.id),
    ]
    assert _audit(cases)[1][2]["replaced_by"] == again.evidence.id
    assert _audit(cases)[2][2]["replaces"] == first.id


def test_a_document_that_names_no_list_entity_is_refused_and_nothing_is_stored(cases: Cases) -> None:
    not_verified = [m for m in MENTIONS if m.verdict != "match"]
    with pytest.raises(EvidenceError, match=r"^no list entity is named in a\.html; nothing stored$"):
        _add(cases, not_verified)
    assert list_evidence(cases.db) == [] and _audit(cases) == []


@pytest.mark.parametrize("good", ["2026-03-02", "2026-03", "2026", " 2024-02-29 "])
def test_publication_dates_are_a_day_a_month_or_a_year(good: str) -> None:
    assert check_date(good) == good.strip()


@pytest.mark.parametrize(
    "bad", ["", "2026-13", "2026-02-30", "03/02/2026", "2026-3-2", "yesterday", "20260302"]
)
def test_a_bad_date_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(EvidenceError, match=r"^date: .* YYYY-MM-DD, YYYY-MM or YYYY"):
        check_date(bad)


def test_bad_fields_are_refused_before_anything_is_stored(cases: Cases) -> None:
    with pytest.raises(EvidenceError, match="^date: "):
        _add(cases, date="2026-02-30")
    with pytest.raises(EvidenceError, match="^source: "):
        _add(cases, source="  ")
    with pytest.raises(EvidenceError, match="^title: "):
        _add(cases, title="")
    with pytest.raises(EvidenceError, match="^url: "):
        _add(cases, url="javascript:alert(1)")
    assert list_evidence(cases.db) == [] and _audit(cases) == []


def test_list_mentions_and_remove(cases: Cases) -> None:
    older = _add(cases, date="2025-11-30").evidence
    newer = _add(
        cases,
        [_entity("e:dahua", "Dahua", "Dahua opened a plant.")],
        sha256=SHA_B,
        title="A plant opens",
        date="2026",
    ).evidence
    assert [m.evidence_id for m in mentions_of(cases.db, "e:dahua")] == [newer.id, older.id]  # newest first
    assert [e.id for e in list_evidence(cases.db, "e:huawei")] == [older.id]
    assert [e.id for e in list_evidence(cases.db, "e:dahua")] == [older.id, newer.id]
    by_entity = mentions_by_entity(cases.db, ["e:dahua", "e:huawei", "e:nobody"])
    assert set(by_entity) == {"e:dahua", "e:huawei"} and len(by_entity["e:dahua"]) == 2
    removed = remove_evidence(cases, older.id, user="erin")
    assert removed.id == older.id and removed.title == "Cameras in the town hall"
    assert [e.id for e in list_evidence(cases.db)] == [newer.id]
    assert mentions_of(cases.db, "e:huawei") == [] and list_evidence(cases.db, "e:huawei") == []
    with pytest.raises(EvidenceError, match=rf"no evidence {older.id}"):
        remove_evidence(cases, older.id, user="erin")
    with pytest.raises(EvidenceError, match="no evidence 999"):
        get_evidence(cases.db, 999)
    action, user, payload = _audit(cases)[-1]
    assert (action, user, payload["evidence_id"], payload["title"]) == (
        "evidence_remove",
        "erin",
        older.id,
        "Cameras in the town hall",
    )
    assert cases.audit.verify().ok


def test_a_removed_documents_id_is_never_given_to_another(cases: Cases) -> None:
    first = _add(cases).evidence
    remove_evidence(cases, first.id, user="erin")
    second = _add(cases).evidence  # the same document again: a new id, so audit rows stay unambiguous
    assert second.id > first.id
