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
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from supplyscreen.io.encoding import SAMPLE_BYTES, detect_bytes_encoding
from supplyscreen.io.errors import InputError
from supplyscreen.io.sheet_cells import blank, cell_value
from supplyscreen.scan.model import Document, DocumentError, Page

#: The largest file read: a bigger one is refused rather than read into memory.
MAX_BYTES = 512 * 1024 * 1024
#: How deep e-mails attached to e-mails are read (a forwarded mail holding a forwarded mail ...).
MAX_MAIL_DEPTH = 3
#: How much of a file its format is told from.
_HEAD_BYTES = 8192

SUPPORTED = "PDF, DOCX, HTML, e-mail, XLSX, CSV, text"
_NOT_SUPPORTED = f"is not a text file or a supported document ({SUPPORTED})"

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


class UnsupportedDocument(DocumentError):
    """A file of no format the scan reads (an image, an archive, a binary file): a folder's or a
    mail's such files are skipped, where a damaged or encrypted document is reported."""


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


class _Source:
    """The bytes of one document: a file on disk (read as little as each format needs) or bytes."""

    def __init__(self, path: Path, display: str, data: bytes | None) -> None:
        self.path = path
        self.display = display
        self.data = data
        if data is None:
            if not path.exists():
                raise DocumentError(display, "no such file")
            if path.is_dir():
                raise DocumentError(display, "is a folder, not a document file")
            try:
                self.size = path.stat().st_size
                with open(path, "rb") as handle:
                    self.head = handle.read(_HEAD_BYTES)
            except OSError as exc:
                raise DocumentError(display, f"cannot read the file: {exc.strerror or exc}") from exc
        else:
            self.size = len(data)
            self.head = data[:_HEAD_BYTES]
        if self.size == 0:
            raise DocumentError(display, "is empty")
        if self.size > MAX_BYTES:
            raise DocumentError(
                display,
                f"is larger than {MAX_BYTES // (1024 * 1024)} MB, too large to scan; split it into "
                "smaller files (or extract its text) and scan those",
            )
        self._sha256: str | None = None

    @property
    def extension(self) -> str:
        return self.path.suffix.lower()

    def opened(self) -> Path | bytes:
        """What a library opens: the file's path (it reads the file itself) or the bytes."""
        return self.path if self.data is None else self.data

    def handle(self) -> str | io.BytesIO:
        """The file's path as text, or the bytes as a file object (python-docx, zipfile)."""
        return str(self.path) if self.data is None else io.BytesIO(self.data)

    def read(self) -> bytes:
        """All the bytes, read once (a textual format decodes them; the hash is taken of them)."""
        if self.data is None:
            try:
                self.data = self.path.read_bytes()
            except OSError as exc:
                raise DocumentError(self.display, f"cannot read the file: {exc.strerror or exc}") from exc
        return self.data

    def sha256(self) -> str:
        """The hash of the bytes: of those in memory, else of the file read in blocks."""
        if self._sha256 is None:
            if self.data is not None:
                self._sha256 = hashlib.sha256(self.data).hexdigest()
            else:
                try:
                    with open(self.path, "rb") as handle:
                        self._sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
                except OSError as exc:
                    raise DocumentError(self.display, f"cannot read the file: {exc.strerror or exc}") from exc
        return self._sha256


def _read(path: Path, display: str, data: bytes | None, depth: int) -> Document:
    source = _Source(path, display, data)
    kind = _sniff(source)
    if kind == "pdf":
        return _read_pdf(source)
    if kind == "docx":
        return _read_docx(source)
    if kind == "xlsx":
        return _read_xlsx(source)
    if kind == "eml":
        return _read_mail(source, depth)
    if kind == "html":
        raw = source.read()
        text, title = html_text(_decode_html(raw, display))
        return Document(display, "html", [Page(1, text)], source.sha256(), title)
    text = _decode_text(source.read(), display)
    return Document(display, kind, [Page(1, text)], source.sha256())


def _sniff(source: _Source) -> str:
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
        raise DocumentError(source.display, _unreadable_office(by_extension))
    return by_extension


def _unreadable_office(kind: str) -> str:
    if kind == "docx":
        return "is not a readable DOCX file (damaged, or not a Word document); open and save it again in Word"
    return "is not a readable XLSX workbook (damaged, or not an Excel file); open and save it again in Excel"


