"""Names reduced to comparable forms: tokens with roles, and compact keys across scripts.

"Zhejiang Dahua Technology Co., Ltd.", "浙江大华技术股份有限公司" and "Dahua" must meet; "Zhejiang
Uniview Technologies" must not. A :class:`NameForm` holds:

* ``tokens``: the words of the name after Unicode folding, abbreviation expansion and plural
  folding, with legal forms and stop words removed, each tagged ``core`` (says which entity),
  ``place`` (where), ``generic`` (what kind: technology, trading …) or ``number``. Chinese text
  becomes pinyin syllables; a person's Chinese given name is compared syllable by syllable.
* ``keys``: compact spellings (letters only, no spaces) with the legal form, and then the leading
  place and trailing industry words, removed. They let 大华股份 meet "Dahua Technology", 海康威视 meet
  杭州海康威视数字技术股份有限公司, and "Maofang Zhigu Fenyou Xiangong Si" meet 毛纺织股份有限公司
  however the pinyin was spaced.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import Indel

from supplyscreen.names.vocab import Groups, Vocabulary, fold_ascii, han_pinyin, segment_pinyin, vocabulary

CORE, PLACE, GENERIC, NUMBER = "core", "place", "generic", "number"

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_NAME_LENGTH = 500  # longer input is cut: no organisation's name is longer


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    role: str
    source: str = ""  # the word as written, when it differs (for explanations)
    pinyin: bool = False  # the word is a complete pinyin spelling (so a one-letter change is another name)


@dataclass(slots=True)
class NameForm:
    """A name ready for comparison (see the module docstring)."""

    original: str
    tokens: tuple[Token, ...]
    keys: dict[str, int] = field(default_factory=dict)  # compact key → level (0 full, 1 no place, 2 core)
    legal: tuple[str, ...] = ()
    han: bool = False  # written in Chinese characters
    pinyin_only: bool = False  # Latin, and every word is pinyin (a romanised Chinese name)


_ANNOTATION = re.compile(
    r"\((?:former(?:ly)?|previously|formerly known|misspell|see also|also spelled|spelling)[^)]*\)",
    re.IGNORECASE,
)


def clean(text: str) -> str:
    """NFKC, control characters and list annotations ("(former name)") removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    text = _ANNOTATION.sub(" ", text)
    return " ".join(text.split())[:MAX_NAME_LENGTH]


def _latin_words(text: str) -> list[str]:
    folded = fold_ascii(text.replace("&", " and ").replace("+", " and "))
    raw = re.findall(r"[a-z0-9]+", folded)
    merged: list[str] = []
    run: list[str] = []
    for w in raw:  # "A.C." / "A-B-C": a run of single letters is one initialism
        if len(w) == 1 and w.isalpha():
            run.append(w)
            continue
        if run:
            merged.append("".join(run))
            run = []
        merged.append(w)
    if run:
        merged.append("".join(run))
    return merged


@lru_cache(maxsize=200_000)
def _pinyin_split(word: str, min_len: int) -> tuple[str, ...] | None:
    v = vocabulary()
    found = segment_pinyin(word, v.syllables, v.max_syllable, min_len=min_len)
    return tuple(found) if found else None


