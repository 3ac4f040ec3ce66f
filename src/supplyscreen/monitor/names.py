"""What a monitor keeps of its master's names between runs, so that a list update costs what it changes.

:class:`MasterNames` holds, for the distinct names of a master: the rows that bear each, the forms
the matcher compared each by (``Matcher.query_forms``), and word tables over those forms (each word
and reading → the names holding it, each word's deletions → the words, persons' sound keys → the
words, compact keys → the names), and which rows have hits on which list records.

After a list update, :meth:`MasterNames.suspects` starts from the few words of the changed entities
and finds, through these tables, every word of the master the matcher could pair with them: the
same word or reading, a word one typing error away (``NameIndex.typo_variants``: a deletion, an
insertion, a substitution or an adjacent transposition), a person's name part that sounds alike.
It then weighs, for every form of every name at once (numpy, over columns of the forms' tokens),
whether those words could carry the share of the form's weight the matcher asks of a candidate
(``NameIndex.candidates``); names sharing a compact key are kept too. Only those names are weighed
one by one (``NameIndex.may_find``) and compared; a name the change cannot reach costs nothing but
its share of a few array operations.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from supplyscreen.names.index import MIN_SHARE, TYPO_MIN_LENGTH, NameIndex, _deletions, _pack, _unpack
from supplyscreen.names.matcher import QueryForm
from supplyscreen.names.normalize import CORE, INITIAL, TITLE, NameForm
from supplyscreen.names.person import phonetic_keys
from supplyscreen.names.score import ROLE_FACTOR

NameKey = tuple[str, str | None]
#: The cached tables' format: a change of what they hold (or of how names are read) changes it.
FORMAT = 2


def _typo_eligible(word: str) -> bool:
    return len(word) >= TYPO_MIN_LENGTH and not word.isdigit()


@dataclass(slots=True)
class MasterNames:
    """The distinct names of a master and the tables that find them from a few words (see the module
    docstring). ``rows`` maps each name to the positions of the rows bearing it."""

    rows: dict[NameKey, list[int]] = field(default_factory=dict)
    row_keys: list[NameKey | None] = field(default_factory=list)  # each row's name
    #: each name's forms, packed as plain tuples (``NameIndex``'s packing: unpickled ten times as
    #: fast as objects); :meth:`forms_of` unpacks them
    forms: dict[NameKey, tuple[Any, ...]] = field(default_factory=dict)
    words: dict[str, set[NameKey]] = field(default_factory=dict)
    deletions: dict[str, set[str]] = field(default_factory=dict)
    sounds: dict[str, set[str]] = field(default_factory=dict)
    keys: dict[str, set[NameKey]] = field(default_factory=dict)
    hit_rows: dict[str, set[int]] = field(default_factory=dict)  # list record → rows with a hit on it
    # every form's tokens, as columns (one entry per token): the form, its word and readings (a tag
    # of distinct words), its role's factor and whether it counts in the query's weight
    form_names: list[NameKey] = field(default_factory=list)
    tags: list[tuple[str, tuple[str, ...], bool, bool]] = field(default_factory=list)
    tag_ids: dict[tuple[str, tuple[str, ...], bool, bool], int] = field(default_factory=dict)
    word_tags: dict[str, list[int]] = field(default_factory=dict)
    tok_form: list[int] = field(default_factory=list)
    tok_tag: list[int] = field(default_factory=list)
    tok_factor: list[float] = field(default_factory=list)
    tok_counted: list[bool] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        """The token columns are pickled as arrays (a list of half a million numbers pickles slowly)."""
        state = {name: getattr(self, name) for name in self.__slots__}
        state["tok_form"] = np.asarray(self.tok_form, dtype=np.int32)
        state["tok_tag"] = np.asarray(self.tok_tag, dtype=np.int32)
        state["tok_factor"] = np.asarray(self.tok_factor, dtype=np.float32)
        state["tok_counted"] = np.asarray(self.tok_counted, dtype=np.bool_)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            if name.startswith("tok_"):
                value = value.tolist()
            setattr(self, name, value)

    @classmethod
    def build(
        cls,
        row_keys: Sequence[NameKey | None],
        forms: dict[NameKey, list[QueryForm]],
        hits: Iterable[tuple[int, Iterable[str]]] = (),
    ) -> MasterNames:
        """From each row's name key, the names' forms, and (row, source ids of its hits) pairs."""
        names = cls(row_keys=list(row_keys))
        for position, key in enumerate(row_keys):
            if key is not None:
                names.rows.setdefault(key, []).append(position)
        for key in names.rows:
            if key in forms:
                names.add_forms(key, forms[key])
        for position, source_ids in hits:
            names.add_hits(position, source_ids)
        return names

    def forms_of(self, key: NameKey) -> list[QueryForm] | None:
        packed = self.forms.get(key)
        if packed is None:
            return None
        return [QueryForm(_unpack(q), _unpack(p) if p is not None else None, o) for q, p, o in packed]

    def add_forms(self, key: NameKey, forms: list[QueryForm]) -> None:
        self.forms[key] = tuple(
            (_pack(qf.query), _pack(qf.person) if qf.person is not None else None, qf.organisation)
            for qf in forms
        )
        for qf in forms:
            self._add_form(key, qf.query, person=False)
            if qf.person is not None:
                self._add_form(key, qf.person, person=True)

    def _add_form(self, key: NameKey, form: NameForm, *, person: bool) -> None:
        position = len(self.form_names)
        self.form_names.append(key)
        for t in form.tokens:
            if t.role == INITIAL:
                continue
            tag = (t.text, t.alts, t.role == CORE, person)
            tag_id = self.tag_ids.get(tag)
            if tag_id is None:
                tag_id = self.tag_ids[tag] = len(self.tags)
                self.tags.append(tag)
                for word in dict.fromkeys((t.text, *t.alts)):
                    self.word_tags.setdefault(word, []).append(tag_id)
            self.tok_form.append(position)
            self.tok_tag.append(tag_id)
            self.tok_factor.append(ROLE_FACTOR[t.role])
            self.tok_counted.append(t.role != TITLE)
            for word in (t.text, *t.alts):
                known = self.words.get(word)
                if known is None:
                    known = self.words[word] = set()
                    if _typo_eligible(word):
                        for d in _deletions(word):
                            self.deletions.setdefault(d, set()).add(word)
                known.add(key)
            if person and len(t.text) >= 3 and not t.text.isdigit():
                for sound in phonetic_keys(t.text):
                    self.sounds.setdefault(sound, set()).add(t.text)
        for compact in form.keys:
            self.keys.setdefault(compact, set()).add(key)

    def add_hits(self, position: int, source_ids: Iterable[str]) -> None:
        for sid in source_ids:
            self.hit_rows.setdefault(sid, set()).add(position)

    def drop_hits(self, position: int, source_ids: Iterable[str]) -> None:
        for sid in source_ids:
            rows = self.hit_rows.get(sid)
            if rows is not None:
                rows.discard(position)

    def rows_hitting(self, source_ids: Iterable[str]) -> set[int]:
        """The rows with a hit on any of these list records."""
        out: set[int] = set()
        for sid in source_ids:
            out.update(self.hit_rows.get(sid, ()))
        return out

    def _shared_words(self, delta: NameIndex) -> set[str]:
        """The master's words (and readings) that are, or are one typing error or a sound away from,
        a word of ``delta``'s names."""
        found: set[str] = set()
        for word in delta.postings:
            if word in self.words:
                found.add(word)  # the same word (or a reading of it)
            found.update(self.deletions.get(word, ()))  # a master word one letter longer
            if _typo_eligible(word):
                for d in _deletions(word):
                    if d in self.words:
                        found.add(d)  # a master word one letter shorter
                    found.update(self.deletions.get(d, ()))  # one letter different, or swapped
        for sound in delta.phonetic:
            found.update(self.sounds.get(sound, ()))
        return found

    def suspects(self, delta: NameIndex) -> set[NameKey]:
        """The names ``NameIndex.candidates`` may find something for in ``delta``: those sharing a
        compact key with its names, and those with a form whose words shared with them (each counted
        as often as it is found there: itself, its readings, its typo neighbours, its sounds) could
        weigh the share of the form's weight that :meth:`NameIndex.candidates` asks of a candidate,
        with the whole lists' word weights (``delta`` shares them). The same bound as the first test
        of :meth:`NameIndex.may_find`, for every form at once."""
        out: set[NameKey] = set()
        for compact in delta.keys:
            out.update(self.keys.get(compact, ()))
        found = self._shared_words(delta)
        if not found or not self.tok_form:
            return out
        postings = delta.postings
        found_tags: dict[int, int] = {}
        for word in found:
            for tag_id in self.word_tags.get(word, ()):
                if tag_id in found_tags:
                    continue
                text, alts, core, person = self.tags[tag_id]
                variants = list(alts)
                if core:
                    variants += delta.typo_variants(text)
                    if person:
                        variants += delta.sounds_like(text)
                found_tags[tag_id] = (text in postings) + sum(
                    1 for v in dict.fromkeys(variants) if v in postings
                )
        shared = np.zeros(len(self.tags))
        shared[list(found_tags)] = list(found_tags.values())
        idf, default = delta.idf, delta.default_idf
        weights = np.fromiter(
            (idf.get(tag[0], default) for tag in self.tags), dtype=float, count=len(self.tags)
        )
        tok_tag = np.asarray(self.tok_tag)
        tok_form = np.asarray(self.tok_form)
        w = weights[tok_tag] * np.asarray(self.tok_factor)
        forms = len(self.form_names)
        total = np.bincount(tok_form, weights=w * np.asarray(self.tok_counted), minlength=forms)
        reach = np.bincount(tok_form, weights=w * shared[tok_tag], minlength=forms)
        passing = np.flatnonzero((reach > 0) & (reach >= MIN_SHARE * np.where(total > 0, total, 1.0)))
        out.update(self.form_names[i] for i in passing)
        return out

    def stats(self) -> dict[str, Any]:
        return {"names": len(self.rows), "words": len(self.words), "forms": len(self.forms)}


class NamesCache:
    """A monitor's :class:`MasterNames`, kept in the data directory's cache between runs (pickled;
    rebuilt when missing, unreadable or made for other rows: it is only ever a shortcut)."""

    def __init__(self, home: Path, database: str, monitor: str, row_keys: Iterable[str]) -> None:
        where = hashlib.sha256(f"{database}\n{monitor}".encode()).hexdigest()[:16]
        self.path = Path(home) / "cache" / f"monitor-{where}.pickle"
        digest = hashlib.sha256()
        for key in row_keys:
            digest.update(key.encode())
        self.rows = f"{FORMAT}:{digest.hexdigest()}"

    def load(self) -> MasterNames | None:
        try:
            with open(self.path, "rb") as fh:
                rows, names = pickle.load(fh)
        except (
            OSError,
            EOFError,
            pickle.UnpicklingError,
            ValueError,
            TypeError,
            AttributeError,
            ImportError,
        ):
            return None
        return names if rows == self.rows and isinstance(names, MasterNames) else None

    def save(self, names: MasterNames) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".monitor-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((self.rows, names), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:  # a read-only data directory: the next run reads the names again
            pass
