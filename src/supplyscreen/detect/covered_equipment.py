"""Equipment of NDAA FY2019 s.889 / FCC Covered List makers, found by model number, brand or fingerprint.

A brand (EZVIZ, HiLook for Hikvision) is covered equipment even when the invoice never names the parent,
and relabelled products often keep only their model number. Brands, subsidiaries and their end dates are
read from ``data/curated/covered_telecom_video.csv``, model numbers and network fingerprints from
``data/curated/model_patterns.csv`` (``covered_tables`` builds the brand index and the patterns);
``data/detect/covered_equipment.yaml`` holds the words that make a record about equipment, the legal
wording and the federal-funding vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from supplyscreen.detect.covered_tables import PAREN_RE, CoveredRow, CoveredTables
from supplyscreen.detect.text import (
    TEXT_CACHE_SIZE,
    Match,
    TextCache,
    TextTokens,
    WordSet,
    collapsed,
    exclusive_limit,
    field_evidence,
    field_label,
    fold,
    folded_tokens,
    has_han,
    load_config,
    phrase_key,
    phrases_found_in,
    readable,
    record_texts,
    text_words,
    texts_with_words,
    tokens,
    word_positions,
)
from supplyscreen.model import Flag, Record
from supplyscreen.screen.policy import COVERED_EQUIPMENT

CODE = "covered_equipment"
CONFIG = "covered_equipment.yaml"
_FIELDS = ("name", "description")
_SEVERITY_ORDER = {"high": 0, "review": 1, "info": 2}
_KIND_ORDER = {"model": 0, "rtsp_path": 1, "onvif_manufacturer": 1, "model_prefix": 2, "brand": 3}


@dataclass(frozen=True, slots=True)
class _Found:
    """A match of ``scan`` with all that judging and flagging it takes apart from the record, worked
    out once per distinct text."""

    match: Match
    parent: str  # the covered parent it is grouped and cited under
    legal: tuple[str, str, str | None]  # the parent's citation, meaning and federal-funds sentence
    found: str  # what was found, for the reason ("Hikvision model number DS-2CD2043G2")
    relation: str  # how its maker relates to the parent, for the reason
    severity: str  # before the record's context and order date are applied
    notes: tuple[str, ...]  # likewise
    brand: bool  # a brand word, which needs a category word in the record
    short: bool  # a brand too short to stand alone (``unconfirmed_brand_min_length``)
    until: str  # the row's end date, or ""
    limit: str  # the first day no longer covered, when ``until`` is set
    rank: tuple[int, int]  # kind order and start: after severity, picks the match a flag describes
    evidence: dict[str, Any]  # ``_evidence(match)``: copied into each flag, never handed out itself


_NOTHING: list[Match] = []  # what ``scan`` finds in a text known to hold nothing (never mutated)


class CoveredEquipmentDetector:
    """Finds covered telecom and video-surveillance equipment in a record; built once from the data."""

    code = CODE
    #: the record fields it reads (the date and the funding only for what it found by name or description)
    fields = ("name", "description", "date", "funding")

    def __init__(self) -> None:
        cfg = load_config(CONFIG)
        self.config = cfg
        self._scanned: TextCache[list[Match]] = TextCache(self._scan)
        self._contexts: TextCache[tuple[bool, bool]] = TextCache(self._context)
        # detect's own view of the texts ``scan`` found something in, and the reasons it has worded
        self._found: TextCache[tuple[_Found, ...]] = TextCache(self._prepare)
        self._reasons: dict[tuple[Any, ...], str] = {}  # see _flag
        self._legal: dict[str, tuple[str, str, str | None]] = {}
        tables = CoveredTables(cfg)
        self._hit_values = tables.hit_values
        self._weak = frozenset(cfg["weak_confidence"])
        self._latin, self._han = tables.latin, tables.han
        self.rows = tables.rows
        self._patterns, self._regex = tables.patterns, tables.regex
        self._heads: tuple[str, ...] | None = None
        self._head_firsts: frozenset[str] = frozenset()
        self.model_prefilter = tables.model_prefilter
        self._categories = WordSet(cfg["category_words"])
        self._unrelated = WordSet(cfg["unrelated_words"])
        self._federal = FederalFunding(cfg["federal_funding"])
        self._federal_free_text = FederalFunding(cfg["federal_funding"], free_text=True)
        self._short_brand: dict[str, int] = cfg["unconfirmed_brand_min_length"]

    # -- matching -------------------------------------------------------------------------------

    def scan(self, text: str, models: bool = True) -> list[Match]:
        """Model numbers, fingerprints and brand words in one text, before any context is applied.

        ``models=False`` skips the model-number patterns, for a caller that knows none can match
        (``model_prefilter`` found nothing in the text): the result is the same, only sooner.
        Remembered per distinct text (purchase files repeat their descriptions); do not mutate the result.
        """
        if models:
            return self._scanned[text]
        found = self._scanned.get(text)
        if found is None:
            found = self._scan(text, models=False)
            self._scanned.known([text], found)
        return found

    def known_empty(self, no_match: list[str]) -> None:
        """Remember texts that ``may_find_in`` and ``models_possible`` found neither a brand nor a model
        number possible in: ``scan`` (and so ``detect``) then finds nothing there without looking."""
        self._scanned.known(no_match, _NOTHING)

    def learn_contexts(self, texts: list[str], words: TextTokens) -> tuple[Any, Any]:
        """Work out ``context_of`` for the plain ASCII ones of many texts at once (``words``: their
        tokens, in the same order), by pyarrow; the others are left to be looked at one by one.
        Returns the two halves of the context of each text (numpy bools), valid where it is plain."""
        import numpy as np

        categories = self._categories.found_in(words)
        unrelated = self._unrelated.found_in(words)
        kept = np.array(texts, dtype=object)
        for category in (False, True):
            for other in (False, True):
                alike = words.plain & (categories == category) & (unrelated == other)
                if alike.any():
                    self._contexts.known(kept[alike].tolist(), (category, other))
        return categories, unrelated

    def _scan(self, text: str, models: bool = True) -> list[Match]:
        text = readable(text)
        out: list[Match] = []
        for m in self._regex.finditer(text) if models else ():
            p = self._patterns[int((m.lastgroup or "p0")[1:])]
            out.append(
                Match(m.start(), m.end(), m.group(), _kind(p.kind), p.brand, p.confidence,
                      {**_row_attrs(p.row), "pattern_type": p.kind, "pattern": p.regex, "source": p.source})
            )  # fmt: skip
        found = [] if self._latin.absent(text_words(text)) else self._latin.find(folded_tokens(text)[1])
        if has_han(text):
            found.extend(self._han.find(text))
        for f in found:
            b = f.payloads[0]
            attrs = {**_row_attrs(b.row), "source": b.source}
            out.append(Match(f.start, f.end, text[f.start : f.end], "brand", b.label, b.confidence, attrs))
        out.sort(key=lambda m: m.start)
        return collapsed(out)

    def context_of(self, text: str) -> tuple[bool, bool]:
        """Whether one text names an equipment category, and a business unrelated to equipment.

        A record's context is that of its texts together; a phrase counts only within one field.
        Remembered per distinct text.
        """
        return self._contexts[text]

    def _context(self, text: str) -> tuple[bool, bool]:
        text = readable(text)
        return bool(self._categories.found(text)), bool(self._unrelated.found(text))

    def model_matches(
        self, text: str, words: frozenset[str] | set[str], folded: str | None = None
    ) -> Iterator[tuple[int, int]]:
        """Where a model-number or fingerprint pattern matches in ``text``, however long (``scan``
        reads only its first part), given the text's folded words: where a document scan looks.

        A pattern can match only where a word of the text begins with one of its heads
        (:func:`pattern_heads`); only the stretch of text around such a word is searched. A pattern
        without a head of two characters or more makes the whole text searched."""
        heads = self._heads
        if heads is None:
            heads = self._heads = pattern_heads([p.regex for p in self._patterns])
            self._head_firsts = frozenset(h[:2] for h in heads)
        if not heads:
            yield from ((m.start(), m.end()) for m in self._regex.finditer(text))
            return
        firsts = self._head_firsts
        starts = [w for w in words if w[:2] in firsts and w.startswith(heads)]
        if not starts:
            return
        if folded is None:
            folded = fold(text)
        seen: set[tuple[int, int]] = set()
        for w in starts:
            for i in word_positions(folded, w):
                lo = max(0, i - MODEL_REACH)
                for m in self._regex.finditer(text, lo, min(len(text), i + MODEL_REACH)):
                    if m.lastgroup and m.start() <= i < m.end() + 1 and (m.start(), m.end()) not in seen:
                        seen.add((m.start(), m.end()))
                        yield m.start(), m.end()

    def scan_words(self) -> frozenset[str]:
        """The folded words that begin what ``scan`` finds in Latin script: a text without any of
        them (and without Chinese script, or a model number) holds nothing for it. A document scan
        looks for them in a whole page, then screens only the sentences around them."""
        return self._latin.first_words()

    def may_find(self, words: frozenset[str], han: bool) -> tuple[bool, bool]:
        """For a text of these (folded) words, with Chinese script or not: whether ``scan`` may find a
        brand in it (model numbers aside, see ``models_possible``), and whether ``context_of`` may
        find anything. False means surely not."""
        return (
            han or not self._latin.absent(words),
            han or not (self._categories.absent(words) and self._unrelated.absent(words)),
        )

    def may_find_in(self, texts: Any, whole_brands: bool = False) -> list[Any]:
        """``may_find`` for many texts at once (a pyarrow string array, or its ``TextTokens``):
        two numpy bool arrays. ``whole_brands`` (``texts`` a ``TextTokens``): the first is
        ``brands_in``'s, which looks for whole brand words and phrases, not only their first words."""
        context = self._categories.first_words() | self._unrelated.first_words()
        if whole_brands:
            return [self.brands_in(texts), *texts_with_words(texts, [context])]
        return texts_with_words(texts, [self._latin.first_words(), context])

    def brands_in(self, texts: TextTokens) -> Any:
        """Whether ``scan`` may find a brand in each of many texts (``texts``: their tokens): for the
        plain ASCII ones, whether a brand word or phrase occurs, found by pyarrow for all at once
        (``may_find_in`` only looks for their first words); True for the others."""
        return phrases_found_in(self._latin.keys(), texts) | ~texts.plain

    def models_possible(self, texts: Any) -> list[bool]:
        """For each text (a list, or a pyarrow string array), whether a model-number pattern may match
        it (False: surely not), found for all the texts at once by pyarrow; pass ``models=False`` to
        ``scan`` for the others."""
        if self.model_prefilter is None:
            return [True] * len(texts)
        import pyarrow as pa
        import pyarrow.compute as pc

        if not isinstance(texts, pa.Array):
            texts = pa.array(texts, type=pa.string())
        # Python's case-insensitive I also matches dotted and dotless i (İ, ı); RE2's does not
        array = pc.replace_substring_regex(texts, "[\u0130\u0131]", "i")
        found: list[bool] = pc.match_substring_regex(
            array, self.model_prefilter, ignore_case=True
        ).to_pylist()
        return found

    def worth_detecting(self, record: Record) -> bool:
        """Whether the name, the description or a column without a role holds a brand, model number
        or fingerprint (cached per text)."""
        return any(self.scan(t) for t in (record.name, record.description) if t) or any(
            self.scan(t) for _, t in record.others
        )

    def detect(self, record: Record) -> list[Flag]:
        """One ``covered_equipment`` flag per covered parent found in the record's name, description
        and columns without a role."""
        found: list[tuple[str, _Found]] = []
        texts: list[str] = []
        for fld, text in record_texts(record, _FIELDS):
            texts.append(text)
            if self.scan(text):
                found.extend((fld, f) for f in self._found[text])
        if not found:
            return []
        contexts = [self.context_of(t) for t in texts]
        category = any(c[0] for c in contexts)
        unrelated = any(c[1] for c in contexts)
        federal = federal_funding_text(record, self._federal, self._federal_free_text)
        groups: dict[str, list[tuple[str, _Found, str, tuple[str, ...]]]] = {}
        for fld, f in found:
            judged = self._judge(f, fld, record, category, unrelated)
            if judged is not None:
                groups.setdefault(f.parent, []).append((fld, f, *judged))
        return [self._flag(items, record, federal) for items in groups.values()]

    def _prepare(self, text: str) -> tuple[_Found, ...]:
        return tuple(self._prepare_match(m) for m in self.scan(text))

    def _prepare_match(self, m: Match) -> _Found:
        """What of judging and flagging one match does not depend on the record."""
        rs, notes = self.config["reasons"], tuple[str, ...]()
        parent = m.attrs.get("covered_parent") or m.key
        hit = m.attrs.get("creates_hit") in self._hit_values
        weak = m.confidence in self._weak or m.attrs.get("row_confidence") in self._weak
        severity = COVERED_EQUIPMENT.strong if hit and not weak else COVERED_EQUIPMENT.uncertain
        if weak:
            notes = (rs["weak"].format(confidence=m.confidence if m.confidence in self._weak else "low"),)
        elif not hit:
            notes = (rs["not_hit"],)
        brand = m.kind == "brand"
        short = brand and len(m.text) < self._short_brand["han" if has_han(m.text) else "latin"]
        until = m.attrs.get("end_date") or ""
        limit = (exclusive_limit(until) or until) if until else ""
        rank = (_KIND_ORDER.get(m.kind, 9), m.start)
        found = f"{self.config['kind_labels'].get(m.attrs.get('pattern_type', m.kind), m.kind)} {m.text}"
        found = f"{m.key} {found}" if m.kind != "brand" else found
        return _Found(
            m, parent, self._legal_basis(parent), found, _relation(m, parent),
            severity, notes, brand, short, until, limit, rank, _evidence(m),
        )  # fmt: skip

    def _judge(
        self, f: _Found, fld: str, record: Record, category: bool, unrelated: bool
    ) -> tuple[str, tuple[str, ...]] | None:
        """The severity of one match in its record and the notes explaining it, or None to drop it."""
        severity, notes = f.severity, f.notes
        if f.brand and not category:
            if unrelated or (fld == "name" and record.description) or f.short:
                return None
            severity = COVERED_EQUIPMENT.uncertain
            notes += (self.config["reasons"]["unstated_goods"],)
        if f.until:
            covered = _before(record.date, f.limit)
            if covered is False:
                return None
            rs = self.config["reasons"]
            if covered is None:
                severity = COVERED_EQUIPMENT.uncertain
                notes += (rs["date_unknown"].format(until=f.until),)
            else:
                notes += (rs["date_covered"].format(until=f.until, date=record.date),)
        return severity, notes

    def _flag(
        self, items: list[tuple[str, _Found, str, tuple[str, ...]]], record: Record, federal: str | None
    ) -> Flag:
        if len(items) > 1:  # mostly one match per parent
            best = min(items, key=lambda i: (_SEVERITY_ORDER[i[2]], *i[1].rank))
            items = sorted(items, key=lambda i: i[1].match.start)
        else:
            best = items[0]
        fld, f, severity, notes = best
        citation, _, federal_funds = f.legal
        funding = federal if federal is not None and federal_funds is not None else None
        # all that the reason is worded from: a purchase file has the same few reasons over and over
        key = (f.found, fld, f.relation, f.legal, severity, notes, funding)
        reason = self._reasons.get(key)
        if reason is None:
            if len(self._reasons) >= TEXT_CACHE_SIZE:
                self._reasons.clear()
            reason = self._reasons[key] = self._reason(*key)
        evidence: dict[str, Any] = {**field_evidence(fld), **f.evidence, "covered_parent": f.parent}
        evidence["legal_basis"] = citation
        evidence["federal_funding"] = federal is not None
        if federal or record.funding:
            evidence["funding"] = federal or record.funding
        if f.until:
            evidence["covered_until"] = f.until
            evidence["order_date"] = record.date
        evidence["matches"] = [{**field_evidence(g), "severity": s, **x.evidence} for g, x, s, _ in items]
        return Flag(code=CODE, severity=severity, reason=reason, evidence=evidence)

    def _reason(
        self,
        found: str,
        fld: str,
        relation: str,
        legal: tuple[str, str, str | None],
        severity: str,
        notes: tuple[str, ...],
        funding: str | None,
    ) -> str:
        """A flag's reason; ``funding`` is the record's federal funding, None when it is not cited."""
        cfg = self.config
        citation, meaning, federal_funds = legal
        found += f" in the {field_label(cfg['field_labels'], fld)}"
        template = cfg["reasons"]["high" if severity == COVERED_EQUIPMENT.strong else "review"]
        reason = template.format(
            found=found, relation=relation, citation=citation, meaning=meaning, why=" ".join(notes)
        )
        if severity == COVERED_EQUIPMENT.strong and notes:
            reason += " " + " ".join(notes)
        if funding is not None and federal_funds is not None:
            reason += " " + federal_funds + " " + cfg["reasons"]["funding"].format(funding=funding)
        return " ".join(reason.split())

    def _legal_basis(self, parent: str) -> tuple[str, str, str | None]:
        """A covered parent's citation, what it means, and the first federal-funds sentence of its legal
        bases (None when none has one); worked out once per parent."""
        found = self._legal.get(parent)
        if found is None:
            cfg = self.config
            bases = [b for b in cfg["legal_bases"] if b["contains"] in self._parent_lists(parent)]
            citation = " and ".join(b["citation"] for b in bases) or "the FCC Covered List"
            meaning = "; ".join(b["meaning"] for b in bases) or cfg["legal_bases"][-1]["meaning"]
            federal = next((b["federal_funds"] for b in bases if "federal_funds" in b), None)
            found = self._legal[parent] = (citation, meaning, federal)
        return found

    def _parent_lists(self, parent: str) -> str:
        """The ``lists`` cell of a covered parent's own row."""
        key = phrase_key(PAREN_RE.sub(" ", parent))
        return next(
            (
                row.lists
                for row in self.rows
                if phrase_key(PAREN_RE.sub(" ", row.name)) == key or phrase_key(row.name).startswith(key)
            ),
            "",
        )


