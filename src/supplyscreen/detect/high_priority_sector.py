"""UFLPA high-priority sectors, recognised by HS code prefix and by description keywords.

A sector (cotton, tomatoes, polysilicon, aluminium, PVC, seafood, steel, copper, lithium, caustic soda,
red dates) raises scrutiny for any Chinese supplier but is information, not a hit. Sectors, dates and
example HS codes come from ``data/curated/sectors.csv``; keywords and wording from
``data/detect/sectors.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from supplyscreen.detect.text import (
    HanIndex,
    Match,
    PhraseIndex,
    TextCache,
    collapsed,
    field_evidence,
    field_label,
    folded_tokens,
    has_han,
    load_config,
    plural_forms,
    read_rows,
    readable,
    record_texts,
    text_words,
    texts_with_words,
)
from supplyscreen.model import Flag, Record
from supplyscreen.screen.policy import HIGH_PRIORITY_SECTOR

CODE = "high_priority_sector"
CONFIG = "sectors.yaml"
_CODE_PART_RE = re.compile(r"[^;,|/\n]+")
_NON_DIGIT_RE = re.compile(r"\D+")
_HS_ITEM_RE = re.compile(r";\s*(?=\d+=)")
_PAREN_TAIL_RE = re.compile(r"^(.*?)\s*\((.*)\)\s*$")


@dataclass(frozen=True, slots=True)
class Sector:
    """One row of the curated sector table."""

    name: str
    status: str
    designated: str
    designation_source: str
    hs_descriptions: dict[str, str]
    source: str

    @property
    def designated_text(self) -> str:
        """ "2022 (original UFLPA Strategy)" → "2022, original UFLPA Strategy"."""
        m = _PAREN_TAIL_RE.match(self.designated)
        return f"{m.group(1)}, {m.group(2)}" if m else self.designated


def hs_codes(value: str) -> list[tuple[int, int, str]]:
    """The HS codes of a cell with their spans: "8541.43.00" → "85414300"; "5201; 5208.11" → two codes.

    A code of odd length lost its leading zero in a spreadsheet ("702" → "0702").
    """
    out: list[tuple[int, int, str]] = []
    for m in _CODE_PART_RE.finditer(value or ""):
        digits = _NON_DIGIT_RE.sub("", m.group())
        if len(digits) % 2 == 1 and len(digits) < 10:
            digits = "0" + digits
        if len(digits) >= 2:
            text = m.group()
            start = m.start() + len(text) - len(text.lstrip())
            out.append((start, m.end() - (len(text) - len(text.rstrip())), digits))
    return out


def normalize_hs(value: str) -> list[str]:
    """The HS codes of a cell as digit strings (see :func:`hs_codes`)."""
    return [code for _, _, code in hs_codes(value)]


class HighPrioritySectorDetector:
    """Flags records whose HS code or description falls in a UFLPA sector; built once from the data."""

    code = CODE
    #: the record fields it reads
    fields = ("hs_code", "description")

    def __init__(self) -> None:
        cfg = load_config(CONFIG)
        self.config = cfg
        self._scanned: TextCache[list[Match]] = TextCache(self._scan)
        self._hs: TextCache[list[Match]] = TextCache(self._hs_matches)
        self.severity: str = HIGH_PRIORITY_SECTOR
        self.sectors: dict[str, Sector] = {}
        self._prefixes: dict[str, Sector] = {}
        for row in read_rows("curated", "sectors.csv"):
            if row["uflpa_status"] not in cfg["reasons"]:
                continue
            descriptions = dict(
                d.strip().split("=", 1) for d in _HS_ITEM_RE.split(row["hs_descriptions"]) if "=" in d
            )
            sector = Sector(
                row["sector"], row["uflpa_status"], row["designated"], row["designation_source"],
                descriptions, row.source,
            )  # fmt: skip
            self.sectors[sector.name] = sector
            for code in row["example_hs_codes"].split(";"):
                code = code.strip()
                known = self._prefixes.get(code)
                # A code two sectors share goes to the high-priority one.
                if code and (
                    known is None or (known.status != "high-priority" and sector.status == "high-priority")
                ):
                    self._prefixes[code] = sector
        self._latin: PhraseIndex[Sector] = PhraseIndex()
        self._han: HanIndex[Sector] = HanIndex()
        for name, words in cfg["keywords"].items():
            if name not in self.sectors:
                raise ValueError(f"data/detect/{CONFIG}: keywords for unknown sector {name!r}")
            for word in plural_forms(str(w) for w in words):
                if has_han(word):
                    self._han.add(word, self.sectors[name])
                else:
                    self._latin.add(word, self.sectors[name])

    def scan_words(self) -> frozenset[str]:
        """The folded words that begin what ``scan`` finds in Latin script: a text without any of
        them (and without Chinese script, or a model number) holds nothing for it. A document scan
        looks for them in a whole page, then screens only the sentences around them."""
        return self._latin.first_words()

    def may_find(self, words: frozenset[str], han: bool) -> bool:
        """Whether ``scan`` may find a sector word in a text of these (folded) words; False: surely not."""
        return han or not self._latin.absent(words)

    def may_find_in(self, texts: Any) -> Any:
        """``may_find`` for many texts at once (a pyarrow string array, or its ``TextTokens``):
        a numpy bool array."""
        return texts_with_words(texts, [self._latin.first_words()])[0]

    def scan(self, text: str) -> list[Match]:
        """Sector keywords in one text (remembered per distinct text; do not mutate the result)."""
        return self._scanned[text]

    def _scan(self, text: str) -> list[Match]:
        text = readable(text)
        found = [] if self._latin.absent(text_words(text)) else self._latin.find(folded_tokens(text)[1])
        if has_han(text):
            found.extend(self._han.find(text))
        return collapsed(
            [
                Match(
                    f.start,
                    f.end,
                    text[f.start : f.end],
                    "keyword",
                    f.payloads[0].name,
                    "high",
                    {"keyword": f.key},
                )
                for f in found
            ]
        )

    def hs_matches(self, value: str) -> list[Match]:
        """The sector of each HS code in a cell, by the longest example-code prefix (remembered per
        distinct cell; do not mutate the result)."""
        return self._hs[value]

    def _hs_matches(self, value: str) -> list[Match]:
        out: list[Match] = []
        for start, end, code in hs_codes(value):
            for size in range(min(len(code), 10), 1, -1):
                sector = self._prefixes.get(code[:size])
                if sector is not None:
                    prefix = code[:size]
                    attrs = {
                        "hs_code": code,
                        "prefix": prefix,
                        "hs_description": sector.hs_descriptions.get(prefix),
                    }
                    out.append(Match(start, end, value[start:end], "hs_code", sector.name, "high", attrs))
                    break
        return out

    def worth_detecting(self, record: Record) -> bool:
        """Whether the HS code, the description or a column without a role falls in a sector at all
        (cached per value)."""
        description = record.description
        return bool(
            (record.hs_code and self.hs_matches(str(record.hs_code)))
            or (description and self.scan(description))
            or any(self.scan(text) for _, text in record.others)
        )

    def detect(self, record: Record) -> list[Flag]:
        """One ``high_priority_sector`` flag (severity info) per sector the record falls in."""
        found: list[tuple[str, Match]] = []
        if record.hs_code:
            found.extend(("hs_code", m) for m in self.hs_matches(str(record.hs_code)))
        for fld, text in record_texts(record, ("description",)):
            found.extend((fld, m) for m in self.scan(text))
        by_sector: dict[str, list[tuple[str, Match]]] = {}
        for fld, m in found:
            by_sector.setdefault(m.key, []).append((fld, m))
        return [self._flag(self.sectors[name], items) for name, items in by_sector.items()]

    def _flag(self, sector: Sector, items: list[tuple[str, Match]]) -> Flag:
        cfg = self.config
        reason = cfg["reasons"][sector.status].format(sector=sector.name, designated=sector.designated_text)
        what = []
        for fld, m in items:
            if m.kind == "hs_code":
                desc = m.attrs.get("hs_description")
                what.append(f"HS {m.attrs['hs_code']}" + (f" ({m.attrs['prefix']}: {desc})" if desc else ""))
            else:
                what.append(f'"{m.text}" in the {field_label({}, fld)}')
        reason += " " + cfg["matched"].format(what="; ".join(dict.fromkeys(what)))
        fld, first = items[0]
        evidence: dict[str, Any] = {
            **field_evidence(fld),
            **_evidence(first),
            "sector": sector.name,
            "uflpa_status": sector.status,
            "designated": sector.designated or None,
            "designation_source": sector.designation_source or None,
            "source": sector.source,
            "matches": [{**field_evidence(f), **_evidence(m)} for f, m in items],
        }
        return Flag(code=CODE, severity=self.severity, reason=" ".join(reason.split()), evidence=evidence)


def _evidence(m: Match) -> dict[str, Any]:
    return {"text": m.text, "start": m.start, "end": m.end, "kind": m.kind, **m.attrs}
