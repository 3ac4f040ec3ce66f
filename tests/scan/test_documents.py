"""The document readers of `supplyscreen scan`: each format's pages of text, and the files refused
with a message that says what to do (encrypted, scanned with no text layer, damaged, binary)."""

from __future__ import annotations

import hashlib
import time
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from support.guards import deadline

from scan.documents import (
    RECIPIENT,
    SENDER,
    write_docx,
    write_eml,
    write_encrypted_pdf,
    write_html,
    write_image_pdf,
    write_pdf,
)
from supplyscreen.scan.documents import (
    MAX_MAIL_DEPTH,
    UnsupportedDocument,
    document_pages,
    read_document,
)
from supplyscreen.scan.model import DocumentError

PAGES = [
    "Purchase order 4711\nSupplier: Acme Trading Co., Ltd.\nItem: network cameras",
    "Delivery to Rotterdam\nPayment within 30 days",
]
CHINESE = ["采购订单\n供应商：海康威视数字技术股份有限公司\n交货地点：新疆乌鲁木齐市"]
PRIVATE_NAMES = ("Wilhelmina", "Quackenbush", "Bartholomew", "Fairweather", "example.com")


def _error(path: Path, **kwargs: object) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        read_document(path, **kwargs)  # type: ignore[arg-type]
    return caught.value


# --- PDF ------------------------------------------------------------------------------------------


def test_pdf_pages_hold_the_text_of_each_page(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "order.pdf", PAGES)
    doc = read_document(path)
    assert doc.kind == "pdf"
    assert doc.path == str(path)
    assert [page.number for page in doc.pages] == [1, 2]
    assert [page.text for page in doc.pages] == PAGES  # every line, in order, "\n" between them
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.attachments == [] and doc.errors == []


def test_pdf_offsets_are_those_of_the_stored_text(tmp_path: Path) -> None:
    doc = read_document(write_pdf(tmp_path / "order.pdf", PAGES))
    page = doc.pages[0]
    assert "\r" not in page.text  # PDFium's "\r\n" line ends are normalised before offsets are taken
    start = page.text.index("Acme")
    assert start == PAGES[0].index("Acme")
    assert page.text[start : start + len("Acme Trading Co., Ltd.")] == "Acme Trading Co., Ltd."


def test_pdf_with_chinese_text_reads_back_the_han_characters(tmp_path: Path) -> None:
    doc = read_document(write_pdf(tmp_path / "zh.pdf", CHINESE, chinese=True))
    assert doc.pages[0].text == CHINESE[0]
    assert "海康威视" in doc.pages[0].text


def test_pdf_without_a_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    path = write_image_pdf(tmp_path / "scanned.pdf", pages=2)
    error = _error(path)
    assert "scanned.pdf" in str(error)
    assert "no text layer" in str(error)
    assert "OCR" in str(error)
    assert error.path == str(path)


def test_pdf_with_some_image_only_pages_is_read(tmp_path: Path) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path = tmp_path / "mixed.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Cover letter from Acme")
    pdf.showPage()
    pdf.drawImage(ImageReader(Image.new("L", (50, 50), color=90)), 72, 72, width=200, height=200)
    pdf.showPage()
    pdf.drawString(72, 720, "Signed")
    pdf.showPage()
    pdf.save()
    doc = read_document(path)
    assert [page.text for page in doc.pages] == ["Cover letter from Acme", "", "Signed"]


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    error = _error(write_encrypted_pdf(tmp_path / "locked.pdf", "Acme Trading"))
    assert "locked.pdf" in str(error)
    assert "encrypted" in str(error)
    assert "unprotected copy" in str(error)


def test_truncated_pdf_is_refused(tmp_path: Path) -> None:
    whole = write_pdf(tmp_path / "whole.pdf", PAGES).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 3])
    error = _error(path)
    assert "cut.pdf" in str(error) and "not a readable PDF" in str(error)


