"""The flagged rows an HTML report lists, kept as short display records and capped in number.

A million-row screening may flag tens of thousands of rows; the report shows the first
`FLAGGED_ROWS_SHOWN` (high before review, each in input order) and says how many it left out.
Each kept row holds only what the report prints: excerpts of long text, each flag's reason and its
evidence as (label, text, link) items, never the whole record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from supplyscreen.listcodes import list_info
from supplyscreen.model import Flag, RowResult
from supplyscreen.report.escape import cell_text, excerpt
from supplyscreen.report.summary import flag_lists

FLAGGED_ROWS_SHOWN = 5_000
INFORMATION_ROWS_SHOWN = 1_000
DESCRIPTION_CHARS = 240
REASON_CHARS = 2_000
EVIDENCE_CHARS = 400

#: Evidence keys shown, in this order, with their labels; other keys follow under their own name.
EVIDENCE_LABELS = {
    "text": "matched text",
    "field": "found in",
    "caption": "list entity",
    "entity_id": "entity id",
    "matched_name": "matched name",
    "score": "score",
    "lists": "lists",
    "program": "program",
    "legal_basis": "legal basis",
    "listed_on": "listed on",
    "source_url": "official source",
    "brand": "brand",
    "covered_parent": "covered manufacturer",
    "covered_entity": "covered entity",
    "relationship": "relationship",
    "pattern_type": "pattern type",
    "covered_until": "covered until",
    "order_date": "order date",
    "federal_funding": "federal funding",
    "funding": "funding",
    "place": "place",
    "sector": "sector",
    "uflpa_status": "UFLPA status",
    "designated": "designated",
    "confidence": "confidence",
    "explanation": "why it matched",
    "source_ids": "source ids",
}
#: Evidence keys never shown: positions, nested detail shown elsewhere, regular expressions, and the
#: research citations behind curated rows (secondary web pages; the report links official sources only,
#: the JSONL output keeps them).
EVIDENCE_HIDDEN = frozenset(
    {"start", "end", "matches", "memberships", "kind", "pattern", "severity", "requirement"}
    | {"source", "row_source", "spelling_source", "designation_source", "hs_source"}
)
MEMBERSHIP_KEYS = (
    "list", "list_title", "program", "legal_basis", "listed_on", "ends_on", "federal_register", "status",
    "source_id", "source_url",
)  # fmt: skip


@dataclass(slots=True, frozen=True)
class EvidenceItem:
    """One line of evidence: a label, its text, and the official link when it is one."""

    label: str
    text: str
    url: str | None = None


@dataclass(slots=True)
class FlagView:
    """One flag as the report prints it."""

    code: str
    severity: str
    reason: str
    evidence: list[EvidenceItem] = field(default_factory=list)
    memberships: list[list[EvidenceItem]] = field(default_factory=list)


@dataclass(slots=True)
class FlaggedRow:
    """One listed row: where it is, who and what, its risk, and its flags."""

    row: int
    sheet: str | None
    vendor: str
    buyer: str
    description: str
    amount: str
    risk: str
    change: str
    top_match: str
    lists: list[str]
    flags: list[FlagView]


def official_url(value: object) -> str | None:
    """The value when it is an http(s) address (only these become links), else None."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and " " not in value.strip():
        return value.strip()
    return None


def evidence_text(value: Any) -> str:
    """An evidence value as short text: lists joined, booleans as yes/no, scores to two decimals."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        if all(isinstance(v, str | int | float) for v in value):
            return excerpt(", ".join(str(v) for v in value), EVIDENCE_CHARS)
        return excerpt(json.dumps(value, ensure_ascii=False, default=str), EVIDENCE_CHARS)
    if isinstance(value, dict):
        pairs = [f"{k}: {v}" for k, v in value.items() if isinstance(v, str | int | float) and v != ""]
        return excerpt("; ".join(pairs), EVIDENCE_CHARS)
    return excerpt(cell_text(value), EVIDENCE_CHARS)


def evidence_items(evidence: dict[str, Any]) -> list[EvidenceItem]:
    """A flag's evidence as labelled items, known keys first, empty values and hidden keys left out."""
    if evidence.get("field") == "column" and evidence.get("column"):  # a column without a role
        column = evidence["column"]
        evidence = {k: v for k, v in evidence.items() if k != "column"}
        evidence["field"] = f'column "{column}"'
    keys = [k for k in EVIDENCE_LABELS if k in evidence]
    keys += [k for k in evidence if k not in EVIDENCE_LABELS and k not in EVIDENCE_HIDDEN]
    items = []
    for key in keys:
        value = evidence[key]
        if value is None or value == "" or value == [] or value == {}:
            continue
        url = official_url(value) if key in ("source_url", "url") else None
        label = EVIDENCE_LABELS.get(key, key.replace("_", " "))
        items.append(EvidenceItem(label, url or evidence_text(value), url))
    return items


