"""Read the documents `supplyscreen scan` looks through: PDF, DOCX, HTML, e-mail, XLSX, CSV and text.

``read_document`` makes a :class:`~supplyscreen.scan.model.Document` of one file, or of the bytes of
an e-mail's attachment: its pages of text, the hash of its bytes, its kind and title. The format is
told by the file's content first (a PDF renamed ``.txt`` is still a PDF; a mail saved as ``.txt``
still a mail) and by its extension second. A file that cannot be scanned raises a
:class:`~supplyscreen.scan.model.DocumentError` that says why and what to do: an encrypted PDF, a
scanned one with no text layer, a damaged file, a binary one. An e-mail's attachments are read in
turn; one that cannot be read is listed in the mail's ``errors`` rather than raised, so the mail and
its other attachments are still scanned.

Each reader keeps one copy of a file at a time: PDF, DOCX and XLSX files are opened from disk by
their libraries (the hash is read in blocks beside them), the textual formats are read once into
memory, and that copy is hashed and decoded.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path

from supplyscreen.io.encoding import SAMPLE_BYTES, detect_bytes_encoding
from supplyscreen.io.errors import InputError
from supplyscreen.scan.formats import read_docx, read_pdf, read_xlsx, unreadable_office
from supplyscreen.scan.html import WHITESPACE, decode_html, html_text
from supplyscreen.scan.model import (
    NOT_SUPPORTED,
    SUPPORTED,
    Document,
    DocumentError,
    Page,
    UnsupportedDocument,
)
from supplyscreen.scan.source import Source

#: How deep e-mails attached to e-mails are read (a forwarded mail holding a forwarded mail ...).
MAX_MAIL_DEPTH = 3


#: The format an extension stands for, when the content does not tell.
_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".docm": "docx",
    ".dotx": "docx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".htm": "html",
    ".html": "html",
    ".xhtml": "html",
    ".eml": "eml",
    ".csv": "csv",
    ".tsv": "csv",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office files, and encrypted DOCX/XLSX
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# Headers that mark a mail: two of them (one of the first group) in the first block of header lines.
_MAIL_HEADERS = frozenset(
    "from to cc subject date message-id received return-path mime-version delivered-to reply-to "
    "content-type x-mailer sender".split()
)
_MAIL_MARKS = frozenset("from subject date message-id received mime-version return-path".split())
_HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z0-9-]*)[ \t]*:")
_HTML_MARK = re.compile(r"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
# Attachments of these MIME types are never documents: skipped without a word.
_SKIPPED_MAINTYPES = {"image", "audio", "video", "font", "model"}
_BODY_TYPES = ("text/plain", "text/html")


def read_document(path: Path, *, name: str | None = None, data: bytes | None = None) -> Document:
    """The pages of text of the document at ``path``, or of ``data`` (an e-mail's attachment).

    With ``data``, ``path`` is the attachment's file name (its extension helps tell the format) and
    ``name`` the path shown, such as ``mail.eml!invoice.pdf``. Raises `DocumentError` (or its
    `UnsupportedDocument`) for a file that cannot be scanned, naming the file and what to do."""
    return _read(Path(path), name if name is not None else str(path), data, depth=0)


def document_pages(doc: Document) -> Iterator[tuple[Document, Page]]:
    """Each page of ``doc`` and of the documents attached to it, at any depth, with its document:
    the document's own pages first, then each attachment's in turn."""
    stack = [doc]
    while stack:
        current = stack.pop()
        for page in current.pages:
            yield current, page
        stack.extend(reversed(current.attachments))


def _read(path: Path, display: str, data: bytes | None, depth: int) -> Document:
    source = Source(path, display, data)
    kind = _sniff(source)
    if kind == "pdf":
        return read_pdf(source)
    if kind == "docx":
        return read_docx(source)
    if kind == "xlsx":
        return read_xlsx(source)
    if kind == "eml":
        return _read_mail(source, depth)
    if kind == "html":
        raw = source.read()
        text, title = html_text(decode_html(raw, display))
        return Document(display, "html", [Page(1, text)], source.sha256(), title)
    text = _decode_text(source.read(), display)
    return Document(display, kind, [Page(1, text)], source.sha256())


def _sniff(source: Source) -> str:
    """The format of ``source``: by its content where that tells (see the module), else its
    extension; ``text`` for anything else (refused later if it is not text)."""
    head = source.head
    by_extension = _EXTENSIONS.get(source.extension, "text")
    if head.startswith(b"%PDF") or (by_extension == "pdf" and b"%PDF-" in head[:1024]):
        return "pdf"
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(source, by_extension)
    if head.startswith(_OLE_MAGIC):
        _refuse_ole(source, by_extension)
    text = _head_text(head)
    if _looks_like_mail(text):
        return "eml"
    if text.lstrip("\ufeff \t\r\n").startswith("<") and _HTML_MARK.search(text[:4096]):
        return "html"
    if by_extension == "pdf":
        raise DocumentError(source.display, "is not a readable PDF (damaged or truncated)")
    if by_extension in ("docx", "xlsx"):
        raise DocumentError(source.display, unreadable_office(by_extension))
    return by_extension


def _zip_kind(source: Source, by_extension: str) -> str:
    """``docx`` or ``xlsx`` for a ZIP archive holding one; refuses other archives."""
    try:
        with zipfile.ZipFile(source.handle()) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        if by_extension in ("docx", "xlsx"):
            raise DocumentError(source.display, unreadable_office(by_extension)) from exc
        raise DocumentError(source.display, "is a damaged ZIP archive, not a readable document") from exc
    if "word/document.xml" in names:
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    if by_extension in ("docx", "xlsx"):
        raise DocumentError(source.display, unreadable_office(by_extension))
    raise UnsupportedDocument(
        source.display,
        f"is a ZIP archive, not a supported document ({SUPPORTED}); extract it and scan its files",
    )


def _refuse_ole(source: Source, by_extension: str) -> None:
    """An OLE2 file: Word's and Excel's old formats, an Outlook .msg, or an encrypted DOCX/XLSX
    (Office stores those in OLE2 as an ``EncryptedPackage``). None can be read, each for its reason."""
    marker = "EncryptedPackage".encode("utf-16-le")
    if by_extension in ("docx", "xlsx") or (source.data is not None and marker in source.data):
        raise DocumentError(
            source.display, "is encrypted (password-protected); save an unprotected copy to scan it"
        )
    raise DocumentError(
        source.display,
        "is in an old Office format (.doc, .xls or Outlook .msg), which the scan does not read; "
        "save it as DOCX or XLSX (a mail as .eml) and scan that",
    )


def _head_text(head: bytes) -> str:
    """The start of a file as text, enough to tell a mail or a web page (BOM-aware)."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return head.decode(codec, errors="ignore")
    return head.decode("latin-1")


def _looks_like_mail(text: str) -> bool:
    """Whether ``text`` starts with a mail's header block (an mbox ``From `` line may come first)."""
    names: set[str] = set()
    lines = text.lstrip("\ufeff").split("\n")
    if lines and lines[0].startswith("From "):
        lines = lines[1:]
    for line in lines[:-1]:  # the last one may be cut off
        line = line.rstrip("\r")
        if not line:
            break
        if line[0] in " \t" and names:
            continue  # a folded header's next line
        match = _HEADER_LINE.match(line)
        if match is None:
            return False
        names.add(match.group(1).lower())
    known = names & _MAIL_HEADERS
    return len(known) >= 2 and bool(known & _MAIL_MARKS)


# --- text, CSV ------------------------------------------------------------------------------------


def _decode_text(raw: bytes, display: str) -> str:
    """``raw`` decoded in the encoding the repository's detection tells (UTF-8, UTF-16, GB18030,
    Windows-1252), line ends as ``\\n``; a binary file is refused."""
    complete = len(raw) <= SAMPLE_BYTES
    try:
        codec = detect_bytes_encoding(raw[:SAMPLE_BYTES], complete, display)
    except InputError as exc:
        raise UnsupportedDocument(display, NOT_SUPPORTED) from exc
    return _line_ends(raw.decode(codec, errors="replace"))


def _line_ends(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --- e-mail ---------------------------------------------------------------------------------------


def _read_mail(source: Source, depth: int) -> Document:
    """One page, ``Subject: ...``, a blank line and the body (its plain text, else the text of its
    HTML); the attachments read as documents. The sender's and recipients' names and addresses are
    left out: they name private persons, not suppliers."""
    raw = source.read()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    subject = WHITESPACE.sub(" ", str(message.get("subject", "") or "")).strip()
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001 - a damaged MIME structure: the body is looked for below
        body = None
    texts = [_part_text(body)] if body is not None else []
    if body is None and message.get_content_maintype() == "multipart" and not _subparts(message):
        texts.append(_line_ends(str(message.get_payload())))  # a multipart with no boundary found
    skipped = _alternatives(message, body)
    document = Document(source.display, "eml", [], source.sha256(), subject)
    for number, part in enumerate(_leaves(message), start=1):
        if part is body or id(part) in skipped:
            continue
        if part.get_content_type() == "message/rfc822":
            _attach_mail(document, part, number, depth)
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if filename is None and disposition != "attachment" and part.get_content_type() in _BODY_TYPES:
            texts.append(_part_text(part))  # a further inline part of the body (a list's footer)
            continue
        if disposition == "inline" and filename is None:
            continue
        _attach(document, part, filename or f"attachment-{number}{_extension(part)}", depth)
    text = "\n\n".join(t for t in texts if t.strip())
    if subject:
        text = f"Subject: {subject}\n\n{text}"
    document.pages.append(Page(1, text))
    return document


def _part_text(part: Message) -> str:
    """A text part's text (an HTML one's main text), in its declared charset; an unknown charset is
    read as UTF-8, undecodable bytes replaced."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, KeyError, AttributeError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        content = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else ""
    if part.get_content_subtype() == "html":
        return html_text(content)[0]
    return _line_ends(content).strip("\n")


def _alternatives(message: Message, body: Message | None) -> set[int]:
    """The parts standing in for ``body`` (the HTML of a plain-text body, the plain text of an HTML
    one): every part of the ``multipart/alternative`` that holds it, which are not attachments."""
    if body is None:
        return set()
    found: set[int] = set()
    stack: list[tuple[Message, Message | None]] = [(message, None)]
    while stack:
        part, alternative = stack.pop()
        if part.get_content_maintype() == "multipart":
            inner = part if part.get_content_subtype() == "alternative" else alternative
            stack.extend((child, inner) for child in _subparts(part))
        elif part is body and alternative is not None:
            found.update(id(leaf) for leaf in _leaves(alternative) if leaf.get_filename() is None)
    return found


def _leaves(message: Message) -> Iterator[Message]:
    """The mail's parts that are not multipart containers, in order; an attached mail is one part
    (its own parts are read when it is)."""
    stack: list[Message] = [message]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == "multipart":
            stack.extend(reversed(_subparts(part)))
        else:
            yield part


def _subparts(part: Message) -> list[Message]:
    """A multipart's parts; none for a damaged one whose payload is text (no boundary found)."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    return [child for child in payload if isinstance(child, Message)]


def _extension(part: Message) -> str:
    """An extension for an attachment without a file name, from its MIME type (it helps the reader
    tell the format)."""
    return {
        "application/pdf": ".pdf",
        "text/html": ".html",
        "text/csv": ".csv",
        "text/plain": ".txt",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    }.get(part.get_content_type(), "")


def _attach(document: Document, part: Message, filename: str, depth: int) -> None:
    """Read an attachment into ``document.attachments``; its error into ``document.errors``."""
    if part.get_content_maintype() in _SKIPPED_MAINTYPES:
        return
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload:
        return
    name = f"{document.path}!{filename}"
    try:
        document.attachments.append(_read(Path(filename), name, payload, depth + 1))
    except UnsupportedDocument:
        return
    except DocumentError as exc:
        document.errors.append(exc)


def _attach_mail(document: Document, part: Message, number: int, depth: int) -> None:
    """Read a mail attached to the mail (a forwarded one), up to `MAX_MAIL_DEPTH` deep."""
    filename = part.get_filename() or f"attached-message-{number}.eml"
    name = f"{document.path}!{filename}"
    if depth + 1 > MAX_MAIL_DEPTH:
        document.errors.append(
            DocumentError(
                name,
                f"is a mail attached more than {MAX_MAIL_DEPTH} deep in other mails, not read; save it "
                "as a file and scan that",
            )
        )
        return
    inner = part.get_payload()
    if isinstance(inner, list) and inner:
        inner = inner[0]
    if not isinstance(inner, Message):
        return
    try:
        data = inner.as_bytes()
    except Exception as exc:  # noqa: BLE001 - a mail the generator cannot write back
        document.errors.append(DocumentError(name, f"is an attached mail that cannot be read ({exc})"))
        return
    try:
        document.attachments.append(_read(Path("attached.eml"), name, data, depth + 1))
    except UnsupportedDocument:
        return
    except DocumentError as exc:
        document.errors.append(exc)