class FederalFunding:
    """The federal-funding vocabulary of the YAML, compiled once.

    ``free_text``: for a column without a role (a note, a memo), where words such as "idea", "cops"
    or "dot" are ordinary words: only the words of ``free_text_words`` count there, and an Assistance
    Listing number only with its letter (84.425D)."""

    def __init__(self, cfg: dict[str, Any], free_text: bool = False) -> None:
        self.negations = WordSet(cfg["negations"])
        self.words = WordSet(cfg["free_text_words"] if free_text else cfg["words"])
        self.listing = re.compile(cfg["assistance_listing"])
        self.prefixes = frozenset(str(p) for p in cfg["agency_prefixes"])
        self.free_text = free_text
        self._known: dict[str, bool] = {}

    def may_find_in(self, texts: Any, words: TextTokens) -> Any:
        """For many texts at once (a pyarrow string array, and its ``TextTokens``): whether
        ``__call__`` may find federal money named in each (False: surely not), a numpy bool array."""
        import pyarrow.compute as pc

        found = texts_with_words(words, [self.words.first_words()])[0]
        listing = pc.fill_null(pc.match_substring_regex(texts, r"\d\d\.\d\d\d"), False)
        return found | listing.to_numpy(zero_copy_only=False)

    def __call__(self, text: str) -> bool:
        """Remembered per distinct text: a purchase file has a handful of funding sources."""
        found = self._known.get(text)
        if found is None:
            if len(self._known) > 10_000:
                self._known.clear()
            found = self._known[text] = self._judge(text)
        return found

    def _judge(self, text: str) -> bool:
        text = readable(text)
        if not text.strip():
            return False
        folded = fold(text)
        toks = tokens(folded)
        negated = {t for f in self.negations._latin.find(toks) for t in range(f.first, f.last)}  # noqa: SLF001
        kept = [t for i, t in enumerate(toks) if i not in negated]
        if self.words.in_tokens(kept):
            return True
        whole = not self.free_text  # a bare number counts only as the whole of a funding cell
        return any(
            m.group(1) in self.prefixes and (m.group(3) or (whole and m.group(0) == text.strip()))
            for m in self.listing.finditer(text)
        )


