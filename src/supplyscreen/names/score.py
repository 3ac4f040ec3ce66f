"""Pairwise name scores with an explanation a reviewer can read.

Two channels, the stronger wins:

* **tokens**: words (or pinyin syllables) aligned one to one, exactly or within a typo, weighted by
  how rare they are across all list names and by their role: a place weighs 0.3 of a distinctive
  word and an industry word 0.35. The score is the weighted Dice of the alignment. A distinctive
  word on either side that finds no partner caps the score: sharing "Xinjiang … Chemical Co., Ltd."
  is not a match; differing numbers cap it too.
* **compact keys**: the name's letters with legal form, leading place and trailing industry words
  removed, across scripts (大华 = "Dahua"). A key shared only after dropping English industry words
  from a non-Chinese name counts for less across scripts.

How one word compares with another and how the words of two names pair up is ``align``'s; this module
weighs the pairs, applies the caps and the review floor, and words the explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from supplyscreen.names.align import (
    TRANSPOSITION_SIM,
    Similarity,
    align_words,
    merge_split_words,
    person_typo,
    token_similarity,
)

# re-exported (the matcher imports them from here)
from supplyscreen.names.align import MemoSimilarity as MemoSimilarity
from supplyscreen.names.align import memo_similarity as memo_similarity
from supplyscreen.names.normalize import (
    CORE,
    GENERIC,
    INITIAL,
    NUMBER,
    PLACE,
    TITLE,
    NameForm,
    Token,
    with_tokens,
)
from supplyscreen.names.person import person_score

ROLE_FACTOR = {CORE: 1.0, NUMBER: 1.0, GENERIC: 0.35, PLACE: 0.3, TITLE: 0.2, INITIAL: 0.3}
KEY_SCORE = {0: 0.98, 1: 0.96, 2: 0.9}  # compact key shared: as is / without place / core only
CROSS_SCRIPT_ENGLISH = 0.85  # 大华股份 vs "Dahua Electronics": shared only once English words are dropped
UNMATCHED_CORE_CAP = 0.6
NUMBER_CAP = 0.5
PLACE_CONFLICT = 0.85
GENERIC_CONFLICT = 0.85
ONE_WORD_CAP = 0.75  # an organisation name of several words sharing only one word with the other
COMMON_PARTIAL_CAP = 0.6  # weak agreement (common words of names that say more …): not even a review
REVIEW_FLOOR = 0.75  # a distinctive word agreeing as written, only industry words differing
EVIDENCE_FLOOR = 0.45  # under this score no cap changes a score (only the review floor may)
ONE_TYPO_CAP = 0.8  # a one-word name agreeing with a listed name only within a typo: a review …
TYPO_WORD_TRUSTED = 7  # … unless the word is this long (in a short word a typo is often another name)
SHORT_WORD = 4  # an acronym or short alias ("KNS", "ICI") agreeing alone with a longer name: a review

Weight = Callable[[Token], float]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What kind of agreement two organisation names have, for the caps of :func:`compare_forms`."""

    whole: bool = False  # every word of both names found its partner (places aside)
    common_only: list[str] | None = None  # the agreeing words, when every one is common (else None)
    inexact: bool = False  # some agreeing word is spelled otherwise (a typo, another reading)
    core_typo_only: bool = False  # every agreeing distinctive word agrees only within a typo
    short: bool = False  # the one agreeing distinctive word has four letters or fewer ("KNS", "ICI")
    typo_word: int = 0  # the length of the shortest word agreeing only within a typo (0: none)
    distinct_exact: bool = False  # a distinctive word (4+ letters) agrees as written, every one paired
    only_places_besides: bool = False  # the query's words that found no partner are places
    query_words: int = 0  # the query's words, those written apart that the other writes as one joined


NO_EVIDENCE = Evidence()


@dataclass(slots=True)
class Scored:
    score: float
    explanation: list[str]
    shared: int = -1  # words the two organisation names share (-1: not counted)
    evidence: Evidence = NO_EVIDENCE
    strong: bool = False  # the agreement is distinctive and complete (see ``compare_forms``)


@dataclass(frozen=True, slots=True)
class Common:
    """The words that are common in language (``frequency``): agreeing on them alone is weak."""

    org: frozenset[str] = frozenset()
    person: frozenset[str] = frozenset()


NO_COMMON = Common()