def test_pdf_is_told_by_its_content_not_its_name(tmp_path: Path) -> None:
    path = tmp_path / "order.txt"
    path.write_bytes(write_pdf(tmp_path / "order.pdf", PAGES).read_bytes())
    assert read_document(path).kind == "pdf"
    junk = tmp_path / "junk.pdf"
    junk.write_text("this is not a PDF at all", encoding="utf-8")
    assert "not a readable PDF" in str(_error(junk))


def test_300_page_pdf_reads_quickly(tmp_path: Path) -> None:
    lines = "\n".join(f"Line {n}: 200 network cameras shipped by Acme Trading Co., Ltd." for n in range(45))
    path = write_pdf(tmp_path / "long.pdf", [f"Page {n}\n{lines}" for n in range(1, 301)])
    with deadline(60):  # a hang guard; it reads in well under a second
        started = time.perf_counter()
        doc = read_document(path)
        elapsed = time.perf_counter() - started
    assert len(doc.pages) == 300
    assert doc.pages[299].text.startswith("Page 300\nLine 0: 200 network cameras")
    assert elapsed < 60


# --- DOCX -----------------------------------------------------------------------------------------


def test_docx_paragraphs_then_table_rows(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "contract.docx",
        ["Supply contract", "Supplier: Acme Trading Co., Ltd."],
        [["Item", "Maker"], ["DS-2CD2143G2-I", "Hikvision"]],
    )
    doc = read_document(path)
    assert doc.kind == "docx"
    assert len(doc.pages) == 1
    assert doc.pages[0].text == (
        "Supply contract\nSupplier: Acme Trading Co., Ltd.\nItem | Maker\nDS-2CD2143G2-I | Hikvision"
    )


