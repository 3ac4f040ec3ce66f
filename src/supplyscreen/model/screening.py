"""The screening model: one input row in, flags out.

A :class:`Record` is one input row, a :class:`Hit` a list entity found for one of its names, a
:class:`Flag` one reason the row needs attention and a :class:`RowResult` the row's screening with
its risk. The vocabularies of flag codes, severities and risks, and the age at which a list
snapshot is stale, live here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Flag codes a screening can raise (reports and the API use exactly these).
FLAG_CODES = (
    "restricted_party",
    "uflpa_entity",
    "covered_equipment",
    "xinjiang_location",
    "high_priority_sector",
)
#: Severities, strongest first. ``info`` never raises a row's risk on its own.
SEVERITIES = ("high", "review", "info")
#: A list snapshot older than this many days is stale: the CLI and the reports warn about it.
STALE_AFTER_DAYS = 30


@dataclass(slots=True)
class Flag:
    """One reason a row needs attention: a code, how serious, a plain-words reason and its evidence.

    ``evidence`` holds what a reviewer needs to check the flag: the matched text and where it was
    found (``field``, ``text``, ``start``, ``end``), the rule or list entry behind it (brand,
    pattern, place, list code, program, legal basis, listing date, source URL, confidence).
    """

    code: str
    severity: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "reason": self.reason,
            "evidence": self.evidence,
        }


@dataclass(slots=True)
class Record:
    """One input row, with the fields screening looks at picked out by the column mapping.

    ``row`` is the 1-based data row number in its file (header excluded), ``sheet`` the XLSX sheet;
    ``fields`` keeps every input column as given, so reports can write them back unchanged.
    ``date`` is ISO (YYYY-MM-DD) when the input's date could be read, else None. ``others`` holds
    the text of every column without a role, as (column, text): the detectors read them too (a
    model number in a "Notes" column, a place in "Supplier location"); name matching does not.
    """

    row: int
    fields: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    name: str | None = None
    address: str | None = None
    country: str | None = None
    description: str | None = None
    hs_code: str | None = None
    amount: float | None = None
    currency: str | None = None
    funding: str | None = None
    date: str | None = None
    sheet: str | None = None
    buyer: str | None = None  # OCDS: the buyer party's name
    others: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Hit:
    """A list entity found for a query name: how well it matched and why.

    ``match`` is true at or above the calibrated match threshold (the hit is the listed entity);
    ``review`` is true from the lower review threshold (a human should look). ``lists`` holds the
    list codes that may be shown as hits; ``lead_lists`` those backed only by low-confidence rows.
    """

    entity_id: str
    caption: str
    schema: str
    names: list[str]
    source_ids: list[str]
    lists: list[str]
    score: float
    match: bool
    review: bool
    matched_name: str
    explanation: str
    lead_lists: list[str] = field(default_factory=list)
    # what the query's context changed, in words ("vendor in the United States; X is in Russia"):
    # a flag's reason says it (it is in ``explanation`` too)
    context: str = ""
    # a curated row kept for a reviewer's context (on no list): shown as information, never a flag
    reviewer_context: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "caption": self.caption,
            "schema": self.schema,
            "names": self.names,
            "source_ids": self.source_ids,
            "lists": self.lists,
            "lead_lists": self.lead_lists,
            "score": round(self.score, 4),
            "match": self.match,
            "review": self.review,
            "matched_name": self.matched_name,
            "explanation": self.explanation,
        }


#: Row risk levels, strongest first.
RISKS = ("high", "review", "clear")


@dataclass(slots=True)
class RowResult:
    """The screening of one input row: its risk, the flags that decide it and the name hits behind them.

    ``risk`` is ``high`` (a list hit at the match threshold, covered equipment, a UFLPA entity, a
    Xinjiang location), ``review`` (a weaker hit or a low-confidence lead) or ``clear`` (a row whose
    only flag is a high-priority sector stays clear). ``change`` is set when the screening is
    compared with an earlier one (``new``, ``changed``, ``unchanged``, ``resolved``).
    """

    row: int
    record: Record
    risk: str
    flags: list[Flag] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    list_snapshot: str = ""
    change: str | None = None

    @property
    def flag_codes(self) -> list[str]:
        return list(dict.fromkeys(f.code for f in self.flags))

    @property
    def top_hit(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    def to_dict(self) -> dict[str, Any]:
        """The JSONL form: ``{"row", "record", "risk", "flags", "hits", "list_snapshot"}``."""
        out: dict[str, Any] = {
            "row": self.row,
            "record": self.record.fields,
            "risk": self.risk,
            "flags": [f.to_dict() for f in self.flags],
            "hits": [h.to_dict() for h in self.hits],
            "list_snapshot": self.list_snapshot,
        }
        if self.record.sheet:
            out["sheet"] = self.record.sheet
        if self.change:
            out["change"] = self.change
        return out
