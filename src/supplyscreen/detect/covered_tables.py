"""The covered-equipment detector's tables, read once from the curated data.

``data/curated/covered_telecom_video.csv`` names the covered entities, their subsidiaries and brands,
with their end dates; the brand words and name phrases of each row that makes a hit (``brand_words``
in ``data/detect/covered_equipment.yaml`` says how they are cut from its name) are indexed for Latin
and Chinese text. ``data/curated/model_patterns.csv`` holds the model-number and fingerprint
patterns: its simple brand strings join the brand index, the others are compiled into one regex,
strongest first, and translated into one RE2 pattern that pyarrow runs over many texts at once as
a prefilter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from supplyscreen.detect.text import DataRow, HanIndex, PhraseIndex, phrase_key, read_rows

PAREN_RE = re.compile(r"\(([^)]*)\)")
_BRAND_SUFFIX_RE = re.compile(r"\s+brand\b.*$", re.IGNORECASE)
_SIMPLE_WORD_RE = re.compile(r"^\(\?i\)\\b([A-Za-z][A-Za-z0-9]*)\\b$")
_LABEL_RE = re.compile(r"^([^(/]+)")
_OUTER_SLASH_RE = re.compile(r"\s+/\s+(?![^()]*\))")


@dataclass(frozen=True, slots=True)
class CoveredRow:
    """One row of the curated covered-vendor table: a covered entity, subsidiary, brand or context row."""

    name: str
    relationship: str
    creates_hit: str
    parent: str  # the covered parent's name, or the row's own name for a covered entity
    end_date: str
    lists: str
    confidence: str
    source: str
    chinese: str = ""


@dataclass(frozen=True, slots=True)
class Brand:
    """A brand word or name phrase, the row it stands for and the pattern row that also names it."""

    label: str
    row: CoveredRow
    confidence: str
    source: str


@dataclass(frozen=True, slots=True)
class Pattern:
    """A model-number or fingerprint pattern of ``model_patterns.csv`` and the covered row of its maker."""

    brand: str
    kind: str
    confidence: str
    regex: str
    row: CoveredRow | None
    source: str


class CoveredTables:
    """The covered rows, the brand index and the model-number patterns, built from the data and the
    detector's configuration."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.hit_values = frozenset(config["hit_values"])
        self.latin: PhraseIndex[Brand] = PhraseIndex()
        self.han: HanIndex[Brand] = HanIndex()
        rows = [self._row(r) for r in read_rows("curated", "covered_telecom_video.csv")]
        self.rows = rows
        context: dict[str, CoveredRow] = {}
        for row in rows:
            hit = row.creates_hit in self.hit_values
            for phrase, is_han in self._brand_phrases(row):
                if hit:
                    self._add_brand(phrase, is_han, Brand(phrase, row, row.confidence, row.source))
                context.setdefault(phrase_key(phrase) if not is_han else phrase, row)
        self._context_rows = context
        self.patterns = self._load_patterns()
        self.regex = re.compile(
            "|".join(f"(?P<p{i}>{p.regex})" for i, p in enumerate(self.patterns)), re.IGNORECASE
        )
        self.model_prefilter = _re2_superset([p.regex for p in self.patterns])

    @staticmethod
    def _row(r: DataRow) -> CoveredRow:
        return CoveredRow(
            r["name"], r["relationship"], r["creates_hit"], r["parent_covered_entity"] or r["name"],
            r["end_date"], r["lists"], r["confidence"], r.source, r["chinese_name"],
        )  # fmt: skip

    def _brand_phrases(self, row: CoveredRow) -> list[tuple[str, bool]]:
        """The brand words and name phrases of a curated row (see ``brand_words`` in the YAML)."""
        cfg = self.config["brand_words"]
        legal, places = frozenset(cfg["legal_forms"]), frozenset(cfg["place_prefixes"])
        qualifiers, generic = frozenset(cfg["qualifiers"]), frozenset(cfg["generic_words"])
        out: list[tuple[str, bool]] = []
        for part in _OUTER_SLASH_RE.split(row.name):
            names: list[str] = []
            main = part
            for inner in PAREN_RE.findall(part):
                if set(phrase_key(inner).split()) <= qualifiers:
                    continue
                main = main.replace(f"({inner})", " ")
                names.extend(_BRAND_SUFFIX_RE.sub("", a).strip() for a in inner.split(" / "))
            names.insert(0, main)
            for name in names:
                words = [w for w in phrase_key(name).split() if w not in legal]
                if words:
                    out.append((_label(words, row.name), False))
                while len(words) > 1 and words[0] in places:
                    words.pop(0)
                    out.append((_label(words, row.name), False))
                if len(words) > 1 and words[0] not in generic:
                    out.append((_label(words[:1], row.name), False))
        chinese = self._chinese_brand(row)
        if chinese:
            out.append((chinese, True))
        return list(dict.fromkeys(out))

    def _chinese_brand(self, row: CoveredRow) -> str:
        value = row.chinese
        cfg = self.config["brand_words"]
        for prefix in cfg["chinese_place_prefixes"]:
            value = value.removeprefix(prefix)
        changed = True
        while changed and value:
            changed = False
            for suffix in cfg["chinese_suffixes"]:
                if value.endswith(suffix) and len(value) > len(suffix) + 1:
                    value, changed = value[: -len(suffix)], True
        return value

    def _add_brand(self, phrase: str, is_han: bool, brand: Brand) -> None:
        """Index a brand; a word several rows share belongs to the covered entity itself, else the first."""
        if is_han:
            self.han.add(phrase, brand)
            return
        key = phrase_key(phrase)
        known = self.latin.get(key)
        if known:
            if brand.row.relationship == "covered_entity" and known[0].row.relationship != "covered_entity":
                known[0] = brand
            return
        self.latin.add(phrase, brand)

    def _resolve_label(self, label: str) -> CoveredRow | None:
        key = phrase_key(label)
        known = self.latin.get(key)
        if known:
            return known[0].row
        return self._context_rows.get(key)

    def _load_patterns(self) -> list[Pattern]:
        """Regex rows of model_patterns.csv, strongest first; simple brand strings join the brand index."""
        order = {"high": 0, "medium": 1, "low": 2, "unverified": 3}
        patterns: list[Pattern] = []
        for r in read_rows("curated", "model_patterns.csv"):
            head = _LABEL_RE.match(r["brand"])
            brand = (head.group(1) if head else r["brand"]).strip()
            row = self._resolve_label(brand)
            simple = _SIMPLE_WORD_RE.match(r["regex"])
            if r["pattern_type"] == "brand_string" and simple:
                word = simple.group(1)
                if row is not None and row.creates_hit in self.hit_values and phrase_key(word) in self.latin:
                    continue  # already a brand word of a hit row
                fallback = CoveredRow(brand, "brand", "no", brand, "", "", r["confidence"], r.source)
                target = row or fallback
                shown = brand if phrase_key(brand) == phrase_key(word) else word
                self.latin.add(word, Brand(shown, target, r["confidence"], r.source))
                continue
            regex = r["regex"].removeprefix("(?i)")
            patterns.append(Pattern(brand, r["pattern_type"], r["confidence"], regex, row, r.source))
        patterns.sort(key=lambda p: order.get(p.confidence, 4))
        return patterns


