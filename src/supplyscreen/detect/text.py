"""Shared text machinery of the detectors: accent-free folding, word tokens, phrase and Chinese indexes.

Folding keeps one character per input character, so every span found in the folded text is the same
span in the text as written. Phrase lookup works on word tokens (a dictionary probe per token, not one
regex per phrase), which keeps each detector well above 20,000 texts per second on one core.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Generic, TypeVar

from supplyscreen._yaml import safe_load as load_yaml

T = TypeVar("T")

#: One word of folded text: ``(start, end, word)``.
Token = tuple[int, int, str]

TOKEN_RE = re.compile(r"[a-z0-9]+")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Separators that keep two words in one phrase ("Hami melon", "Korla fragrant pears"); a comma does not.
_JOINER_RE = re.compile(r"[\s\-'’]*")


@dataclass(slots=True)
class Match:
    """One thing a detector found in one text: the span as written and what it identifies.

    ``kind`` says what matched (``model``, ``brand``, ``rtsp_path``, ``onvif_manufacturer``, ``place``,
    ``keyword``, ``hs_code``); ``key`` the thing it identifies (brand, place, sector); ``confidence``
    is ``high``/``medium``/``low``/``unverified``; ``attrs`` holds the detector's details (covered
    parent, place record, source row …) that end up in a flag's evidence.
    """

    start: int
    end: int
    text: str
    kind: str
    key: str
    confidence: str = "high"
    attrs: dict[str, Any] = field(default_factory=dict)


class _FoldTable(dict[int, str]):
    """``str.translate`` table that lower-cases and strips accents, one character for one."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
        if len(base) != 1:
            low = ch.lower()
            base = low if len(low) == 1 else ch
        self[code] = base
        return base


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower-case ``text`` and drop accents (Ürümqi → urumqi, Şehiri → sehiri), keeping its length."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


def tokens(folded: str) -> list[Token]:
    """The word tokens of already folded text, with their spans."""
    return [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(folded)]


#: Distinct texts a detector remembers what it found in, before forgetting them all at once.
TEXT_CACHE_SIZE = 200_000


class TextCache(dict[str, T]):
    """What a detector finds in each distinct text, worked out on the first ask and kept (purchase
    files repeat their texts) until ``size`` texts are held; do not mutate the values."""

    def __init__(self, compute: Callable[[str], T], size: int = TEXT_CACHE_SIZE) -> None:
        super().__init__()
        self._compute = compute
        self._size = size

    def __missing__(self, text: str) -> T:
        if len(self) >= self._size:
            self.clear()
        value = self[text] = self._compute(text)
        return value

    def known(self, texts: list[str], value: T) -> None:
        """Keep ``value`` for these texts, known without computing (within the size limit)."""
        if len(self) + len(texts) > self._size:
            self.clear()
        self.update(dict.fromkeys(texts[: self._size], value))


_RECENT: dict[str, tuple[str, list[Token], frozenset[str]]] = {}


def _recent(text: str) -> tuple[str, list[Token], frozenset[str]]:
    found = _RECENT.get(text)
    if found is None:
        if len(_RECENT) >= 64:
            _RECENT.clear()
        folded = fold(text)
        toks = tokens(folded)
        found = _RECENT[text] = (folded, toks, frozenset(t[2] for t in toks))
    return found


def folded_tokens(text: str) -> tuple[str, list[Token]]:
    """``fold(text)`` and its tokens, remembered for the last few texts: each detector reads the same
    texts one after the other. Do not mutate the result."""
    found = _recent(text)
    return found[0], found[1]


def text_words(text: str) -> frozenset[str]:
    """The distinct words of ``text`` (folded), remembered like :func:`folded_tokens`."""
    return _recent(text)[2]


@cache
def _token_bytes() -> Any:
    """A byte table: ``a-z0-9`` stay, ``A-Z`` become lower case, every other byte a space."""
    import numpy as np

    table = np.full(256, ord(" "), dtype=np.uint8)
    for c in "abcdefghijklmnopqrstuvwxyz0123456789":
        table[ord(c)] = ord(c)
        table[ord(c.upper())] = ord(c)
    return table


