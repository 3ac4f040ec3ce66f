"""Person names compared as parts: family name, given and middle names, initials, titles.

The way people write a listed person's name differs from the list in predictable ways: the middle
name or patronymic is left out ("Aleksandr Vorobev" for VOROBEV, Aleksandr Nikolayevich), a title is
added ("Dr. Igor Sechin"), a given name is cut to its initial ("A. Vorobev"), it is spelled in
another transliteration ("Aly" for Ali, "Mohamed" for Muhammad) or another romanisation ("Chang
Chun-hsien" for ZHANG, Chunxian). The rules, in the order they apply:

* **Titles** are set aside, unless the other name carries the same word as a name.
* **Parts agree** when they are the same word, another reading of it (a Wade–Giles spelling read
  as pinyin, see ``romanize``), the same word with a typo, or the same name in another
  transliteration: the same phonetic key (metaphone with the opening vowel left open, or the
  consonants alone), the same first letter (or both a vowel) and the same first vowel, on spellings
  at least 61% alike (70% by consonants) and at most two letters apart in length; never two pinyin
  spellings, which are two Chinese names, nor two spellings both common as names that are two names
  (``two_names``: "Maria" and "Mario", "Hernandez" and "Fernandez"). An initial agrees with a given
  name it opens.
* A one-part name that agrees only by sound is at most a review.
* **Order never matters**: parts are aligned one to one, whatever their position.
* **A conflict** (each name carrying a part the other lacks: "Denis Vorobev" and VOROBEV, Aleksandr)
  caps the score at ``CONFLICT_CAP``.
* **A subset** (one name's parts all found in the other: the middle name left out, or an extra one
  added) is a match when at least two parts agree in full and the family name is among them, where
  a name says which part is the family name (the comma of "VOROBEV, Aleksandr", capitals); of a
  family name of several parts, its first ("CHAVEZ" of CHAVEZ MARTINEZ). When a name says its family
  name and it does not agree, given names alone make no lead.
* **Common names** (``frequency``): a subset agreeing only on names common in language ("Jose
  Hernandez"), or with a part spelled otherwise, is at most a review; so is a whole name none of
  whose parts agrees as written; a one-part name that is a common word ("Mike") is no lead.
* **Initials** make a name at most a review: "A. Vorobev" is a lead, not the listed person.
* One agreeing part alone ("Vorobev") is at most a review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Indel

from supplyscreen.names.normalize import INITIAL, TITLE, NameForm, Token

PHONETIC_SIM = 0.9  # two transliterations of one name ("Aly", "Ali")
PHONETIC_MIN = 0.61  # and yet spelled this alike ("Hassan" is not "Hussein"; "Husayn" is)
SKELETON_MIN = 0.7  # the same, by consonants alone ("Serguei", "Sergey"; not "Xiuying", "Exiang")
INITIAL_SIM = 0.8  # "A." for "Aleksandr"
SUBSET_SCORE = 0.9  # all of one name in the other, family and a given name among them
INITIAL_CAP = 0.8  # at most a review
MISSING_CAP = 0.75  # one part alone agrees
CONFLICT_CAP = 0.5
LEAD_CAP = 0.8  # a subset on common names or with a part spelled otherwise: at most a review
COMMON_ONE_PART_CAP = 0.6  # a one-part name that is a common word: not a lead
INITIAL_WEIGHT = 1.0  # an initial weighs as much as the commonest word
MINOR = 2  # parts this short ("al", "de", "el") neither conflict nor count as a name part
PARTICLE = 3  # … and no part this short ("ben", "abu", "del") opens a family name of several

Weight = Callable[[Token], float]
PartSimilarity = Callable[[Token, Token], float]


@dataclass(slots=True)
class PersonScore:
    score: float
    explanation: list[str]
    strong: bool = False  # the whole of both names agrees as written, and not only on common names


_VOWELS = frozenset("aeiou")
_SKELETON_DROP = str.maketrans({ch: None for ch in "aeiouyhw"})
_SKELETON_MAP = str.maketrans({"c": "k", "q": "k", "z": "s"})


@lru_cache(maxsize=200_000)
def phonetic_keys(word: str) -> tuple[str, str]:
    """Two phonetic keys of a name: metaphone with any opening vowel written A ("Usama", "Osama":
    ASM), and the consonants alone ("Serguei", "Sergey": srg), for spellings metaphone reads apart."""
    from rigour.text.phonetics import metaphone

    key = metaphone(word)
    if key and key[0] in "AEIOU":
        key = "A" + key[1:]
    consonants = word.translate(_SKELETON_DROP).translate(_SKELETON_MAP)
    skeleton = "".join(ch for k, ch in enumerate(consonants) if k == 0 or ch != consonants[k - 1])
    return "m:" + key, "s:" + skeleton


def _first_vowel(word: str) -> str:
    for k, ch in enumerate(word):
        if ch == "y" and k == 0:
            continue
        if ch == "a":
            return "a"
        if ch in "eiy":
            return "e"
        if ch in "ou":
            return "o"
    return ""


def sounds_alike(x: str, y: str) -> bool:
    """Two spellings of one name in different transliterations (see the module docstring)."""
    if len(x) < 3 or len(y) < 3 or x.isdigit() or y.isdigit() or abs(len(x) - len(y)) > 2:
        return False
    if x[0] != y[0] and not (x[0] in _VOWELS and y[0] in _VOWELS):
        return False  # "Dahau" is not "Taha": names differ from their first consonant
    kx, ky = phonetic_keys(x), phonetic_keys(y)
    if _first_vowel(x) != _first_vowel(y) or not (kx[0] == ky[0] or kx[1] == ky[1]):
        return False
    alike = Indel.normalized_similarity(x, y)
    return alike >= (PHONETIC_MIN if kx[0] == ky[0] else SKELETON_MIN)


def _minor(t: Token) -> bool:
    """A particle ("al", "de", "el"): short, and not the family name ("Ji", "Li" are)."""
    return len(t.text) <= MINOR and t.role != INITIAL and not t.family


def _set_titles_aside(a: tuple[Token, ...], b: tuple[Token, ...]) -> tuple[tuple[Token, ...], list[Token]]:
    """``a`` without its titles, except those ``b`` carries as a word ("Hajji" the family name)."""
    if not any(t.role == TITLE for t in a):
        return a, []
    words = {t.text for t in b}
    kept: list[Token] = []
    dropped: list[Token] = []
    for t in a:
        if t.role != TITLE:
            kept.append(t)
        elif t.text in words:
            kept.append(Token(t.text, "core", t.source, family=t.family))
        else:
            dropped.append(t)
    return tuple(kept), dropped


def two_names(x: str, y: str) -> bool:
    """Whether two different spellings, both common as names, are two names rather than one
    misspelt or transliterated: another first letter ("Hernandez", "Fernandez"), another final vowel
    ("Maria", "Mario"; "Julie", "Julio"), or one the other plus an ending ("Daniel", "Daniella")."""
    if x[0] != y[0] and not (x[0] in _VOWELS and y[0] in _VOWELS):
        return True
    if x[-1] != y[-1] and x[-1] in _VOWELS and y[-1] in _VOWELS:
        return True
    short, long = sorted((x, y), key=len)
    return long.startswith(short) and len(long) - len(short) >= 2


def part_similarity(a: Token, b: Token, typo: PartSimilarity, common: frozenset[str] = frozenset()) -> float:
    """How far two parts of a person's name agree (see the module docstring)."""
    if a.role == INITIAL or b.role == INITIAL:
        if a.role == b.role:
            return 1.0 if a.text == b.text else 0.0
        initial, full = (a, b) if a.role == INITIAL else (b, a)
        return INITIAL_SIM if full.text.startswith(initial.text) and not _minor(full) else 0.0
    if a.text == b.text:
        return 1.0
    if b.text in a.alts or a.text in b.alts:
        return 0.9
    if a.text in common and b.text in common and two_names(a.text, b.text):
        return 0.0
    sim = typo(a, b)
    if sim:
        return sim
    if a.pinyin and b.pinyin:
        return 0.0  # two Chinese given names a syllable apart are two names ("Zhiqiang", "Zhiqing")
    return PHONETIC_SIM if sounds_alike(a.text, b.text) else 0.0


