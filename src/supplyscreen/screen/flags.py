"""From name hits to flags with reasons in plain words (their severities: ``screen/policy.py``).

The wording follows docs/domain.md: a reason says what the list means for this buyer (a blocking
sanction, an export-licensing list that does not by itself forbid buying, a procurement ban for
federal money) and cites the authority; the evidence carries the list entry with program, legal
basis, listing date and source URL.
"""

from __future__ import annotations

from typing import Any

from supplyscreen.detect import federal_funding_text
from supplyscreen.listcodes import list_info
from supplyscreen.model import Entity, Flag, Hit, Membership, Record
from supplyscreen.screen.policy import CONTEXT_ONLY, ENDED_LISTING, name_hit_severity

PROCUREMENT_BANS = frozenset({"us_ndaa_889", "us_fcc_covered"})
UFLPA = "us_dhs_uflpa"


def _in_force(m: Membership, order_date: str | None) -> bool:
    """Whether a membership applies to an order of that date (a former subsidiary: only before its sale)."""
    return not (order_date and m.ends_on and order_date[:10] >= _end_of(m.ends_on))


def date_matters(entity: Entity | None) -> bool:
    """Whether an order's date can change the flags of a hit on ``entity`` (a listing that ended)."""
    return entity is not None and any(m.is_hit and m.ends_on for m in entity.memberships)


def _end_of(date: str) -> str:
    """``YYYY-MM`` means the end of that month: an order on the 31st is still before it."""
    return date + "-32" if len(date) == 7 else date


def _membership_evidence(m: Membership) -> dict[str, Any]:
    info = list_info(m.list_code)
    return {
        k: v
        for k, v in {
            "list": m.list_code,
            "list_title": info.title,
            "program": m.program,
            "legal_basis": m.authority or info.basis,
            "listed_on": m.listed_on,
            "ends_on": m.ends_on,
            "federal_register": m.federal_register,
            "source_url": m.source_url or info.url,
            "status": m.status,
            "source_id": m.source_id,
        }.items()
        if v
    }


def _list_sentence(codes: list[str], federal: bool) -> str:
    parts = []
    for code in codes:
        info = list_info(code)
        parts.append(f"{info.title} ({info.meaning.split('. ')[0].rstrip('.')})")
    text = "; ".join(parts)
    if federal and PROCUREMENT_BANS & set(codes):
        text += (
            "; bought with federal funds: prohibited by NDAA FY2019 s.889(b) and 2 CFR 200.216 "
            "(no federal grant or loan money for covered equipment or services)"
        )
    return text


def hit_flags(record: Record, hit: Hit, entity: Entity | None) -> list[Flag]:
    """Flags for one name hit: ``restricted_party`` (and ``uflpa_entity``) at match or review level;
    for a curated reviewer-context row (on no list) an ``info`` flag saying so."""
    if hit.reviewer_context:
        return [_context_flag(record, hit, entity)]
    if not (hit.match or hit.review):
        return []
    memberships = [m for m in (entity.memberships if entity else []) if m.is_hit]
    current = [m for m in memberships if _in_force(m, record.date)]
    if memberships and not current:  # every listing ended before this order (a former subsidiary sold)
        return [_ended_flag(record, hit, memberships)]
    codes = list(dict.fromkeys(m.list_code for m in current)) or hit.lists
    federal = federal_funding_text(record) is not None
    evidence = _hit_evidence(record, hit, codes, current, explained=True)
    evidence.update(source_ids=hit.source_ids, federal_funding=federal)
    if hit.match and codes:
        reason = (
            f"'{record.name}' is {hit.caption} ({hit.entity_id}), listed on: {_list_sentence(codes, federal)}"
        )
    else:
        why = "a possible match" if hit.lists else "named only in low-confidence research rows"
        reason = (
            f"'{record.name}' resembles {hit.caption} ({hit.entity_id}, score {hit.score:.2f}): "
            f"{why}, for a reviewer to check; lists: {', '.join(codes or hit.lead_lists)}"
        )
        if hit.context:
            reason += f"; {hit.context}"
    severity = name_hit_severity(hit.match, bool(codes))
    flags = [Flag("restricted_party", severity, reason, evidence)]
    if UFLPA in codes and severity == "high":
        uflpa = [m for m in current if m.list_code == UFLPA]
        flags.append(
            Flag(
                "uflpa_entity",
                severity,
                f"{hit.caption} is on the UFLPA Entity List: goods it makes, wholly or in part, are presumed "
                "made with forced labour and are barred from import into the US (Uyghur Forced Labor "
                "Prevention Act, Pub. L. 117-78; 19 U.S.C. 1307)" + _curated_note(uflpa),
                dict(evidence, memberships=[_membership_evidence(m) for m in uflpa]),
            )
        )
    return flags


def _ended_flag(record: Record, hit: Hit, ended: list[Membership]) -> Flag:
    """An ``info`` flag for a hit whose every listing ended before the order: checked, not flagged,
    and saying why, so that the row is never a silent clear."""
    last = max(m.ends_on or "" for m in ended)
    codes = list(dict.fromkeys(m.list_code for m in ended))
    titles = ", ".join(list_info(code).title for code in codes)
    reason = (
        f"'{record.name}' is {hit.caption} ({hit.entity_id}), whose listing ended on {last} ({titles}), "
        f"before this order's date {str(record.date)[:10]}: checked, not flagged"
    )
    evidence = {
        **_hit_evidence(record, hit, [], ended),  # no list applies to this order
        "ended_lists": codes,
        "order_date": str(record.date)[:10],
    }
    return Flag("restricted_party", ENDED_LISTING, reason, evidence)


def _context_flag(record: Record, hit: Hit, entity: Entity | None) -> Flag:
    """An ``info`` flag for a name that matches a curated row kept for a reviewer's context only (a
    buyer of a former subsidiary, an OEM relabeller): on no list, checked and not flagged."""
    relations = [r for r in (entity.relations if entity else []) if r.target_name]
    how = "; ".join(f"{r.note or r.type} of {r.target_name}" for r in relations) or "context"
    reason = (
        f"'{record.name}' resembles {hit.caption} ({hit.entity_id}, score {hit.score:.2f}), named in "
        f"curated research only as {how}: on no list and never a hit by name; checked and not "
        "flagged, for a reviewer's context"
    )
    evidence = {**_hit_evidence(record, hit, [], [], explained=True), "research_context": how}
    return Flag("restricted_party", CONTEXT_ONLY, reason, evidence)


def _hit_evidence(
    record: Record, hit: Hit, codes: list[str], memberships: list[Membership], *, explained: bool = False
) -> dict[str, Any]:
    """What every flag of a name hit carries: the text, the entry (with the score's explanation when
    ``explained``), the lists and their memberships."""
    evidence: dict[str, Any] = {
        "field": "name",
        "text": record.name,
        "entity_id": hit.entity_id,
        "caption": hit.caption,
        "matched_name": hit.matched_name,
        "score": hit.score,
    }
    if explained:
        evidence["explanation"] = hit.explanation
    evidence["lists"] = codes
    evidence["memberships"] = [_membership_evidence(m) for m in memberships]
    return evidence


def _curated_note(memberships: list[Membership]) -> str:
    if all(m.status == "official" for m in memberships):
        return ""
    statuses = ", ".join(sorted({m.status for m in memberships}))
    return (
        f"; entry from the curated research list (status {statuses}), check it on dhs.gov/uflpa-entity-list"
    )
