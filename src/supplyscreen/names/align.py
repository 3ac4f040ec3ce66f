"""How the words of two names compare and pair up, for the scorer (``score``).

A word agrees with another as written, in another reading (Wade–Giles read as pinyin, a digit read
as a letter: ``ALT_SIM``) or within a typo (80% alike by Indel, 90% in a word shorter than six
letters; two swapped letters: ``TRANSPOSITION_SIM``); in a person's name two different complete
pinyin spellings are two names, not a typo. The words of two names are paired one to one, identical words
first, after joining two neighbouring words that the other name writes as one ("Ming Guo" and
"Mingguo"). ``memo_similarity`` remembers the pairs of words one query has compared.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz.distance import OSA, Indel

from supplyscreen.names.normalize import INITIAL, Token

TYPO_MIN = 0.8  # Indel similarity for two words to count as one word with a typo
SHORT_TYPO_MIN = 0.9  # the same for words shorter than six letters
ALT_SIM = 0.9  # another reading of the word: Wade–Giles read as pinyin, a digit read as a letter
TRANSPOSITION_SIM = 0.9  # two neighbouring letters swapped in a word of 5+ letters ("Dahau")

Similarity = Callable[[Token, Token], float]


def token_similarity(a: Token, b: Token, *, person: bool = False) -> float:
    """1 for the same word, ``ALT_SIM`` for another reading of it, the Indel similarity for a likely
    typo (≥ 0.8, words of 4+ letters; ``TRANSPOSITION_SIM`` for two swapped letters), else 0.

    In a person's name two different complete pinyin spellings are two different names ("Lei" is
    not "Li", "Jiasong" is not "Jiadong"), so only a word that is not pinyin may be a typo.
    """
    x, y = a.text, b.text
    if x == y:
        return 1.0
    if (a.alts and y in a.alts) or (b.alts and x in b.alts):
        return ALT_SIM
    if len(x) < 4 or len(y) < 4 or x.isdigit() or y.isdigit():
        return 0.0
    lx, ly = len(x), len(y)
    if 2 * min(lx, ly) < TYPO_MIN * (lx + ly):
        return 0.0  # lengths alone rule out a similarity of 0.8
    if lx == ly >= 5 and sorted(x) == sorted(y) and OSA.distance(x, y, score_cutoff=1) == 1:
        return TRANSPOSITION_SIM  # one swap: a typo even in a short word, never another pinyin name
    if person and a.pinyin and b.pinyin:
        return 0.0  # two real pinyin names
    sim = Indel.normalized_similarity(x, y, score_cutoff=TYPO_MIN)
    if min(len(x), len(y)) < 6 and sim < SHORT_TYPO_MIN:
        return 0.0  # in a short word one changed letter is often another word ("Alcoa", "Alco")
    return sim if sim >= TYPO_MIN else 0.0


def person_typo(a: Token, b: Token) -> float:
    """:func:`token_similarity` for the parts of persons' names (no typo between two pinyin names)."""
    return token_similarity(a, b, person=True)


def merge_split_words(a: tuple[Token, ...], wanted: frozenset[str]) -> tuple[Token, ...]:
    """Join two adjacent words of ``a`` that the other name (whose words are ``wanted``) writes as
    one ("Ming Guo" against "Mingguo"), also through their other readings ("Yun Hsia", "Yunxia")."""
    if len(a) < 2 or all(t.text in wanted for t in a):
        return a
    out: list[Token] | None = None
    i = 0
    while i < len(a):
        x = a[i]
        if i + 1 < len(a) and x.text not in wanted and len(a[i + 1].text) > 2:
            y = a[i + 1]
            joined = x.text + y.text
            readings: set[str] = set()
            if x.alts or y.alts:
                readings = {p + r for p in (x.text, *x.alts) for r in (y.text, *y.alts)} - {joined}
            if joined in wanted or readings & wanted:
                if out is None:
                    out = list(a[:i])
                out.append(
                    Token(
                        joined,
                        x.role,
                        f"{x.source or x.text} {y.source or y.text}",
                        x.pinyin and y.pinyin,
                        x.family or y.family,
                        tuple(sorted(readings & wanted)),
                    )
                )
                i += 2
                continue
        if out is not None:
            out.append(x)
        i += 1
    return a if out is None else tuple(out)


def _positions(tokens: tuple[Token, ...]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for j, t in enumerate(tokens):
        positions.setdefault(t.text, []).append(j)
    return positions


def align_words(
    q: tuple[Token, ...],
    c: tuple[Token, ...],
    similarity: Similarity,
    positions: dict[str, list[int]] | None = None,
) -> list[tuple[int, int, float]]:
    """One-to-one pairs of similar words: identical words first, then the best other pairs left.

    ``positions``: where each word of ``c`` stands (worked out here when not given). Two plain words
    (no other reading, no initial) shorter than three letters, or too far apart in length to be
    a typo (80% alike) or a transliteration (two letters apart), are not asked about: no
    similarity admits them."""
    if positions is None:
        positions = _positions(c)
    out: list[tuple[int, int, float]] = []
    used_c: set[int] = set()
    left_q: list[int] = []
    for i, qt in enumerate(q):
        at = positions.get(qt.text)
        if at is not None and qt.role != INITIAL:
            for j in at:
                if j not in used_c:
                    used_c.add(j)
                    out.append((i, j, 1.0))
                    break
            else:
                left_q.append(i)
        else:
            left_q.append(i)
    if not left_q or len(used_c) == len(c):
        return out
    pairs: list[tuple[float, int, int]] = []
    free_c = [
        (j, ct, len(ct.text), bool(ct.alts) or ct.role == INITIAL)
        for j, ct in enumerate(c)
        if j not in used_c
    ]
    for i in left_q:
        qt = q[i]
        lq = len(qt.text)
        special = bool(qt.alts) or qt.role == INITIAL
        for j, ct, lc, ct_special in free_c:
            if not (special or ct_special) and (
                lq < 3 or lc < 3 or (abs(lq - lc) > 2 and 2 * min(lq, lc) < TYPO_MIN * (lq + lc))
            ):
                continue
            sim = similarity(qt, ct)
            if sim:
                pairs.append((-sim, i, j))
    pairs.sort()  # the most similar first, then in the order of the words
    used_q: set[int] = set()
    for neg, i, j in pairs:
        if i not in used_q and j not in used_c:
            used_q.add(i)
            used_c.add(j)
            out.append((i, j, -neg))
    return out


class MemoSimilarity:
    """:func:`token_similarity` remembering the pairs of words it has compared, for one query, whose
    words meet the same list words in many names; ``person_cache`` does the same for the parts of
    persons' names (``person.person_score``)."""

    __slots__ = ("cache", "person_cache")

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], float] = {}
        self.person_cache: dict[tuple[str, str, bool], float] = {}

    def __call__(self, a: Token, b: Token) -> float:
        if a.alts or b.alts:
            return token_similarity(a, b)
        key = (a.text, b.text)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = token_similarity(a, b)
        return found


def memo_similarity() -> MemoSimilarity:
    """A :class:`MemoSimilarity` for one query."""
    return MemoSimilarity()
