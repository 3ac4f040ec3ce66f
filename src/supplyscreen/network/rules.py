"""The network settings as data: which lists add which flag codes, and the dated ownership rules.

Read from ``data/network.yaml``. An ownership rule (the OFAC 50 Percent Rule, the BIS Affiliates
Rule) extends its lists to entities that listed parties own at or above a threshold; whether it
applies depends on the screening date (``as_of``) and, for a switchable rule, on its CLI option:
``on`` and ``off`` force it, ``auto`` applies it from ``in_force_from`` except inside a suspension
window (the BIS rule was reported suspended for one year from 2025-11-10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from supplyscreen._yaml import safe_load as load_yaml
from supplyscreen.errors import SupplyscreenError

RULE_MODES = ("auto", "on", "off")
CONFIG = "data/network.yaml"


@dataclass(frozen=True, slots=True)
class Suspension:
    """A window (both ends inclusive) in which a rule does not apply."""

    start: date
    end: date
    note: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class OwnershipRule:
    """A rule that treats entities owned ``threshold`` % or more by parties on ``lists`` as listed too."""

    id: str
    title: str
    lists: tuple[str, ...]
    threshold: float
    authority: str
    source_url: str
    in_force_from: date | None
    suspensions: tuple[Suspension, ...] = ()
    option: str | None = None
    published: date | None = None

    def status_on(self, day: date, mode: str = "auto") -> RuleStatus:
        """Whether the rule applies on ``day`` under ``mode`` (``auto``, ``on``, ``off``), and why."""
        if mode not in RULE_MODES:
            raise SupplyscreenError(f"{self.option or self.id}: mode must be one of {', '.join(RULE_MODES)}")
        if self.option is not None and mode != "auto":
            return RuleStatus(self, mode == "on", f"{self.option} {mode}")
        if self.in_force_from and day < self.in_force_from:
            return RuleStatus(self, False, f"not yet in force on {day} (from {self.in_force_from})")
        for window in self.suspensions:
            if window.covers(day):
                why = f"suspended {window.start} to {window.end}" + (
                    f" ({window.note})" if window.note else ""
                )
                return RuleStatus(self, False, f"{why}; screening date {day}")
        since = f" since {self.in_force_from}" if self.in_force_from else ""
        resumed = [w for w in self.suspensions if w.end < day]
        if resumed:
            since += f", suspension ended {resumed[-1].end}"
        return RuleStatus(self, True, f"in force{since}; screening date {day}")


@dataclass(frozen=True, slots=True)
class RuleStatus:
    """A rule and whether it applies to this screening, with the reason in words."""

    rule: OwnershipRule
    active: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "title": self.rule.title,
            "active": self.active,
            "reason": self.reason,
            "lists": list(self.rule.lists),
            "threshold": self.rule.threshold,
            "source_url": self.rule.source_url,
        }


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """The parsed ``data/network.yaml``."""

    flag_lists: dict[str, tuple[str, ...]]
    rules: tuple[OwnershipRule, ...]

    def rule(self, rule_id: str) -> OwnershipRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise SupplyscreenError(f"no ownership rule {rule_id!r} in {CONFIG}")

    def statuses(self, day: date, modes: dict[str, str] | None = None) -> list[RuleStatus]:
        """Each rule's status on ``day``; ``modes`` maps a rule id to ``on``/``off``/``auto``."""
        modes = modes or {}
        return [rule.status_on(day, modes.get(rule.id, "auto")) for rule in self.rules]


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _rule(rule_id: str, raw: dict[str, Any]) -> OwnershipRule:
    suspensions = tuple(
        Suspension(_day(s["from"]) or date.min, _day(s["to"]) or date.max, str(s.get("note") or ""))
        for s in raw.get("suspended") or []
    )
    return OwnershipRule(
        id=rule_id,
        title=str(raw["title"]),
        lists=tuple(raw["lists"]),
        threshold=float(raw["threshold"]),
        authority=" ".join(str(raw.get("authority", "")).split()),
        source_url=str(raw.get("source_url", "")),
        in_force_from=_day(raw.get("in_force_from")),
        suspensions=suspensions,
        option=raw.get("option"),
        published=_day(raw.get("published")),
    )


def parse_config(raw: dict[str, Any]) -> NetworkConfig:
    """A NetworkConfig from the YAML structure (also used by tests with their own dates)."""
    flag_lists = {code: tuple(lists) for code, lists in (raw.get("flag_lists") or {}).items()}
    rules = tuple(_rule(rule_id, body) for rule_id, body in (raw.get("ownership_rules") or {}).items())
    return NetworkConfig(flag_lists, rules)


@cache
def network_config() -> NetworkConfig:
    """The packaged network settings (read once)."""
    text = resources.files("supplyscreen").joinpath(CONFIG).read_text(encoding="utf-8")
    return parse_config(load_yaml(text))