@dataclass(slots=True)
class Facts:
    """What scoring needs of a name's tokens, worked out once per name and weight function."""

    texts: frozenset[str]
    positions: dict[str, list[int]]  # where each word stands
    joins: frozenset[str]  # two neighbouring words written together, also in their other readings
    weights: tuple[float, ...]  # each token's weight times its role's factor
    total: float
    missing_floor: float  # a distinctive word weighing this much counts when it finds no partner
    numbers: frozenset[str]
    places: frozenset[str]
    heavy_core: tuple[int, ...]  # distinctive words (or numbers) weighing at least ``missing_floor``
    generic: tuple[int, ...]  # where the industry words stand
    core: tuple[int, ...]  # where the distinctive words and numbers stand
    not_place: tuple[int, ...]  # where the words other than places stand
    has_core: bool


def facts(form: NameForm, weight: Weight) -> Facts:
    """The :class:`Facts` of ``form`` under ``weight`` (cached on the form)."""
    cached = form.facts
    if cached is not None and (cached[0] is weight or cached[0] == weight):
        return cached[1]  # type: ignore[no-any-return]
    tokens = form.tokens
    # one pass over the tokens (a name's facts are worked out once, but for every name scored)
    weights: list[float] = []
    positions: dict[str, list[int]] = {}
    core: list[int] = []
    core_weights: list[float] = []
    generic: list[int] = []
    not_place: list[int] = []
    numbers: set[str] = set()
    places: set[str] = set()
    joins: set[str] = set()
    previous: Token | None = None
    for k, t in enumerate(tokens):
        role, text = t.role, t.text
        w = weight(t)
        weights.append(w * ROLE_FACTOR[role])
        positions.setdefault(text, []).append(k)
        if role == CORE or role == NUMBER:
            core.append(k)
            core_weights.append(w)
            if role == NUMBER:
                numbers.add(text)
        elif role == GENERIC:
            generic.append(k)
        if role == PLACE:
            places.add(text)
        else:
            not_place.append(k)
        if previous is not None:
            if previous.alts or t.alts:
                joins.update(p + r for p in (previous.text, *previous.alts) for r in (text, *t.alts))
            else:
                joins.add(previous.text + text)
        previous = t
    missing_floor = 0.2 * (sum(core_weights) or 1.0)
    found = Facts(
        texts=frozenset(positions),
        positions=positions,
        joins=frozenset(joins),
        weights=tuple(weights),
        total=sum(weights),
        missing_floor=missing_floor,
        numbers=frozenset(numbers),
        places=frozenset(places),
        heavy_core=tuple(k for k, w in zip(core, core_weights, strict=True) if w >= missing_floor),
        generic=tuple(generic),
        core=tuple(core),
        not_place=tuple(not_place),
        has_core=bool(core),
    )
    form.facts = (weight, found)
    return found


def _unmatched_core(tokens: tuple[Token, ...], matched: set[int], found: Facts) -> list[Token]:
    return [tokens[k] for k in found.heavy_core if k not in matched]


def _describe(q: Token, c: Token, sim: float, weight: Weight) -> str:
    shown_q = q.source or q.text
    shown_c = c.source or c.text
    if q.role in (PLACE, GENERIC) and any(ch.isdigit() for ch in q.source):
        shown_q = f"{q.source}' (read as '{q.text})"
    if q.role == PLACE:
        return f"'{shown_q}' is a place name, weight {weight(q) * ROLE_FACTOR[PLACE]:.1f}"
    if q.role == GENERIC:
        return f"'{shown_q}' is an industry word, weight {weight(q) * ROLE_FACTOR[GENERIC]:.1f}"
    digits = any(ch.isdigit() for ch in q.source + c.source) and not (q.text.isdigit() or c.text.isdigit())
    if sim < 1.0:
        if digits and (c.text in q.alts or q.text in c.alts):
            return f"'{shown_q}' read as '{shown_c}' (a digit read as a letter)"
        if q.alts and c.text in q.alts or c.alts and q.text in c.alts:
            return f"'{shown_q}' read as '{shown_c}' (another reading, {sim:.2f})"
        if sim == TRANSPOSITION_SIM and sorted(q.text) == sorted(c.text):
            return f"'{shown_q}' ~ '{shown_c}' (two letters swapped, {sim:.2f})"
        return f"'{shown_q}' ~ '{shown_c}' (spelling, {sim:.2f})"
    if digits:
        return f"'{shown_q}' read as '{shown_c}' (a digit read as a letter)"
    if q.source and c.source and q.source != c.source:
        return f"'{q.source}' = '{c.source}' (pinyin)"
    return f"'{shown_q}' matches"