_RE2_CLASS = {"d": r"\p{Nd}", "s": r"\s\p{Z}\x{0b}\x{1c}-\x{1f}\x{85}"}  # Python's Unicode \d and \s


def _re2_superset(patterns: list[str]) -> str | None:
    r"""One RE2 pattern (for pyarrow's ``match_substring_regex``, case-insensitive) that matches every
    text any of these Python patterns finds something in, and maybe more: a prefilter that lets a
    million-row file run the Python patterns only on the few texts that may hold a model number.

    Word boundaries and anchors are dropped (RE2's are ASCII-only; without them a pattern only
    matches more), ``\d`` and ``\s`` widened to Python's Unicode classes, ``.`` made to match a
    newline too. None when a pattern uses anything else RE2 might read differently.
    """
    out = []
    for pattern in patterns:
        pattern = pattern.removeprefix("(?i)")
        parts: list[str] = []
        i, in_class = 0, False
        while i < len(pattern):
            ch = pattern[i]
            if ch == "\\":
                nxt = pattern[i + 1 : i + 2]
                if nxt in _RE2_CLASS:
                    parts.append(_RE2_CLASS[nxt] if in_class else f"[{_RE2_CLASS[nxt]}]")
                elif nxt == "b" and not in_class:
                    pass
                elif nxt.isalnum() or not nxt:  # \w, \B, \A, back-references...: not translated
                    return None
                else:
                    parts.append(ch + nxt)
                i += 2
                continue
            if in_class:
                in_class = ch != "]"
            elif ch == "[":
                if pattern[i + 1 : i + 2] in ("]", "^"):  # "[]...]", "[^...]": not translated
                    return None
                in_class = True
            elif ch in "^$":
                i += 1
                continue
            elif ch == "(" and pattern[i + 1 : i + 2] == "?" and pattern[i + 2 : i + 3] not in (":", "P"):
                return None  # look-arounds, inline flags
            parts.append(ch)
            i += 1
        out.append("(?:" + "".join(parts) + ")")
    if not out:
        return None
    combined = "(?s)" + "|".join(out)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        pc.match_substring_regex(pa.array(["x"]), combined, ignore_case=True)
    except Exception:  # noqa: BLE001 - RE2 does not take it: no prefilter
        return None
    return combined


def _label(words: list[str], written: str) -> str:
    """Folded words back in the case the curated name writes them ("hilook" → "HiLook")."""
    case = {w.lower(): w for w in re.findall(r"[A-Za-z0-9]+", written)}
    return " ".join(case.get(w, w) for w in words)
