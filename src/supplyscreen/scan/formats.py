"""The readers of the binary formats `supplyscreen scan` reads: PDF (through PDFium), DOCX and XLSX.

Each takes a :class:`~supplyscreen.scan.source.Source` and gives a
:class:`~supplyscreen.scan.model.Document`, or raises a
:class:`~supplyscreen.scan.model.DocumentError` that names the file and says what to do.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from supplyscreen.io.sheet_cells import blank, cell_value
from supplyscreen.scan.model import Document, DocumentError, Page
from supplyscreen.scan.source import Source


def unreadable_office(kind: str) -> str:
    """What to say of a DOCX or XLSX file its library cannot open."""
    if kind == "docx":
        return "is not a readable DOCX file (damaged, or not a Word document); open and save it again in Word"
    return "is not a readable XLSX workbook (damaged, or not an Excel file); open and save it again in Excel"


# --- PDF ------------------------------------------------------------------------------------------


def read_pdf(source: Source) -> Document:
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


def read_docx(source: Source) -> Document:
    """One page: the body's paragraphs and tables in document order, a line each paragraph and table
    row (a row's cells joined by `` | ``). Content controls are read through; headers, footers,
    footnotes and text boxes are not."""
    import docx

    try:
        document = docx.Document(source.handle())
        lines = list(_docx_blocks(document.element.body))
    except Exception as exc:  # zip, XML, key and value errors of a damaged or wrong file
        raise DocumentError(source.display, unreadable_office("docx")) from exc
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


def read_xlsx(source: Source) -> Document:
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
        raise DocumentError(display, unreadable_office("xlsx")) from exc
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