def token_score(
    q: NameForm,
    c: NameForm,
    weight: Weight,
    *,
    person: bool,
    explain: bool = True,
    similarity: Similarity = token_similarity,
    common: Common = NO_COMMON,
    evidence_floor: float = 0.0,
) -> Scored:
    """Weighted alignment of the two names' tokens (see the module docstring); a person's name part by
    part (``person.person_score``).

    With ``explain=False`` only the score is computed (the matcher explains just the hits it returns).
    """
    if not q.tokens or not c.tokens:
        return Scored(0.0, ["nothing left to compare"])
    qf, cf = facts(q, weight), facts(c, weight)
    q_tokens = merge_split_words(q.tokens, cf.texts) if qf.joins & cf.texts else q.tokens
    c_tokens = merge_split_words(c.tokens, qf.texts) if cf.joins & qf.texts else c.tokens
    if person:
        result = person_score(
            _with_tokens(q, q_tokens),
            _with_tokens(c, c_tokens),
            weight,
            align_words,
            person_typo,
            explain=explain,
            common=common.person,
            memo=similarity.person_cache if isinstance(similarity, MemoSimilarity) else None,
            c_positions=cf.positions if c_tokens is c.tokens else None,
        )
        return Scored(result.score, result.explanation, strong=result.strong)
    if q_tokens is not q.tokens:
        q = with_tokens(q, q_tokens)
        qf = facts(q, weight)
    if c_tokens is not c.tokens:
        c = with_tokens(c, c_tokens)
        cf = facts(c, weight)
    pairs = align_words(q.tokens, c.tokens, similarity, cf.positions)
    q_w, c_w = qf.weights, cf.weights
    wq, wc = qf.total, cf.total
    matched = sum(sim * (q_w[i] + c_w[j]) / 2 for i, j, sim in pairs)
    score = 2 * matched / (wq + wc) if wq + wc else 0.0
    notes: list[str] = []
    matched_q, matched_c = {i for i, _, _ in pairs}, {j for _, j, _ in pairs}
    if explain:
        notes.extend(_pair_notes(q, c, pairs, matched_q, matched_c, weight))
    q_missing = _unmatched_core(q.tokens, matched_q, qf)
    c_missing = _unmatched_core(c.tokens, matched_c, cf)
    extra_q = len(matched_q) < len(q.tokens)  # (pairs index tokens, each once)
    extra_c = len(matched_c) < len(c.tokens)
    if qf.has_core and not (q_missing or c_missing) and extra_q != extra_c:
        # one name is the other plus place or industry words only ("Hangzhou Hikvision Digital
        # Technology" and "Hikvision"): the distinctive part agrees in full
        core_sims = [sim for i, _, sim in pairs if q.tokens[i].role in (CORE, NUMBER)]
        if core_sims and min(core_sims) == 1.0:  # not on a typo: "First Solar" is not "Solmar"
            score = max(score, (score + 1.0) / 2)
    # the notes below are only worded when asked for: the matcher scores every candidate without them
    if q_missing or c_missing:
        score = min(score, UNMATCHED_CORE_CAP)
        if explain:
            notes.append("distinctive word(s) not shared: " + _names(q_missing + c_missing))
    q_numbers, c_numbers = qf.numbers, cf.numbers
    if q_numbers and c_numbers and q_numbers != c_numbers:
        score = min(score, NUMBER_CAP)
        if explain:
            notes.append(f"numbers differ: {', '.join(sorted(q_numbers))} vs {', '.join(sorted(c_numbers))}")
    q_generic = {q.tokens[k].text for k in qf.generic if k not in matched_q} if qf.generic else None
    c_generic = {c.tokens[k].text for k in cf.generic if k not in matched_c} if cf.generic else None
    if q_generic and c_generic:  # "Office Depot" is not "Smart Depot": the kinds of business differ
        score *= GENERIC_CONFLICT
        if explain:
            notes.append(
                f"industry words differ: {', '.join(sorted(q_generic))} vs {', '.join(sorted(c_generic))}"
            )
    q_places, c_places = qf.places, cf.places
    if q_places and c_places and not q_places & c_places:
        score *= PLACE_CONFLICT
        if explain:
            notes.append(f"places differ: {', '.join(sorted(q_places))} vs {', '.join(sorted(c_places))}")
    if explain and q.legal:
        notes.append(f"legal form '{' '.join(q.legal)}' ignored")
    if score < evidence_floor and not (
        common.org and all(k in matched_q for k in qf.core) and all(k in matched_c for k in cf.core)
    ):
        # the caps only lower a score (to no less than the floor), and the review floor needs every
        # distinctive word paired
        return Scored(score, notes, len(pairs))
    evidence = _evidence(q, c, qf, cf, pairs, matched_q, matched_c, common)
    strong = evidence.whole and evidence.common_only is None and not evidence.inexact and bool(common.org)
    return Scored(score, notes, len(pairs), evidence, strong)


