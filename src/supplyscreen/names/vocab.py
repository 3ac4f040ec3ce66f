"""The word lists name normalisation needs, loaded once from the package's data files.

Legal forms (English, European, Russian, Chinese and their pinyin), abbreviations, industry words,
stop words, place names (Chinese provinces and cities, Xinjiang's divisions from the curated table,
country names) and the inventory of pinyin syllables. All are data, none is derived from queries.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from supplyscreen._yaml import safe_load as load_yaml


def _text(path: str) -> str:
    return resources.files("supplyscreen").joinpath(path).read_text(encoding="utf-8")


def fold_ascii(text: str) -> str:
    """Lower case, accents removed, apostrophes dropped: "Ürümqi" → "urumqi", "Xi'an" → "xian"."""
    if text.isascii():  # most names: the same as below, without the Unicode passes
        return text.lower().replace("'", "")
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("'", "").replace("’", "")


_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORD.findall(fold_ascii(text))


@lru_cache(maxsize=50_000)
def han_pinyin(text: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of the Han characters in ``text`` (ü written v); remembered, as
    pypinyin takes a millisecond a name and the same words ("有限公司") come again and again."""
    from pypinyin import Style, lazy_pinyin  # imported on first use: commands that match nothing skip it

    return tuple(
        s.replace("ü", "v") for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore") if s.isalpha()
    )


Groups = dict[str, tuple[str, ...]]  # first (or last) letter → the words with it, longest first


def _grouped(words: tuple[str, ...], *, tail: bool) -> Groups:
    """The words grouped by their first (or last) letter, longest first (ties in list order)."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[-1] if tail else w[0], []).append(w)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in groups.items()}


@dataclass(frozen=True, slots=True)
class Vocabulary:
    legal_latin: tuple[tuple[str, ...], ...]  # token sequences, longest first
    legal_by_first: dict[str, tuple[tuple[str, ...], ...]]  # the same, by first word
    legal_han: tuple[str, ...]  # longest first
    legal_long: tuple[str, ...]  # single legal-form words of 6+ letters, recognised despite a typo
    abbreviations: dict[str, str]
    generic: frozenset[str]
    stop: frozenset[str]
    places: frozenset[str]  # single-token place words
    syllables: frozenset[str]
    max_syllable: int
    compound_surnames: frozenset[str]
    # the affix lists (legal forms in pinyin, generic words, place prefixes in Han and compact Latin),
    # grouped by their first or last letter for stripping compact keys, longest first
    place_han_by_head: Groups
    generic_han_by_tail: Groups
    legal_pinyin_by_tail: Groups
    place_compact_by_head: Groups
    generic_legal_compact_by_tail: Groups  # generic_compact, then legal_pinyin


def _xinjiang_places() -> tuple[set[str], set[str]]:
    """Spellings (compact Latin) and Han names of Xinjiang's divisions from the curated table."""
    latin: set[str] = set()
    han: set[str] = set()
    rows = csv.DictReader(io.StringIO(_text("data/curated/xinjiang_places.csv")))
    suffixes = ("维吾尔自治区", "自治区", "自治州", "自治县", "地区", "市", "县", "区")
    generic_words = {
        "shi",
        "xian",
        "qu",
        "diqu",
        "zizhizhou",
        "zizhixian",
        "zizhiqu",
        "weiwuer",
        "district",
        "county",
        "city",
        "prefecture",
        "region",
        "autonomous",
        "uyghur",
        "shehiri",
        "nahiyisi",
        "rayoni",
        "wilayiti",
        "oblasti",
        "aptonom",
    }
    for row in rows:
        for col in ("name_en", "pinyin", "uyghur_latin"):
            value = row.get(col) or ""
            for part in re.split(r"[()/;,]", value):
                toks = [w for w in words(part) if w not in generic_words]
                if toks:
                    latin.add("".join(toks))
        name = (row.get("chinese") or "").strip()
        if name:
            han.add(name)
            for suf in suffixes:
                if name.endswith(suf) and len(name) - len(suf) >= 2:
                    han.add(name[: -len(suf)])
                    break
    return latin, han


_VOCABULARY: list[Vocabulary] = []  # the one vocabulary of this process, once built or installed


def vocabulary() -> Vocabulary:
    """The word lists, built from the package's data files on first use (or installed from a cached
    name index: building them reads pypinyin's dictionaries, half a second)."""
    if not _VOCABULARY:
        _VOCABULARY.append(_build_vocabulary())
    return _VOCABULARY[0]


