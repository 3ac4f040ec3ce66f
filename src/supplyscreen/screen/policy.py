"""Where a row's risk is decided: every severity and risk rule, the name-matching thresholds, and the
one hook through which a reviewer's decision demotes a flag.

A row's **risk** is the severity of its strongest flag (``high`` before ``review``; ``info`` flags
leave a row ``clear``). The flags come from the name matcher and the detectors, and each takes its
severity from here:

* **A name hit.** The matcher scores a name from 0 to 1: at or above :data:`MATCH_THRESHOLD` the hit
  is the listed entity, from :data:`REVIEW_THRESHOLD` a person should look. A match on an entry that
  counts as a list hit makes a ``high`` ``restricted_party`` flag, whatever the list: a purchase
  ban, a blocking sanction and an export-licensing list all stop a public buyer until someone has
  checked (the reason's wording says which kind of list it is). Anything less, and a match found
  only in low-confidence research rows, is ``review`` (:func:`name_hit_severity`). A hit whose
  every listing ended before the order's date is ``info`` (:data:`ENDED_LISTING`), with the end
  date in its reason; so is a name matching a curated row kept for a reviewer's context only, on no
  list (:data:`CONTEXT_ONLY`), when it has no hit of its own. A match on the
  UFLPA Entity List adds a ``high`` ``uflpa_entity`` flag. The matcher itself moves a hit one
  level down where the vendor's country is not among the entry's, and turns partial homonyms of an
  exact match into reviews (``names/matcher.py``).
* **Several hits on one name.** When one of them is the listed entity, the weaker look-alikes stay
  in the row's hits but are not flags of their own (:func:`keep_name_flags`).
* **A detector's finding** is ``high`` when its evidence is strong and ``review`` when it is not
  (:data:`COVERED_EQUIPMENT`: a weak model-number pattern, goods the record does not state, an
  order date the listing depends on but the row lacks; :data:`XINJIANG_PLACE`: a Xinjiang place
  name in a record from another country). A UFLPA high-priority sector is ``info``
  (:data:`HIGH_PRIORITY_SECTOR`): context for a reviewer, never a hit.
* **A reviewer's decision.** A hit cleared as a false positive keeps its flags on the row, as
  ``info``, with the decision in the evidence (:func:`clear_by_decision`), as long as the entry's
  list memberships are those the reviewer saw.
* **What fails a run.** ``--fail-on high`` fails on high rows, ``--fail-on review`` on high and
  review rows (:data:`FAIL_LEVELS`), with exit status :data:`FAIL_EXIT`.
"""

from __future__ import annotations

from dataclasses import dataclass

from supplyscreen.model import SEVERITIES, Flag

#: A name score at or above this is the listed entity (calibrated on the development sets:
#: docs/benchmarks.md).
MATCH_THRESHOLD = 0.83
#: A name score at or above this, under the match threshold, is for a reviewer.
REVIEW_THRESHOLD = 0.72


@dataclass(frozen=True, slots=True)
class Levels:
    """A detector's severities: when its evidence is strong, and when it is not."""

    strong: str
    uncertain: str


#: NDAA s.889 / FCC Covered List equipment found by brand or model number.
COVERED_EQUIPMENT = Levels(strong="high", uncertain="review")
#: A place in Xinjiang; uncertain when the record's country is not China.
XINJIANG_PLACE = Levels(strong="high", uncertain="review")
#: A UFLPA high-priority sector: information for a reviewer.
HIGH_PRIORITY_SECTOR = "info"
#: A name hit whose every listing ended before the order's date (a former subsidiary sold before
#: it): shown, never a silent clear, but no flag of consequence.
ENDED_LISTING = "info"
#: A name matching a curated row kept for a reviewer's context only (a buyer of a former subsidiary,
#: an OEM relabeller; ``creates_hit=no``), on no list: information, never a flag of consequence.
CONTEXT_ONLY = "info"

#: The risks each ``--fail-on`` value fails a run on, and the exit status it fails with.
FAIL_LEVELS = {"high": ("high",), "review": ("high", "review")}
FAIL_EXIT = 3


def name_hit_severity(is_match: bool, on_hit_lists: bool) -> str:
    """A ``restricted_party`` flag's severity: ``high`` for a match on an entry that counts as a list
    hit, ``review`` for a possible match or a lead from low-confidence research rows only."""
    return "high" if is_match and on_hit_lists else "review"


def keep_name_flags(flags: list[Flag]) -> list[Flag]:
    """The flags a row keeps of its name's hits: when one hit is the listed entity (a ``high``
    ``restricted_party`` flag), the other hits' ``review`` flags, and their ``info`` flags of listings
    that ended, are dropped (a reviewer's decision on one of them is kept)."""
    if any(f.code == "restricted_party" and f.severity == "high" for f in flags):
        return [f for f in flags if not _look_alike(f)]
    return flags


def _look_alike(flag: Flag) -> bool:
    return flag.code == "restricted_party" and (
        flag.severity == "review" or (flag.severity == "info" and "decision" not in flag.evidence)
    )


def clear_by_decision(flag: Flag, wording: str) -> None:
    """The one hook through which a decision demotes a flag: a hit a reviewer cleared as a false
    positive stays on the row as ``info``, with its former severity and reason kept."""
    flag.evidence["severity_before"] = flag.severity
    flag.severity = "info"
    flag.reason = f"{wording} (was: {flag.reason})"


def order_flags(flags: list[Flag]) -> list[Flag]:
    """Strongest flags first; the order is stable within a severity."""
    return sorted(flags, key=lambda f: SEVERITIES.index(f.severity))


def risk_of(severity: str | None) -> str:
    """The risk of a row whose most severe flag has ``severity`` (None: it has no flag)."""
    return severity if severity in ("high", "review") else "clear"


def row_risk(flags: list[Flag]) -> str:
    """``high`` if any flag is high, ``review`` if any needs review, else ``clear`` (info stays clear)."""
    severities = {f.severity for f in flags}
    return risk_of(next((s for s in SEVERITIES if s in severities), None))


def fails_run(fail_on: str | None, by_risk: dict[str, int]) -> bool:
    """Whether a run with ``--fail-on fail_on`` fails, given its row counts per risk."""
    return fail_on is not None and any(by_risk.get(r, 0) for r in FAIL_LEVELS[fail_on])
