"""Issue 18's acceptance: documents written here (PDF, DOCX, HTML, an e-mail with a PDF attached, an
image-only PDF) scanned through the CLI and the Python API, against the embedded snapshot.

What must be found, with its page and character offsets: "Zhejiang Dahua Technology", "海康威视",
"DS-2CD2143G0-I", "Aksu, Xinjiang", "polysilicon". What must not: "Dahua Noodle House", "Aksu,
Kazakhstan", "Hami melons". A private person named in the text appears nowhere in the output.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_cli

from scan.documents import (
    RECIPIENT,
    SENDER,
    write_docx,
    write_eml,
    write_html,
    write_image_pdf,
    write_pdf,
)
from supplyscreen.scan.documents import read_document
from supplyscreen.scan.model import Mention
from supplyscreen.scan.run import scan_document, scan_files, scan_text

# A made-up private person, named in sentences that name no list entity.
PRIVATE = "Margaret Oyelaran-Whitfield"
PRIVATE_PARTS = ("Oyelaran", "Whitfield", "Margaret")

AUDIT_PAGE_1 = """Supplier audit report, solar module line.
The wafer plant buys polysilicon from a smelter near Aksu, Xinjiang according to the invoices.
Our auditor Margaret Oyelaran-Whitfield visited the warehouse in March.
Fresh Hami melons were served at the canteen.
A second lot was shipped from Aksu, Kazakhstan by rail."""

AUDIT_PAGE_2 = """Security equipment on site.
The gate cameras were bought from Zhejiang Dahua Technology Co., Ltd. through an integrator.
The loading dock uses model DS-2CD2143G0-I cameras.
Staff lunch was ordered from the Dahua Noodle House on Main Street.
Margaret Oyelaran-Whitfield signed the report."""


def _by(mentions: list[Mention], text: str) -> list[Mention]:
    return [m for m in mentions if m.text == text]


def _page_texts(doc: Any) -> dict[tuple[str, int], str]:
    out = {(doc.path, p.number): p.text for p in doc.pages}
    for a in doc.attachments:
        out.update(_page_texts(a))
    return out


def _assert_offsets(mentions: list[Mention], pages: dict[tuple[str, int], str]) -> None:
    for m in mentions:
        assert pages[(m.file, m.page)][m.start : m.end] == m.text, m


def _assert_private_absent(text: str) -> None:
    for part in PRIVATE_PARTS:
        assert part not in text


@pytest.fixture(scope="module")
def audit_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pdf(tmp_path_factory.mktemp("docs") / "audit.pdf", [AUDIT_PAGE_1, AUDIT_PAGE_2])


def test_pdf_finds_what_is_listed_and_placed_with_page_and_offsets(screener: Any, audit_pdf: Path) -> None:
    doc = read_document(audit_pdf)
    mentions = scan_document(screener, doc)
    _assert_offsets(mentions, _page_texts(doc))

    dahua = [m for m in mentions if m.kind == "entity" and "Dahua" in m.text]
    assert len(dahua) == 1, dahua  # the noodle house is not Dahua
    assert dahua[0].text == "Zhejiang Dahua Technology Co., Ltd."
    assert dahua[0].page == 2 and dahua[0].verdict == "match"
    assert {"us_bis_entity_list", "us_ndaa_889"} <= set(dahua[0].lists)
    page2 = doc.pages[1].text
    assert dahua[0].start == page2.index("Zhejiang Dahua Technology")

    model = _by(mentions, "DS-2CD2143G0-I")
    assert [(m.kind, m.page, m.key) for m in model] == [("equipment", 2, "Hikvision")]
    assert model[0].start == page2.index("DS-2CD2143G0-I")
    assert model[0].detail["legal_basis"]

    page1 = doc.pages[0].text
    places = [m for m in mentions if m.kind == "place"]
    aksu_xj = page1.index("Aksu, Xinjiang")
    assert {(m.text, m.start) for m in places} == {("Aksu", aksu_xj), ("Xinjiang", aksu_xj + 6)}
    assert all(m.page == 1 for m in places)  # not Aksu in Kazakhstan, not the Hami melons

    sectors = _by(mentions, "polysilicon")
    assert [(m.kind, m.page, m.start) for m in sectors] == [("sector", 1, page1.index("polysilicon"))]
    assert not any("Hami" in m.text or "melon" in m.text for m in mentions)
    assert not any("Noodle" in m.text for m in mentions)


def test_a_private_person_is_never_reported_nor_quoted(screener: Any, audit_pdf: Path) -> None:
    mentions = scan_document(screener, read_document(audit_pdf))
    _assert_private_absent(json.dumps([m.to_dict() for m in mentions], ensure_ascii=False))
    # the sentence naming the place and the polysilicon is quoted (it names no person) …
    poly = _by(mentions, "polysilicon")[0]
    assert "polysilicon from a smelter near Aksu, Xinjiang" in poly.sentence


def test_a_sentence_about_a_private_person_is_masked_but_the_place_kept(screener: Any) -> None:
    text = "Margaret Oyelaran-Whitfield moved to Kashgar, Xinjiang in 2019."
    mentions = scan_text(screener, text)
    assert [(m.kind, m.text) for m in mentions] == [("place", "Kashgar"), ("place", "Xinjiang")]
    for m in mentions:
        assert m.sentence == "… … moved to Kashgar, Xinjiang in 2019."


def test_a_listed_person_is_reported(screener: Any) -> None:
    mentions = scan_text(screener, "Chen Quanguo ran the region's security apparatus until 2021.")
    assert [(m.text, m.schema, m.verdict) for m in mentions] == [("Chen Quanguo", "Person", "match")]
    assert "CHEN" in (mentions[0].entity_name or "")


def test_docx_chinese_name_and_table(screener: Any, tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "contract.docx",
        ["采购合同", "据报道，供应商使用海康威视的摄像头。", "The buyer is Acme Schools."],
        table=[["Item", "Model"], ["Camera", "DS-2CD2143G0-I"]],
    )
    doc = read_document(path)
    mentions = scan_document(screener, doc)
    _assert_offsets(mentions, _page_texts(doc))
    hik = [m for m in mentions if m.kind == "entity" and m.text == "海康威视"]
    assert len(hik) == 1 and "Hikvision" in (hik[0].entity_name or "")
    assert hik[0].start == doc.pages[0].text.index("海康威视")
    assert _by(mentions, "DS-2CD2143G0-I")


def test_html_article_and_email_with_a_pdf_attachment(screener: Any, tmp_path: Path) -> None:
    html = write_html(
        tmp_path / "article.html",
        "Cameras on school buses",
        [
            "A school district bought 57 camera kits made by Hikvision and Dahua with federal funds.",
            "Solar makers buy polysilicon from Xinjiang.",
        ],
    )
    pdf = write_pdf(
        tmp_path / "invoice.pdf",
        ["Invoice 17\nShipper: Zhejiang Dahua Technology Co., Ltd.\nPolysilicon 20 t"],
    )
    eml = write_eml(
        tmp_path / "mail.eml",
        "Invoice attached",
        "Please find the invoice attached.",
        [("invoice.pdf", pdf.read_bytes(), "application/pdf")],
    )
    result = scan_files(screener, [html, eml])
    assert not result.errors
    files = {m.file for m in result.mentions}
    assert str(eml) + "!invoice.pdf" in files
    attached = [m for m in result.mentions if m.file.endswith("!invoice.pdf") and m.kind == "entity"]
    assert [(m.text, m.page) for m in attached] == [("Zhejiang Dahua Technology Co., Ltd.", 1)]
    article = {m.text for m in result.mentions if m.file == str(html) and m.kind == "entity"}
    assert {"Hikvision", "Dahua"} <= article
    for name in (SENDER, RECIPIENT):
        assert name.split()[0] not in json.dumps([m.to_dict() for m in result.mentions])


def test_cli_reports_all_three_formats_and_names_the_unreadable_file(
    audit_pdf: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    screener_home: Path,
) -> None:
    scanned = write_image_pdf(tmp_path / "scanned.pdf")
    outputs = {}
    for suffix in (".jsonl", ".csv", ".html"):
        out = tmp_path / f"report{suffix}"
        code, stdout, stderr = run_cli(
            ["scan", str(scanned), str(audit_pdf), "--out", str(out), "--home", str(screener_home)],
            capsys,
            monkeypatch,
        )
        assert code == 2, stderr  # a file could not be read …
        assert "scanned.pdf" in stderr and "no text layer" in stderr
        assert "Dahua Technology" in stdout  # … and the other was scanned and reported
        _assert_private_absent(stdout + stderr)
        outputs[suffix] = out.read_text(encoding="utf-8-sig")
    lines = [json.loads(line) for line in outputs[".jsonl"].splitlines()]
    rows = list(csv.DictReader(outputs[".csv"].splitlines()))
    assert len(lines) == len(rows) > 0
    assert list(rows[0]) == [k for k in lines[0] if k != "detail"]  # the same columns, and the detail
    assert [(r["file"], r["page"], r["start"], r["text"]) for r in rows] == [
        (d["file"], str(d["page"]), str(d["start"]), d["text"]) for d in lines
    ]
    entity = next(d for d in lines if d["kind"] == "entity")
    assert entity["entity_id"] and entity["verdict"] == "match" and entity["sentence"]
    html = outputs[".html"]
    assert "scanned.pdf" in html and "no text layer" in html
    assert "Mentions of list entities per list" in html and "<svg" in html
    assert "Places in Xinjiang" in html and "High-priority sectors" in html
    for text in outputs.values():
        _assert_private_absent(text)


def test_cli_fail_on_and_folders(
    audit_pdf: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    screener_home: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "note.txt").write_text("Nothing here but Hami melons.", encoding="utf-8")
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n")  # not a document type: not read from a folder
    code, stdout, _ = run_cli(
        ["scan", str(folder), "--fail-on", "match", "--home", str(screener_home)], capsys, monkeypatch
    )
    assert code == 0 and "nothing found" in stdout
    (folder / "audit.pdf").write_bytes(audit_pdf.read_bytes())
    code, _, _ = run_cli(
        ["scan", str(folder), "--fail-on", "match", "--home", str(screener_home)], capsys, monkeypatch
    )
    assert code == 3
    code, _, stderr = run_cli(["scan", str(folder), "--out", str(tmp_path / "r.xlsx")], capsys, monkeypatch)
    assert code == 2 and "r.xlsx" in stderr


def test_helpers_give_the_same_result_in_the_same_order(
    screener: Any, audit_pdf: Path, tmp_path: Path
) -> None:
    """``workers`` > 1: forked helpers read and scan a file each; mentions, documents and errors
    are those of one process, in the order of the files."""
    other = write_docx(
        tmp_path / "contract.docx", ["据报道，供应商使用海康威视的摄像头。", "Delivery to Aksu, Xinjiang."]
    )
    scanned = write_image_pdf(tmp_path / "scanned.pdf")
    text = tmp_path / "note.txt"
    text.write_text("Hikvision and Dahua were added to the Entity List.", encoding="utf-8")
    files = [audit_pdf, scanned, other, text]
    heard: list[tuple[str, int, int]] = []
    one = scan_files(screener, files, workers=1)
    many = scan_files(screener, files, workers=2, progress=lambda f, p, n: heard.append((f, p, n)))
    assert [m.to_dict() for m in many.mentions] == [m.to_dict() for m in one.mentions]
    assert (
        [d.path for d in many.documents]
        == [d.path for d in one.documents]
        == [str(f) for f in files if f != scanned]
    )
    assert [str(e) for e in many.errors] == [str(e) for e in one.errors] and "no text layer" in str(
        many.errors[0]
    )
    assert (str(audit_pdf), 2, 2) in heard and (str(scanned), 0, 0) in heard
