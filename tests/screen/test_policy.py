"""screen/policy.py: every severity and risk rule in one place, and the modules that follow it."""

from __future__ import annotations

import pytest

from supplyscreen.detect.covered_equipment import CoveredEquipmentDetector
from supplyscreen.detect.high_priority_sector import HighPrioritySectorDetector
from supplyscreen.detect.xinjiang_location import XinjiangLocationDetector
from supplyscreen.model import SEVERITIES, Flag, Record
from supplyscreen.names import matcher
from supplyscreen.screen import policy


def _flag(code: str, severity: str) -> Flag:
    return Flag(code, severity, f"{code} at {severity}", {})


def test_a_match_on_a_list_is_high_and_anything_less_is_review() -> None:
    assert policy.name_hit_severity(is_match=True, on_hit_lists=True) == "high"
    assert policy.name_hit_severity(is_match=True, on_hit_lists=False) == "review"  # low-confidence rows only
    assert policy.name_hit_severity(is_match=False, on_hit_lists=True) == "review"


def test_the_matcher_uses_the_policys_thresholds() -> None:
    assert (matcher.MATCH_THRESHOLD, matcher.REVIEW_THRESHOLD) == (
        policy.MATCH_THRESHOLD,
        policy.REVIEW_THRESHOLD,
    )
    assert policy.REVIEW_THRESHOLD < policy.MATCH_THRESHOLD


def test_look_alikes_of_a_listed_name_are_not_flags_of_their_own() -> None:
    listed = _flag("restricted_party", "high")
    look_alike = _flag("restricted_party", "review")
    place = _flag("xinjiang_location", "review")
    assert policy.keep_name_flags([look_alike, listed, place]) == [listed, place]
    assert policy.keep_name_flags([look_alike, place]) == [look_alike, place]  # no listed one: all kept
    ended = _flag("restricted_party", "info")  # a look-alike whose listing ended: dropped beside a match
    cleared = Flag("restricted_party", "info", "cleared", {"decision": {"status": "false_positive"}})
    assert policy.keep_name_flags([listed, ended, cleared]) == [listed, cleared]
    assert policy.keep_name_flags([ended]) == [ended]


def test_a_row_is_as_risky_as_its_strongest_flag_and_info_leaves_it_clear() -> None:
    assert policy.row_risk([]) == "clear"
    assert policy.row_risk([_flag("high_priority_sector", "info")]) == "clear"
    assert policy.row_risk([_flag("a", "info"), _flag("b", "review")]) == "review"
    assert policy.row_risk([_flag("a", "review"), _flag("b", "high")]) == "high"
    flags = [_flag("a", "info"), _flag("b", "review"), _flag("c", "high"), _flag("d", "review")]
    assert [f.code for f in policy.order_flags(flags)] == ["c", "b", "d", "a"]
    assert [policy.risk_of(s) for s in (*SEVERITIES, None)] == ["high", "review", "clear", "clear"]


def test_a_cleared_hit_stays_on_the_row_as_info_with_what_it_was() -> None:
    flag = _flag("restricted_party", "high")
    policy.clear_by_decision(flag, "cleared by alice")
    assert flag.severity == "info" and flag.evidence["severity_before"] == "high"
    assert flag.reason == "cleared by alice (was: restricted_party at high)"


@pytest.mark.parametrize(
    ("fail_on", "by_risk", "fails"),
    [
        (None, {"high": 3}, False),
        ("high", {"review": 3, "clear": 1}, False),
        ("high", {"high": 1}, True),
        ("review", {"review": 1}, True),
        ("review", {"clear": 9}, False),
    ],
)
def test_what_fails_a_run(fail_on: str | None, by_risk: dict[str, int], fails: bool) -> None:
    assert policy.fails_run(fail_on, by_risk) is fails


def test_the_detectors_take_their_severities_from_the_policy() -> None:
    camera = Record(1, name="Acme Security", description="Hikvision DS-2CD2143G0-I dome camera", country="US")
    assert {f.severity for f in CoveredEquipmentDetector().detect(camera)} == {
        policy.COVERED_EQUIPMENT.strong
    }
    here = Record(2, name="Tianshan Cotton Co", address="No. 5 Tuanjie Rd, Aksu, Xinjiang", country="CN")
    abroad = Record(3, name="Urumqi Trading Ltd", country="GB")
    assert [f.severity for f in XinjiangLocationDetector().detect(here)] == [policy.XINJIANG_PLACE.strong]
    assert [f.severity for f in XinjiangLocationDetector().detect(abroad)] == [
        policy.XINJIANG_PLACE.uncertain
    ]
    cotton = Record(4, name="Acme", description="raw cotton yarn", country="CN")
    sectors = HighPrioritySectorDetector().detect(cotton)
    assert sectors and {f.severity for f in sectors} == {policy.HIGH_PRIORITY_SECTOR}