class TextTokens:
    """The tokens of many texts (a pyarrow string array), split once by pyarrow, for
    ``texts_with_words`` and ``WordSet.found_in`` to check several word sets against.

    Only the tokens of plain ASCII texts count (``plain``): there folding is lower-casing and the
    tokens are the runs of ``[a-z0-9]``. They are found by mapping every byte of the texts through
    a table (upper case to lower, any other character to a space) and splitting at the spaces."""

    def __init__(self, texts: Any) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
        if texts.type != pa.string():
            texts = texts.cast(pa.string())
        self.size = len(texts)
        self.plain = pc.fill_null(pc.string_is_ascii(texts), False).to_numpy(zero_copy_only=False)
        validity, offsets, data = texts.buffers()
        mapped = _token_bytes()[np.frombuffer(data, dtype=np.uint8)] if data is not None else b""
        words = pa.Array.from_buffers(
            pa.string(), len(texts), [validity, offsets, pa.py_buffer(mapped)], texts.null_count, texts.offset
        )
        self._split = pc.ascii_split_whitespace(words)
        self.tokens = pc.list_flatten(self._split)
        self.owner = pc.list_parent_indices(self._split).to_numpy(zero_copy_only=False)
        self._spaced: Any = None

    @property
    def spaced(self) -> Any:
        """Each text's tokens joined by single spaces, with a space before and after (for plain ASCII
        text, where the tokens are the runs of ``[a-z0-9]``)."""
        if self._spaced is None:
            import pyarrow.compute as pc

            self._spaced = pc.binary_join_element_wise(" ", pc.binary_join(self._split, " "), " ", "")
        return self._spaced