_DEFAULT_FEDERAL: dict[bool, FederalFunding] = {}


def federal_vocabulary(free_text: bool = False) -> FederalFunding:
    """The shared federal-funding vocabulary (``free_text``: that of columns without a role)."""
    found = _DEFAULT_FEDERAL.get(free_text)
    if found is None:
        found = _DEFAULT_FEDERAL[free_text] = FederalFunding(
            load_config(CONFIG)["federal_funding"], free_text=free_text
        )
    return found


def is_federal_funding(text: str, vocabulary: FederalFunding | None = None, free_text: bool = False) -> bool:
    """Whether a funding description names federal money: a federal programme (ESSER, Title I, FEMA,
    CARES, IIJA, ARPA), the word federal, or an Assistance Listing / CFDA number such as 84.425D.
    ``free_text``: the text is a column without a role, where only unambiguous words count."""
    return (vocabulary or federal_vocabulary(free_text))(text)


def federal_funding_text(
    record: Record, funding: FederalFunding | None = None, free_text: FederalFunding | None = None
) -> str | None:
    """The text saying a record was paid with federal money: its funding cell when that names federal
    money, else the first column without a role that names it unambiguously; None when none does."""
    if record.funding and is_federal_funding(record.funding, funding):
        return record.funding
    vocabulary = free_text or federal_vocabulary(True)
    return next((text for _, text in record.others if vocabulary(text)), None)