def _family_found(tokens: tuple[Token, ...], matched: set[int]) -> bool:
    """Whether a name that says which part is its family name has it agreeing: the first part of a
    family name of several ("CHAVEZ MARTINEZ"), particles aside ("BEN AZZA"), since a person
    named so is called by it ("Maria Chavez"), not by a later part alone ("Maria Martinez")."""
    if not any(t.family for t in tokens):
        return True  # the name does not say
    family = [k for k, t in enumerate(tokens) if t.family]
    main = [k for k in family if len(tokens[k].text) > PARTICLE]
    if len(main) >= 2:
        return main[0] in matched
    return any(k in matched for k in family)


def _read_otherwise(a: Token, b: Token) -> bool:
    """Whether one part is another reading of the other (Wade–Giles as pinyin, a digit as a letter)."""
    return b.text in a.alts or a.text in b.alts


def _by_sound(a: Token, b: Token, typo: PartSimilarity) -> bool:
    """Whether two parts agree only as transliterations of one name (not as written, read or typed)."""
    return a.text != b.text and b.text not in a.alts and a.text not in b.alts and not typo(a, b)


def _how(a: Token, b: Token, sim: float) -> str:
    shown_a, shown_b = a.source or a.text, b.source or b.text
    if a.role == INITIAL or b.role == INITIAL:
        initial, full = (a, b) if a.role == INITIAL else (b, a)
        if initial.role == full.role:
            return f"initial '{initial.text.upper()}.' in both"
        return f"'{initial.text.upper()}.' is the initial of '{full.source or full.text}'"
    if sim >= 1.0:
        if a.source and b.source and a.source != b.source:
            return f"'{a.source}' = '{b.source}' (pinyin)"
        return f"'{shown_a}' matches" + (" (family name)" if a.family or b.family else "")
    if b.text in a.alts or a.text in b.alts:
        written = a if b.text in a.alts else b
        how = (
            "a digit read as a letter"
            if any(ch.isdigit() for ch in written.source)
            else "Wade–Giles read as pinyin"
        )
        return f"'{shown_a}' read as '{shown_b}' ({how})"
    if sim == PHONETIC_SIM and sounds_alike(a.text, b.text):
        return f"'{shown_a}' ~ '{shown_b}' (the same name transliterated, {sim:.2f})"
    return f"'{shown_a}' ~ '{shown_b}' (spelling, {sim:.2f})"