def _zip_kind(source: _Source, by_extension: str) -> str:
    """``docx`` or ``xlsx`` for a ZIP archive holding one; refuses other archives."""
    try:
        with zipfile.ZipFile(source.handle()) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        if by_extension in ("docx", "xlsx"):
            raise DocumentError(source.display, _unreadable_office(by_extension)) from exc
        raise DocumentError(source.display, "is a damaged ZIP archive, not a readable document") from exc
    if "word/document.xml" in names:
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    if by_extension in ("docx", "xlsx"):
        raise DocumentError(source.display, _unreadable_office(by_extension))
    raise UnsupportedDocument(
        source.display,
        f"is a ZIP archive, not a supported document ({SUPPORTED}); extract it and scan its files",
    )


def _refuse_ole(source: _Source, by_extension: str) -> None:
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


# --- PDF ------------------------------------------------------------------------------------------


def _read_pdf(source: _Source) -> Document:
    """One page of text for each page of the PDF, through PDFium; refuses encrypted PDFs, PDFs with no
    text on any page (scans) and damaged ones."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]
    import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]

    display = source.display
    try:
        pdf = pdfium.PdfDocument(source.opened())
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_raw.FPDF_ERR_PASSWORD, pdfium_raw.FPDF_ERR_SECURITY):
            raise DocumentError(
                display, "is encrypted (password-protected); save an unprotected copy to scan it"
            ) from exc
        if exc.err_code == pdfium_raw.FPDF_ERR_SUCCESS:  # opened, but no page
            raise DocumentError(display, "has no pages") from exc
        raise DocumentError(display, "is not a readable PDF (damaged or truncated)") from exc
    pages: list[Page] = []
    try:
        title = _pdf_title(pdf)
        for index in range(len(pdf)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:
                raise DocumentError(
                    display,
                    f"is not a readable PDF (damaged or truncated): page {index + 1} cannot be read",
                ) from exc
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_range()
                finally:
                    textpage.close()
            finally:
                page.close()
            pages.append(Page(index + 1, _normalise_pdf_text(text)))
    finally:
        pdf.close()
    if not any(page.text.strip() for page in pages):
        raise DocumentError(
            display,
            "has no text layer (a scanned image?); run OCR on it first, e.g. ocrmypdf, then scan the result",
        )
    return Document(display, "pdf", pages, source.sha256(), title)


def _normalise_pdf_text(text: str) -> str:
    """PDFium's text with its line ends as ``\\n`` (it writes ``\\r\\n``) and no NUL characters; the
    page's offsets are those of this text."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "") if "\x00" in text else text


def _pdf_title(pdf: Any) -> str:
    """The PDF's Title metadata, unless it is empty or a writer's placeholder."""
    try:
        title = str(pdf.get_metadata_value("Title") or "").strip()
    except Exception:  # noqa: BLE001 - a title is a nicety; damaged metadata is no reason to refuse
        return ""
    return "" if title.lower() in ("untitled", "unknown") else title


# --- DOCX -----------------------------------------------------------------------------------------


def _read_docx(source: _Source) -> Document:
    """One page: the body's paragraphs and tables in document order, a line each paragraph and table
    row (a row's cells joined by `` | ``). Content controls are read through; headers, footers,
    footnotes and text boxes are not."""
    import docx

    try:
        document = docx.Document(source.handle())
        lines = list(_docx_blocks(document.element.body))
    except Exception as exc:  # zip, XML, key and value errors of a damaged or wrong file
        raise DocumentError(source.display, _unreadable_office("docx")) from exc
    try:
        title = (document.core_properties.title or "").strip()
    except Exception:  # noqa: BLE001 - damaged core properties: no title
        title = ""
    return Document(source.display, "docx", [Page(1, "\n".join(lines))], source.sha256(), title)


def _docx_blocks(container: Any) -> Iterator[str]:
    """The lines of a body or table cell: a paragraph's text, a table row's cells; content controls
    (``w:sdt``) and custom XML around blocks are read through. Iterative: no depth limit."""
    from docx.oxml.ns import qn

    paragraph, table, row, cell = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
    sdt, content, custom = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
    stack: list[Iterator[Any]] = [iter(container)]
    while stack:
        element = next(stack[-1], None)
        if element is None:
            stack.pop()
            continue
        tag = element.tag
        if tag == paragraph:
            yield _docx_paragraph(element)
        elif tag == table:
            for tr in _children(element, row, sdt, content, custom):
                cells = []
                for tc in _children(tr, cell, sdt, content, custom):
                    text = " ".join(line.strip() for line in _docx_blocks(tc) if line.strip())
                    if text:
                        cells.append(text)
                if cells:
                    yield " | ".join(cells)
        elif tag in (sdt, content, custom):
            stack.append(iter(element))


