"""Candidate retrieval over every list name: token postings, typo neighbours and compact keys.

Built once per snapshot (a few seconds) and cached as a pickle in the data directory, keyed by the
snapshot's version and the index format, so a new process is ready to match in well under a second.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import os
import pickle
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz import process
from rapidfuzz.distance import Indel

from supplyscreen.model import Entity
from supplyscreen.names.frequency import common_words, frequency_settings
from supplyscreen.names.normalize import CORE, INITIAL, NUMBER, TITLE, NameForm, Token, name_form, with_tokens
from supplyscreen.names.person import phonetic_keys, sounds_alike
from supplyscreen.names.score import ROLE_FACTOR
from supplyscreen.names.vocab import Vocabulary, install_vocabulary, segment_pinyin, vocabulary

if TYPE_CHECKING:
    from supplyscreen.store.snapshot import Snapshot

INDEX_FORMAT = 10
MAX_POSTINGS = 4000  # a word on more names than this is too common to retrieve candidates by
TYPO_MIN_LENGTH = 5
RARE = 100  # postings this short are scored in full
# The weighted Dice of a name sharing a fraction f of the query's weight is at most 2f / (1 + f): below
# 0.45 it cannot reach the review threshold by its words (shared keys are retrieved separately).
MIN_SHARE = 0.45
MEMO_WORDS = 100_000  # words whose typo neighbours are remembered between queries
RUN_TOGETHER_MIN = 8  # a word this long that no name carries may be two names run together


@dataclass(slots=True)
class ContextEntry:
    """A curated row kept for a reviewer's context only (a buyer of a former subsidiary, an OEM
    relabeller: ``creates_hit=no``): on no list, never a hit by name (``Matcher.context_hit``)."""

    id: str
    caption: str
    schema: str
    names: list[str]
    relations: list[tuple[str, str]]  # (how it relates, to whom): "buyer of former subsidiary", "Dahua …"


@dataclass(slots=True)
class EntityInfo:
    """What a hit needs to show of an entity, without loading the whole snapshot."""

    id: str
    caption: str
    schema: str
    names: list[str]
    source_ids: list[str]
    lists: list[str]  # list codes of memberships that may be presented as hits
    lead_lists: list[str]  # list codes only backed by low/unverified rows
    countries: list[str]
    birth_years: list[str]
    identifiers: list[str]  # normalised identifier values


def normalise_identifier(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _pack(form: NameForm) -> tuple[Any, ...]:
    """A name form as plain tuples: unpickling 50,000 of these is ten times faster than objects.

    A token's family flag and readings are only written where it has them (few tokens do)."""
    tokens = tuple(
        (t.text, t.role, t.source, t.pinyin, t.family, t.alts)
        if t.family or t.alts
        else (t.text, t.role, t.source, t.pinyin)
        for t in form.tokens
    )
    return (form.original, tokens, form.keys, form.legal, form.han, form.pinyin_only, form.transliterated)


def _unpack(packed: tuple[Any, ...]) -> NameForm:
    original, tokens, keys, legal, han, pinyin_only, transliterated = packed
    return NameForm(original, tuple(Token(*t) for t in tokens), keys, legal, han, pinyin_only, transliterated)