def _common_agreement(
    q_tokens: tuple[Token, ...],
    c_tokens: tuple[Token, ...],
    full: list[tuple[int, int, float]],
    common: frozenset[str],
) -> list[Token]:
    """The agreeing parts when every one is common (else []): the family name's and the given names'
    alike. A family name of two parts agreeing in both counts as distinctive ("Hernandez Mejia")."""
    if not common or not full:
        return []
    parts = [c_tokens[j] for _, j, _ in full]
    if sum(1 for t in parts if t.family) >= 2:
        return []
    return parts if all(t.text in common for t in parts) else []


def _names(tokens: list[Token]) -> str:
    return ", ".join(f"'{t.source or t.text}'" for t in tokens)


def person_score(
    q: NameForm,
    c: NameForm,
    weight: Weight,
    align: Callable[
        [tuple[Token, ...], tuple[Token, ...], Callable[[Token, Token], float], dict[str, list[int]] | None],
        list[tuple[int, int, float]],
    ],
    typo: PartSimilarity,
    *,
    explain: bool = True,
    common: frozenset[str] = frozenset(),
    memo: dict[tuple[str, str, bool], float] | None = None,
    c_positions: dict[str, list[int]] | None = None,
) -> PersonScore:
    """Score two person names part by part (see the module docstring); ``common``: the parts of names
    that are common in language (``frequency``).

    ``memo``: part similarities already worked out for this query (whole parts with no other
    reading; ``common`` and ``typo`` the same each time); ``c_positions``: where each part of ``c``
    stands, when known."""
    q_tokens, q_titles = _set_titles_aside(q.tokens, c.tokens)
    c_tokens, c_titles = _set_titles_aside(c.tokens, q.tokens)
    if not q_tokens or not c_tokens:
        return PersonScore(0.0, ["nothing left to compare once titles are set aside"])

    def similarity(a: Token, b: Token) -> float:
        if memo is None or a.role == INITIAL or b.role == INITIAL or a.alts or b.alts:
            return part_similarity(a, b, typo, common)
        key = (a.text, b.text, a.pinyin and b.pinyin)
        found = memo.get(key)
        if found is None:
            found = memo[key] = part_similarity(a, b, typo, common)
        return found

    pairs = align(q_tokens, c_tokens, similarity, c_positions if c_tokens is c.tokens else None)

    def w(t: Token) -> float:
        return INITIAL_WEIGHT if t.role == INITIAL else weight(t)

    q_w = [w(t) for t in q_tokens]
    c_w = [w(t) for t in c_tokens]
    matched = sum(sim * (q_w[i] + c_w[j]) / 2 for i, j, sim in pairs)
    total = sum(q_w) + sum(c_w)
    dice = 2 * matched / total if total else 0.0
    matched_q = {i for i, _, _ in pairs}
    matched_c = {j for _, j, _ in pairs}
    q_left = [t for k, t in enumerate(q_tokens) if k not in matched_q and not _minor(t)]
    c_left = [t for k, t in enumerate(c_tokens) if k not in matched_c and not _minor(t)]
    if q_left and c_left and not explain:
        # different given or family names (most candidates): the rest of this function would only
        # word it, as no later cap is under CONFLICT_CAP and such a pair is never ``strong``
        return PersonScore(min(dice, CONFLICT_CAP), [])

    def by_initial(i: int, j: int) -> bool:  # an initial against a whole name (two initials agree in full)
        return (q_tokens[i].role == INITIAL) != (c_tokens[j].role == INITIAL)

    full = [(i, j, s) for i, j, s in pairs if not by_initial(i, j)]
    full = [(i, j, s) for i, j, s in full if not (_minor(q_tokens[i]) and _minor(c_tokens[j]))]
    initials = sum(1 for i, j, _ in pairs if by_initial(i, j))
    # the family name, where a name says which part it is: each name that says so must find it
    c_family = any(t.family for t in c_tokens)
    q_family = any(t.family for t in q_tokens)
    family_known = c_family or q_family
    matched_full_q = {i for i, _, _ in full}
    matched_full_c = {j for _, j, _ in full}
    family_ok = _family_found(c_tokens, matched_full_c) and _family_found(q_tokens, matched_full_q)
    if any(t.family for t in q_tokens) and any(t.family for t in c_tokens):
        # both names say which part is the family name: it must be the same part ("MAHMUD,
        # Muhammad" is not MOHAMMED, Bashir Mahmud)
        family_ok = family_ok and any(q_tokens[i].family and c_tokens[j].family for i, j, _ in full)
    quality = (
        sum(s * (q_w[i] + c_w[j]) for i, j, s in pairs) / sum(q_w[i] + c_w[j] for i, j, _ in pairs)
        if pairs
        else 0.0
    )
    notes: list[str] = []
    if explain:
        for i, j, s in pairs:
            text = _how(q_tokens[i], c_tokens[j], s)
            if text not in notes:
                notes.append(text)
    # an initial on a side that also carries a whole given name the other lacks ("DAVIS, Amy M."
    # against DAVIS, Mason): the initial is a middle name's, the given names differ
    initial_sides = {"q" if q_tokens[i].role == INITIAL else "c" for i, j, _ in pairs if by_initial(i, j)}
    stray = ("q" in initial_sides and any(t.role != INITIAL for t in q_left)) or (
        "c" in initial_sides and any(t.role != INITIAL for t in c_left)
    )
    common_parts = _common_agreement(q_tokens, c_tokens, full, common)
    # within each band, the more of both names agrees the higher (a complete name before a subset)
    spread = 0.9 + 0.1 * dice
    if (q_left and c_left) or stray:
        score = min(dice, CONFLICT_CAP)
        if explain:
            notes.append("different given or family names: " + _names(q_left) + " vs " + _names(c_left))
    elif family_known and not family_ok:
        score = min(dice, CONFLICT_CAP)  # given names alone do not make a person
        if explain:
            notes.append("the family name does not agree")
    elif len(full) >= 2 and family_ok:
        # parts agreeing only within a typo (not as another reading, nor transliterated)
        spelled_otherwise = [
            (i, j)
            for i, j, s in full
            if s < 1.0 and not _read_otherwise(q_tokens[i], c_tokens[j]) and typo(q_tokens[i], c_tokens[j])
        ]
        # no part as written (or read in another romanisation): every one a typo or a sound-alike
        none_as_written = all(s < 1.0 and not _read_otherwise(q_tokens[i], c_tokens[j]) for i, j, s in full)
        if q_left or c_left:  # a subset: the rest of the other name is simply absent
            score = max(dice, SUBSET_SCORE * quality * spread)
            if explain:
                notes.append("name part not in the other name (the rest agrees): " + _names(q_left or c_left))
            if none_as_written and not (q.transliterated or c.transliterated):
                score = min(score, COMMON_ONE_PART_CAP * spread)  # "Mahmud, Muhammad" for MAHAMOUD, Mohamed
                if explain:
                    notes.append("part of the name absent and no part as written: not a lead")
            elif common_parts:  # "Jose Hernandez" for HERNANDEZ MEJIA, Jose: a lead, not the person
                score = min(score, LEAD_CAP * spread)
                if explain:
                    notes.append(f"the agreeing names ({_names(common_parts)}) are common: at most a review")
            elif spelled_otherwise:  # a part of the name missing and another misspelt
                score = min(score, LEAD_CAP * spread)
                if explain:
                    notes.append("part of the name absent and part misspelt: at most a review")
        else:
            score = dice
            if none_as_written and not (q.transliterated or c.transliterated):
                # "Edward Russell" for ROSSEL, Eduard: each part a little off (a name transliterated
                # from another script has no part as the list writes it)
                score = min(score, LEAD_CAP * spread)
                if explain:
                    notes.append("no part of the name agrees as written: at most a review")
        if initials:
            score = min(score, INITIAL_CAP * quality * spread)
            if explain:
                notes.append("an initial agrees: a lead for review, not a match")
    elif full and family_ok and initials:
        score = INITIAL_CAP * quality * spread
        if explain:
            notes.append("an initial agrees: a lead for review, not a match")
    elif not q_left and not c_left and full:
        # the whole of both names agrees (a one-part name): by sound alone, not a lead
        by_sound = all(_by_sound(q_tokens[i], c_tokens[j], typo) for i, j, _ in full)
        score = min(dice, COMMON_ONE_PART_CAP) if by_sound and len(pairs) == 1 else dice
    else:
        score = min(dice, MISSING_CAP)
        if explain and (q_left or c_left):
            notes.append("name part not in the other name: " + _names(q_left or c_left))
    one_part = [t for t in (q_tokens, c_tokens) if len(t) == 1]
    if common and any(t[0].text in common for t in one_part) and score > COMMON_ONE_PART_CAP:
        # a one-part name that is a common word ("Mike", "Joe", "Fox") says little about whom
        score = COMMON_ONE_PART_CAP
        if explain:
            notes.append("a one-part name, and a common one: not a lead")
    if explain and (q_titles or c_titles):
        notes.append("title " + _names(q_titles + c_titles) + " set aside")
    strong = (
        not q_left
        and not c_left
        and family_ok
        and len(full) >= 2
        and not initials
        and not common_parts
        and all(sim == 1.0 or _read_otherwise(q_tokens[i], c_tokens[j]) for i, j, sim in full)
    )
    return PersonScore(score, notes, strong)
