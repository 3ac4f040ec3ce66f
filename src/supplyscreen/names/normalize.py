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

A person's name is read as parts: the family name (before the comma of "VOROBEV, Aleksandr", or
the word in capitals of "Aleksandr VOROBEV"), given and middle names, initials ("A."), and titles
("Dr.", "Sheikh": rigour's person-name prefixes and ``data/names/person_titles.yaml``), which are set
aside. Names in other scripts (Cyrillic, Greek, Arabic, Hebrew, Georgian, Armenian, Devanagari,
Thai, Korean, Japanese kana …) are transliterated to Latin first (rigour's ``ascii_text``); Chinese
keeps its pinyin. Words written with digits for letters ("INTERNATION4L") are read as letters.
Legal forms are removed whatever their language, spelled out or abbreviated: rigour's database of
organisation types (ISO 20275 and others) at the head or tail of the name, then the project's own
list (``data/legal_forms.yaml``) for the forms rigour does not carry ("Co.", "Corp.", "Establishment").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Indel

from supplyscreen.names.romanize import is_syllable, pinyin_readings
from supplyscreen.names.vocab import (
    Groups,
    Vocabulary,
    fold_ascii,
    han_pinyin,
    person_title_pattern,
    segment_pinyin,
    vocabulary,
)

CORE, PLACE, GENERIC, NUMBER = "core", "place", "generic", "number"
TITLE, INITIAL = "title", "initial"  # a person's title ("Dr."), and a given name written as its initial

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# control characters, and lone surrogates (text that is no valid Unicode: "\ud800x" from JSON)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_NAME_LENGTH = 500  # longer input is cut: no organisation's name is longer


# Treated as immutable (hashable by value), but not frozen: a frozen dataclass is five times
# slower to build (1.2 µs against 0.2 µs a token), and the list names are unpacked into tokens on
# first use, a few hundred for each query (``NameIndex.form``)
@dataclass(slots=True, unsafe_hash=True)
class Token:
    text: str
    role: str
    source: str = ""  # the word as written, when it differs (for explanations)
    pinyin: bool = False  # the word is a complete pinyin spelling (so a one-letter change is another name)
    family: bool = False  # a person's family name, where the name says so (comma or capitals)
    alts: tuple[str, ...] = ()  # other readings of the word (Wade–Giles read as pinyin, 1 read as l)


@dataclass(slots=True)
class NameForm:
    """A name ready for comparison (see the module docstring)."""

    original: str
    tokens: tuple[Token, ...]
    keys: dict[str, int] = field(default_factory=dict)  # compact key → level (0 full, 1 no place, 2 core)
    legal: tuple[str, ...] = ()
    han: bool = False  # written in Chinese characters
    pinyin_only: bool = False  # Latin, and every word is pinyin (a romanised Chinese name)
    transliterated: bool = False  # written in another script and transliterated to Latin
    # what scoring works out of the tokens once (their weights, words …), with the weight function
    # it was worked out with; see ``score.facts``
    facts: Any = field(default=None, compare=False, repr=False)


def with_tokens(form: NameForm, tokens: tuple[Token, ...], legal: tuple[str, ...] | None = None) -> NameForm:
    """``form`` with other tokens (and legal forms), everything else kept (no worked-out facts)."""
    return NameForm(
        form.original,
        tokens,
        form.keys,
        form.legal if legal is None else legal,
        form.han,
        form.pinyin_only,
        form.transliterated,
    )


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


def word_role(word: str, v: Vocabulary) -> str:
    """A word's role in a name: a number, a place, an industry word, else a core word."""
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
        person = tuple(Token(w, CORE, han, pinyin=True, family=k == 0) for k, w in enumerate(words) if w)
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


_NON_LATIN = re.compile(r"[^\x00-\x7f\u00c0-\u024f\u1e00-\u1eff]")  # beyond ASCII and Latin letters
_KANA = re.compile(r"[\u3040-\u30ff]")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
_LEET_L = str.maketrans({**_LEET, "1": "l"})


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_BGN_MARKS = str.maketrans({"\u02b9": None, "\u02ba": None, "\u00b7": None})  # ʹ ʺ · of BGN/PCGN


def to_latin(text: str, *, person: bool = True) -> str:
    """``text`` in Latin letters: other scripts transliterated, Latin left as written.

    A person's name in Russian Cyrillic by BGN/PCGN (ICU's ``Russian-Latin/BGN`` transform, CLDR
    data), the romanisation the US lists use for persons ("Ходотов" → Khodotov, "Сергей" → Sergey);
    every other name and script by rigour (its Rust transliterator, then ICU's ``Any-Latin`` through
    ``ascii_text``), whose spelling of Russian legal forms its table of them knows.
    """
    if not _NON_LATIN.search(text):
        return text
    if person and _CYRILLIC.search(text):
        latin = _bgn(text)
        if latin is not None and not _NON_LATIN.search(latin):
            return latin
    from rigour.text.translit import maybe_ascii  # the Rust transliterator: Greek, Armenian …

    latin = maybe_ascii(text)
    if _NON_LATIN.search(latin):
        from rigour.text import ascii_text  # ICU, every script; imported only when needed

        latin = ascii_text(text)
    return latin


@lru_cache(maxsize=1)
def _bgn_transform() -> Any:
    try:
        import icu  # type: ignore[import-untyped]  # PyICU, which rigour's normality brings
    except ImportError:  # pragma: no cover - without it rigour's transliteration serves
        return None
    return icu.Transliterator.createInstance("Russian-Latin/BGN")


def _bgn(text: str) -> str | None:
    transform = _bgn_transform()
    if transform is None:
        return None
    latin: str = transform.transliterate(text)
    return latin.translate(_BGN_MARKS)


def _unleet(word: str) -> tuple[str, tuple[str, ...]]:
    """A word with digits written for letters inside it ("inve5t", "internation4l") read as letters.

    Only digits between two letters, at most two of them, in a word of at least three letters: "3m",
    "4g", "747" and model numbers stay as written. 1 reads as i, with l as the alternative.
    """
    if word.isalpha():
        return word, ()
    digits = sum(c.isdigit() for c in word)
    if not digits or digits > 2 or len(word) - digits < 3:
        return word, ()
    chars = list(word)
    for k, ch in enumerate(chars):
        if ch.isdigit():
            if ch not in _LEET or k == 0 or k == len(chars) - 1:
                return word, ()
            if not (chars[k - 1].isalpha() and chars[k + 1].isalpha()):
                return word, ()
    decoded = "".join(_LEET.get(c, c) for c in word)
    return decoded, ((word.translate(_LEET_L),) if "1" in word else ())


def _strip_org_types(ws: list[str], text: str) -> tuple[list[str], list[str]]:
    """Legal forms rigour knows, in any language, at the head or the tail of the name ``ws`` (the
    words of ``text``).

    A spelled-out form of several words ("sociedad anonima", "limited liability company") is also
    removed inside the name; short forms only at the ends ("AS" or "SE" inside a name are words).
    rigour reads both the words and the text as written, whose accents its forms may carry
    ("Gesellschaft mit beschränkter Haftung").
    """
    if not ws:
        return ws, []
    from rigour.names import extract_org_types

    found = extract_org_types(" ".join(ws))
    if not text.isascii():
        found += extract_org_types(text.casefold())
    if not found:
        return ws, []
    compare: dict[tuple[str, ...], str] = {}  # as the name writes it, not rigour's key
    for matched, _ in found:
        words = tuple(_latin_words(matched))
        if words:
            compare.setdefault(words, " ".join(words))
    forms = sorted(compare, key=len, reverse=True)
    legal: list[str] = []
    changed = True
    while changed and ws:
        changed = False
        for form in forms:
            n = len(form)
            if len(ws) > n and tuple(ws[:n]) == form:
                ws, changed = ws[n:], True
            elif len(ws) > n and tuple(ws[-n:]) == form:
                ws, changed = ws[:-n], True
            elif n > 1 and len(ws) > n:
                for i in range(1, len(ws) - n):
                    if tuple(ws[i : i + n]) == form:
                        ws, changed = ws[:i] + ws[i + n :], True
                        break
            if changed:
                legal.append(compare[form])
                break
    return ws, legal


def _strip_titles(part: str) -> tuple[str, str]:
    """(the titles opening ``part``, the rest): rigour's person prefixes and the project's titles."""
    from rigour.names import remove_person_prefixes

    rest = part
    while True:
        shorter = person_title_pattern().sub("", remove_person_prefixes(rest))
        if shorter == rest or not re.search(r"[^\W\d_]", shorter):
            break
        rest = shorter
    return part[: len(part) - len(rest)], rest


def _person_words(part: str) -> list[tuple[str, tuple[str, ...]]]:
    """The words of a part of a person's name, each with the syllables it was hyphenated into.

    A hyphenated run of single pinyin or Wade–Giles syllables is one given name ("Chun-hsien",
    "Wen-Fu"); other hyphens ("Al-Tikriti") separate words. Words written together in camel case
    ("AgusDwikarna") are split.
    """
    out: list[tuple[str, tuple[str, ...]]] = []
    for chunk in _CAMEL.sub(" ", part).split():
        pieces = re.findall(r"[a-z0-9]+", fold_ascii(chunk))
        if len(pieces) > 1 and "-" in chunk and all(is_syllable(p) for p in pieces):
            out.append(("".join(pieces), tuple(pieces)))
        else:
            out.extend((p, ()) for p in pieces)
    return out


def _person_form(text: str, v: Vocabulary) -> NameForm:
    """A person's name in Latin letters as parts (see the module docstring)."""
    parts = text.split(",")
    family_part = 0 if len(parts) >= 2 and parts[0].strip() and parts[1].strip() else -1
    # "Aleksandr Nikolayevich VOROBEV": in a name written in mixed case, the word in capitals
    capitals = {fold_ascii(w) for w in re.findall(r"[^\W\d_]{2,}", text) if w.isupper()}
    mixed = bool(capitals) and bool(re.search(r"[a-z]", text))
    tokens: list[Token] = []
    for k, part in enumerate(parts):
        titles, rest = _strip_titles(part) if k != family_part else ("", part)
        for word, _ in _person_words(titles):
            tokens.append(Token(word, TITLE))
        for raw, pieces in _person_words(rest):
            word, alts = _unleet(raw)
            source = raw if word != raw else ""
            if len(word) == 1 and word.isalpha():
                tokens.append(Token(word, INITIAL))
                continue
            family = k == family_part or (family_part < 0 and mixed and raw in capitals)
            readings = pinyin_readings(word, pieces)
            tokens.append(
                Token(
                    word,
                    NUMBER if word.isdigit() else CORE,
                    source,
                    pinyin=_pinyin_split(word, 2) is not None,
                    family=family,
                    alts=alts + readings,
                )
            )
    keys: dict[str, int] = {}
    compact = "".join(t.text for t in tokens if t.role != TITLE)
    if compact:
        _add_keys(keys, compact, v, han=False, person=True)
    return NameForm(text, tuple(tokens), keys, (), han=False, pinyin_only=False)


def name_form(text: str, *, is_person: bool = False) -> NameForm:
    """The comparable form of one name (see the module docstring)."""
    v = vocabulary()
    text = clean(text)
    if _HAN.search(text) and not _KANA.search(text):
        return _han_form(text, is_person, v)
    latin = to_latin(text, person=is_person)
    if latin != text:
        form = name_form(latin, is_person=is_person)
        form.transliterated = True
        return form
    if is_person:
        return _person_form(text, v)
    raw: list[str] = []
    alternatives: dict[int, tuple[str, ...]] = {}
    sources: dict[int, str] = {}
    for w in _latin_words(text):
        decoded, alts = _unleet(w)
        if decoded != w:
            sources[len(raw)] = w
            if alts:
                alternatives[len(raw)] = alts
        raw.append(decoded)
    kept_raw, org_legal = _strip_org_types(raw, text)
    expanded = [_fold_plural(v.abbreviations.get(w, w)) for w in kept_raw]
    kept, legal = _strip_legal(expanded, v)
    legal = org_legal + legal
    content = [w for w in kept if w not in v.stop] or kept
    tokens: list[Token] = []
    pinyin_words = 0
    for w in content:
        if _pinyin_split(w, 1):
            pinyin_words += 1
        tokens.append(Token(w, word_role(w, v)))
    if sources:  # say what a word with digits for letters was written as (rare: a lookup per word)
        by_text = {raw[i]: (src, alternatives.get(i, ())) for i, src in sources.items()}
        tokens = [
            Token(t.text, t.role, by_text[t.text][0], alts=by_text[t.text][1]) if t.text in by_text else t
            for t in tokens
        ]
    keys: dict[str, int] = {}
    if raw:
        spelled = "".join(w for w in kept_raw if w not in v.stop)
        _add_keys(keys, spelled, v, han=False)
        compact = "".join(content)
        if compact != spelled:
            _add_keys(keys, compact, v, han=False)
    return NameForm(
        text,
        tuple(tokens),
        keys,
        tuple(legal),
        han=False,
        pinyin_only=bool(content) and pinyin_words == len(content),
    )
