"""What a document scan reads and finds: a document's pages of text, and the mentions in them.

A :class:`Document` is what a reader (``scan/documents.py``) makes of one file: its pages of text
(a PDF's pages; one page for a DOCX, an HTML article, a text file, an e-mail body; one page per
sheet of a workbook), and the documents attached to it (an e-mail's attachments). Offsets in a
:class:`Mention` are character offsets into its page's ``text``, so ``page.text[start:end]`` is the
mention as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from supplyscreen.errors import SupplyscreenError

#: What a mention is of: a list entity, covered equipment (a model number or brand), a place in
#: Xinjiang, a UFLPA high-priority sector.
KINDS = ("entity", "equipment", "place", "sector")


class DocumentError(SupplyscreenError):
    """A document that cannot be scanned: no text layer, encrypted, broken, of an unknown type.

    ``path`` names the file (for an attachment, ``mail.eml!invoice.pdf``); the message says why and
    what to do. The other files of a scan are still scanned."""

    def __init__(self, path: object, message: str) -> None:
        self.path = str(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}")

    def __reduce__(self) -> tuple[type[DocumentError], tuple[str, str]]:
        # pickled as what it was made of (a scan's helper process sends it back)
        return (type(self), (self.path, self.reason))


class UnsupportedDocument(DocumentError):
    """A file of no format the scan reads (an image, an archive, a binary file): a folder's or a
    mail's such files are skipped, where a damaged or encrypted document is reported."""


SUPPORTED = "PDF, DOCX, HTML, e-mail, XLSX, CSV, text"
NOT_SUPPORTED = f"is not a text file or a supported document ({SUPPORTED})"


@dataclass(slots=True)
class Page:
    """One page of a document's text; ``number`` counts from 1."""

    number: int
    text: str


@dataclass(slots=True)
class Document:
    """The text of one file, page by page, and the documents attached to it.

    ``path`` is the file as named on the command line (an attachment: ``parent!name``); ``kind`` the
    format read (``pdf``, ``docx``, ``html``, ``text``, ``eml``, ``xlsx``, ``csv``); ``title`` a title
    where the format has one (an HTML ``<title>``, an e-mail's subject); ``sha256`` the hash of the
    file's bytes (evidence records it)."""

    path: str
    kind: str
    pages: list[Page]
    sha256: str
    title: str = ""
    attachments: list[Document] = field(default_factory=list)
    # attachments that could not be read (an encrypted PDF in an e-mail): reported, not raised
    errors: list[DocumentError] = field(default_factory=list)

    @property
    def characters(self) -> int:
        return sum(len(p.text) for p in self.pages)


@dataclass(slots=True)
class Mention:
    """One thing found in a document: where, what, and why.

    ``kind`` is one of :data:`KINDS`. For an entity, ``entity_id``, ``entity_name``, ``lists``,
    ``score`` and ``verdict`` (``match`` or ``review``, the matcher's thresholds) say which list
    entity; for the detectors, ``key`` names the brand, place or sector and ``detail`` holds the rest
    (legal basis, place record, source and confidence). ``sentence`` is the sentence around the
    mention, as written (a list entity or a detected thing is named in it, so it may be quoted).
    """

    file: str
    page: int
    start: int
    end: int
    text: str
    kind: str
    sentence: str
    key: str = ""
    entity_id: str | None = None
    entity_name: str | None = None
    schema: str | None = None
    lists: list[str] = field(default_factory=list)
    score: float | None = None
    verdict: str | None = None
    explanation: str = ""
    confidence: str = "high"
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "page": self.page,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "kind": self.kind,
            "key": self.key,
            "entity_id": self.entity_id,
            "entity_name": self.entity_name,
            "schema": self.schema,
            "lists": list(self.lists),
            "score": None if self.score is None else round(self.score, 4),
            "verdict": self.verdict,
            "explanation": self.explanation,
            "confidence": self.confidence,
            "sentence": self.sentence,
            "detail": self.detail,
        }
