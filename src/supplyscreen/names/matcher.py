"""Find the list entities a name refers to, and compare two names, with calibrated thresholds.

Thresholds (calibrated on the even-numbered queries of the development set, see
docs/benchmarks.md; set in ``screen/policy.py`` with every other rule of a row's risk): a score at or
above ``MATCH_THRESHOLD`` means the hit is the listed entity; from ``REVIEW_THRESHOLD`` a human
should look. Callers may pass their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from supplyscreen.errors import SupplyscreenError
from supplyscreen.model import ORGANISATION_SCHEMAS, SCHEMAS, Hit
from supplyscreen.names.index import EntityInfo, NameIndex, normalise_identifier
from supplyscreen.names.normalize import CORE, GENERIC, NameForm, Token, clean, name_form, with_tokens
from supplyscreen.names.score import (
    NO_COMMON,
    Common,
    MemoSimilarity,
    Scored,
    compare_forms,
    memo_similarity,
)
from supplyscreen.screen.policy import MATCH_THRESHOLD as MATCH_THRESHOLD
from supplyscreen.screen.policy import REVIEW_THRESHOLD as REVIEW_THRESHOLD

COUNTRY_MISMATCH = 0.9
BIRTH_MISMATCH = 0.75
MAX_LIMIT = 100


class QueryError(SupplyscreenError):
    """A query the matcher cannot take (empty name, unknown schema …)."""


@dataclass(slots=True)
class Comparison:
    score: float
    match: bool
    review: bool
    explanation: str


OBJECT_SCHEMAS = frozenset({"Vessel", "Airplane"})


def _schema_compatible(query: str | None, entity: str, *, organisation: bool = False) -> bool:
    """Whether an entity of schema ``entity`` may be a hit for a query of schema ``query``.

    A person is never a company, nor a company a person; an organisation (a query of an organisation
    schema, or of none whose name carries a legal form or an industry word) is never a vessel or an
    aircraft ("Leadership Logistics Inc." is not the tanker once named LEADERSHIP).
    """
    if query == "Person" or entity == "Person":
        return query == entity or (query is None and not organisation)
    if query in ORGANISATION_SCHEMAS or organisation:
        return entity not in OBJECT_SCHEMAS
    if not query or query == "Thing":
        return True
    return entity in (query, "LegalEntity")


def looks_like_organisation(form: NameForm) -> bool:
    """A name carrying a legal form or an industry word names an organisation, whatever its schema."""
    return bool(form.legal) or any(t.role == GENERIC for t in form.tokens)


def check_schema(schema: str | None) -> str | None:
    if schema is None or schema == "":
        return None
    if schema not in SCHEMAS and schema != "Thing":
        raise QueryError(f"unknown schema {schema!r}; use one of {', '.join(SCHEMAS)}")
    return schema


_PARENTHESES = re.compile(r"\s*\([^)]*\)")


EXACT = 0.98
HOMONYM_GAP = 0.02


def _bare_name(form: NameForm | None) -> tuple[str, ...] | None:
    """A name's words but its place words, in order of spelling (its legal form is already out)."""
    if form is None:
        return None
    words = tuple(sorted(t.text for t in form.tokens if t.role != "place"))
    return words or None


def _demote_homonyms(hits: list[Hit], same_name: list[bool]) -> None:
    """When one entry bears the query's name exactly, entries matching it only in part are homonyms.

    "DAHUA ELECTRONICS CORPORATION" is the Denied Persons entry of that name; that Zhejiang Dahua is
    also called "Dahua" makes it a candidate for review, not a second match. An entry that bears the
    query's name too, but for a place word and a legal form ("Hikvision USA Inc." for "Hikvision",
    ``same_name``), is no homonym: both stay matches, as they would for a typo of the name.
    """
    if not hits or hits[0].score < EXACT or not hits[0].match:
        return
    best = hits[0]
    for hit, same in zip(hits[1:], same_name[1:], strict=True):
        if hit.match and hit.score < best.score - HOMONYM_GAP and not same:
            hit.match = False
            hit.explanation += f"; another entry bears the name exactly ({best.caption}, {best.entity_id})"


def _variants(text: str) -> list[str]:
    """The query, and without its parenthesised parts ("… Bureau (XPSB)"), which lists often omit."""
    if not text:
        return []
    bare = " ".join(_PARENTHESES.sub(" ", text).split())
    return [text, bare] if bare and bare != text else [text]


