"""XLSX screening benchmark: a generated 200,000-row workbook, screened as XLSX and as the same data in CSV.

    python benchmarks/xlsx.py [--rows 200000] [--workdir /tmp/xlsx-bench] [--workers 0]
                              [--baseline-src /tmp/xlsx-base/src]

Writes a workbook with openpyxl's write-only mode (a title line above the header, then 7 columns: PO
number, vendor, description, city, amount, currency, order date; a share of the vendors listed names
such as Hikvision and Dahua, a share of the cities in Xinjiang, descriptions of covered equipment and
of high-priority sectors) and the same rows as CSV, each cell the text the screening writes of it.
Prints the time to read the sheet alone (openpyxl's read-only mode, python-calamine, the quick look
at the XML before calamine reads it, and supplyscreen's columnar batches), then the wall time and
rows/s of ``supplyscreen screen FILE --out out.csv`` for the XLSX and the CSV (a fresh process each,
start-up and list loading included). ``--baseline-src`` screens the XLSX with the code at that path as
well (``PYTHONPATH``), e.g. a checkout made with ``git worktree add /tmp/xlsx-base <commit>``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import subprocess
import sys
import time
from pathlib import Path

# the purchase-file generator's words are test support, shared with the tests (tests/support/generate.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.generate import COVERED, FORMS, GOODS, SECTORS, TRADES, WORDS  # noqa: E402

LISTED = (
    "Hangzhou Hikvision Digital Technology Co., Ltd.",
    "Zhejiang Dahua Technology Co., Ltd.",
    "Huawei Technologies Co., Ltd.",
    "Hytera Communications Corporation Limited",
    "Hikvision",
    "Dahua Technology",
)
CITIES = ("Springfield", "Denver", "Austin", "Oakland", "Phoenix", "Shenzhen", "Ningbo", "Suzhou")
XJ_CITIES = ("Aksu", "Kashgar", "Urumqi", "Hotan", "Shihezi")
HEADER = ["PO", "Vendor", "Description", "City", "Amount", "Currency", "Order date"]


def rows(n: int, seed: int = 1) -> list[list[object]]:
    """``n`` purchase rows: 10,000 vendors (2% listed names), 5,000 descriptions, typed cells."""
    rng = random.Random(seed)
    vendors = [
        rng.choice(LISTED)
        if rng.random() < 0.02
        else f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} {rng.choice(FORMS)} {i}"
        for i in range(10_000)
    ]
    items = []
    for i in range(5_000):
        r = rng.random()
        text = rng.choice(COVERED) if r < 0.03 else rng.choice(SECTORS)[0] if r < 0.06 else rng.choice(GOODS)
        items.append(f"{text} #{i}")
    out: list[list[object]] = []
    day = datetime.datetime(2023, 1, 1)
    for i in range(n):
        city = rng.choice(XJ_CITIES) if rng.random() < 0.01 else rng.choice(CITIES)
        when = day + datetime.timedelta(days=i % 700)
        out.append(
            [
                i + 1,
                rng.choice(vendors),
                rng.choice(items),
                city,
                round(rng.uniform(10, 50_000), 2),
                "USD",
                when,
            ]
        )
    return out


def write_files(folder: Path, n: int) -> tuple[Path, Path]:
    """The workbook and the CSV of the same rows (the CSV cells as the screening writes the cells)."""
    import openpyxl  # type: ignore[import-untyped]

    from supplyscreen.io.sheet_cells import cell_value
    from supplyscreen.report.escape import cell_text

    xlsx, text = folder / f"po_{n}.xlsx", folder / f"po_{n}.csv"
    if xlsx.is_file() and text.is_file():
        return xlsx, text
    data = rows(n)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Orders")
    sheet.append(["Purchase orders, generated for benchmarks/xlsx.py"])  # a title line above the header
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    workbook.save(xlsx)
    with text.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        out.writerows([cell_text(cell_value(v)) for v in row] for row in data)
    return xlsx, text


def read_times(xlsx: Path) -> dict[str, float]:
    """Seconds to read the sheet alone, each way."""
    import openpyxl
    import python_calamine

    from supplyscreen.io import read_records
    from supplyscreen.io.xlsx_scan import scan_sheet, sheet_parts
    from supplyscreen.screen.columnar.reader import _batches

    times: dict[str, float] = {}
    started = time.perf_counter()
    workbook = openpyxl.load_workbook(xlsx, read_only=True, data_only=True)
    for _ in workbook["Orders"].iter_rows(values_only=True):
        pass
    workbook.close()
    times["openpyxl read-only"] = time.perf_counter() - started
    started = time.perf_counter()
    with python_calamine.CalamineWorkbook.from_path(str(xlsx)) as book:
        for _ in book.get_sheet_by_name("Orders").iter_rows():
            pass
    times["python-calamine"] = time.perf_counter() - started
    import zipfile

    started = time.perf_counter()
    with zipfile.ZipFile(xlsx) as archive:
        assert scan_sheet(archive, sheet_parts(archive)["Orders"]) is not None
    times["quick look at the XML (xlsx_scan)"] = time.perf_counter() - started
    started = time.perf_counter()
    stream = read_records(xlsx)  # the header found, the sheet read by calamine and kept
    rows = sum(batch.num_rows for batch in _batches(stream, []))
    times["supplyscreen: header + columnar batches"] = time.perf_counter() - started
    assert rows == _rows_of(xlsx)
    return times


def _rows_of(xlsx: Path) -> int:
    return int(xlsx.stem.rpartition("_")[2])


def screen_time(source: Path, out: Path, workers: int, pythonpath: str | None = None) -> float:
    """Wall seconds of ``supplyscreen screen`` in a fresh process."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    cmd = [sys.executable, "-m", "supplyscreen", "screen", str(source), "--out", str(out)]
    cmd += ["--workers", str(workers)]
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.decode()[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/xlsx-bench"))
    parser.add_argument("--workers", type=int, default=0, help="as supplyscreen screen --workers")
    parser.add_argument("--baseline-src", help="screen the XLSX with the code at this path too (PYTHONPATH)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    xlsx, text = write_files(args.workdir, args.rows)
    sizes = f"{xlsx} ({xlsx.stat().st_size / 1e6:.1f} MB), {text} ({text.stat().st_size / 1e6:.1f} MB)"
    print(f"{args.rows:,} rows: {sizes}")
    for what, seconds in read_times(xlsx).items():
        print(f"  read {what:42} {seconds:6.2f} s  {args.rows / seconds:>10,.0f} rows/s")
    runs = [("XLSX", xlsx, None), ("CSV", text, None)]
    if args.baseline_src:
        runs.insert(0, ("XLSX, baseline", xlsx, args.baseline_src))
    for label, source, pythonpath in runs:
        out = args.workdir / f"out_{label.replace(', ', '_')}.csv"
        seconds = screen_time(source, out, args.workers, pythonpath)
        print(f"  screen {label:40} {seconds:6.2f} s  {args.rows / seconds:>10,.0f} rows/s")


if __name__ == "__main__":
    main()
