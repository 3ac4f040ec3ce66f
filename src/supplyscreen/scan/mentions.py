"""Find list entities named in running text: cheap triggers find candidate spans, the matcher decides.

A page of text is far larger than a name, and nearly all of it names nothing on a list. So the
search runs in two steps:

1. **Triggers.** Every list name gives one *trigger*: its rarest distinctive word ("hikvision" for
   "Hangzhou Hikvision Digital Technology Co., Ltd."; never a legal form, an industry word or a
   place). A page's words are folded (lower case, no accents) and intersected with the trigger words
   in one set operation; only the words found are located again in the text. Chinese names have no
   spaces between words: their Han spellings (the name, without its place prefix, legal form and
   industry words, and its leading characters) go into an Aho–Corasick automaton run over the
   page's Han text.
2. **Verification.** Around each trigger the *name span* is cut from the text as written: the run of
   capitalised words, numbers and legal-form words it stands in ("Zhejiang Dahua Technology Co.,
   Ltd."), without leading sentence words ("The", "According"). That span is matched against the
   whole lists with the matcher's thresholds, as a vendor's name would be. "Dahua Noodle House"
   is a span of its own, resembles no listed entity, and so is not Dahua.

Only organisations and the persons who are list entries are reported, never anyone else: there is
no person-name recognition here, and a span that resembles a listed person is reported only when it
*matches* (a review-level likeness of a person's name is most often someone else, a private person).
Vessels and aircraft are not searched for: their names are ordinary words ("SUNRISE"). A name whose
list rows are all low-confidence leads is not a list hit and is not reported.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supplyscreen.detect.text import TOKEN_RE, fold, has_han, word_positions
from supplyscreen.model import Hit
from supplyscreen.names.index import NameIndex
from supplyscreen.names.matcher import Matcher
from supplyscreen.names.normalize import CORE, NUMBER, PLACE, TITLE, name_form, word_role
from supplyscreen.names.vocab import vocabulary
from supplyscreen.scan.han import distinctive_han, han_keys, latin_words

#: Schemas not searched for in running text: their names are ordinary words.
SKIPPED_SCHEMAS = frozenset({"Vessel", "Airplane"})

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# A word that does not begin with an ASCII lower-case letter (the capitalised ones are picked from them)
_CAPITALISED = re.compile(r"(?<![^\W_])[^\W\d_a-z][^\W_]*")
# A word of running text as written, in any script (letters and digits), for cutting name spans.
_TEXT_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
SPAN_WORDS = 12  # words a name span reaches on either side of its trigger
WINDOW = 240  # characters of text read on either side of a trigger to cut its span
SENTENCE_REACH = 400  # characters a sentence is sought on either side of a mention

# Words that join the parts of one name ("Bank of China", "Procter & Gamble") when both sides are
# name words; at a span's edge they are dropped.
_CONNECTORS = frozenset(
    {
        "of",
        "and",
        "for",
        "de",
        "du",
        "des",
        "del",
        "la",
        "le",
        "der",
        "und",
        "y",
        "al",
        "el",
        "bin",
        "ibn",
        "the",
    }
)
# Capitalised words that begin a sentence without being part of a name after them.
_SENTENCE_WORDS = frozenset(
    """a an and as at after according also although among around because before but by during each
    for from here however if in into its it last meanwhile most new next not now of on once or our
    over per since so some such than that the their then there these they this those though through
    to under until upon via was we were what when where whereas which while who why with yesterday
    said says told both all many several other others another between against about despite amid
    mr mrs ms dr prof""".split()
)
_END_WORDS = frozenset({"said", "says", "told", "reported", "announced", "stated"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^\s])|[。！？；]|\n\s*\n")


@dataclass(slots=True)
class _Trigger:
    """What a trigger word asks of its span: ``common`` words count only written with a capital
    (or in capitals), and then only when the span holds ``needs`` of one name's other words too."""

    common: bool
    needs: list[frozenset[str]]


@dataclass(slots=True)
class EntityMention:
    """One verified mention: the span as written and the list entity it matches."""

    start: int
    end: int
    text: str
    hit: Hit
    verdict: str