def _evidence(
    q: NameForm,
    c: NameForm,
    qf: Facts,
    cf: Facts,
    pairs: list[tuple[int, int, float]],
    matched_q: set[int],
    matched_c: set[int],
    common: Common,
) -> Evidence:
    """What kind of agreement two organisation names have (see :class:`Evidence`)."""
    c_core = cf.core
    core = [(i, j, sim) for i, j, sim in pairs if j in c_core]
    # all of both names paired, places aside (they say where, not which)
    only_places_besides = all(k in matched_q for k in qf.not_place)
    whole = only_places_besides and all(k in matched_c for k in cf.not_place)
    every_core_paired = all(k in matched_q for k in qf.core) and all(k in matched_c for k in c_core)

    def is_common(i: int, j: int, sim: float) -> bool:
        # a word spelled otherwise is as common as either spelling ("Horizon" for HORIZONT)
        return c.tokens[j].text in common.org or (sim < 1.0 and q.tokens[i].text in common.org)

    common_only = None
    # a whole name of two words or more agreeing is a phrase, far rarer than any of its words:
    # "China Mobile", "Harbin Engineering University"
    if common.org and not (whole and len(pairs) >= 2) and all(is_common(*p) for p in core):
        common_only = [c.tokens[j].source or c.tokens[j].text for _, j, _ in core]
    return Evidence(
        whole=whole,
        common_only=common_only,
        inexact=any(sim < 1.0 for *_, sim in pairs),
        core_typo_only=bool(core) and all(sim < 1.0 for *_, sim in core),
        short=len(core) == 1 and len(c.tokens[core[0][1]].text) <= SHORT_WORD,
        typo_word=min((len(c.tokens[j].text) for _, j, sim in pairs if sim < 1.0), default=0),
        distinct_exact=bool(common.org)
        and every_core_paired
        and any(sim == 1.0 and not is_common(i, j, sim) and len(c.tokens[j].text) >= 4 for i, j, sim in core),
        only_places_besides=only_places_besides,
        query_words=len(q.tokens),
    )


def _with_tokens(form: NameForm, tokens: tuple[Token, ...]) -> NameForm:
    if tokens is form.tokens:
        return form
    return with_tokens(form, tokens)


def _pair_notes(
    q: NameForm,
    c: NameForm,
    pairs: list[tuple[int, int, float]],
    matched_q: set[int],
    matched_c: set[int],
    weight: Weight,
) -> list[str]:
    notes: list[str] = []
    for i, j, sim in pairs:
        text = _describe(q.tokens[i], c.tokens[j], sim, weight)
        if text not in notes:
            notes.append(text)
    for tokens, matched_side in ((q.tokens, matched_q), (c.tokens, matched_c)):
        for k, t in enumerate(tokens):
            if k not in matched_side and t.role in (PLACE, GENERIC):
                kind = "a place name" if t.role == PLACE else "an industry word"
                w = weight(t) * ROLE_FACTOR[t.role]
                notes.append(f"'{t.source or t.text}' ({kind}, weight {w:.1f}) is only in one name")
    return notes


def _names(tokens: list[Token]) -> str:
    return ", ".join(f"'{t.source or t.text}'" for t in tokens)


def key_score(q: NameForm, c: NameForm, *, explain: bool = True) -> Scored:
    """The best shared compact key (see the module docstring), 0 when none is shared; its note
    when ``explain``."""
    best = 0.0
    note = ""
    for key, q_level in q.keys.items():
        c_level = c.keys.get(key)
        if c_level is None or len(key) < 4 or (max(q_level, c_level) == 2 and len(key) < 5):
            continue
        level = max(q_level, c_level)
        if level == 2 and not (q.han or c.han):
            continue  # Latin against Latin, the token channel judges industry words; keys only fix spacing
        score = KEY_SCORE[level]
        if q.han != c.han:
            latin = c if q.han else q
            if level == 2 and not latin.pinyin_only:
                score *= CROSS_SCRIPT_ENGLISH
        if score > best:
            best = score
            if not explain:
                continue
            how = {
                0: "same letters",
                1: "same letters once the place is set aside",
                2: "same distinctive part once place and industry words are set aside",
            }[level]
            script = " (pinyin of the Chinese)" if q.han != c.han else ""
            note = f"'{q.original}' and '{c.original}': {how}{script}"
    return Scored(best, [note] if note else [])


def _parts(form: NameForm) -> int:
    return sum(1 for t in form.tokens if t.role != TITLE)


def _capped(scored: Scored, cap: float, note: str | None, explain: bool) -> Scored:
    capped = Scored(min(scored.score, cap), scored.explanation, scored.shared, scored.evidence, scored.strong)
    if explain and note and scored.score > cap:
        capped.explanation.append(note)
    return capped