def test_docx_title_from_its_properties(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Body")
    document.core_properties.title = "Framework agreement"
    document.save(str(tmp_path / "titled.docx"))
    assert read_document(tmp_path / "titled.docx").title == "Framework agreement"


def test_damaged_docx_is_refused(tmp_path: Path) -> None:
    whole = write_docx(tmp_path / "whole.docx", ["text"]).read_bytes()
    path = tmp_path / "broken.docx"
    path.write_bytes(whole[: len(whole) // 2])
    error = _error(path)
    assert "broken.docx" in str(error) and "not a readable DOCX file" in str(error)


# --- HTML -----------------------------------------------------------------------------------------


def test_html_main_text_without_navigation_script_or_footer(tmp_path: Path) -> None:
    path = write_html(
        tmp_path / "news.html",
        "Acme wins camera contract",
        ["Acme Trading   Co. will   supply cameras.", "Delivery starts in May."],
    )
    doc = read_document(path)
    assert doc.kind == "html"
    assert doc.title == "Acme wins camera contract"
    assert doc.pages[0].text == (
        "Acme wins camera contract\nAcme Trading Co. will supply cameras.\nDelivery starts in May."
    )
    for noise in ("NAVNOISE", "SCRIPTNOISE", "STYLENOISE", "ASIDENOISE", "FOOTERNOISE", "Home"):
        assert noise not in doc.pages[0].text


def test_html_without_article_reads_the_body_by_blocks(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(
        "<html><head><meta property='og:title' content='Suppliers'></head><body>"
        "<nav>Menu</nav><div>Acme<br>Trading</div><ul><li>One</li><li>Two <b>bold</b></li></ul>"
        "<table><tr><td>Cell A</td><td>Cell B</td></tr></table><pre>keep\n  this</pre>"
        "<form><input name=q> Search</form></body></html>",
        encoding="utf-8",
    )
    doc = read_document(path)
    assert doc.title == "Suppliers"
    assert doc.pages[0].text == "Acme\nTrading\nOne\nTwo bold\nCell A\nCell B\nkeep\nthis"


def test_html_in_a_legacy_chinese_charset(tmp_path: Path) -> None:
    path = tmp_path / "gbk.html"
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>供应商</title></head><body><p>海康威视数字技术股份有限公司</p></body></html>"
    )
    path.write_bytes(html.encode("gb18030"))
    doc = read_document(path)
    assert doc.title == "供应商"
    assert doc.pages[0].text == "海康威视数字技术股份有限公司"


# --- e-mail ---------------------------------------------------------------------------------------


def test_eml_body_and_pdf_attachment(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "a.pdf", PAGES).read_bytes()
    path = write_eml(
        tmp_path / "x.eml",
        "Order 4711 from Acme",
        "Hello,\nplease find the order attached.\n",
        [("a.pdf", pdf, "application/pdf"), ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")],
    )
    doc = read_document(path)
    assert doc.kind == "eml"
    assert doc.title == "Order 4711 from Acme"
    assert doc.pages[0].text == "Subject: Order 4711 from Acme\n\nHello,\nplease find the order attached."
    for name in PRIVATE_NAMES:
        assert name not in doc.pages[0].text
    assert SENDER.split()[0] in path.read_text() and RECIPIENT.split()[0] in path.read_text()
    assert [attachment.path for attachment in doc.attachments] == [f"{path}!a.pdf"]  # the image skipped
    attached = doc.attachments[0]
    assert attached.kind == "pdf"
    assert [page.text for page in attached.pages] == PAGES
    assert attached.sha256 == hashlib.sha256(pdf).hexdigest()
    assert doc.errors == []
    walked = [(document.path, page.number) for document, page in document_pages(doc)]
    assert walked == [(str(path), 1), (f"{path}!a.pdf", 1), (f"{path}!a.pdf", 2)]


def test_eml_attachment_named_like_the_brief(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "a.pdf", PAGES).read_bytes()
    write_eml(tmp_path / "x.eml", "Order", "Body", [("a.pdf", pdf, "application/pdf")])
    doc = read_document(Path("x.eml"), name="x.eml", data=(tmp_path / "x.eml").read_bytes())
    assert doc.attachments[0].path == "x.eml!a.pdf"


def test_eml_encrypted_attachment_is_an_error_not_a_failure(tmp_path: Path) -> None:
    locked = write_encrypted_pdf(tmp_path / "locked.pdf", "secret").read_bytes()
    docx_bytes = write_docx(tmp_path / "c.docx", ["Contract with Acme"]).read_bytes()
    path = write_eml(
        tmp_path / "m.eml",
        "Documents",
        "See both files.",
        [
            ("locked.pdf", locked, "application/pdf"),
            ("c.docx", docx_bytes, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ],
    )
    doc = read_document(path)
    assert "See both files." in doc.pages[0].text
    assert [error.path for error in doc.errors] == [f"{path}!locked.pdf"]
    assert "encrypted" in str(doc.errors[0])
    assert [(a.path, a.kind, a.pages[0].text) for a in doc.attachments] == [
        (f"{path}!c.docx", "docx", "Contract with Acme")
    ]


def test_eml_with_only_an_html_body(tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Subject"] = "Newsletter"
    message.set_content("<html><body><nav>NAVNOISE</nav><p>Acme   news</p></body></html>", subtype="html")
    path = tmp_path / "html.eml"
    path.write_bytes(bytes(message))
    doc = read_document(path)
    assert doc.pages[0].text == "Subject: Newsletter\n\nAcme news"


def test_eml_plain_and_html_alternatives_read_once(tmp_path: Path) -> None:
    message = EmailMessage()
    message["From"] = SENDER
    message["Subject"] = "Both"
    message.set_content("Plain Acme text")
    message.add_alternative("<p>HTML Acme text</p>", subtype="html")
    path = tmp_path / "alt.eml"
    path.write_bytes(bytes(message))
    doc = read_document(path)
    assert doc.pages[0].text == "Subject: Both\n\nPlain Acme text"
    assert doc.attachments == [] and doc.errors == []


def test_eml_nested_mails_are_read_to_a_depth(tmp_path: Path) -> None:
    def mail(subject: str, inner: EmailMessage | None) -> EmailMessage:
        message = EmailMessage()
        message["From"] = SENDER
        message["Subject"] = subject
        message.set_content(f"Body of {subject}")
        if inner is not None:
            message.add_attachment(inner)
        return message

    inner: EmailMessage | None = None
    for level in range(MAX_MAIL_DEPTH + 1, -1, -1):
        inner = mail(f"level {level}", inner)
    assert inner is not None
    path = tmp_path / "outer.eml"
    path.write_bytes(bytes(inner))
    doc = read_document(path)
    subjects = []
    current = doc
    while True:
        subjects.append(current.title)
        assert f"Body of {current.title}" in current.pages[0].text
        if not current.attachments:
            break
        assert len(current.attachments) == 1
        current = current.attachments[0]
    assert subjects == [f"level {n}" for n in range(MAX_MAIL_DEPTH + 1)]
    assert len(current.errors) == 1 and "more than 3 deep" in str(current.errors[0])


def test_mail_is_told_by_its_headers(tmp_path: Path) -> None:
    path = write_eml(tmp_path / "m.eml", "Saved as text", "Body", [])
    renamed = tmp_path / "mail.txt"
    renamed.write_bytes(path.read_bytes())
    assert read_document(renamed).kind == "eml"


# --- XLSX, CSV, text ------------------------------------------------------------------------------


def test_xlsx_one_page_per_sheet(tmp_path: Path) -> None:
    import openpyxl  # type: ignore[import-untyped]

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Suppliers"
    sheet.append(["Name", "Country", "Since"])
    sheet.append(["Acme Trading Co., Ltd.", "CN", date(2024, 1, 31)])
    sheet.append([])
    sheet.append([None, "Hikvision", 5, 2.5])
    second = workbook.create_sheet("Notes")
    second["B2"] = "Line one\nline two"
    workbook.create_sheet("Empty")
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    doc = read_document(path)
    assert doc.kind == "xlsx"
    assert [page.number for page in doc.pages] == [1, 2, 3]
    assert (
        doc.pages[0].text
        == "Name | Country | Since\nAcme Trading Co., Ltd. | CN | 2024-01-31\nHikvision | 5 | 2.5"
    )
    assert doc.pages[1].text == "Line one line two"
    assert doc.pages[2].text == ""


def test_damaged_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "not a readable XLSX" in str(_error(path))


def test_csv_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes("name,country\r\n海康威视,CN\r\nAcme,NL\r\n".encode("gb18030"))
    doc = read_document(path)
    assert doc.kind == "csv"
    assert doc.pages[0].text == "name,country\n海康威视,CN\nAcme,NL\n"


def test_text_and_unknown_textual_files(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Notes\nAcme Trading\n", encoding="utf-8")
    (tmp_path / "export.dat").write_bytes("Lieferant: Müller GmbH\n".encode("cp1252"))
    assert read_document(tmp_path / "notes.md").pages[0].text == "# Notes\nAcme Trading\n"
    doc = read_document(tmp_path / "export.dat")
    assert doc.kind == "text"
    assert doc.pages[0].text == "Lieferant: Müller GmbH\n"


def test_binary_junk_is_not_a_document(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 40)
    error = _error(path)
    assert isinstance(error, UnsupportedDocument)
    assert "blob.bin" in str(error) and "is not a text file or a supported document" in str(error)


def test_zip_archive_and_old_office_files_are_refused(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "files.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a.txt", "hello")
    assert isinstance(_error(archive), UnsupportedDocument)
    old = tmp_path / "old.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert "old Office format" in str(_error(old))


def test_empty_missing_and_folder(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert "is empty" in str(_error(tmp_path / "empty.pdf"))
    assert "no such file" in str(_error(tmp_path / "missing.pdf"))
    assert "folder" in str(_error(tmp_path))


def test_bytes_too_large_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from supplyscreen.scan import source

    monkeypatch.setattr(source, "MAX_BYTES", 10)
    (tmp_path / "big.txt").write_text("x" * 11, encoding="utf-8")
    assert "larger than" in str(_error(tmp_path / "big.txt"))