def texts_with_words(texts: Any, word_sets: Sequence[frozenset[str]]) -> list[Any]:
    """For each set of words, which of many texts (a pyarrow string array, or its ``TextTokens``)
    hold one of them as a token, found by pyarrow for all the texts at once: a numpy bool array per set.

    For plain ASCII text, folding is lower-casing and the tokens are the runs of ``[a-z0-9]``, which
    pyarrow splits alike. Any other text (accents, Chinese script) counts as holding every set: the
    caller looks at it word by word.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    split = texts if isinstance(texts, TextTokens) else TextTokens(texts)
    out = []
    for words in word_sets:
        found = pc.fill_null(
            pc.is_in(split.tokens, value_set=pa.array(sorted(w for w in words if w), type=pa.string())), False
        )
        holds = np.zeros(split.size, dtype=bool)
        holds[split.owner[found.to_numpy(zero_copy_only=False)]] = True
        out.append(holds | ~split.plain)
    return out


def phrases_found_in(keys: Iterable[str], texts: TextTokens) -> Any:
    """Whether one of these phrases (``phrase_key`` keys) occurs in each plain ASCII text of many,
    found by pyarrow for all at once: a numpy bool array, False for the other texts.

    In plain ASCII text a phrase occurs where its words are consecutive tokens, and ``PhraseIndex.find``
    finds something wherever any phrase occurs (it only skips places inside a phrase it found)."""
    import numpy as np
    import pyarrow.compute as pc

    ordered = sorted(keys)  # folded words of [a-z0-9] (see phrase_key): no escaping
    if not ordered or not texts.size:
        return np.zeros(texts.size, dtype=bool)
    pattern = " (?:" + "|".join(ordered) + ") "
    found = pc.fill_null(pc.match_substring_regex(texts.spaced, pattern), False)
    return found.to_numpy(zero_copy_only=False) & texts.plain


def phrase_key(text: str) -> str:
    """The lookup key of a phrase: its folded words joined by single spaces."""
    return " ".join(w for _, _, w in tokens(fold(text)))


def has_han(text: str) -> bool:
    """Whether the text holds at least one Chinese character."""
    return _HAN_RE.search(text) is not None


#: How much of one text (a cell) the detectors read: its first million characters. A bigger cell is
#: hostile or broken; reading it whole would take memory in proportion (issue 19, D3).
DETECT_CHARS = 1_000_000


def readable(text: str) -> str:
    """The part of a text the detectors read (see :data:`DETECT_CHARS`)."""
    return text if len(text) <= DETECT_CHARS else text[:DETECT_CHARS]


def collapsed(matches: list[Match]) -> list[Match]:
    """One match per distinct (kind, key, text as written): the first, with ``attrs["count"]`` when
    the text repeats it, so a cell repeating a brand a million times makes one piece of evidence."""
    if len(matches) < 2:
        return matches
    seen: dict[tuple[str, str, str], Match] = {}
    for m in matches:
        first = seen.setdefault((m.kind, m.key, m.text), m)
        if first is not m:
            first.attrs["count"] = first.attrs.get("count", 1) + 1
    return matches if len(seen) == len(matches) else list(seen.values())


#: A column without a role, as a detector's field: this prefix and the column's header.
COLUMN_FIELD = "column:"


def record_texts(record: Any, fields: Sequence[str]) -> list[tuple[str, str]]:
    """The texts a detector reads of a record, by field: those of ``fields`` that hold a value, then
    the text of each column without a role (``Record.others``; field ``column:`` + its header)."""
    out = [(f, str(value)) for f in fields if (value := getattr(record, f))]
    out.extend((COLUMN_FIELD + column, text) for column, text in record.others)
    return out


def field_label(labels: dict[str, str], fld: str) -> str:
    """A field as a reason names it: its label ("vendor name"), or 'column "Notes"'."""
    if fld.startswith(COLUMN_FIELD):
        return f'column "{fld[len(COLUMN_FIELD) :]}"'
    return labels.get(fld, fld)


def field_evidence(fld: str) -> dict[str, str]:
    """Where a flag's text was found, for its evidence: ``{"field": fld}``, or for a column without a
    role ``{"field": "column", "column": header}``."""
    if fld.startswith(COLUMN_FIELD):
        return {"field": "column", "column": fld[len(COLUMN_FIELD) :]}
    return {"field": fld}


def joined(text: str, a: int, b: int) -> bool:
    """Whether the characters between positions ``a`` and ``b`` only join words (spaces, hyphens)."""
    return _JOINER_RE.fullmatch(text, a, b) is not None


@dataclass(slots=True)
class Found(Generic[T]):
    """A phrase found in a text: its span, token range and the payloads stored under its key."""

    start: int
    end: int
    first: int  # index of the first token (or character, for Chinese) of the match
    last: int  # index after the last one
    key: str
    payloads: list[T]


class PhraseIndex(Generic[T]):
    """Phrases of one or more words, found by whole words, the longest phrase winning at each place."""

    def __init__(self) -> None:
        self._keys: dict[str, list[T]] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}

    def add(self, phrase: str, payload: T) -> str:
        """Store ``payload`` under the folded words of ``phrase``; returns the key ('' when it has none)."""
        key = phrase_key(phrase)
        if not key:
            return key
        self._keys.setdefault(key, []).append(payload)
        words = key.split(" ")
        known = set(self._lengths.get(words[0], ()))
        known.add(len(words))
        self._lengths[words[0]] = tuple(sorted(known, reverse=True))
        return key

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def get(self, key: str) -> list[T]:
        return self._keys.get(key, [])

    def keys(self) -> Iterable[str]:
        return self._keys.keys()

    def first_words(self) -> frozenset[str]:
        """Every word a phrase of the index starts with."""
        return frozenset(self._lengths)

    def absent(self, words: frozenset[str]) -> bool:
        """Whether no phrase can start at any of these words (``find`` would find nothing)."""
        return self._lengths.keys().isdisjoint(words)

    def find(self, toks: Sequence[Token]) -> list[Found[T]]:
        """Non-overlapping phrases among ``toks`` (from :func:`tokens`), left to right, longest first."""
        out: list[Found[T]] = []
        lengths, keys = self._lengths, self._keys
        i, n = 0, len(toks)
        while i < n:
            word = toks[i][2]
            sizes = lengths.get(word)
            step = 1
            if sizes is not None:
                for size in sizes:
                    if i + size > n:
                        continue
                    key = word if size == 1 else " ".join(t[2] for t in toks[i : i + size])
                    hit = keys.get(key)
                    if hit is not None:
                        out.append(Found(toks[i][0], toks[i + size - 1][1], i, i + size, key, hit))
                        step = size
                        break
            i += step
        return out


class HanIndex(Generic[T]):
    """Chinese strings found anywhere in a text (Chinese has no spaces), the longest winning."""

    def __init__(self) -> None:
        self._keys: dict[str, list[T]] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}

    def add(self, text: str, payload: T) -> None:
        if not text:
            return
        self._keys.setdefault(text, []).append(payload)
        known = set(self._lengths.get(text[0], ()))
        known.add(len(text))
        self._lengths[text[0]] = tuple(sorted(known, reverse=True))

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def find(self, text: str) -> list[Found[T]]:
        out: list[Found[T]] = []
        lengths, keys = self._lengths, self._keys
        i, n = 0, len(text)
        while i < n:
            sizes = lengths.get(text[i])
            step = 1
            if sizes is not None:
                for size in sizes:
                    hit = keys.get(text[i : i + size]) if i + size <= n else None
                    if hit is not None:
                        out.append(Found(i, i + size, i, i + size, text[i : i + size], hit))
                        step = size
                        break
            i += step
        return out


class WordSet:
    """A set of words and phrases (Latin and Chinese) that a text either contains or not."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._latin: PhraseIndex[str] = PhraseIndex()
        self._han: HanIndex[str] = HanIndex()
        for phrase in phrases:
            if has_han(phrase):
                self._han.add(phrase, phrase)
            else:
                self._latin.add(phrase, phrase)

    def found(self, text: str, toks: Sequence[Token] | None = None) -> list[str]:
        """The words of the set that occur in ``text`` (``toks``: its tokens, when already made)."""
        if toks is None:
            latin = self._latin
            hits = (
                [] if latin.absent(text_words(text)) else [f.key for f in latin.find(folded_tokens(text)[1])]
            )
        else:
            hits = [f.key for f in self._latin.find(toks)]
        if has_han(text):
            hits.extend(f.key for f in self._han.find(text))
        return hits

    def absent(self, words: frozenset[str]) -> bool:
        """Whether no Latin phrase of the set can start at any of these words."""
        return self._latin.absent(words)

    def found_in(self, texts: TextTokens) -> Any:
        """``bool(found(text))`` for the plain ASCII texts of many at once, found by pyarrow (a numpy
        bool array; False for the other texts, which the caller looks at one by one).

        In plain ASCII text a phrase is found where its words are consecutive tokens (``find``
        finds one wherever any phrase occurs: it only skips places inside a phrase it found)."""
        return phrases_found_in(self._latin.keys(), texts)

    def first_words(self) -> frozenset[str]:
        """Every word a Latin phrase of the set starts with."""
        return self._latin.first_words()

    def in_tokens(self, toks: Sequence[Token]) -> list[str]:
        """The Latin words of the set among already made tokens."""
        return [f.key for f in self._latin.find(toks)]

    def starts(self, toks: Sequence[Token]) -> str:
        """The Latin word of the set that the tokens begin with, or ''."""
        found = self._latin.find(toks)
        return found[0].key if found and found[0].first == 0 else ""

    def han_prefix(self, text: str) -> str:
        """The Chinese word of the set that ``text`` begins with (the longest), or ''."""
        found = self._han.find(text)
        return found[0].key if found and found[0].start == 0 else ""

    def __contains__(self, key: str) -> bool:
        return key in self._latin or key in self._han


