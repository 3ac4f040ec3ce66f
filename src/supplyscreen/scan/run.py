"""Scan documents: read each file's pages, find list entities and the detectors' findings in them.

``scan_text`` scans one page of text; ``scan_document`` a read document with its attachments;
``scan_files`` a list of files, where a file that cannot be read (no text layer, encrypted, broken)
is reported as an error and the others are still scanned.

What is reported (the harm boundary): list entities (organisations, and persons who are list
entries), covered equipment, places in Xinjiang and high-priority sectors. Nothing else that a
document names is extracted. A mention's ``sentence`` is quoted as written when the sentence names
a list entity; for a detector's finding in a sentence that names none, every capitalised word and
every Chinese character outside the things found is masked ("…"), so that a sentence about a private
person ("Margaret moved to Aksu, Xinjiang") never reaches a report with the person's name in it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supplyscreen.detect import detectors
from supplyscreen.detect.text import TOKEN_RE, fold, has_han, word_positions
from supplyscreen.model import Flag, Record
from supplyscreen.scan.mentions import (
    _HAN_RUN,
    EntityMention,
    mention_finder,
    sentence_bounds,
)
from supplyscreen.scan.model import Document, DocumentError, Mention, Page

if TYPE_CHECKING:
    from supplyscreen.screener import Screener

#: The kind of mention each detector's flags become.
DETECTOR_KINDS = {
    "covered_equipment": "equipment",
    "xinjiang_location": "place",
    "high_priority_sector": "sector",
}
MASK = "…"
_MASKED_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’-][^\W_]+)*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
#: What a progress display is told: (file, page number, pages of the file).
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class ScanResult:
    """What a scan found: the documents read, their mentions, and the files that could not be read."""

    snapshot_version: str
    documents: list[Document] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(len(d.pages) for d, _ in _walk(self.documents))

    @property
    def characters(self) -> int:
        return sum(d.characters for d, _ in _walk(self.documents))


def _covered(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether a span of ``spans`` (sorted) covers ``start:end``: names are short, so only the few
    spans starting just before ``start`` can."""
    i = bisect_right(spans, (start, 1 << 62))
    return any(a <= start and end <= b for a, b in spans[max(0, i - 8) : i])


def _inside(spans: list[tuple[int, int]], s: int, e: int) -> list[tuple[int, int]]:
    """The spans of ``spans`` (sorted) that lie within ``s:e``."""
    lo, hi = bisect_left(spans, (s, -1)), bisect_left(spans, (e, -1))
    return [(a, b) for a, b in spans[lo:hi] if b <= e]


def _walk(docs: Iterable[Document]) -> Iterable[tuple[Document, int]]:
    for doc in docs:
        yield doc, 0
        yield from _walk(doc.attachments)


def walk_documents(docs: Iterable[Document]) -> Iterable[Document]:
    """Each document, then its attachments (at any depth)."""
    return (d for d, _ in _walk(docs))


def scan_text(screener: Screener, text: str, *, file: str = "<text>", page: int = 1) -> list[Mention]:
    """The mentions in one page of text, in order of position (entities first at the same place).

    A long page (a whole book in one text file) is scanned in parts cut at blank lines, which no
    name and no sentence crosses; offsets are the page's all the same."""
    if len(text) <= CHUNK:
        return _scan_part(screener, text, file, page)
    out: list[Mention] = []
    for offset, part in _parts(text):
        for m in _scan_part(screener, part, file, page):
            m.start += offset
            m.end += offset
            out.append(m)
    return out


CHUNK = 20_000  # characters of a long page scanned at a time


