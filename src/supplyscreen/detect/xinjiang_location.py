"""Xinjiang place names in any script or spelling, told apart from their homonyms.

Under the UFLPA a supplier located in Xinjiang raises the forced-labour presumption whether or not it is
on any list. Places come from ``data/curated/xinjiang_places.csv`` (English, pinyin, Chinese, Uyghur
Latin) plus ``data/detect/xinjiang_extra_spellings.csv``; ``data/detect/xinjiang_location.yaml`` says
which spellings need Xinjiang or China context and which neighbouring words make a match a homonym
("Aksu, Kazakhstan"), a name ("Kashgar Restaurant", "Hami melon") or an origin claim ("Xinjiang cotton").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from supplyscreen.countries import country_code
from supplyscreen.detect.text import (
    TOKEN_RE,
    Found,
    HanIndex,
    Match,
    PhraseIndex,
    TextCache,
    Token,
    WordSet,
    field_evidence,
    field_label,
    fold,
    folded_tokens,
    has_han,
    joined,
    load_config,
    read_rows,
    readable,
    record_texts,
    text_words,
    texts_with_words,
)
from supplyscreen.model import Flag, Record
from supplyscreen.screen.policy import XINJIANG_PLACE

CODE = "xinjiang_location"
CONFIG = "xinjiang_location.yaml"
_REQUIREMENTS = ("strong", "china", "xinjiang")  # least to most demanding
_PAREN_RE = re.compile(r"\(([^)]*)\)")
_ALSO_RE = re.compile(r"^(?:also written|also known as|also|formerly)\s+", re.IGNORECASE)
_CODE_SUFFIX_RE = re.compile(r"\s*\(\d+\)$")
_STOP_RE = re.compile(r"[;.\n]")
_FIELDS = ("name", "address", "description")


@dataclass(frozen=True, slots=True)
class Place:
    """One administrative division of Xinjiang, as the curated table gives it."""

    name_en: str
    chinese: str
    pinyin: str
    uyghur_latin: str
    level: str
    parent: str
    admin_code: str
    source: str

    @property
    def rank(self) -> int:
        """0 for the region, 1 for prefecture-level divisions, 2 for county-level ones."""
        if "region" in self.level and "county" not in self.level:
            return 0
        return 1 if "prefecture" in self.level else 2

    @property
    def specificity(self) -> int:
        """Sort order for a spelling shared by several places: cities first, then wider areas."""
        if "city" in self.level:
            return 0
        return {1: 1, 0: 2}.get(self.rank, 3 if "county" in self.level else 4)

    def as_dict(self) -> dict[str, str]:
        return {
            "name_en": self.name_en,
            "chinese": self.chinese,
            "admin_code": self.admin_code,
            "level": self.level,
            "parent": _CODE_SUFFIX_RE.sub("", self.parent),
        }


@dataclass(frozen=True, slots=True)
class Spelling:
    """One way a place is written: which place, in which form, with or without its suffix."""

    place: Place
    written: str
    form: str  # english | pinyin | uyghur | chinese | extra
    full: bool
    pinyin_like: bool = False  # the pinyin of a place (or an English name only derived from it)
    requirement: str = ""  # explicit, from the extra-spellings file
    source: str = ""


@dataclass(slots=True)
class _Entry:
    """Everything stored under one lookup key: its spellings (best first) and what it requires."""

    key: str
    spellings: list[Spelling]
    requirement: str = "strong"

    @property
    def place(self) -> Place:
        return self.spellings[0].place


@dataclass(slots=True)
class _Candidate:
    where: str  # the record field the text came from
    found: Found[_Entry]
    text: str
    script: str  # latin | han
    usage: str = ""  # "" | origin_of_goods | named_after | homonym
    phrase: str = ""  # the match with the goods word after it, for origin_of_goods
    severity: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _names(value: str) -> list[str]:
    """A curated name and the names in its parentheses: "Kuqa City (Kucha, Kuchar)" → three names."""
    out = [" ".join(_PAREN_RE.sub(" ", value).split())]
    for inner in _PAREN_RE.findall(value):
        out.extend(p.strip() for p in _ALSO_RE.sub("", inner.strip()).split(",") if p.strip())
    return [n for n in out if n]


class XinjiangLocationDetector:
    """Finds Xinjiang places in a record's name, address and description; built once from the data."""

    code = CODE
    #: the record fields it reads (the country for context, and as a place when it is no known country)
    fields = ("name", "address", "description", "country")

    def __init__(self) -> None:
        cfg = load_config(CONFIG)
        self.config = cfg
        self._found: TextCache[list[tuple[Any, str, str, str, str, int]]] = TextCache(
            lambda text: [
                (c.found, c.text, c.script, c.usage, c.phrase, c.extra.get("count", 1))
                for c in self._find(text)
            ]
        )
        self._contexts: TextCache[tuple[bool, bool, bool, bool]] = TextCache(self._context)
        self.severity: str = XINJIANG_PLACE.strong
        self._latin: PhraseIndex[_Entry] = PhraseIndex()
        self._han: HanIndex[_Entry] = HanIndex()
        sfx = cfg["suffixes"]
        self._latin_suffixes = frozenset(sfx["english"]) | frozenset(sfx["pinyin"]) | frozenset(sfx["uyghur"])
        self._han_suffixes = sorted(sfx["chinese"], key=len, reverse=True)
        self.places: dict[str, Place] = {}
        spellings: list[tuple[str, str, Spelling]] = []  # (script, key, spelling)
        for row in read_rows("curated", "xinjiang_places.csv"):
            place = Place(
                row["name_en"], row["chinese"], row["pinyin"], row["uyghur_latin"], row["level"],
                row["parent"], row["admin_code"], row.source,
            )  # fmt: skip
            self.places[place.admin_code] = place
            spellings.extend(self._spellings_of(place, "pinyin" in row["name_en_source"].lower()))
        for row in read_rows("detect", "xinjiang_extra_spellings.csv"):
            place = self.places[row["admin_code"]]
            spell = Spelling(place, row["spelling"], "extra", True, False, row["requirement"], row.source)
            spellings.extend(("latin", key, spell) for key, _ in self._latin_keys(row["spelling"]))
        self._build(spellings)
        named = cfg["named_after"]
        self._drop_after = WordSet([*named["business"], *named["road"], *named["feature"]])
        self._produce_after = WordSet(named["produce"])
        self._origin_after = WordSet(cfg["origin_words"])
        self._foreign = WordSet(cfg["foreign_places"])
        self._provinces = WordSet(cfg["other_provinces"])
        self._xinjiang_words = WordSet(cfg["context"]["xinjiang"])
        self._china_words = WordSet(cfg["context"]["china"])

    # -- building -------------------------------------------------------------------------------

    def _latin_keys(self, value: str) -> list[tuple[str, bool]]:
        """Lookup keys of a Latin spelling: as written and without its suffix, apostrophes split or joined."""
        folded = fold(value)
        out: list[tuple[str, bool]] = []
        for text in (folded, re.sub(r"['’\-]", "", folded)):
            words = TOKEN_RE.findall(text)
            if not words:
                continue
            out.append((" ".join(words), True))
            bare = list(words)
            while len(bare) > 1 and bare[-1] in self._latin_suffixes:
                bare.pop()
            if len(bare) < len(words):
                out.append((" ".join(bare), False))
        return list(dict.fromkeys(out))

    def _han_keys(self, value: str) -> list[tuple[str, bool]]:
        out = [(value, True)]
        bare = value
        stripped = True
        while stripped:
            stripped = False
            for suffix in self._han_suffixes:
                if bare.endswith(suffix) and len(bare) - len(suffix) >= 2:
                    bare = bare[: -len(suffix)]
                    stripped = True
                    break
        if bare != value:
            out.append((bare, False))
        return out

    def _spellings_of(self, place: Place, en_from_pinyin: bool) -> Iterable[tuple[str, str, Spelling]]:
        for i, name in enumerate(_names(place.name_en)):
            for key, full in self._latin_keys(name):
                yield "latin", key, Spelling(place, name, "english", full, en_from_pinyin and i == 0)
        if place.pinyin:
            for key, full in self._latin_keys(place.pinyin):
                yield "latin", key, Spelling(place, place.pinyin, "pinyin", full, True)
        for name in _names(place.uyghur_latin):
            script, form = ("han", "chinese") if has_han(name) else ("latin", "uyghur")
            keys = self._han_keys(name) if script == "han" else self._latin_keys(name)
            for key, full in keys:
                yield script, key, Spelling(place, name, form, full)
        if place.chinese:
            for key, full in self._han_keys(place.chinese):
                yield "han", key, Spelling(place, place.chinese, "chinese", full)

    def _build(self, spellings: list[tuple[str, str, Spelling]]) -> None:
        entries: dict[tuple[str, str], _Entry] = {}
        for script, key, spell in spellings:
            entry = entries.setdefault((script, key), _Entry(key, []))
            if spell not in entry.spellings:
                entry.spellings.append(spell)
        for (script, _key), entry in entries.items():
            entry.spellings.sort(key=lambda s: (not s.full, s.form == "pinyin", s.place.specificity))
            entry.requirement = self._han_requirement(entry) if script == "han" else self._requirement(entry)
        # A name with its suffix is at least as telling as the bare name ("Changji City" as "Changji").
        for (script, key), entry in entries.items():
            bare = entries.get((script, self._bare(key))) if script == "latin" else None
            if bare is not None and _REQUIREMENTS.index(bare.requirement) < _REQUIREMENTS.index(
                entry.requirement
            ):
                entry.requirement = bare.requirement
        for (script, key), entry in entries.items():
            if script == "han":
                self._han.add(key, entry)
            else:
                self._latin.add(key, entry)

    def _bare(self, key: str) -> str:
        words = key.split(" ")
        while len(words) > 1 and words[-1] in self._latin_suffixes:
            words.pop()
        return " ".join(words)

    def _requirement(self, entry: _Entry) -> str:
        """How much context a Latin spelling needs (see the header of xinjiang_location.yaml)."""
        cfg = self.config
        names = {entry.key, self._bare(entry.key)}
        if names & cfg["strong"].keys():
            return "strong"
        if names & cfg["needs_xinjiang_context"].keys():
            return "xinjiang"
        explicit = [s.requirement for s in entry.spellings if s.requirement]
        if explicit:
            return min(explicit, key=_REQUIREMENTS.index)
        if any(s.place.rank <= 1 for s in entry.spellings):
            req = "strong"
        elif any(s.pinyin_like for s in entry.spellings):
            req = "xinjiang"
        else:
            req = "strong"
        if req == "strong" and (names & cfg["ambiguous"].keys() or len(entry.key.replace(" ", "")) <= 4):
            req = "china"
        return req

    def _han_requirement(self, entry: _Entry) -> str:
        if entry.key in self.config["chinese_needs_xinjiang_context"]:
            return "xinjiang"
        if any(s.full or s.place.rank <= 1 or len(entry.key) >= 3 for s in entry.spellings):
            return "strong"
        return "xinjiang"

    # -- matching -------------------------------------------------------------------------------

    def scan_words(self) -> frozenset[str]:
        """The folded words that begin what ``scan`` finds in Latin script: a text without any of
        them (and without Chinese script, or a model number) holds nothing for it. A document scan
        looks for them in a whole page, then screens only the sentences around them."""
        return self._latin.first_words()

    def may_find(self, words: frozenset[str], han: bool) -> tuple[bool, bool]:
        """For a text of these (folded) words, with Chinese script or not: whether it may name a place
        (``names_a_place``), and whether ``context_of`` may find anything. False means surely not."""
        sets = (self._xinjiang_words, self._china_words, self._provinces)
        return han or not self._latin.absent(words), han or not all(s.absent(words) for s in sets)

    def may_find_in(self, texts: Any) -> list[Any]:
        """``may_find`` for many texts at once (a pyarrow string array, or its ``TextTokens``):
        two numpy bool arrays."""
        context = self._xinjiang_words.first_words() | self._china_words.first_words()
        return texts_with_words(texts, [self._latin.first_words(), context | self._provinces.first_words()])

    def names_a_place(self, text: str) -> bool:
        """Whether a text holds a spelling of a Xinjiang place, before its context is weighed."""
        return bool(self._found[text])

    def _candidates(self, fld: str, text: str) -> list[_Candidate]:
        """The places a text names, as fresh candidates (resolving changes them); found once per text."""
        return [
            _Candidate(fld, f, t, script, usage, phrase=phrase, extra={"count": n} if n > 1 else {})
            for f, t, script, usage, phrase, n in self._found[text]
        ]

    def _find(self, text: str, fld: str = "text") -> list[_Candidate]:
        text = readable(text)
        folded, toks = folded_tokens(text)
        out: list[_Candidate] = []
        for f in () if self._latin.absent(text_words(text)) else self._latin.find(toks):
            usage, end = self._latin_usage(folded, toks, f)
            out.append(_Candidate(fld, f, text[f.start : f.end], "latin", usage, phrase=text[f.start : end]))
        if has_han(text):
            for f in self._han.find(text):
                usage, end = self._han_usage(text, f)
                out.append(_Candidate(fld, f, f.key, "han", usage, phrase=text[f.start : end]))
        if len(out) > 1:  # a place named again and again in one text: its first mention, counted
            seen: dict[tuple[str, str, str], _Candidate] = {}
            for c in out:
                first = seen.setdefault((c.text, c.script, c.usage), c)
                if first is not c:
                    first.extra["count"] = first.extra.get("count", 1) + 1
            out = list(seen.values())
        return out

    def _latin_usage(self, folded: str, toks: list[Token], f: Found[_Entry]) -> tuple[str, int]:
        """How a Latin match is used: as a place (''), an origin of goods, a name or a homonym."""
        region = f.payloads[0].place.rank == 0
        after = toks[f.last : f.last + 3]
        if after and joined(folded, f.end, after[0][0]):
            if self._drop_after.starts(after):
                return "named_after", f.end
            if self._produce_after.starts(after):
                return ("origin_of_goods", after[0][1]) if region else ("named_after", f.end)
            if region and self._origin_after.starts(after):
                return "origin_of_goods", after[0][1]
        if not region:
            following: list[Token] = []
            prev_end = f.end
            for tok in toks[f.last : f.last + 4]:
                if _STOP_RE.search(folded, prev_end, tok[0]):
                    break
                following.append(tok)
                prev_end = tok[1]
            if self._foreign.in_tokens(following) or self._provinces.in_tokens(following):
                return "homonym", f.end
        return "", f.end

    def _han_usage(self, text: str, f: Found[_Entry]) -> tuple[str, int]:
        rest = text[f.end : f.end + 4]
        if not rest:
            return "", f.end
        if self._drop_after.han_prefix(rest):
            return "named_after", f.end
        region = f.payloads[0].place.rank == 0
        word = self._produce_after.han_prefix(rest)
        if word:
            return ("origin_of_goods", f.end + len(word)) if region else ("named_after", f.end)
        word = self._origin_after.han_prefix(rest) if region else ""
        if word:
            return "origin_of_goods", f.end + len(word)
        return "", f.end

    def context_of(self, text: str) -> tuple[bool, bool, bool, bool]:
        """What one text says about where a record is: (Xinjiang words, China words, another
        province, Chinese script). A record's context is that of its texts together; a phrase
        counts only within one field. Remembered per distinct text.
        """
        return self._contexts[text]

    def _context(self, text: str) -> tuple[bool, bool, bool, bool]:
        text = readable(text)
        return (
            bool(self._xinjiang_words.found(text)),
            bool(self._china_words.found(text)),
            bool(self._provinces.found(text)),
            has_han(text),
        )

    def _resolve(self, cands: list[_Candidate], texts: list[str], country: str | None) -> list[_Candidate]:
        """Keep the candidates the record's context supports, each with its severity."""
        code = country_of(country)
        live = [c for c in cands if c.usage not in ("named_after", "homonym")]
        contexts = [self.context_of(t) for t in texts]
        xinjiang_ctx = any(c.found.payloads[0].requirement == "strong" for c in live) or any(
            c[0] for c in contexts
        )
        han = any(c[3] for c in contexts)
        foreign = code is not None and code != "cn"
        china_ctx = xinjiang_ctx or code == "cn" or han or any(c[1] for c in contexts)
        if not xinjiang_ctx and any(c[2] for c in contexts):
            china_ctx = False
        kept: list[_Candidate] = []
        for c in live:
            req = c.found.payloads[0].requirement
            if c.script == "han":
                ok = req == "strong" or xinjiang_ctx
                severity = self.severity
            elif req == "strong":
                ok = True
                severity = XINJIANG_PLACE.uncertain if foreign and not han else self.severity
                if severity != self.severity:
                    c.extra["country"] = country
            elif foreign:
                ok = False
            else:
                ok = xinjiang_ctx if req == "xinjiang" else china_ctx
                severity = self.severity
            if ok:
                c.severity = severity
                kept.append(c)
        return kept

    # -- public API -----------------------------------------------------------------------------

    def scan(self, text: str, country: str | None = None) -> list[Match]:
        """The Xinjiang places in one text, with the text itself (and ``country``) as context."""
        cands = self._resolve(self._candidates("text", text), [text], country)
        return [_to_match(c) for c in cands]

    @staticmethod
    def fields_of(record: Record) -> list[tuple[str, str]]:
        """The record's texts the detector reads, by field: name, address and description, the
        country cell when it is no known country (then it may itself name a place), and the columns
        without a role."""
        fields = [(f, str(value)) for f in _FIELDS if (value := getattr(record, f))]
        if record.country and country_of(record.country) is None:
            fields.append(("country", str(record.country)))
        fields.extend(record_texts(record, ()))  # the columns without a role
        return fields

    def worth_detecting(self, record: Record) -> bool:
        """Whether any text it reads names a place in Xinjiang at all (cached per text)."""
        return any(self.names_a_place(t) for _, t in self.fields_of(record))

    def detect(self, record: Record) -> list[Flag]:
        """One ``xinjiang_location`` flag naming the most specific place found, or none."""
        cands: list[_Candidate] = []
        texts: list[str] = []
        for fld, value in self.fields_of(record):
            texts.append(value)
            cands.extend(self._candidates(fld, value))
        kept = self._resolve(cands, texts, record.country) if cands else []
        if not kept:
            return []
        return [self._flag(kept)]

    def _flag(self, kept: list[_Candidate]) -> Flag:
        order = {"high": 0, "review": 1, "info": 2}
        best = min(kept, key=lambda c: (order.get(c.severity, 3), -c.found.payloads[0].place.rank))
        m = _to_match(best)
        place = best.found.payloads[0].place
        cfg = self.config
        label = f"{place.name_en} ({place.chinese}" + (
            f", {_CODE_SUFFIX_RE.sub('', place.parent)})" if place.rank > 0 else ")"
        )
        where = field_label(cfg["field_labels"], best.where)
        reason = " ".join(cfg["reason"].format(place=label, field=where, text=m.text).split())
        if any(c.usage == "origin_of_goods" for c in kept):
            origin = next(c for c in kept if c.usage == "origin_of_goods")
            reason += " " + " ".join(cfg["reason_origin"].format(text=origin.phrase).split())
        if best.severity != self.severity:
            reason += " " + " ".join(cfg["reason_foreign"].format(country=best.extra["country"]).split())
        evidence: dict[str, Any] = {**field_evidence(best.where), **_evidence(m)}
        evidence["matches"] = [{**field_evidence(c.where), **_evidence(_to_match(c))} for c in kept]
        return Flag(code=CODE, severity=best.severity, reason=reason, evidence=evidence)