def plural_forms(words: Iterable[str]) -> list[str]:
    """Each phrase plus simple English plurals of its last word (tomato → tomatoes, pear → pears)."""
    out: list[str] = []
    for w in words:
        out.append(w)
        if has_han(w) or not w[-1:].isalpha():
            continue
        if w.endswith(("s", "x", "sh", "ch", "o")):
            out.append(w + "es")
        elif w.endswith("y") and w[-2:-1] not in "aeiou":
            out.append(w[:-1] + "ies")
        else:
            out.append(w + "s")
    return out


# ---------------------------------------------------------------------------------------------
# Package data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataRow:
    """One CSV row of package data with where it came from (``file:line``, for evidence)."""

    source: str
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


def read_rows(folder: str, filename: str) -> list[DataRow]:
    """The rows of a UTF-8 CSV shipped in ``supplyscreen/data/<folder>``, whitespace collapsed."""
    text = resources.files("supplyscreen").joinpath("data", folder, filename).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[DataRow] = []
    for values in reader:
        clean = {k.strip(): " ".join((v or "").split()) for k, v in values.items() if k}
        rows.append(DataRow(f"{folder}/{filename}:{reader.line_num}", clean))
    return rows


@cache
def load_config(filename: str) -> dict[str, Any]:
    """A detector's YAML configuration from ``supplyscreen/data/detect``."""
    text = resources.files("supplyscreen").joinpath("data", "detect", filename).read_text(encoding="utf-8")
    data = load_yaml(text)
    if not isinstance(data, dict):
        raise ValueError(f"data/detect/{filename}: expected a mapping at the top level")
    return data


def exclusive_limit(value: str) -> str | None:
    """The first day no longer covered by an end date: ``2022-11-24`` stays, ``2024-01`` → ``2024-02-01``.

    A curated ``end_date`` of ``YYYY-MM`` means the end of that month, so orders dated in that month
    are still covered.
    """
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value.strip())
    if not m:
        return None
    if m.group(3):
        return value.strip()
    year, month = int(m.group(1)), int(m.group(2))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}-01"


def word_positions(folded: str, word: str) -> Iterator[int]:
    """Where ``word`` stands as a whole word (no letter or digit on either side) in ``folded``
    (folded text, or plain ASCII text for a word as it is written there)."""
    if len(word) <= SHORT_WORD:  # a short word is inside many others: let the regex engine skip them
        yield from (m.start() for m in _whole_word(word).finditer(folded))
        return
    n = len(word)
    size = len(folded)
    i = folded.find(word)
    while i >= 0:
        j = i + n
        if (i == 0 or not folded[i - 1].isalnum()) and (j >= size or not folded[j].isalnum()):
            yield i
        i = folded.find(word, j)


SHORT_WORD = 3


@lru_cache(maxsize=4096)
def _whole_word(word: str) -> re.Pattern[str]:
    # the word first, so that the engine looks for it as a literal; then what stands before and after
    w = re.escape(word)
    return re.compile(w + r"(?<![^\W_]" + w + r")(?![^\W_])")