def _fold_plural(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def _legal_typo(word: str, v: Vocabulary) -> str | None:
    """The long legal-form word a misspelt word stands for ("Compny", "Limitd"), if any."""
    if len(word) < 5 or word in v.generic or word in v.places:
        return None
    for form in v.legal_long:
        if abs(len(form) - len(word)) <= 2 and Indel.normalized_similarity(word, form) >= 0.8:
            return form
    return None


def _strip_legal(ws: list[str], v: Vocabulary) -> tuple[list[str], list[str]]:
    out: list[str] = []
    legal: list[str] = []
    i = 0
    while i < len(ws):
        for form in v.legal_by_first.get(ws[i], ()):
            n = len(form)
            if tuple(ws[i : i + n]) == form:
                legal.append(" ".join(form))
                i += n
                break
        else:
            typo = _legal_typo(ws[i], v)
            if typo:
                legal.append(f"{ws[i]} (= {typo})")
            else:
                out.append(ws[i])
            i += 1
    if not out:  # a name that is only a legal form keeps it ("Company")
        return ws, []
    return out, legal


def _role(word: str, v: Vocabulary) -> str:
    if word.isdigit():
        return NUMBER
    if word in v.places:
        return PLACE
    if word in v.generic:
        return GENERIC
    return CORE


def _strip_prefixes(text: str, groups: Groups, keep: int = 2) -> str:
    """``text`` without the leading words of ``groups`` (by first letter), keeping ``keep`` letters."""
    changed = True
    while changed and text:
        changed = False
        for p in groups.get(text[0], ()):
            if text.startswith(p) and len(text) - len(p) >= keep:
                text = text[len(p) :]
                changed = True
                break
    return text


def _strip_suffixes(text: str, groups: Groups, keep: int = 2) -> str:
    """``text`` without the trailing words of ``groups`` (by last letter), keeping ``keep`` letters."""
    changed = True
    while changed and text:
        changed = False
        for suffix in groups.get(text[-1], ()):
            if text.endswith(suffix) and len(text) - len(suffix) >= keep:
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def _add_keys(keys: dict[str, int], full: str, v: Vocabulary, *, han: bool, person: bool = False) -> None:
    """Compact keys of a name: as is, without the leading place, and without trailing industry words.

    A person's name has only the first: "Zhuhai" in "Zhu Hailun" is not the city.
    """
    if person:
        compact = ["".join(han_pinyin(full)) if han else full]
    elif han:
        levels = [full, _strip_prefixes(full, v.place_han_by_head)]
        levels.append(_strip_suffixes(levels[1], v.generic_han_by_tail, keep=2))
        compact = ["".join(han_pinyin(x)) for x in levels]
    else:
        no_legal = _strip_suffixes(full, v.legal_pinyin_by_tail, keep=3)
        no_place = _strip_prefixes(no_legal, v.place_compact_by_head, keep=3)
        compact = [no_legal, no_place, _strip_suffixes(no_place, v.generic_legal_compact_by_tail, keep=3)]
    for level, key in enumerate(compact):
        if len(key) >= 3 and (key not in keys or keys[key] > level):
            keys[key] = level


def _han_form(text: str, is_person: bool, v: Vocabulary) -> NameForm:
    han = "".join(_HAN.findall(text))
    legal: list[str] = []
    for form in v.legal_han:
        if form in han and len(han) > len(form):
            han = han.replace(form, "")
            legal.append(form)
    keys: dict[str, int] = {}
    _add_keys(keys, han, v, han=True, person=is_person)
    if is_person:  # family name (one character, or a known two-character one), then given name
        syllables = han_pinyin(han)
        family = 2 if han[:2] in v.compound_surnames else 1
        words = ["".join(syllables[:family]), "".join(syllables[family:])]
        person = tuple(Token(w, CORE, han, pinyin=True) for w in words if w)
        return NameForm(text, person, keys, tuple(legal), han=True)
    tokens: list[Token] = []
    rest = _strip_prefixes(han, v.place_han_by_head)
    if rest != han:
        prefix = han[: len(han) - len(rest)]
        tokens.extend(Token(s, PLACE, prefix) for s in han_pinyin(prefix))
    core_part = _strip_suffixes(rest, v.generic_han_by_tail)
    tokens.extend(Token(s, CORE, core_part) for s in han_pinyin(core_part))
    generic_part = rest[len(core_part) :]
    tokens.extend(Token(s, GENERIC, generic_part) for s in han_pinyin(generic_part))
    return NameForm(text, tuple(tokens), keys, tuple(legal), han=True)


def name_form(text: str, *, is_person: bool = False) -> NameForm:
    """The comparable form of one name (see the module docstring)."""
    v = vocabulary()
    text = clean(text)
    if _HAN.search(text):
        return _han_form(text, is_person, v)
    raw = _latin_words(text)
    expanded = [_fold_plural(v.abbreviations.get(w, w)) for w in raw]
    kept, legal = _strip_legal(expanded, v)
    content = [w for w in kept if w not in v.stop] or kept
    tokens: list[Token] = []
    pinyin_words = 0
    for w in content:
        syllables = _pinyin_split(w, 1)
        if syllables:
            pinyin_words += 1
        # as a given name, a spelling counts as pinyin only without one-letter syllables ("Ekaterina"
        # splits into e-ka-te-ri-na but is no Chinese name)
        given = is_person and _pinyin_split(w, 2) is not None
        tokens.append(Token(w, CORE if is_person else _role(w, v), pinyin=given))
    keys: dict[str, int] = {}
    if raw:
        _add_keys(keys, "".join(w for w in raw if w not in v.stop), v, han=False, person=is_person)
        _add_keys(keys, "".join(content), v, han=False, person=is_person)
    return NameForm(
        text,
        tuple(tokens),
        keys,
        tuple(legal),
        han=False,
        pinyin_only=bool(content) and pinyin_words == len(content),
    )