def membership_items(membership: dict[str, Any]) -> list[EvidenceItem]:
    """One list membership (list, program, legal basis, listing date, source) as labelled items.

    A membership from a research snapshot (``status`` other than ``official``) cites a secondary
    source; it is labelled so, and the official page of its list (from lists.yaml) is linked beside it.
    """
    status = membership.get("status")
    research = bool(status) and status != "official"
    items = []
    for key in MEMBERSHIP_KEYS:
        value = membership.get(key)
        if value in (None, "", []):
            continue
        url = official_url(value) if key == "source_url" else None
        label = key.replace("_", " ")
        if key == "source_url":
            label = "research source" if research else "official source"
        items.append(EvidenceItem(label, url or evidence_text(value), url))
    if research and membership.get("list"):
        page = official_url(list_info(str(membership["list"])).url)
        if page:
            items.append(EvidenceItem("official list", page, page))
    return items


def flag_view(flag: Flag) -> FlagView:
    """A flag reduced to what the report prints."""
    memberships = flag.evidence.get("memberships") or []
    return FlagView(
        code=flag.code,
        severity=flag.severity,
        reason=excerpt(flag.reason, REASON_CHARS),
        evidence=evidence_items(flag.evidence),
        memberships=[membership_items(m) for m in memberships if isinstance(m, dict)],
    )


def flagged_row(result: RowResult) -> FlaggedRow:
    """A row reduced to what the report prints."""
    record = result.record
    hit = result.top_hit
    top = f"{hit.caption} ({hit.score:.2f})" if hit is not None and (hit.match or hit.review) else ""
    amount = ""
    if record.amount is not None and record.amount == record.amount:
        amount = f"{record.currency or ''} {record.amount:,.2f}".strip()
    return FlaggedRow(
        row=result.row,
        sheet=record.sheet,
        vendor=excerpt(record.name or "", 200),
        buyer=excerpt(record.buyer or "", 200),
        description=excerpt(record.description or "", DESCRIPTION_CHARS),
        amount=amount,
        risk=result.risk,
        change=result.change or "",
        top_match=excerpt(top, 200),
        lists=flag_lists(result),
        flags=[flag_view(f) for f in result.flags],
    )


class FlaggedRows:
    """Keeps the rows a report lists: flagged rows (high first, at most ``limit``) and information rows."""

    def __init__(
        self, limit: int = FLAGGED_ROWS_SHOWN, information_limit: int = INFORMATION_ROWS_SHOWN
    ) -> None:
        self.limit = limit
        self.information_limit = information_limit
        self.high: list[FlaggedRow] = []
        self.review: list[FlaggedRow] = []
        self.information: list[FlaggedRow] = []
        self.checked: list[FlaggedRow] = []  # clear rows naming a list entity that is not flagged
        self.flagged_seen = 0
        self.information_seen = 0
        self.checked_seen = 0

    def add(self, result: RowResult) -> None:
        """Keep the row if the report lists it and there is room."""
        if result.risk == "high":
            self.flagged_seen += 1
            if len(self.high) < self.limit:
                self.high.append(flagged_row(result))
                del self.review[max(0, self.limit - len(self.high)) :]
        elif result.risk == "review":
            self.flagged_seen += 1
            if len(self.high) + len(self.review) < self.limit:
                self.review.append(flagged_row(result))
        elif any(f.code == "restricted_party" for f in result.flags):
            # a hit checked and not flagged: a listing that ended before the order, a cleared hit
            self.checked_seen += 1
            if len(self.checked) < self.information_limit:
                self.checked.append(flagged_row(result))
        elif result.flags:
            self.information_seen += 1
            if len(self.information) < self.information_limit:
                self.information.append(flagged_row(result))

    @property
    def flagged(self) -> list[FlaggedRow]:
        """The listed flagged rows: high first, then review, each in input order."""
        return self.high + self.review

    @property
    def flagged_left_out(self) -> int:
        return self.flagged_seen - len(self.high) - len(self.review)

    @property
    def information_left_out(self) -> int:
        return self.information_seen - len(self.information)

    @property
    def checked_left_out(self) -> int:
        return self.checked_seen - len(self.checked)