@dataclass
class NameIndex:
    """All indexed names with their forms, postings and weights."""

    version: str
    entities: list[EntityInfo] = field(default_factory=list)
    packed_forms: list[tuple[Any, ...]] = field(default_factory=list)
    name_entity: list[int] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    keys: dict[str, list[int]] = field(default_factory=dict)
    neighbours: dict[str, list[str]] = field(default_factory=dict)  # 1-deletion → vocabulary words
    phonetic: dict[str, list[str]] = field(default_factory=dict)  # key → words of persons' names
    idf: dict[str, float] = field(default_factory=dict)
    identifiers: dict[str, list[int]] = field(default_factory=dict)
    default_idf: float = 1.0
    vocabulary: Vocabulary | None = None  # the word lists the forms were made with
    legal_words: frozenset[str] = frozenset()  # the words of the legal forms removed from list names
    weak_names: frozenset[int] = frozenset()  # names that are weak aliases (OFAC's "weak a.k.a.")
    # words of organisation names, and parts of persons' names, that are common in language
    # (``frequency``): agreeing on them alone is weak evidence
    common_org: frozenset[str] = frozenset()
    common_person: frozenset[str] = frozenset()
    context: list[ContextEntry] = field(default_factory=list)  # reviewer context, in no posting
    _forms: dict[int, NameForm] = field(default_factory=dict, repr=False)
    _sets: dict[str, set[int]] = field(default_factory=dict, repr=False)
    _legal_typos: dict[str, str] = field(default_factory=dict, repr=False)
    _long_legal: list[str] = field(default_factory=list, repr=False)
    _sounds: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _typos: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_forms"] = {}
        state["_sets"] = {}
        state["_legal_typos"] = {}
        state["_long_legal"] = []
        state["_sounds"] = {}
        state["_typos"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._forms, self._sets, self._legal_typos, self._long_legal, self._sounds = {}, {}, {}, [], {}
        self._typos = {}

    def form(self, n: int) -> NameForm:
        """The comparable form of indexed name ``n`` (unpacked on first use)."""
        found = self._forms.get(n)
        if found is None:
            found = self._forms[n] = _unpack(self.packed_forms[n])
        return found

    def original(self, n: int) -> str:
        return str(self.packed_forms[n][0])

    def weight(self, token: Token) -> float:
        return self.idf.get(token.text, self.default_idf)

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    def build(cls, entities: Iterable[Entity], version: str) -> NameIndex:
        index = cls(version=version, vocabulary=vocabulary())
        df: Counter[str] = Counter()
        person_words: set[str] = set()
        org_words: set[str] = set()
        legal_words: set[str] = set()
        weak: list[int] = []
        for entity in entities:
            hit_lists = [m.list_code for m in entity.memberships if m.is_hit]
            lead_lists = [m.list_code for m in entity.memberships if not m.is_hit]
            if not hit_lists and not lead_lists:  # reviewer context only (buyers, OEM partners)
                index.context.append(
                    ContextEntry(
                        entity.id,
                        entity.caption,
                        entity.schema,
                        [n.value for n in entity.names],
                        [(r.note or r.type, r.target_name or "") for r in entity.relations],
                    )
                )
                continue  # never a hit by name: not in the postings
            e_idx = len(index.entities)
            index.entities.append(
                EntityInfo(
                    id=entity.id,
                    caption=entity.caption,
                    schema=entity.schema,
                    names=[n.value for n in entity.names],
                    source_ids=list(entity.source_ids),
                    lists=list(dict.fromkeys(hit_lists)),
                    lead_lists=[c for c in dict.fromkeys(lead_lists) if c not in hit_lists],
                    countries=list(entity.countries),
                    birth_years=sorted({d[:4] for d in entity.birth_dates}),
                    identifiers=[
                        value
                        for value in (
                            normalise_identifier(i.value)
                            for i in entity.identifiers
                            if i.type != "ofac_ent_num"
                        )
                        if len(value) >= 6
                    ],
                )
            )
            for ident in index.entities[-1].identifiers:
                index.identifiers.setdefault(ident, []).append(e_idx)
            seen: set[str] = set()
            for n in entity.names:
                form = name_form(n.value, is_person=entity.schema == "Person")
                if not form.tokens or form.original.lower() in seen:
                    continue
                seen.add(form.original.lower())
                n_idx = len(index.packed_forms)
                index.packed_forms.append(_pack(form))
                index.name_entity.append(e_idx)
                if n.kind == "weak":
                    weak.append(n_idx)
                for text in {t.text for t in form.tokens}:
                    index.postings.setdefault(text, []).append(n_idx)
                    df[text] += 1
                if entity.schema == "Person":
                    person_words.update(t.text for t in form.tokens)
                else:
                    org_words.update(t.text for t in form.tokens if t.role in (CORE, NUMBER))
                for legal in form.legal:
                    legal_words.update(w for w in legal.split() if w.isalpha())
                for key in form.keys:
                    index.keys.setdefault(key, []).append(n_idx)
        total = max(1, len(index.packed_forms))
        index.idf = {t: math.log((total + 1) / (n + 1)) + 1.0 for t, n in df.items()}
        index.default_idf = math.log(total + 1) + 1.0
        index._word_tables(df, person_words)
        index.legal_words = frozenset(legal_words)
        index.weak_names = frozenset(weak)
        index.common_org, index.common_person = common_words(org_words, person_words)
        return index

    def _word_tables(self, words: Iterable[str], person_words: Iterable[str]) -> None:
        """The typo neighbours of the indexed words and the sound keys of persons' name parts."""
        neighbours: dict[str, set[str]] = defaultdict(set)
        for word in words:
            if len(word) >= TYPO_MIN_LENGTH and not word.isdigit():
                for d in _deletions(word):
                    neighbours[d].add(word)
        self.neighbours = {k: sorted(v) for k, v in neighbours.items()}
        by_key: dict[str, set[str]] = defaultdict(set)
        for word in person_words:
            if len(word) >= 3 and not word.isdigit():
                for key in phonetic_keys(word):
                    by_key[key].add(word)
        self.phonetic = {k: sorted(v) for k, v in by_key.items() if len(k) > 2}

    def subset(self, entity_ids: Iterable[str]) -> NameIndex:
        """An index of these entities alone, made from this index's forms (no name is read anew),
        with this index's word weights, legal forms and common words: a name scores against them as
        it does against the whole lists (a monitor's changed entities, ``monitor.rescreen``)."""
        wanted = set(entity_ids)
        sub = NameIndex(version=self.version + "+subset", vocabulary=self.vocabulary)
        sub.idf, sub.default_idf, sub.legal_words = self.idf, self.default_idf, self.legal_words
        sub.common_org, sub.common_person = self.common_org, self.common_person
        positions: dict[int, int] = {}
        person_words: set[str] = set()
        weak: list[int] = []
        for n_idx, e_idx in enumerate(self.name_entity):
            info = self.entities[e_idx]
            if info.id not in wanted:
                continue
            if e_idx not in positions:
                positions[e_idx] = len(sub.entities)
                sub.entities.append(info)
                for ident in info.identifiers:
                    sub.identifiers.setdefault(ident, []).append(positions[e_idx])
            new = len(sub.packed_forms)
            sub.packed_forms.append(self.packed_forms[n_idx])
            sub.name_entity.append(positions[e_idx])
            if n_idx in self.weak_names:
                weak.append(new)
            form = self.form(n_idx)
            for text in {t.text for t in form.tokens}:
                sub.postings.setdefault(text, []).append(new)
            if info.schema == "Person":
                person_words.update(t.text for t in form.tokens)
            for key in form.keys:
                sub.keys.setdefault(key, []).append(new)
        sub._word_tables(sub.postings, person_words)
        sub.weak_names = frozenset(weak)
        return sub

    # -- retrieval --------------------------------------------------------------------------------
    def typo_variants(self, word: str) -> list[str]:
        """Vocabulary words within one edit (and adjacent transpositions) of ``word`` (remembered:
        the words of names come again and again, "technology" in every other query)."""
        known = self._typos.get(word)
        if known is not None:
            return known
        if len(self._typos) >= MEMO_WORDS:
            self._typos.clear()
        found = self._typos[word] = self._typo_variants(word)
        return found

    def _typo_variants(self, word: str) -> list[str]:
        if len(word) < TYPO_MIN_LENGTH or word.isdigit():
            return []
        found: set[str] = set(self.neighbours.get(word, ()))
        for d in _deletions(word):
            if d in self.postings:
                found.add(d)
            found.update(self.neighbours.get(d, ()))
        found.discard(word)
        return sorted(found)

    def _posting_set(self, word: str) -> set[int]:
        """The names holding ``word``, as a set (kept for the commonest words, asked again and again)."""
        found = self._sets.get(word)
        if found is None:
            found = self._sets[word] = set(self.postings.get(word, ()))
        return found

    def sounds_like(self, word: str) -> list[str]:
        """Words of listed persons' names that sound like ``word`` as scoring hears it
        (``person.sounds_alike``), itself excluded; remembered per word."""
        found = self._sounds.get(word)
        if found is None:
            found = []
            if len(word) >= 3 and not word.isdigit():
                for key in phonetic_keys(word):
                    found.extend(
                        w
                        for w in self.phonetic.get(key, ())
                        if w != word and w not in found and sounds_alike(word, w)
                    )
            if len(self._sounds) < 100_000:
                self._sounds[word] = found
        return found

    def drop_misspelt_legal_forms(self, query: NameForm) -> NameForm:
        """``query`` without a misspelt or split legal form at its head or tail ("AKTSIONENOE
        OBSHCHESTVO …"), which the legal-form tables cannot know: two or more words in a row, each a
        word of the legal forms of list names or within a typo of one, at least two of them long."""
        tokens = list(query.tokens)
        if len(tokens) < 3 or not self.legal_words or all(t.text in self.postings for t in tokens):
            return query  # (a misspelt or split word is no word of the lists)
        head = self._legal_run(tokens)
        tail = self._legal_run(tokens[::-1]) if head < len(tokens) else 0
        if not head and not tail or head + tail >= len(tokens):
            return query
        kept = tuple(tokens[head : len(tokens) - tail])
        dropped = [t.text for t in tokens[:head] + tokens[len(tokens) - tail :]]
        legal = (*query.legal, " ".join(dropped))
        return with_tokens(query, kept, legal)

    def _legal_run(self, tokens: list[Token]) -> int:
        """How many of ``tokens``, from the first, spell legal-form words: 0 unless two of them are
        long and one is misspelt or split (a form spelled right was removed already, and a name may
        open with such words: "Commercial Bank of Syria")."""
        count = long_words = 0
        misspelt = False
        spelled: list[str] = []
        k = 0
        while k < len(tokens):
            word = tokens[k].text
            step = 1
            if k + 1 < len(tokens) and word + tokens[k + 1].text in self.legal_words:
                word, step = word + tokens[k + 1].text, 2  # a legal word split in two ("aktsio nernoe")
            known = word if word in self.legal_words else self._legal_word_misspelt(word)
            if not known:
                break
            misspelt = misspelt or step == 2 or known != word
            spelled.append(known)
            count += step
            long_words += len(word) >= 5
            k += step
        if not (long_words >= 2 and misspelt):
            return 0
        # only what, spelled right, is a legal form the tables know ("charity association" is not)
        from rigour.names import extract_org_types

        text = " ".join(spelled)
        return count if any(found == text for found, _ in extract_org_types(text)) else 0

    def _legal_word_misspelt(self, word: str) -> str:
        """The long legal-form word ``word`` misspells, or "" (remembered per word)."""
        found = self._legal_typos.get(word)
        if found is None:
            found = ""
            if len(word) >= 6:
                if not self._long_legal:
                    self._long_legal = sorted(w for w in self.legal_words if len(w) >= 6)
                best = process.extractOne(
                    word, self._long_legal, scorer=Indel.normalized_similarity, score_cutoff=0.85
                )
                found = best[0] if best else ""
            self._legal_typos[word] = found
        return found

    def split_run_together(self, word: str) -> tuple[str, str] | None:
        """Two words of the lists that ``word`` is written as ("agusdwikarna"), if it is no word itself.

        The split whose rarer half is rarest wins: the evidence is in the distinctive half.
        """
        if len(word) < RUN_TOGETHER_MIN or word in self.postings or not word.isalpha():
            return None
        if self.typo_variants(word) or segment_pinyin(word, vocabulary().syllables, 6, min_len=2):
            return None  # a misspelt name, or a Chinese given name of several syllables ("Dongsheng")
        best: tuple[float, tuple[str, str]] | None = None
        for k in range(3, len(word) - 2):
            left, right = word[:k], word[k:]
            if left in self.postings and right in self.postings:
                rarity = min(self.idf.get(left, 0.0), self.idf.get(right, 0.0))
                if best is None or rarity > best[0]:
                    best = (rarity, (left, right))
        return best[1] if best else None

    def may_find(self, query: NameForm, *, person: bool = False, memo: dict[Any, Any] | None = None) -> bool:
        """False when :meth:`candidates` surely finds nothing for ``query``: no key shared, and no
        indexed name reaches the share of the query's weight with the words it shares (each word
        counted for itself and for each of its readings and typo neighbours it holds, as
        :meth:`candidates` counts them, but without its economies, so never less). Cheap, with
        ``memo`` (per word, kept by the caller across queries): against a few entities most names
        are ruled out without a comparison."""
        keys = self.keys
        if any(key in keys for key in query.keys):
            return True
        memo = {} if memo is None else memo
        postings, idf, default = self.postings, self.idf, self.default_idf
        total = reach = 0.0
        shared: list[tuple[float, tuple[str, ...]]] = []
        for t in query.tokens:
            role = t.role
            if role == INITIAL:
                continue
            w = idf.get(t.text, default) * ROLE_FACTOR[role]
            if role != TITLE:
                total += w
            if role != CORE and not t.alts:  # no typo neighbours, no readings: the word alone
                if t.text not in postings:
                    continue
                words: tuple[str, ...] = (t.text,)
            else:
                tag = (t.text, t.alts, role == CORE, person)
                known = memo.get(tag)
                if known is not None:
                    words = known
                else:
                    variants = list(t.alts)
                    if role == CORE:
                        variants += self.typo_variants(t.text)
                        if person:
                            variants += self.sounds_like(t.text)
                    words = memo[tag] = tuple(v for v in (t.text, *dict.fromkeys(variants)) if v in postings)
                if not words:
                    continue
            reach += w * len(words)
            shared.append((w, words))
        floor = MIN_SHARE * (total or 1.0)
        if reach < floor:  # not even a name holding every shared word would reach the share
            return False
        scores: dict[int, float] = {}
        for w, words in shared:
            for word in words:
                for n in postings[word]:
                    scores[n] = scores.get(n, 0.0) + w
        return max(scores.values()) >= floor

    def candidates(
        self, query: NameForm, limit: int = 60, min_share: float = MIN_SHARE, *, person: bool = False
    ) -> list[int]:
        """Name ids worth scoring against the query: shared rare words (or another reading of them,
        or, in a person's name, the same name transliterated), typo neighbours, shared keys."""
        scores: dict[int, float] = defaultdict(float)
        tokens = sorted((t for t in query.tokens if t.role != INITIAL), key=lambda t: -self.weight(t))
        usable = [t for t in tokens if len(self.postings.get(t.text, ())) <= MAX_POSTINGS] or tokens[:1]
        total = sum(self.weight(t) * ROLE_FACTOR[t.role] for t in tokens if t.role != TITLE) or 1.0
        floor = min_share * total
        # rarest words first: once the words left cannot lift a name to the floor on their own, a
        # common word ("technology", on a thousand names) only adds to the names already found
        left = sum(self.weight(t) * ROLE_FACTOR[t.role] for t in usable)
        for token in usable:
            w = self.weight(token) * ROLE_FACTOR[token.role]
            postings = self.postings.get(token.text, ())
            if left < floor and scores and len(postings) > len(scores):
                common = self._posting_set(token.text)
                for n in [n for n in scores if n in common]:
                    scores[n] += w
            else:
                for n in postings:
                    scores[n] += w
            left -= w
            variants = list(token.alts)
            if token.role == CORE:
                variants += self.typo_variants(token.text)
                if person:
                    variants += self.sounds_like(token.text)
            for word in dict.fromkeys(variants):  # an upper bound: a pair of variants scores at most 1
                postings = self.postings.get(word, ())
                if len(postings) <= MAX_POSTINGS:
                    for n in postings:
                        scores[n] += w
        # the best ``limit`` names over the share, best first, ties in the order found (as a stable
        # sort of all names would give them: dropping those under the share first changes nothing)
        kept = [n for n, score in scores.items() if score >= floor]
        ranked = heapq.nlargest(limit, kept, key=scores.__getitem__)
        chosen = set(ranked)
        # Names holding the query's rarest words are always scored: a word found on few names is
        # the best evidence there is, whatever the common words add up to elsewhere.
        rare = [
            t for t in tokens if t.role in (CORE, NUMBER) and 0 < len(self.postings.get(t.text, ())) <= RARE
        ]
        for token in rare[:2]:
            for n in self.postings[token.text]:
                if n not in chosen and scores[n] >= floor:
                    chosen.add(n)
                    ranked.append(n)
        for key in query.keys:
            for n in self.keys.get(key, ())[:200]:
                if n not in chosen:
                    chosen.add(n)
                    ranked.append(n)
        return ranked


def _cache_path(home: Path, version: str, fingerprint: str) -> Path:
    key = f"{version}:{fingerprint}:{INDEX_FORMAT}:{_rules_fingerprint()}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return home / "cache" / f"names-{digest}.pickle"


@cache
def _rules_fingerprint() -> str:
    """What the index is built by besides the lists: the word lists of the package's data files and
    the word-frequency thresholds (a change to either builds the index anew)."""
    digest = hashlib.sha256()
    data = resources.files("supplyscreen").joinpath("data")
    for path in ("legal_forms.yaml", "names", "curated/xinjiang_places.csv"):
        node = data.joinpath(path)
        files = sorted(node.iterdir(), key=lambda f: f.name) if node.is_dir() else [node]
        for item in files:
            if item.is_file():
                digest.update(item.name.encode() + b"\0" + item.read_bytes())
    digest.update(repr(frequency_settings()).encode())
    return digest.hexdigest()[:16]


def index_cache_path(home: Path, snapshot: Snapshot) -> Path:
    """Where the name index of ``snapshot`` is cached in the data directory ``home``.

    Keyed by the snapshot's version, its sources as the manifest records them, the index format and
    the rules it is built by (:func:`_rules_fingerprint`).
    """
    fingerprint = json.dumps(snapshot.manifest.get("sources", {}), sort_keys=True)
    return _cache_path(home, snapshot.version, fingerprint)


def load_or_build(entities: Callable[[], Iterable[Entity]], *, version: str, path: Path) -> NameIndex:
    """The index of snapshot ``version`` cached at ``path`` (see :func:`index_cache_path`), building
    (and caching) it when missing or stale.

    ``entities`` is called only when the index must be built, so a warm start skips loading them.
    """
    if path.is_file():
        try:
            with open(path, "rb") as fh:
                index = pickle.load(fh)
            if isinstance(index, NameIndex) and index.version == version:
                if index.vocabulary is not None:
                    install_vocabulary(index.vocabulary)
                return index
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            pass  # a damaged or older cache is rebuilt
    index = NameIndex.build(entities(), version)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".names-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only data directory only costs the rebuild next time
    return index
