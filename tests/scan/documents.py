"""Write the documents the scan tests read: text PDFs (Latin and Chinese), a scanned PDF with no text
layer, an encrypted PDF, a DOCX, an HTML page with navigation and script noise, an e-mail with
attachments. Each writer returns the path it wrote; tests import them as ``scan.documents``."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

#: Made-up private persons in the test mails' From/To headers: never in the text a scan reads.
SENDER = "Wilhelmina Quackenbush <wilhelmina.quackenbush@example.com>"
RECIPIENT = "Bartholomew Fairweather <b.fairweather@example.org>"

_FONT_SIZE = 11
_LEADING = 14
_MARGIN = 72


def _canvas(path: Path, **options: object):  # type: ignore[no-untyped-def]
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    # invariant=True: the same PDF bytes every run (no timestamp or random document id)
    return canvas.Canvas(str(path), pagesize=A4, invariant=True, **options)


def write_pdf(path: Path, pages: list[str], *, chinese: bool = False) -> Path:
    """A text PDF: each string one page, its lines (split on newlines) drawn one under the other in
    Helvetica 11 pt (``chinese``: Adobe's STSong-Light CID font, so Han text is in the PDF)."""
    from reportlab.lib.pagesizes import A4

    font = "Helvetica"
    if chinese:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        font = "STSong-Light"
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    pdf = _canvas(path)
    for text in pages:
        pdf.setFont(font, _FONT_SIZE)
        y = A4[1] - _MARGIN
        for line in text.split("\n"):
            pdf.drawString(_MARGIN, y, line)
            y -= _LEADING
        pdf.showPage()
    pdf.save()
    return path


def write_image_pdf(path: Path, pages: int = 1) -> Path:
    """A "scanned" PDF: each page holds only an image (a grey picture with dark stripes, as a page
    of print would look), no text at all."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    image = Image.new("L", (200, 280), color=235)
    draw = ImageDraw.Draw(image)
    for y in range(20, 260, 12):
        draw.rectangle((20, y, 180, y + 5), fill=40)
    pdf = _canvas(path)
    for _ in range(pages):
        pdf.drawImage(ImageReader(image), _MARGIN, _MARGIN, width=400, height=560)
        pdf.showPage()
    pdf.save()
    return path


def write_encrypted_pdf(path: Path, text: str) -> Path:
    """A PDF whose text is ``text``, that opens only with the user password ``secret``."""
    from reportlab.lib.pagesizes import A4

    pdf = _canvas(path, encrypt="secret")
    pdf.setFont("Helvetica", _FONT_SIZE)
    pdf.drawString(_MARGIN, A4[1] - _MARGIN, text)
    pdf.showPage()
    pdf.save()
    return path


def write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    """A DOCX of ``paragraphs`` followed by ``table`` (rows of cells), if given."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(row) for row in table))
        for cells, row in zip(grid.rows, table, strict=True):
            for cell, text in zip(cells.cells, row, strict=False):
                cell.text = text
    document.save(str(path))
    return path


def write_html(path: Path, title: str, paragraphs: list[str], *, noise: bool = True) -> Path:
    """An HTML page: ``title`` and ``paragraphs`` in its ``<article>``; with ``noise``, a navigation
    bar, a script, a style sheet, a sidebar and a footer around it, whose words (``NAVNOISE``,
    ``SCRIPTNOISE``, ``STYLENOISE``, ``ASIDENOISE``, ``FOOTERNOISE``) a reader must leave out."""
    body = "".join(f"<p>{text}</p>\n" for text in paragraphs)
    article = f"<article><h1>{title}</h1>\n{body}</article>"
    if noise:
        page = (
            "<header><nav><a href='/'>Home NAVNOISE</a> <a href='/news'>News</a></nav></header>\n"
            f"<main>{article}<aside>Related: ASIDENOISE</aside></main>\n"
            "<script>var SCRIPTNOISE = 1;</script>\n"
            "<footer>Copyright FOOTERNOISE</footer>"
        )
        head = "<style>.STYLENOISE { color: red }</style>"
    else:
        page, head = article, ""
    html = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}'
        f"</head>\n<body>\n{page}\n</body></html>\n"
    )
    path.write_text(html, encoding="utf-8")
    return path


def write_eml(path: Path, subject: str, body: str, attachments: list[tuple[str, bytes, str]]) -> Path:
    """An e-mail from `SENDER` to `RECIPIENT` with a plain-text ``body`` and ``attachments``, each
    (file name, bytes, MIME type)."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Subject"] = subject
    message["Date"] = "Mon, 02 Mar 2026 09:30:00 +0000"
    message["Message-ID"] = "<test-0001@example.com>"
    message.set_content(body)
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        if maintype == "text":
            message.add_attachment(data.decode("utf-8"), subtype=subtype, filename=filename)
        else:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    path.write_bytes(bytes(message))
    return path