def compare_forms(
    q: NameForm,
    c: NameForm,
    weight: Weight,
    *,
    person: bool = False,
    explain: bool = True,
    similarity: Similarity = token_similarity,
    common: Common = NO_COMMON,
) -> Scored:
    """Score two names; the explanation lists what agreed and what did not (when ``explain``).

    ``strong`` on the result: the agreement is distinctive and complete (every word of both names
    paired as written, a distinctive one among them; for persons, every part, not only common
    names), which a vendor's country elsewhere does not demote (``Matcher``).

    ``similarity`` compares two words of organisation names (:func:`memo_similarity` for a query
    scored against many names); ``common`` holds the words that are common in language, which
    alone make no match (none: every word counts as rare)."""
    key = key_score(q, c, explain=explain)
    # what kind of agreement the words have is only worked out where a cap or the floor may apply
    floor = EVIDENCE_FLOOR if key.score < EVIDENCE_FLOOR else 0.0
    tok = token_score(
        q,
        c,
        weight,
        person=person,
        explain=explain,
        similarity=similarity,
        common=common,
        evidence_floor=floor,
    )
    if person and min(_parts(q), _parts(c)) < 2:
        return tok  # one part of a name, as letters, is just that part: the person rules have said it
    best = tok
    if key.score > tok.score:
        # the word-by-word notes still say what was set aside, unless the words disagreed
        agree = tok.score >= 0.8 * key.score
        notes = [n for n in tok.explanation if agree or n.startswith("legal form")]
        best = Scored(key.score, key.explanation + notes, tok.shared, tok.evidence, tok.strong)
    # the same letters spaced otherwise ("Gazprom Bank", GAZPROMBANK), but not a place run into a
    # word ("Infor (US)", INFORUS)
    respaced = (
        key.score >= KEY_SCORE[0] and tok.score < key.score and not any(t.role == PLACE for t in q.tokens)
    )
    if person or q.han or c.han or respaced:
        return best
    return _weigh_evidence(best, tok.evidence, single_query=tok.evidence.query_words == 1, explain=explain)


def _weigh_evidence(best: Scored, ev: Evidence, *, single_query: bool, explain: bool) -> Scored:
    """The caps (and the floor) of the kind of agreement two organisation names have."""
    if ev.distinct_exact and best.score < REVIEW_FLOOR:
        # "Daqo Energy Trading" and Xinjiang Daqo New Energy: a rare word agrees, only industry
        # words differ: a reviewer should look
        best = Scored(REVIEW_FLOOR, best.explanation, best.shared, ev, best.strong)
        if explain:
            best.explanation.append("a distinctive word agrees as written: at least a review")
    if 0 <= best.shared <= 1 and not single_query:
        # "Ningbo Sunrise Garment" and the vessel SUNRISE share one word, however the others weigh;
        # an acronym or a word within a typo shared with a longer name is not even a lead
        weak = ev.inexact or (ev.short and not ev.only_places_besides)
        best = _capped(
            best,
            COMMON_PARTIAL_CAP if weak else ONE_WORD_CAP,
            "only one word of a name of several is shared"
            + (", and a short or misspelt one" if weak else "")
            + (": not a lead" if weak else ": at most a review"),
            explain,
        )
    if best.shared == 1 and single_query:
        if ev.inexact and ev.typo_word < TYPO_WORD_TRUSTED:
            # "Aviall" for AVICAL, "Sealco" for SALCO: one short word within a typo is another firm
            best = _capped(
                best, ONE_TYPO_CAP, "a one-word name agreeing only within a typo: at most a review", explain
            )
        elif ev.short and not ev.whole:
            best = _capped(  # "KNS, L.L.C." for KNS GROUP OOO
                best,
                ONE_WORD_CAP,
                "a short name or acronym agreeing alone with a longer name: at most a review",
                explain,
            )
    if ev.core_typo_only and not ev.whole:
        # "Krohne Inc" and KRONDE GROUP: the distinctive word only within a typo, the rest differs
        best = _capped(
            best,
            COMMON_PARTIAL_CAP,
            "the distinctive word agrees only within a typo, the rest differs: not a lead",
            explain,
        )
    if ev.common_only is not None:
        # "Arizona State University" and ARIZONA S.A. agree on a word found in every newspaper
        words = ", ".join(f"'{w}'" for w in ev.common_only) or "no distinctive word"
        note = f"only words common in language agree ({words}): not a lead"
        best = _capped(best, COMMON_PARTIAL_CAP, note, explain)
    return best