def _children(element: Any, wanted: str, *through: str) -> Iterator[Any]:
    """The ``wanted`` children of ``element``, looking through the wrappers ``through``."""
    stack: list[Iterator[Any]] = [iter(element)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag == wanted:
            yield child
        elif child.tag in through:
            stack.append(iter(child))


def _docx_paragraph(element: Any) -> str:
    """A paragraph's text: its runs anywhere in it (hyperlinks, tracked insertions, fields, inline
    content controls), those of text boxes drawn in it left out; deleted text is not read."""
    return "".join(run.text for run in element.xpath(".//w:r[not(ancestor::w:txbxContent)]"))


# --- XLSX -----------------------------------------------------------------------------------------


def _read_xlsx(source: _Source) -> Document:
    """One page for each worksheet (numbered from 1 in the workbook's order, chart sheets left out):
    a line for each row holding something, its non-empty cells joined by `` | ``."""
    import python_calamine

    display = source.display
    pages: list[Page] = []
    try:
        if source.data is None:
            workbook = python_calamine.CalamineWorkbook.from_path(str(source.path))
        else:
            workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(source.data))
        try:
            worksheet = python_calamine.SheetTypeEnum.WorkSheet
            names = [meta.name for meta in workbook.sheets_metadata if meta.typ == worksheet]
            for number, name in enumerate(names, start=1):
                sheet = workbook.get_sheet_by_name(name)
                pages.append(Page(number, _sheet_text(sheet)))
        finally:
            workbook.close()
    except BaseException as exc:  # CalamineError, or a Rust panic (pyo3's PanicException)
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        if isinstance(exc, python_calamine.PasswordError):
            raise DocumentError(
                display, "is encrypted (password-protected); save an unprotected copy to scan it"
            ) from exc
        raise DocumentError(display, _unreadable_office("xlsx")) from exc
    return Document(display, "xlsx", pages, source.sha256())


def _sheet_text(sheet: Any) -> str:
    lines = []
    for cells in sheet.iter_rows():
        texts = [_cell_text(value) for value in cells if not blank(value)]
        texts = [text for text in texts if text]
        if texts:
            lines.append(" | ".join(texts))
    return "\n".join(lines)


def _cell_text(value: Any) -> str:
    """A cell as text: a whole number without ``.0``, a date as ``2024-01-01``, a line break in the
    cell as a space (a row is one line)."""
    value = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, (date, datetime, time)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    text = str(value).strip()
    return " ".join(text.splitlines()) if "\n" in text or "\r" in text else text


# --- text, CSV ------------------------------------------------------------------------------------


def _decode_text(raw: bytes, display: str) -> str:
    """``raw`` decoded in the encoding the repository's detection tells (UTF-8, UTF-16, GB18030,
    Windows-1252), line ends as ``\\n``; a binary file is refused."""
    complete = len(raw) <= SAMPLE_BYTES
    try:
        codec = detect_bytes_encoding(raw[:SAMPLE_BYTES], complete, display)
    except InputError as exc:
        raise UnsupportedDocument(display, _NOT_SUPPORTED) from exc
    return _line_ends(raw.decode(codec, errors="replace"))


def _line_ends(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --- HTML -----------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# What browsers read these declared charsets as (WHATWG Encoding): supersets, never a narrower codec.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "iso8859_1": "cp1252", "ascii": "cp1252"}
_DROPPED = frozenset(
    "script style noscript nav aside svg template iframe object head select datalist textarea".split()
)
_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "br", "caption", "center", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main",
        "menu", "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
        "th", "thead", "title", "tr", "ul",
    }
)  # fmt: skip
# A <form> holding these is the page itself (ASP.NET wraps whole pages in one), not a search box.
_PAGE_IN_FORM = "article, main, p, h1, h2, h3, table"
# Inside these a <header> or <footer> is the article's (headline, byline), not the site's.
_CONTENT = ("article", "main")
_SPACES = re.compile(r"[^\S\n]+")
_WHITESPACE = re.compile(r"\s+")


