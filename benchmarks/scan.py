"""Document-scan benchmark: plain text per second per core, and a 300-page PDF, with the full list
snapshot loaded (issue 18's targets: at least 5 MB/s of plain text on one core, 300 pages in 30 s).

    python benchmarks/scan.py [--megabytes 5] [--pages 300] [--workdir /tmp/scan-bench] [--text FILE]

The text is real English prose that every Python installation has: the docstrings of the standard
library (about 20 MB; the first ``--megabytes`` are used), written as one plain-text file, with a
sentence naming a listed company, a covered camera model, a place in Xinjiang or a UFLPA sector
every 40 sentences. ``--text`` scans a text file of your own instead. It is scanned as
``supplyscreen scan`` scans it (``read_document`` then ``scan_document``), in this one process, after
the name index and the mention triggers are built (the time to build them is printed apart).

The PDF has ``--pages`` pages of the same prose (46 lines a page, written with reportlab, a dev
dependency) and is read and scanned the same way; its time includes reading the PDF.
"""

from __future__ import annotations

import argparse
import ast
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from supplyscreen.scan.documents import read_document  # noqa: E402
from supplyscreen.scan.mentions import mention_finder  # noqa: E402
from supplyscreen.scan.run import scan_document, scan_text  # noqa: E402
from supplyscreen.screener import Screener  # noqa: E402

PLANTED = [
    "The district bought camera kits from Zhejiang Dahua Technology Co., Ltd. last year.",
    "Invoices list DS-2CD2143G0-I cameras for the bus depot.",
    "The smelter near Aksu, Xinjiang supplies polysilicon to wafer makers.",
    "Hikvision and Huawei equipment was removed from the network.",
    "Cotton yarn was spun in Korla before it was shipped.",
]
EVERY = 40  # sentences between two planted ones


def prose(megabytes: float) -> str:
    """The standard library's docstrings (real prose), up to ``megabytes``, with planted sentences."""
    root = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    chunks: list[str] = []
    size = 0
    limit = int(megabytes * 1_000_000)
    rng = random.Random(18)
    sentences = 0
    for path in sorted(root.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if not doc:
                    continue
                sentences += doc.count(". ") + 1
                if sentences >= EVERY:
                    sentences = 0
                    doc += " " + rng.choice(PLANTED)
                chunks.append(doc)
                size += len(doc) + 2
                if size >= limit:
                    return "\n\n".join(chunks)[:limit]
    return "\n\n".join(chunks)


def write_pdf(path: Path, text: str, pages: int) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    lines = [line[:95] for line in text.splitlines() if line.strip()]
    c = canvas.Canvas(str(path), pagesize=A4)
    at = 0
    for _ in range(pages):
        c.setFont("Helvetica", 10)
        y = A4[1] - 50
        for _ in range(46):
            c.drawString(40, y, lines[at % len(lines)])
            at += 1
            y -= 16
        c.showPage()
    c.save()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scan-bench"))
    parser.add_argument("--text", type=Path, default=None, help="a text file to scan instead of the prose")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    screener = Screener.open()
    matcher = screener.matcher
    index_s = time.perf_counter() - started
    started = time.perf_counter()
    finder = mention_finder(matcher)
    scan_text(screener, "Aksu, Xinjiang; DS-2CD2143G0-I; polysilicon; Hikvision")  # builds the detectors
    triggers_s = time.perf_counter() - started
    print(
        f"lists {screener.snapshot_version}: {len(matcher.index.entities):,} entities, "
        f"{len(matcher.index.packed_forms):,} names; index {index_s:.2f} s, "
        f"triggers and detectors {triggers_s:.2f} s ({len(finder.triggers):,} trigger words)"
    )

    if args.text is not None:
        text_path = args.text
    else:
        text_path = args.workdir / "prose.txt"
        text_path.write_text(prose(args.megabytes), encoding="utf-8")
    size = text_path.stat().st_size
    started = time.perf_counter()
    doc = read_document(text_path)
    mentions = scan_document(screener, doc)
    text_s = time.perf_counter() - started
    kinds: dict[str, int] = {}
    for m in mentions:
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    print(
        f"plain text: {size / 1e6:.2f} MB in {text_s:.2f} s = {size / 1e6 / text_s:.2f} MB/s on one core; "
        f"mentions {kinds}"
    )

    pdf = write_pdf(args.workdir / "pages.pdf", text_path.read_text(encoding="utf-8"), args.pages)
    started = time.perf_counter()
    doc = read_document(pdf)
    read_s = time.perf_counter() - started
    mentions = scan_document(screener, doc)
    pdf_s = time.perf_counter() - started
    chars = doc.characters
    print(
        f"PDF: {len(doc.pages)} pages ({pdf.stat().st_size / 1e6:.1f} MB, {chars / 1e6:.2f} M characters) "
        f"read in {read_s:.2f} s, read and scanned in {pdf_s:.2f} s; {len(mentions)} mentions"
    )


if __name__ == "__main__":
    main()