def country_of(value: str | None) -> str | None:
    """The country code of a country cell as this detector reads it (中国 is China), or None."""
    if not value or not value.strip():
        return None
    if "中国" in value:
        return "cn"
    return country_code(value)


_OTHERS: dict[tuple[int, str], list[str]] = {}


def _other_places(entry: Any, admin_code: str) -> list[str]:
    """The other places a spelling names, by name with their admin code ("Aksu City (652901)"), for a
    reader of the evidence (computed once per spelling entry)."""
    key = (id(entry), admin_code)
    found = _OTHERS.get(key)
    if found is None:
        places = {
            s.place.admin_code: s.place.name_en for s in entry.spellings if s.place.admin_code != admin_code
        }
        found = _OTHERS[key] = [f"{places[code]} ({code})" for code in sorted(places)]
    return found


def _to_match(c: _Candidate) -> Match:
    entry = c.found.payloads[0]
    spell = entry.spellings[0]
    attrs: dict[str, Any] = {
        "place": spell.place.as_dict(),
        "spelling": spell.written,
        "form": spell.form,
        "with_suffix": spell.full,
        "requirement": entry.requirement,
        "severity": c.severity,
    }
    if c.usage:
        attrs["usage"] = c.usage
        attrs["phrase"] = c.phrase
    others = _other_places(entry, spell.place.admin_code)
    if others:
        attrs["also_names"] = others
    if spell.source:
        attrs["spelling_source"] = spell.source
    if c.extra.get("count"):
        attrs["count"] = c.extra["count"]
    return Match(c.found.start, c.found.end, c.text, "place", spell.place.name_en, "high", attrs)


def _evidence(m: Match) -> dict[str, Any]:
    return {"text": m.text, "start": m.start, "end": m.end, **m.attrs}