MODEL_REACH = 80  # characters searched on either side of a word a model pattern may begin with


def pattern_heads(patterns: list[str]) -> tuple[str, ...]:
    """The folded letters and digits every match of each pattern begins a word with ("ds" for
    ``\\bDS-2CD…``, "ipc" and "dh" for ``(?:DHI?-)?IPC-…``, "isapi" for ``/ISAPI/…``), read from
    the patterns themselves; empty when a pattern has no such head of two characters or more (then
    nothing can be ruled out this way)."""
    from re import _parser  # type: ignore[attr-defined]

    heads: set[str] = set()

    def walk(items: list[Any]) -> list[str] | None:
        """The heads of a parsed sequence (None: none found)."""
        text = ""
        for op, av in items:
            name = str(op)
            if name in ("AT",) or (name == "LITERAL" and not text and not chr(av).isalnum()):
                continue
            if name == "MAX_REPEAT" and not text and str(av[2][0][0]) == "IN":
                continue  # leading white space ("^\\s*HIKVISION")
            if name == "MAX_REPEAT" and av[0] == 0 and not text:
                # an optional part: the heads with it and without it
                rest = items[items.index((op, av)) + 1 :]
                inner = walk(list(av[2]) + rest)
                without = walk(rest)
                return None if inner is None or without is None else inner + without
            if name == "SUBPATTERN" and not text:
                return walk(list(av[-1]))
            if name == "LITERAL" and chr(av).isalnum():
                text += chr(av).lower()
                continue
            break
        return [text] if len(text) >= 2 else None

    for pattern in patterns:
        found = walk(list(_parser.parse(pattern, re.IGNORECASE)))
        if found is None:
            return ()
        heads.update(found)
    return tuple(sorted(heads))