def install_vocabulary(found: Vocabulary) -> None:
    """Use ``found`` (built by this package's data, kept with a cached index) unless one is in use."""
    if not _VOCABULARY:
        _VOCABULARY.append(found)


def _build_vocabulary() -> Vocabulary:
    legal = load_yaml(_text("data/legal_forms.yaml"))
    generic = load_yaml(_text("data/names/generic_words.yaml"))
    places = load_yaml(_text("data/names/places_cn.yaml"))
    abbreviations = load_yaml(_text("data/names/abbreviations.yaml"))
    syllables = frozenset(
        line.strip()
        for line in _text("data/names/pinyin_syllables.txt").splitlines()
        if line.strip() and not line.startswith("#")
    )
    legal_latin = sorted(
        {tuple(words(f)) for f in legal["latin"] + legal["cyrillic"] if words(f)}, key=len, reverse=True
    )
    legal_han = tuple(sorted(legal["han"], key=len, reverse=True))
    legal_pinyin = tuple(sorted({"".join(han_pinyin(h)) for h in legal["han"]}, key=len, reverse=True))
    xj_latin, xj_han = _xinjiang_places()
    place_tokens: set[str] = set(places["countries"])
    place_compact: set[str] = set()
    place_han: set[str] = set(xj_han)
    for group in ("provinces", "cities"):
        for han, spellings in places[group].items():
            place_han.add(han)
            for suffix in ("省", "市"):
                place_han.add(han + suffix)
            for spelling in str(spellings).split():
                compact = "".join(words(spelling))
                place_compact.add(compact)
                place_tokens.add(compact)
    place_compact |= xj_latin
    place_tokens |= xj_latin
    generic_latin = {w for g in generic["latin"] for w in words(g)}
    generic_compact = {g for g in generic_latin if len(g) >= 4} | set(generic["pinyin"])
    generic_compact_sorted = tuple(sorted(generic_compact, key=len, reverse=True))
    generic_han = tuple(sorted(generic["han"], key=len, reverse=True))
    place_han_sorted = tuple(sorted(place_han, key=len, reverse=True))
    place_compact_sorted = tuple(sorted(place_compact, key=len, reverse=True))
    return Vocabulary(
        legal_latin=tuple(legal_latin),
        legal_by_first={w: tuple(f for f in legal_latin if f[0] == w) for w in {f[0] for f in legal_latin}},
        legal_han=legal_han,
        legal_long=tuple(sorted({f[0] for f in legal_latin if len(f) == 1 and len(f[0]) >= 6})),
        abbreviations={str(k): str(v) for k, v in abbreviations.items()},
        generic=frozenset(generic_latin | set(generic["pinyin"])),
        stop=frozenset(generic["stop"]),
        places=frozenset(place_tokens),
        syllables=syllables,
        max_syllable=max(len(s) for s in syllables),
        compound_surnames=frozenset(places.get("compound_surnames", [])),
        place_han_by_head=_grouped(place_han_sorted, tail=False),
        generic_han_by_tail=_grouped(generic_han, tail=True),
        legal_pinyin_by_tail=_grouped(legal_pinyin, tail=True),
        place_compact_by_head=_grouped(place_compact_sorted, tail=False),
        generic_legal_compact_by_tail=_grouped(generic_compact_sorted + legal_pinyin, tail=True),
    )


@cache
def person_title_pattern() -> re.Pattern[str]:
    """Titles of ``data/names/person_titles.yaml`` at the head of a name (rigour carries the rest)."""
    titles = load_yaml(_text("data/names/person_titles.yaml"))["titles"]
    alternatives = "|".join(re.escape(str(t)) for t in sorted(titles, key=len, reverse=True))
    return re.compile(rf"^\W*(?:(?:{alternatives})\.?(?:\s+|$))+", re.IGNORECASE)


def segment_pinyin(token: str, syllables: Container[str], max_len: int, min_len: int = 1) -> list[str] | None:
    """Split a Latin token into pinyin syllables ("quanguo" → ["quan", "guo"]), or None if it is not pinyin
    (or into the syllables of another inventory, Wade–Giles's).

    Prefers the split with the fewest syllables, which resolves most ambiguities ("xian" stays one
    syllable); a token that cannot be split completely is not pinyin.
    """
    n = len(token)
    if n < 2 or not token.isalpha():
        return None
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        current = best[i]
        if current is None:
            continue
        for j in range(min(n, i + max_len), i + min_len - 1, -1):
            piece = token[i:j]
            if len(piece) >= min_len and piece in syllables:
                candidate = [*current, piece]
                existing = best[j]
                if existing is None or len(candidate) < len(existing):
                    best[j] = candidate
    return best[n]