class MentionFinder:
    """The triggers of one name index and the matcher that verifies their spans."""

    def __init__(self, matcher: Matcher, cache: Path | None = None) -> None:
        self.matcher = matcher
        self.triggers: dict[str, _Trigger] = {}
        self.trigger_words: frozenset[str] = frozenset()
        self.common_words: frozenset[str] = frozenset()  # triggers that count only capitalised
        self.rare_words: frozenset[str] = frozenset()
        self.han_automaton: Any = None
        self.legal_words: frozenset[str] = frozenset()
        self._verified: dict[str, list[tuple[Hit, str]]] = {}
        if cache is None or not self._load(cache, matcher.index.version):
            self._build(matcher.index)
            if cache is not None:
                self._save(cache, matcher.index.version)

    # -- the cache --------------------------------------------------------------------------------
    _TABLES = ("triggers", "trigger_words", "common_words", "rare_words", "han_automaton", "legal_words")

    def _load(self, path: Path, version: str) -> bool:
        """The tables from ``path`` when they were built for this index version (a missing, damaged
        or older file only costs the build)."""
        try:
            with open(path, "rb") as fh:
                tables = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            return False
        if not isinstance(tables, dict) or tables.get("version") != version:
            return False
        for name in self._TABLES:
            setattr(self, name, tables[name])
        return True

    def _save(self, path: Path, version: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mentions-")
            with os.fdopen(fd, "wb") as fh:
                tables = {name: getattr(self, name) for name in self._TABLES}
                pickle.dump({"version": version, **tables}, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only data directory only costs the build next time

    # -- building ---------------------------------------------------------------------------------
    def _build(self, index: NameIndex) -> None:
        import ahocorasick  # type: ignore[import-not-found]

        v = vocabulary()
        common = index.common_org | index.common_person | v.stop
        legal = {w for seq in v.legal_latin for w in seq} | set(index.legal_words)
        self.legal_words = frozenset(w for w in legal if w.isalpha() and w not in _CONNECTORS)
        triggers: dict[str, _Trigger] = {}
        han = ahocorasick.Automaton()
        han_seen: set[str] = set()
        for n in range(len(index.packed_forms)):
            info = index.entities[index.name_entity[n]]
            if info.schema in SKIPPED_SCHEMAS or not info.lists:
                continue
            original = index.original(n)
            if has_han(original):
                latin = latin_words(info.names)
                for key in han_keys(original, index.form(n), v):
                    if key != original and not distinctive_han(key, latin):
                        continue
                    if key not in han_seen:
                        han_seen.add(key)
                        han.add_word(key, key)
                continue
            form = index.form(n)
            roles = {t.text: t.role for t in form.tokens}
            words = [w for w in TOKEN_RE.findall(fold(original)) if w not in self.legal_words or w in roles]
            best: tuple[float, int, str] | None = None
            distinct: set[str] = set()
            for w in words:
                role = roles.get(w) or roles.get(w[:-1] if w.endswith("s") else w) or word_role(w, v)
                if role in (TITLE, PLACE) or w in v.stop:
                    continue
                distinct.add(w)
                if role in (CORE, NUMBER) and (len(w) >= 3 or (len(w) == 2 and not w.isdigit())):
                    weight = index.idf.get(w, index.idf.get(w[:-1], index.default_idf))
                    if not w.isdigit() and (best is None or (weight, len(w)) > best[:2]):
                        best = (weight, len(w), w)
            if best is None:  # a name of industry words only ("International Trading"): no trigger
                continue
            word = best[2]
            is_common = word in common or word[:-1] in common or len(word) <= 3
            trig = triggers.get(word)
            if trig is None:
                trig = triggers[word] = _Trigger(is_common, [])
            elif is_common:
                trig.common = True
            if is_common and len(distinct) >= 2:
                others = frozenset(distinct - {word})
                if others not in trig.needs:
                    trig.needs.append(others)
        self.triggers = triggers
        self.trigger_words = frozenset(triggers)
        self.common_words = frozenset(w for w, t in triggers.items() if t.common)
        self.rare_words = self.trigger_words - self.common_words

        if han_seen:
            han.make_automaton()
            self.han_automaton = han

    # -- finding ----------------------------------------------------------------------------------
    def find(
        self, text: str, folded: str | None = None, words: set[str] | None = None
    ) -> list[EntityMention]:
        """The verified entity mentions in ``text``, in order of position (``folded``: ``fold(text)``,
        ``words``: its words, when the caller has them)."""
        found: dict[tuple[int, int, str], EntityMention] = {}
        if folded is None:
            folded = fold(text)
        if words is None:
            words = set(TOKEN_RE.findall(folded))
        for start, end, trigger in self._latin_spans(text, folded, words):
            self._verify(text, start, end, found, trigger)
        for start, end in self._han_spans(text):
            self._verify(text, start, end, found, None)
        return sorted(found.values(), key=lambda m: (m.start, -m.end, m.hit.entity_id))

    def _latin_spans(
        self, text: str, folded: str, words: set[str]
    ) -> Iterator[tuple[int, int, tuple[int, int]]]:
        """Name spans around the triggers in ``text``, each with its trigger's own span."""
        seen: set[tuple[tuple[int, int], int]] = set()
        located: list[tuple[str, list[int]]] = []
        located.extend((w, list(word_positions(folded, w))) for w in self.rare_words.intersection(words))
        # the words not beginning in lower case, read in one pass: how the text is written, and the
        # capitalised common words (only those can count)
        unlowered = _CAPITALISED.findall(text)
        # a word in lower case is a name's only in a text written in lower case (a chat, a URL list)
        if len(unlowered) * 100 >= len(text) / 6:
            located = [(w, [i for i in starts if not text[i].islower()]) for w, starts in located]
        common = self.common_words.intersection(words)
        if common:
            forms: dict[str, set[str]] = {}
            for word in set(unlowered):
                if word[0].isupper():
                    low = word.lower() if word.isascii() else fold(word)
                    if low in common:
                        forms.setdefault(low, set()).add(word)
            for low, written in forms.items():
                starts = sorted({i for w in written for i in word_positions(text, w)})
                located.append((low, starts))
        for word, starts in located:
            trig = self.triggers[word]
            for start in starts:
                end = start + len(word)
                if trig.common:
                    # a common word is a name's only when written as one: capitalised, and either in
                    # capitals ("ZTE") or not alone ("East Hope", not "To" or "Values" at a sentence's start)
                    if not text[start].isupper():
                        continue
                    if not text[start + 1 : end].isupper() and not _name_beside(text, start, end):
                        continue  # "It", "See", "Create" at a sentence's start
                    span = self._name_span(text, start, end)
                    if span is None or (span == (start, end) and not text[start:end].isupper()):
                        continue
                    if trig.needs:
                        span_words = set(TOKEN_RE.findall(folded[span[0] : span[1]]))
                        if not any(need & span_words for need in trig.needs):
                            continue
                else:
                    span = self._name_span(text, start, end)
                    if span is None:
                        continue
                if (span, start) not in seen:  # one span, each trigger in it (the pieces differ)
                    seen.add((span, start))
                    yield span[0], span[1], (start, end)

    def _han_spans(self, text: str) -> Iterator[tuple[int, int]]:
        if self.han_automaton is None or not has_han(text):
            return
        for run in _HAN_RUN.finditer(text):
            best: dict[int, int] = {}  # start → longest end
            for end_index, key in self.han_automaton.iter(run.group()):
                start = end_index - len(key) + 1
                if best.get(start, -1) < end_index + 1:
                    best[start] = end_index + 1
            covered = -1
            for start in sorted(best):
                end = best[start]
                if end <= covered:
                    continue  # inside a longer name found already
                covered = end
                yield run.start() + start, run.start() + end

    def _name_span(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The name span around the trigger at ``start:end`` (see the module docstring)."""
        if _lower_between(text, start, end):
            return start, end  # "… the huawei phone …": a name of one word in lower-case text
        first_start, last_end = start, end
        last_word = text[start:end]
        # rightwards, word by word, until the name ends
        legal_seen = False
        prev_end, prev_word = end, last_word
        for n, m in enumerate(_TEXT_WORD.finditer(text, end, min(len(text), end + WINDOW))):
            if n >= SPAN_WORDS:
                break
            word = m.group()
            low = word.lower()
            is_legal = low in self.legal_words
            short = len(prev_word) <= 3 or prev_word.lower() in self.legal_words
            if not _joins(text[prev_end : m.start()], is_legal, short) or (legal_seen and not is_legal):
                break
            if is_legal:
                legal_seen = True
            elif low in _END_WORDS or not (_name_word(word) or low in _CONNECTORS):
                break
            prev_end, prev_word = m.end(), word
            if not (low in _CONNECTORS and not is_legal):
                last_end = m.end()  # a connector counts only when a name word follows it
        # leftwards, over a short window read backwards
        lo = max(0, start - WINDOW // 2)
        before = [(m.start(), m.end(), m.group()) for m in _TEXT_WORD.finditer(text, lo, start)]
        nxt = start
        kept = start
        for n, (a, b, word) in enumerate(reversed(before)):
            if n >= SPAN_WORDS:
                break
            low = word.lower()
            if not _joins(text[b:nxt], False, len(word) <= 3) or low in self.legal_words:
                break
            if not (_name_word(word) or low in _CONNECTORS):
                break
            nxt = a
            if low not in _CONNECTORS:
                kept = a
        first_start = kept
        # drop sentence words at the start ("The", "According"), never the trigger itself
        while first_start < start:
            lead = _TEXT_WORD.match(text, first_start)
            if lead is None or lead.group().lower() not in _SENTENCE_WORDS | _CONNECTORS:
                break
            nxt_word = _TEXT_WORD.search(text, lead.end(), start + 1)
            first_start = nxt_word.start() if nxt_word else start
        # a legal form's closing period belongs to the name ("Co., Ltd.")
        if last_end < len(text) and text[last_end] == "." and text[last_end - 1].isalpha():
            words_before = text[first_start:last_end].split()
            if words_before and words_before[-1].lower().rstrip(".,") in self.legal_words:
                last_end += 1
        return first_start, last_end

    # -- verifying --------------------------------------------------------------------------------
    def _verify(
        self,
        text: str,
        start: int,
        end: int,
        found: dict[tuple[int, int, str], EntityMention],
        trigger: tuple[int, int] | None,
    ) -> None:
        span = text[start:end]
        accepted = self._accepted(span)
        if not accepted and trigger is not None:
            # a span joining two names ("Hikvision and Dahua", "Huawei/ZTE"): the trigger's piece alone
            piece = _piece_around(span, trigger[0] - start, trigger[1] - start)
            if piece is not None:
                start, end = start + piece[0], start + piece[1]
                span = text[start:end]
                accepted = self._accepted(span)
        if not accepted and trigger is not None and start < trigger[0] < end:
            # a capitalised word before the name ("Supplier Hikvision", "Beijing-based Huawei"): the
            # name from its trigger on; never without the words after it ("Dahua Noodle House")
            start = trigger[0]
            span = text[start:end]
            accepted = self._accepted(span)
        for hit, verdict in accepted:
            found.setdefault((start, end, hit.entity_id), EntityMention(start, end, span, hit, verdict))

    def _accepted(self, span: str) -> list[tuple[Hit, str]]:
        query = " ".join(span.split())
        known = self._verified.get(query)
        if known is not None:
            return known
        if len(self._verified) > 50_000:
            self._verified.clear()
        hits = [
            h
            for h in self.matcher.match(query, limit=5)
            if h.lists and not h.reviewer_context and h.schema not in SKIPPED_SCHEMAS
        ]
        out: list[tuple[Hit, str]] = []
        matches = [h for h in hits if h.match]
        if matches:
            top = matches[0].score
            # a name of one everyday word ("Cybersecurity" at a sentence's start) may be that word
            verdict = "review" if _everyday_word(query) else "match"
            out = [(h, verdict) for h in matches if h.score >= top - 0.01]
        elif hits and hits[0].review and hits[0].schema != "Person":
            out = [(hits[0], "review")]
        self._verified[query] = out
        return out


EVERYDAY = 3.0  # English Zipf frequency from which a word is used in prose (once per million words)


def _everyday_word(query: str) -> bool:
    """Whether a span is one word, not in capitals, that English prose uses (wordfreq's Zipf
    frequency at least :data:`EVERYDAY`): "Cybersecurity", "Huawei"; not "Hikvision", "ZTE"."""
    if " " in query or query.isupper() or not query.isalpha():
        return False
    from wordfreq import zipf_frequency

    return bool(zipf_frequency(query.lower(), "en") >= EVERYDAY)


def _name_beside(text: str, start: int, end: int) -> bool:
    """Whether the word before or after ``start:end`` (a space or a hyphen apart) begins with a
    capital or a digit: a capitalised common word then may be part of a name ("East Hope")."""
    j = end
    while j < len(text) and j < end + 3 and text[j] in " -&\n":
        j += 1
    if j > end and j < len(text) and (text[j].isupper() or text[j].isdigit()):
        return True
    i = start - 1
    while i >= 0 and i > start - 4 and text[i] in " -&\n":
        i -= 1
    if i == start - 1 or i < 0 or not text[i].isalnum():
        return False
    while i > 0 and text[i - 1].isalnum():
        i -= 1
    return text[i].isupper() or text[i].isdigit()


def _lower_between(text: str, start: int, end: int) -> bool:
    """Whether the word at ``start:end`` is written in lower case between lower-case words (a space
    apart on both sides): then it is a name span of its own."""
    if not text[start].islower():
        return False
    before = text[start - 2 : start] if start >= 2 else ""
    after = text[end : end + 2]
    return (
        len(before) == 2
        and before[1] == " "
        and before[0].islower()
        and len(after) == 2
        and after[0] == " "
        and after[1].islower()
    )


def _name_word(word: str) -> bool:
    """A word that may be part of a name as written: capitalised, in capitals, a number, or in a
    script without letter case (Chinese, Arabic)."""
    first = word[0]
    return (
        first.isupper()
        or first.isdigit()
        or (first.isalpha() and not first.islower() and not first.isupper())
    )


def _joins(gap: str, legal: bool, short: bool = False) -> bool:
    """Whether the characters between two words keep them in one name: spaces (one line break at
    most), a hyphen, an ampersand, an apostrophe, a period; a comma only before a legal form."""
    if gap.count("\n") > 1:
        return False
    bare = gap.replace(" ", "").replace("\n", "").replace("\t", "")
    if bare in ("", "-", "&", "'", "’", "/", "–"):
        return True
    if bare == "." and (short or legal):  # "Co. Ltd", "J. Smith", "U.S."; not "… List. HUAWEI"
        return True
    if bare in (",", ".,", ",.") and legal:
        return True
    return False


_PIECE_SPLIT = re.compile(r"\s*(?:,|&|/|\band\b|\bund\b)\s*", re.IGNORECASE)


def _piece_around(span: str, start: int, end: int) -> tuple[int, int] | None:
    """The piece of ``span`` between the separators ("," "&" "/" "and") around ``start:end``, or
    None when the span does not split there."""
    lo, hi = 0, len(span)
    for m in _PIECE_SPLIT.finditer(span):
        if m.end() <= start:
            lo = m.end()
        elif m.start() >= end:
            hi = min(hi, m.start())
    if (lo, hi) == (0, len(span)) or lo >= hi:
        return None
    return lo, hi


_FINDERS: weakref.WeakKeyDictionary[Matcher, MentionFinder] = weakref.WeakKeyDictionary()


#: The finder's tables' format: part of their cache's name, raised whenever what they hold changes.
FINDER_FORMAT = 1


def finder_cache_path(index_cache: Path) -> Path:
    """Where the finder of the name index cached at ``index_cache`` is cached: beside it, named by it,
    this format and the word-frequency data the triggers were chosen by."""
    from importlib.metadata import version

    key = f"{index_cache.name}:{FINDER_FORMAT}:{version('wordfreq')}:{EVERYDAY}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return index_cache.parent / f"mentions-{digest}.pickle"


def mention_finder(matcher: Matcher) -> MentionFinder:
    """The mention finder of a matcher (built on first use, a second or two, then kept with it; cached
    beside the name index when the matcher says where that is, ``Matcher.cache_path``)."""
    finder = _FINDERS.get(matcher)
    if finder is None:
        index_cache = getattr(matcher, "cache_path", None)
        cache = finder_cache_path(index_cache) if isinstance(index_cache, Path) else None
        finder = _FINDERS[matcher] = MentionFinder(matcher, cache)
    return finder


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: from the end of the sentence before it to the end of
    its own, at most :data:`SENTENCE_REACH` characters either side; where that reach cuts it (a
    table, a list without full stops), at the nearest space inside, never in a word."""
    lo = max(0, start - SENTENCE_REACH)
    s = lo
    for m in _SENTENCE_END.finditer(text, lo, start + 1):
        s = m.end()
    if s == lo > 0:  # cut by the reach: begin after a space
        space = _SPACE.search(text, lo, start)
        s = space.end() if space else start
    hi = min(len(text), end + SENTENCE_REACH)
    after = end + 1 if text[end - 1 : end] == "." else end  # "Co., Ltd." ends a name, not the sentence
    stop = _SENTENCE_END.search(text, min(after, hi), hi)
    if stop is not None:
        return s, (stop.end() if stop.group()[:1] in "。！？；" else stop.start())
    if hi < len(text):  # cut by the reach: end before a space
        cut = max(text.rfind(" ", end, hi), text.rfind("\n", end, hi))
        hi = cut if cut > end else hi
    return s, hi


_SPACE = re.compile(r"\s+")


__all__ = ["EntityMention", "MentionFinder", "mention_finder", "name_form", "sentence_bounds"]