def _kind(pattern_type: str) -> str:
    return "model" if pattern_type.startswith("model") and pattern_type != "model_prefix" else pattern_type


def _row_attrs(row: CoveredRow | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {
        "covered_entity": row.name,
        "covered_parent": row.parent,
        "relationship": row.relationship,
        "creates_hit": row.creates_hit,
        "end_date": row.end_date,
        "row_confidence": row.confidence,
        "row_source": row.source,
    }


def _before(date: str | None, limit: str) -> bool | None:
    """Whether an ISO order date (full or partial) falls before ``limit``; None when unknown or unclear."""
    if not date:
        return None
    date = date.strip()
    if len(date) >= 10:
        return date[:10] < limit
    if limit.startswith(date):
        return None
    return date < limit[: len(date)]


def _relation(m: Match, parent: str) -> str:
    entity = m.attrs.get("covered_entity")
    rel = m.attrs.get("relationship") or "covered entity"
    if not entity:
        return f"Attributed to {parent}"
    if rel == "covered_entity" or entity == parent:
        return f"{entity} is a covered entity"
    return f"{entity}: {rel} of {parent}"


def _evidence(m: Match) -> dict[str, Any]:
    keep = ("covered_entity", "relationship", "source", "pattern", "pattern_type", "row_source", "end_date")
    keep += ("count",)  # how often the text repeats it (``collapsed``)
    out: dict[str, Any] = {"text": m.text, "start": m.start, "end": m.end, "kind": m.kind, "brand": m.key}
    out["confidence"] = m.confidence
    out.update({k: m.attrs[k] for k in keep if m.attrs.get(k)})
    return out