def _decode_html(raw: bytes, display: str) -> str:
    """An HTML file's text: by its BOM, else its ``<meta charset>``, else the encoding detection."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(codec, errors="replace")
    match = _META_CHARSET.search(raw[:_HEAD_BYTES])
    if match is not None:
        try:
            codec = codecs.lookup(match.group(1).decode("ascii")).name.replace("-", "_")
        except LookupError:
            codec = ""
        if codec.startswith("utf_16") or codec.startswith("utf_32"):
            codec = "utf_8"  # a page that reached us as bytes with no BOM is not UTF-16 (WHATWG)
        if codec:
            try:  # a page that does not decode in its declared charset is read as detected
                return raw.decode(_CHARSET_ALIASES.get(codec, codec))
            except UnicodeDecodeError:
                pass
    try:
        codec = detect_bytes_encoding(raw[:SAMPLE_BYTES], len(raw) <= SAMPLE_BYTES, display)
    except InputError as exc:
        raise UnsupportedDocument(display, _NOT_SUPPORTED) from exc
    return raw.decode(codec, errors="replace")


def html_text(html: str) -> tuple[str, str]:
    """(the main text, the title) of an HTML page.

    The main text is that of the page's ``<article>`` (its several top-level ones on a listing
    page), else its ``<main>``, else its ``<body>`` (also when the article holds less than a fifth
    of the body's text: then it is a teaser, not the page). Scripts, styles, navigation, asides,
    forms (unless the page is inside one), and the page's header and footer are left out; those of
    an article or of ``<main>`` are kept (its headline, its byline). Each block (paragraph,
    heading, list item, table cell, ``<br>`` ...) is a line, spaces within a line are collapsed and
    empty lines dropped; ``<pre>`` keeps its line breaks. The title is the ``<title>``, else the
    ``og:title``."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title = ""
    node = tree.css_first("title")
    if node is not None:
        title = _WHITESPACE.sub(" ", node.text(deep=True)).strip()
    if not title:
        node = tree.css_first('meta[property="og:title"]')
        if node is not None:
            title = _WHITESPACE.sub(" ", node.attributes.get("content") or "").strip()
    body = tree.body or tree.root
    if body is None:
        return "", title
    body_text = _node_text(body)
    articles = [node for node in tree.css("article") if not _inside(node, "article")]
    main = tree.css_first("main")
    text = ""
    if articles:
        text = "\n".join(_node_text(node) for node in articles)
    elif main is not None:
        text = _node_text(main)
    if len(text) * 5 < len(body_text):
        text = body_text
    return text, title


def _inside(node: Any, tag: str) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == tag:
            return True
        parent = parent.parent
    return False


def _node_text(root: Any) -> str:
    """The text of ``root`` as ``html_text`` describes it (iterative: any nesting depth)."""
    pieces: list[str] = []
    in_content = 1 if root.tag in _CONTENT or any(_inside(root, tag) for tag in _CONTENT) else 0
    in_pre = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = node.tag
        if leaving:
            if tag in _BLOCKS:
                pieces.append("\n")
            if tag == "pre":
                in_pre -= 1
            elif tag in _CONTENT:
                in_content -= 1
            continue
        if node.is_text_node:
            text = node.text_content or ""
            pieces.append(text if in_pre else _WHITESPACE.sub(" ", text))
            continue
        if not node.is_element_node or tag in _DROPPED:
            continue
        if tag in ("header", "footer") and not in_content and node is not root:
            continue
        if tag == "form" and node is not root and node.css_first(_PAGE_IN_FORM) is None:
            continue
        if tag in _BLOCKS:
            pieces.append("\n")
        if tag == "pre":
            in_pre += 1
        elif tag in _CONTENT:
            in_content += 1
        stack.append((node, True))
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend((child, False) for child in reversed(children))
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(pieces).replace("\r", "").split("\n"))
    return "\n".join(line for line in lines if line)


# --- e-mail ---------------------------------------------------------------------------------------


def _read_mail(source: _Source, depth: int) -> Document:
    """One page, ``Subject: ...``, a blank line and the body (its plain text, else the text of its
    HTML); the attachments read as documents. The sender's and recipients' names and addresses are
    left out: they name private persons, not suppliers."""
    raw = source.read()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    subject = _WHITESPACE.sub(" ", str(message.get("subject", "") or "")).strip()
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