def _country_name(code: str) -> str:
    """The name of a country code, as a sentence says it: "Colombia", "the United States" (rigour's
    territory data; the code itself when unknown)."""
    from rigour.territories import get_territory

    territory = get_territory(code.lower())
    if territory is None:
        return code.upper()
    name: str = territory.name
    return f"the {name}" if name.startswith(("United ", "Netherlands", "Philippines")) else name


@dataclass(frozen=True, slots=True)
class QueryForm:
    """One spelling of a query as :meth:`Matcher.match` compares it: its form, its reading as a
    person's name (None where persons are not compared with it), and whether it reads as an
    organisation's name."""

    query: NameForm
    person: NameForm | None
    organisation: bool


class Matcher:
    """Matching over one :class:`NameIndex`."""

    def __init__(
        self,
        index: NameIndex,
        match_threshold: float = MATCH_THRESHOLD,
        review_threshold: float = REVIEW_THRESHOLD,
        *,
        words: NameIndex | None = None,
    ) -> None:
        self.index = index
        #: the index whose knowledge of words reads a query (misspelt legal forms, words written
        #: together): ``index`` itself, or the whole lists' index when ``index`` holds a few entities
        #: of them (a monitor's changed entities, matched as the whole lists would match them)
        self.words = words or index
        self.match_threshold = match_threshold
        self.review_threshold = review_threshold
        self.common = Common(index.common_org, index.common_person)
        #: where the index is cached, when it is (tables built from it are cached beside it)
        self.cache_path: Path | None = None
        self._context: tuple[dict[str, list[int]], list[list[tuple[str, NameForm]]]] | None = None

    def query_forms(self, name: str, schema: str | None = None) -> list[QueryForm]:
        """The forms :meth:`match` compares ``name`` by: one per spelling variant, each with its
        reading as a person's name where persons are compared. They depend on the name and on the
        words of the lists (``words``), not on the entities: a monitor keeps them, to match its
        vendors again against a few changed entities without reading the names anew."""
        schema = check_schema(schema)
        out: list[QueryForm] = []
        for variant in _variants(clean(name or "")):
            query = name_form(variant, is_person=schema == "Person")
            if not query.tokens:
                continue
            if schema != "Person":
                query = self.words.drop_misspelt_legal_forms(query)
            organisation = schema in ORGANISATION_SCHEMAS or (
                schema is None and looks_like_organisation(query)
            )
            person_query: NameForm | None = None
            if schema == "Person":
                person_query = self._resolve_run_together(query)
            elif schema is None and not organisation:
                person_query = self._resolve_run_together(name_form(variant, is_person=True))
            out.append(QueryForm(query, person_query, organisation))
        return out

    def match(
        self,
        name: str,
        *,
        schema: str | None = None,
        country: str | None = None,
        limit: int = 5,
        birth_date: str | None = None,
        identifiers: list[str] | None = None,
        threshold: float | None = None,
        forms: list[QueryForm] | None = None,
        forms_out: list[QueryForm] | None = None,
    ) -> list[Hit]:
        """The best entities for ``name``, best first (at most ``limit``); empty when nothing resembles it.

        ``forms``: the name's :meth:`query_forms`, when the caller kept them; ``forms_out``: a list
        that receives them."""
        schema = check_schema(schema)
        limit = max(1, min(int(limit), MAX_LIMIT))
        threshold = self.match_threshold if threshold is None else threshold
        # per entity: its best name (-1 for an identifier hit), that comparison, the query form it
        # was made with (None for an identifier hit), and whether the comparison was explained
        by_entity: dict[int, tuple[int, Scored, NameForm | None, bool]] = {}
        similarity = memo_similarity()  # the query's words meet the same list words again and again
        for e_idx in self._identifier_hits(identifiers):
            by_entity[e_idx] = (-1, Scored(1.0, ["identical registration number or identifier"]), None, True)
        if forms is None:
            forms = self.query_forms(name, schema)
        if forms_out is not None:
            forms_out.extend(forms)
        for qf in forms:
            self._score_names(qf.query, qf.person, schema, qf.organisation, by_entity, similarity, limit)
        entities = self.index.entities
        ranked = sorted(
            (
                (self._shown_score(e_idx, sc.score, country, birth_date), entities[e_idx].id, e_idx, n, sc, q)
                for e_idx, (n, sc, q, _) in by_entity.items()
            ),
            key=lambda x: (-x[0], x[1]),
        )
        # explain only what is returned (unless explained already): the wording costs more than the
        # scoring
        shown_ranked = [r for r in ranked[:limit] if r[0] >= 0.3]
        hits = [
            self._hit(
                e_idx,
                sc.score,
                n,
                sc if by_entity[e_idx][3] else self._explained(n, sc, q, similarity),
                country,
                birth_date,
                threshold,
            )
            for _, _, e_idx, n, sc, q in shown_ranked
        ]
        if hits and hits[0].match and hits[0].score >= EXACT:  # homonyms are possible
            same_name = [
                (bare := _bare_name(q)) is not None and bare == _bare_name(self.index.form(n))
                for _, _, _, n, _, q in shown_ranked
            ]
            _demote_homonyms(hits, same_name)  # changes flags and wording only
        return hits

    def _explained(
        self, n_idx: int, scored: Scored, query: NameForm | None, similarity: MemoSimilarity
    ) -> Scored:
        """The same comparison again, with its explanation (only for the hits returned)."""
        if query is None:  # an identifier hit: its explanation is already there
            return scored
        info = self.index.entities[self.index.name_entity[n_idx]]
        explained = compare_forms(
            query,
            self.index.form(n_idx),
            self.index.weight,
            person=info.schema == "Person",
            similarity=similarity,
            common=self._common_for(info.schema),
        )
        return explained

    def _identifier_hits(self, identifiers: list[str] | None) -> set[int]:
        found: set[int] = set()
        for value in identifiers or []:
            found.update(self.index.identifiers.get(normalise_identifier(value), ()))
        return found

    def _common_for(self, schema: str) -> Common:
        """Common words weigh little in the names of organisations and persons; vessels and aircraft
        are named by them ("SUNRISE", "HORIZON"), and only a vessel's or aircraft's query meets them."""
        return NO_COMMON if schema in OBJECT_SCHEMAS else self.common

    def _resolve_run_together(self, query: NameForm) -> NameForm:
        """A person's name with words written together split where the lists know both halves."""
        tokens: list[Token] = []
        changed = False
        for t in query.tokens:
            split = self.words.split_run_together(t.text) if t.role == CORE and not t.alts else None
            if split:
                tokens.extend(Token(part, CORE) for part in split)
                changed = True
            else:
                tokens.append(t)
        if not changed:
            return query
        return with_tokens(query, tuple(tokens))

    def _score_names(
        self,
        query: NameForm,
        person_query: NameForm | None,
        schema: str | None,
        organisation: bool,
        by_entity: dict[int, tuple[int, Scored, NameForm | None, bool]],
        similarity: MemoSimilarity,
        limit: int,
    ) -> None:
        """Score the candidates of ``query`` (and of ``person_query``, a person's reading of it, which
        persons are compared with) into ``by_entity``.

        When there are at most twice as many candidates as hits asked for, each is explained at once
        (explaining costs half a comparison more, comparing again to explain a whole one, and many
        will be returned); else only the hits returned are, afterwards."""
        index = self.index
        found = [] if schema == "Person" else index.candidates(query)
        if person_query is not None:
            found += index.candidates(person_query, person=True)
        todo: list[tuple[int, int, EntityInfo]] = []
        for n_idx in dict.fromkeys(found):
            e_idx = index.name_entity[n_idx]
            info = index.entities[e_idx]
            if _schema_compatible(schema, info.schema, organisation=organisation):
                todo.append((n_idx, e_idx, info))
        explain = len(todo) <= 2 * limit
        for n_idx, e_idx, info in todo:
            person = info.schema == "Person"
            q = person_query if person and person_query is not None else query
            scored = compare_forms(
                q,
                index.form(n_idx),
                index.weight,
                person=person,
                explain=explain,
                similarity=similarity,
                common=self._common_for(info.schema),
            )
            best = by_entity.get(e_idx)
            if best is None or scored.score > best[1].score:
                by_entity[e_idx] = (n_idx, scored, q, explain)

    def _shown_score(self, e_idx: int, score: float, country: str | None, birth_date: str | None) -> float:
        """The score :meth:`_hit` shows for this entity (country and birth year weighed in, rounded)."""
        info = self.index.entities[e_idx]
        if country and info.countries and country.lower() not in info.countries:
            score *= COUNTRY_MISMATCH
        if birth_date and info.birth_years and birth_date[:4] not in info.birth_years:
            score *= BIRTH_MISMATCH
        return round(min(score, 1.0), 4)

    def _hit(
        self,
        e_idx: int,
        score: float,
        n_idx: int,
        scored: Scored,
        country: str | None,
        birth_date: str | None,
        threshold: float,
    ) -> Hit:
        info: EntityInfo = self.index.entities[e_idx]
        notes = list(scored.explanation)
        place = (country or "").lower()
        elsewhere = bool(place and info.countries and place not in info.countries)
        if elsewhere:
            score *= COUNTRY_MISMATCH
            notes.append(f"country {place} not among the entry's ({', '.join(info.countries)})")
        if birth_date and info.birth_years:
            if birth_date[:4] in info.birth_years:
                notes.append(f"born {birth_date[:4]}, as listed")
            else:
                score *= BIRTH_MISMATCH
                notes.append(f"birth year {birth_date[:4]} not the listed {', '.join(info.birth_years)}")
        matched_name = self.index.original(n_idx) if n_idx >= 0 else info.caption
        is_match = score >= threshold and bool(info.lists)
        if score >= threshold and not info.lists:
            notes.append(
                "only low-confidence curated rows name this entity: a lead for review, not a list hit"
            )
        is_review = score >= self.review_threshold
        context = ""
        if elsewhere and (is_match or is_review) and not scored.strong and n_idx >= 0:
            # the vendor is in one country, the entry known only in others: one level down, unless
            # the names agree in full on a distinctive name
            context = f"vendor in {_country_name(place)}; {info.caption} is in " + ", ".join(
                _country_name(c) for c in info.countries
            )
            notes.append(context + (": a lead for review, not a match" if is_match else ": not a lead"))
            is_match, is_review = False, is_match
        return Hit(
            entity_id=info.id,
            caption=info.caption,
            schema=info.schema,
            names=info.names,
            source_ids=info.source_ids,
            lists=info.lists,
            score=round(min(score, 1.0), 4),
            match=is_match,
            review=is_review,
            matched_name=matched_name,
            explanation="; ".join(notes),
            lead_lists=info.lead_lists,
            context=context,
        )

    def context_hit(self, name: str) -> Hit | None:
        """The curated reviewer-context row (``NameIndex.context``: a buyer, an OEM relabeller, on no
        list) that ``name`` resembles at the review threshold, or None. Such a hit never makes a flag
        by name: screening shows it as information only, among the hits checked and not flagged.

        Most names share no word with any context row: they cost one name form and a few look-ups."""
        words, context_forms = self._context_index()
        if not words or not name:
            return None
        forms = {False: name_form(name)}
        found = {i for t in forms[False].tokens for i in words.get(t.text, ())}
        best: tuple[float, int, str, str] | None = None
        for i in sorted(found):
            person = self.index.context[i].schema == "Person"
            if person not in forms:
                forms[person] = name_form(name, is_person=person)
            for other, form in context_forms[i]:
                scored = compare_forms(
                    forms[person], form, self.index.weight, person=person, common=self.common
                )
                if scored.score >= self.review_threshold and (best is None or scored.score > best[0]):
                    best = (scored.score, i, other, "; ".join(scored.explanation))
        if best is None:
            return None
        score, i, matched, explanation = best
        entry = self.index.context[i]
        return Hit(
            entity_id=entry.id, caption=entry.caption, schema=entry.schema, names=list(entry.names),
            source_ids=[entry.id], lists=[], score=round(score, 4), match=False, review=False,
            matched_name=matched, explanation=explanation, reviewer_context=True,
        )  # fmt: skip

    def _context_index(self) -> tuple[dict[str, list[int]], list[list[tuple[str, NameForm]]]]:
        """Made once: the distinctive words of the context rows' names (no legal form, no common word),
        each with the rows that carry it (a query shares one with a row before it is compared with
        it), and each row's names with their forms."""
        if self._context is None:
            words: dict[str, list[int]] = {}
            forms: list[list[tuple[str, NameForm]]] = []
            common = self.index.common_org | self.index.legal_words
            for i, entry in enumerate(self.index.context):
                person = entry.schema == "Person"
                forms.append([(other, name_form(other, is_person=person)) for other in entry.names])
                for _, form in forms[-1]:
                    for t in form.tokens:
                        if t.role == CORE and len(t.text) >= 3 and t.text not in common:
                            words.setdefault(t.text, []).append(i)
            self._context = (words, forms)
        return self._context

    def compare(self, a: str, b: str, *, schema: str | None = None) -> Comparison:
        """How well two names match each other, with the same scoring as :meth:`match`."""
        schema = check_schema(schema)
        person = schema == "Person"
        fa, fb = name_form(a or "", is_person=person), name_form(b or "", is_person=person)
        if not fa.tokens or not fb.tokens:
            return Comparison(0.0, False, False, "nothing to compare in one of the names")
        scored = compare_forms(fa, fb, self.index.weight, person=person, common=self.common)
        return Comparison(
            round(scored.score, 4),
            scored.score >= self.match_threshold,
            scored.score >= self.review_threshold,
            "; ".join(scored.explanation),
        )