def _parts(text: str) -> Iterable[tuple[int, str]]:
    """``text`` in parts of about :data:`CHUNK` characters, cut after a blank line (else after a line
    break, else after a space), with their offsets."""
    start = 0
    size = len(text)
    while start < size:
        end = min(size, start + CHUNK)
        if end < size:
            for sep in ("\n\n", "\n", " "):
                cut = text.rfind(sep, start + CHUNK // 2, end)
                if cut >= 0:
                    end = cut + len(sep)
                    break
        yield start, text[start:end]
        start = end


def _scan_part(screener: Screener, text: str, file: str, page: int) -> list[Mention]:
    finder = mention_finder(screener.matcher)
    folded = fold(text)
    words = set(TOKEN_RE.findall(folded))
    mentions = [_entity_mention(text, m, file, page) for m in _grouped(finder.find(text, folded, words))]
    spans = sorted((m.start, m.end) for m in mentions)
    found = [
        (m, bounds)
        for m, bounds in _detector_mentions(text, file, page, words, folded)
        # a brand inside a list entity's name found already says nothing more ("Zhejiang Dahua")
        if not (m.detail.get("kind") == "brand" and _covered(spans, m.start, m.end))
    ]
    every = sorted(spans + [(m.start, m.end) for m, _ in found])
    for m, (s, e) in found:
        if _inside(spans, s, e):  # the sentence names a list entity: quoted as it is
            m.sentence = _clean(text[s:e])
        else:
            m.sentence = _masked(text, s, e, _inside(every, s, e))
        mentions.append(m)
    mentions.sort(key=lambda m: (m.start, m.kind != "entity", m.end))
    return mentions


def scan_document(screener: Screener, doc: Document, progress: Progress | None = None) -> list[Mention]:
    """The mentions in every page of a document and of its attachments."""
    out: list[Mention] = []
    for page in doc.pages:
        out.extend(scan_text(screener, page.text, file=doc.path, page=page.number))
        if progress is not None:
            progress(doc.path, page.number, len(doc.pages))
    for attachment in doc.attachments:
        out.extend(scan_document(screener, attachment, progress))
    return out


def scan_files(
    screener: Screener,
    paths: Iterable[str | Path],
    *,
    progress: Progress | None = None,
    read: Callable[[Path], Document] | None = None,
    workers: int = 1,
) -> ScanResult:
    """Scan files in order; a file that cannot be read is an error of the result, not an exception.

    ``workers`` counts the processes at work (0: one per core): with more than one, and more than
    one file, helpers forked with the lists, the mention finder and the detectors already loaded
    read and scan a file each at a time; the result is the same, in the same order. ``progress``
    then hears of each file's pages when the file is done."""
    files = [Path(p) for p in paths]
    result = ScanResult(snapshot_version=screener.snapshot_version)
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    if read is None and workers > 1 and len(files) > 1 and "fork" in multiprocessing.get_all_start_methods():
        helpers = _scanned_by_helpers(screener, files, workers)
        for path, (doc, mentions, error) in zip(files, helpers, strict=True):
            _add(result, doc, mentions, error)
            if progress is not None and doc is None:
                progress(str(path), 0, 0)
            elif progress is not None and doc is not None:
                for sub, page in document_pages(doc):
                    progress(sub.path, page.number, len(sub.pages))
        return result
    reader = read or _read_document
    for path in files:
        try:
            doc = reader(path)
        except DocumentError as exc:
            _add(result, None, [], exc)
            if progress is not None:
                progress(str(path), 0, 0)
            continue
        _add(result, doc, scan_document(screener, doc, progress), None)
    return result


def document_pages(doc: Document) -> Iterable[tuple[Document, Page]]:
    """Each page of a document and of its attachments, with the document it is of."""
    for current in walk_documents([doc]):
        for page in current.pages:
            yield current, page


def _read_document(path: Path) -> Document:
    from supplyscreen.scan.documents import read_document

    return read_document(path)


def _add(
    result: ScanResult, doc: Document | None, mentions: list[Mention], error: DocumentError | None
) -> None:
    if error is not None:
        result.errors.append(error)
    if doc is not None:
        result.documents.append(doc)
        result.mentions.extend(mentions)
        result.errors.extend(e for d, _ in _walk([doc]) for e in d.errors)


#: The screener the forked helpers scan with (set in the parent before the fork).
_HELPER_SCREENER: Screener | None = None


def _scanned_by_helpers(
    screener: Screener, files: list[Path], workers: int
) -> Iterable[tuple[Document | None, list[Mention], DocumentError | None]]:
    """Each file read and scanned by a pool of forked helpers, in order."""
    global _HELPER_SCREENER
    scan_text(screener, "Aksu, Xinjiang; DS-2CD2143G0-I; polysilicon; Hikvision")  # load all first
    _HELPER_SCREENER = screener
    gc.freeze()  # what is loaded is shared with the helpers, and the collector leaves it alone
    with multiprocessing.get_context("fork").Pool(min(workers, len(files))) as pool:
        yield from pool.imap(_scan_one, files)


def _scan_one(path: Path) -> tuple[Document | None, list[Mention], DocumentError | None]:
    """In a helper: one file read and scanned (an unreadable file is its error)."""
    assert _HELPER_SCREENER is not None
    try:
        doc = _read_document(path)
    except DocumentError as exc:
        return None, [], exc
    return doc, scan_document(_HELPER_SCREENER, doc), None


# -- entities -------------------------------------------------------------------------------------
def _grouped(found: list[EntityMention]) -> list[list[EntityMention]]:
    """The entity mentions of one span together: a name may match several entries equally
    ("Huawei": the parent and its listed affiliates); the best is the mention, the rest ``also``."""
    groups: dict[tuple[int, int], list[EntityMention]] = {}
    for m in found:
        groups.setdefault((m.start, m.end), []).append(m)
    return [sorted(g, key=lambda m: (-m.hit.score, m.hit.entity_id)) for g in groups.values()]


def _entity_mention(text: str, group: list[EntityMention], file: str, page: int) -> Mention:
    best = group[0]
    hit = best.hit
    s, e = sentence_bounds(text, best.start, best.end)
    lists = list(dict.fromkeys(code for m in group for code in m.hit.lists))
    return Mention(
        file=file,
        page=page,
        start=best.start,
        end=best.end,
        text=best.text,
        kind="entity",
        key=hit.caption,
        entity_id=hit.entity_id,
        entity_name=hit.caption,
        schema=hit.schema,
        lists=lists,
        score=hit.score,
        verdict=best.verdict,
        explanation=hit.explanation,
        sentence=_clean(text[s:e]),
        detail={
            "matched_name": hit.matched_name,
            "source_ids": list(hit.source_ids),
            "also": [
                {"entity_id": m.hit.entity_id, "entity_name": m.hit.caption, "lists": list(m.hit.lists)}
                for m in group[1:]
            ],
        },
    )


# -- detectors ------------------------------------------------------------------------------------
def _detector_mentions(
    text: str, file: str, page: int, words: set[str], folded: str
) -> list[tuple[Mention, tuple[int, int]]]:
    """The detectors' findings. A page is far longer than the texts a detector is made for, so the
    sentences worth screening are found first: those around a word that begins a brand, place or
    sector phrase (``scan_words``), around a possible model number, and those in Chinese script.
    Each is then screened alone, as a row's description would be, so that its own context decides
    ("Aksu, Kazakhstan" is not Aksu in Xinjiang, whatever the page says elsewhere)."""
    out: list[tuple[Mention, tuple[int, int]]] = []
    han_sentences: list[tuple[int, int]] | None = None
    for code, det in detectors().items():
        positions: list[tuple[int, int]] = []
        present = words & _scan_words(code)
        if present:
            positions.extend((i, i + len(w)) for w in present for i in word_positions(folded, w))
        if code == "covered_equipment":
            positions.extend(det.model_matches(text, words, folded))  # type: ignore[attr-defined]
        sentences = dict.fromkeys(sentence_bounds(text, a, b) for a, b in positions)
        if has_han(text):
            if han_sentences is None:
                han_sentences = [sentence_bounds(text, m.start(), m.end()) for m in _HAN_RUN.finditer(text)]
            sentences.update(dict.fromkeys(han_sentences))
        for s, e in sorted(sentences):
            record = Record(row=1, description=text[s:e])
            for flag in det.detect(record):
                out.extend((m, (s, e)) for m in _flag_mentions(flag, code, text, s, file, page))
    return out


@cache
def _scan_words(code: str) -> frozenset[str]:
    """A detector's ``scan_words``, worked out once."""
    return detectors()[code].scan_words()  # type: ignore[attr-defined, no-any-return]


def _flag_mentions(flag: Flag, code: str, text: str, s: int, file: str, page: int) -> list[Mention]:
    """A detector's flag on the sentence starting at ``s`` as mentions (their sentence is set by
    the caller, who knows what else the sentence names)."""
    ev = flag.evidence
    matches: list[dict[str, Any]] = ev.get("matches") or [ev]
    spans = [(s + int(m["start"]), s + int(m["end"])) for m in matches if "start" in m]
    detail = {
        k: v for k, v in ev.items() if k not in ("matches", "text", "start", "end", "field", "field_label")
    }
    detail["severity"] = flag.severity
    detail["reason"] = flag.reason
    out: list[Mention] = []
    seen: set[tuple[int, int]] = set()
    for m, (a, b) in zip((m for m in matches if "start" in m), spans, strict=True):
        if (a, b) in seen:
            continue
        seen.add((a, b))
        key = str(m.get("brand") or _place_name(m) or ev.get("sector") or m.get("key") or m.get("text"))
        out.append(
            Mention(
                file=file,
                page=page,
                start=a,
                end=b,
                text=text[a:b],
                kind=DETECTOR_KINDS.get(code, code),
                key=key,
                sentence="",
                confidence=str(m.get("confidence") or "high"),
                detail={
                    **detail,
                    **{k: v for k, v in m.items() if k not in ("text", "start", "end", "field")},
                },
            )
        )
    return out


def _place_name(m: dict[str, Any]) -> str | None:
    place = m.get("place")
    if isinstance(place, dict):
        return str(place.get("name_en") or "") or None
    return None


def _clean(sentence: str) -> str:
    return " ".join(sentence.split())


def _masked(text: str, s: int, e: int, keep: list[tuple[int, int]]) -> str:
    """The sentence ``text[s:e]`` with every capitalised word, and every stretch of Chinese script,
    outside ``keep`` (sorted) masked: a sentence naming no list entity is quoted only for what was
    found in it."""
    out: list[str] = []
    pos = s
    first = _first_word_start(text, s, e)
    for m in _MASKED_WORD.finditer(text, s, e):
        a, b = m.start(), m.end()
        word = m.group()
        if has_han(word[0]):  # no spaces between words: keep the parts found, mask the rest
            cur = a
            for ka, kb in keep:
                if kb <= cur or ka >= b:
                    continue
                if ka > cur:
                    out.extend((text[pos:cur], MASK))
                    pos = ka
                cur = max(cur, kb)
            if cur < b:
                out.extend((text[pos:cur], MASK))
                pos = b
            continue
        if not word[0].isupper() or any(ka <= a and b <= kb for ka, kb in keep):
            continue
        if a == first and word.lower() in _PLAIN_STARTS:
            continue
        out.extend((text[pos:a], MASK))
        pos = b
    out.append(text[pos:e])
    return _clean("".join(out))


_PLAIN_STARTS = frozenset("the a an in at on our we it this these those from for all some".split())


def _first_word_start(text: str, s: int, e: int) -> int:
    m = _MASKED_WORD.search(text, s, e)
    return m.start() if m else -1
