"""The columnar path (CSV/Parquet in, CSV out) gives exactly the row path's results, and resumes."""

from __future__ import annotations

import csv
import sys
import threading
from pathlib import Path

import pytest
from conftest import EXAMPLE
from support.generate import generate
from support.paths import screened_both_ways

from supplyscreen.screen import columnar
from supplyscreen.screen.columnar import interning, outcomes, reader
from supplyscreen.screen.columnar import screener as columnar_screener
from supplyscreen.screen.columnar import writer as columnar_writer
from supplyscreen.screen.run import screen_file


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def purchase_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "po.csv"
    generate(path, 3000, 400, 300, flag_share=0.08)
    return path


@pytest.fixture(scope="module")
def purchase_file_with_notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same purchase file with two columns without a role: a location and a free-text note."""
    path = tmp_path_factory.mktemp("gen") / "po_notes.csv"
    generate(path, 3000, 400, 300, flag_share=0.08, extra_columns=True)
    return path


@pytest.mark.parametrize("notes", [False, True], ids=["roles only", "with columns without a role"])
@pytest.mark.parametrize("workers", [1, 2])
def test_columnar_and_row_paths_write_the_same_values(
    screener,
    purchase_file: Path,
    purchase_file_with_notes: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    notes: bool,
    workers: int,
) -> None:
    monkeypatch.setattr(reader, "BATCH_BYTES", 64 * 1024)  # several batches
    source = purchase_file_with_notes if notes else purchase_file
    fast = tmp_path / "fast.csv"
    slow = tmp_path / "slow.csv"
    fast_totals = screen_file(screener, source, fast, workers=workers).summary.to_dict()
    slow_totals = screen_file(screener, source, slow, force_rows=True, workers=workers).summary.to_dict()
    for key in ("output", "format"):
        fast_totals.pop(key, None), slow_totals.pop(key, None)
    assert fast_totals == slow_totals  # totals, and amounts at risk by vendor and flag
    a, b = _rows(fast), _rows(slow)
    assert len(a) == len(b) == 3000
    assert a == b
    risks = {r["risk"] for r in a}
    assert {"high", "clear"} <= risks
    codes = {c for r in a for c in r["flags"].split(";") if c}
    assert {"restricted_party", "covered_equipment", "xinjiang_location", "high_priority_sector"} <= codes
    if notes:  # flags found in the columns without a role, federal money named in a note
        assert sum('in the column "note"' in r["reasons"] for r in a) > 20
        assert sum('named in the column "location"' in r["reasons"] for r in a) > 20
        assert any("Federal funds: ESSER III" in r["reasons"] for r in a)


@pytest.mark.parametrize("workers", [1, 2])
def test_formula_cells_in_every_batch_are_escaped_as_the_row_path_escapes_them(
    screener, purchase_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    # the reader thread escapes the input columns of all batches but the first, the writer those of
    # the first: cells to escape (and negative numbers not to) in the first batch and in later ones
    monkeypatch.setattr(reader, "BATCH_BYTES", 64 * 1024)
    rows = list(csv.reader(purchase_file.open(encoding="utf-8", newline="")))
    traps = ["=cmd|' /C calc'!A0", "+1+2", "-12.50", "@SUM(A1)", "-x", "=1"]
    for n in range(1, len(rows), 97):
        rows[n][n % 3] = traps[n % len(traps)]  # po_number, order_date or vendor
        rows[n][9] = traps[(n + 1) % len(traps)]  # funding
    path = tmp_path / "traps.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    screen_file(screener, path, fast, workers=workers)
    screen_file(screener, path, slow, force_rows=True)
    a, b = _rows(fast), _rows(slow)
    assert a == b
    assert sum(r["po_number"].startswith("'=") for r in a) > 3  # escaped, in several batches
    assert any(r["funding_source"] == "-12.50" for r in a)  # a plain number is left alone


@pytest.mark.parametrize("workers", [1, 2])
def test_columnar_run_resumes_after_an_interruption(
    screener,
    purchase_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    interrupt_and_resume,
    workers: int,
) -> None:
    monkeypatch.setattr(reader, "READ_BYTES", 16 * 1024)  # batches joined from 16 KB blocks
    monkeypatch.setattr(reader, "BATCH_BYTES", 64 * 1024)
    monkeypatch.setattr(columnar_writer, "CHECKPOINT_SECONDS", 0.0)  # a checkpoint between every two batches
    straight = tmp_path / "straight.csv"
    screen_file(screener, purchase_file, straight)
    out = tmp_path / "resumed.csv"
    # stopped past two thirds of the rows: with helpers, the first pass reports half of each row and
    # writes nothing; either way two batches are done by then, and the first is saved when the second
    # begins
    outcome = interrupt_and_resume(purchase_file, out, after=2000, workers=workers)
    assert 0 < outcome.resumed_rows < 3000
    assert _rows(out) == _rows(straight)
    assert outcome.summary.rows_total == 3000


def test_a_checkpoint_of_batches_cut_otherwise_is_refused_not_misread(
    screener, purchase_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supplyscreen.errors import ResumeError

    monkeypatch.setattr(reader, "READ_BYTES", 16 * 1024)
    monkeypatch.setattr(reader, "BATCH_BYTES", 64 * 1024)
    monkeypatch.setattr(columnar_writer, "CHECKPOINT_SECONDS", 0.0)
    out = tmp_path / "resumed.csv"
    reported = {"rows": 0}

    def stop(n: int) -> None:
        reported["rows"] += n
        if reported["rows"] > 2000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        screen_file(screener, purchase_file, out, on_rows=stop)
    monkeypatch.setattr(reader, "READ_BYTES", 8 * 1024)  # another version cuts the file otherwise
    with pytest.raises(ResumeError, match="another input or other options"):
        screen_file(screener, purchase_file, out, resume=True)
    # and were the fingerprint blind to it, the rows of the skipped batches would not add up
    from supplyscreen.screen import run

    monkeypatch.setattr(run, "columnar_layout", lambda: {"same": 1})
    reported["rows"] = 0
    with pytest.raises(KeyboardInterrupt):
        screen_file(screener, purchase_file, out, on_rows=stop)
    monkeypatch.setattr(reader, "READ_BYTES", 4 * 1024)
    monkeypatch.setattr(reader, "BATCH_BYTES", 48 * 1024)
    with pytest.raises(ResumeError, match="rows in its first"):
        screen_file(screener, purchase_file, out, resume=True)
    assert screen_file(screener, purchase_file, out).summary.rows_total == 3000


def test_a_row_longer_than_a_read_block_is_read_again_in_bigger_blocks(
    screener, purchase_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columnar_resets
) -> None:
    from supplyscreen.io import read_records

    long_row = tmp_path / "long.csv"
    lines = purchase_file.read_text(encoding="utf-8").splitlines()
    head, rows = lines[0], lines[1:]
    cells = next(csv.reader([rows[100]]))
    cells[5] = "network camera; " * 800  # a 13 KB description, quoted across lines below
    cells[5] = cells[5].replace("; n", ";\nn", 3)
    buf = __import__("io").StringIO()
    csv.writer(buf).writerow(cells)
    long_row.write_text(
        "\n".join([head, *rows[:100], buf.getvalue().rstrip("\r\n"), *rows[100:]]) + "\n", encoding="utf-8"
    )
    monkeypatch.setattr(reader, "READ_BYTES", 4 * 1024)  # the long row straddles 4 KB blocks
    monkeypatch.setattr(reader, "BATCH_BYTES", 64 * 1024)
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    from supplyscreen.screen import run

    reads = []
    monkeypatch.setattr(run, "read_records", lambda *a, **k: reads.append(a) or read_records(*a, **k))
    screen_file(screener, long_row, fast)
    assert len(reads) == 1 and columnar_resets["n"] >= 1  # columnar: not handed over to the row path
    screen_file(screener, long_row, slow, force_rows=True)
    assert _rows(fast) == _rows(slow)
    assert len(_rows(fast)) == 3001


def test_parquet_input_goes_the_columnar_way(screener, purchase_file: Path, tmp_path: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    parquet = tmp_path / "po.parquet"
    pq.write_table(pacsv.read_csv(purchase_file), parquet)
    out = tmp_path / "pq.csv"
    screen_file(screener, parquet, out)
    rows = _rows(out)
    assert len(rows) == 3000
    reference = tmp_path / "ref.csv"
    screen_file(screener, purchase_file, reference)
    assert [r["flags"] for r in rows] == [r["flags"] for r in _rows(reference)]


def test_rows_that_share_a_part_differ_only_where_it_cannot_matter(
    screener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The columnar path computes each part of a result once per distinct combination of what that
    part reads (a vendor name with no brand in it is only its context words; an order date only
    matters to a dated listing). Mixing the example's traps field by field, with order dates on both
    sides of the Lorex sale, federal and local money, and a city column appended to the address,
    must still give the row path's result in every cell."""
    import random

    monkeypatch.setattr(reader, "BATCH_BYTES", 32 * 1024)
    example = _rows(EXAMPLE)
    rng = random.Random(7)
    dates = ["2021-09-14", "2022-11-23", "2022-11-24", "2023-02-14", "", "June 21, 2021", "2022-11"]
    fundings = ["", "General fund", "ESSER III federal funds", "CFDA 84.425D", "not federal funds"]
    cities = ["", "Aksu", "Kashgar", "Springfield", "Urumqi City"]
    mixed = tmp_path / "mixed.csv"
    with mixed.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["po", "order_date", "vendor", "vendor_address", "city", "country", "description",
                      "hs_code", "amount", "currency", "funding_source"])  # fmt: skip
        for n in range(2500):
            pick = lambda column: rng.choice(example)[column]  # noqa: E731
            out.writerow([
                f"PO-{n}", rng.choice(dates), pick("vendor"), pick("vendor_address"), rng.choice(cities),
                pick("country"), pick("description"), pick("hs_code"), pick("amount"), pick("currency"),
                rng.choice(fundings),
            ])  # fmt: skip
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    fast_totals = screen_file(screener, mixed, fast).summary.to_dict()
    slow_totals = screen_file(screener, mixed, slow, force_rows=True).summary.to_dict()
    for key in ("output", "format"):
        fast_totals.pop(key, None), slow_totals.pop(key, None)
    assert fast_totals == slow_totals
    a, b = _rows(fast), _rows(slow)
    assert len(a) == 2500 and a == b
    # two processes: names matched ahead in a helper, the detectors' parts of every batch first
    two = tmp_path / "two.csv"
    progress: list[int] = []
    two_totals = screen_file(screener, mixed, two, workers=2, on_rows=progress.append).summary.to_dict()
    assert sum(progress) == 2500 and len(progress) > 2  # progress adds up to the rows, in steps
    for key in ("output", "format"):
        two_totals.pop(key, None)
    assert two_totals == slow_totals and _rows(two) == b
    codes = {c for r in a for c in r["flags"].split(";") if c}
    assert {"restricted_party", "uflpa_entity", "covered_equipment", "xinjiang_location"} <= codes
    reasons = " ".join(r["reasons"] for r in a)
    assert "s.889(b)" in reasons and "2022-11-24" in reasons  # federal money and the Lorex sale date


def test_a_vendors_context_is_shared_only_where_the_description_names_a_category(
    screener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vendor name with no brand in it is only context to the covered-equipment detector, and no
    context counts once the description names an equipment category: those rows share their part.
    Without a category word in the description the vendor's words decide (a bakery is no buyer of
    cameras; a CCTV shop is), and the rows must not share it."""
    names = ["Lotus Bakery Ltd", "Acme Supplies Ltd", "Acme CCTV Cameras Ltd"]
    descriptions = ["Hikvision units", "Hikvision dome camera", "Hikvision DS-2CD2143G0-I"]
    path = tmp_path / "context.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["po", "vendor", "description", "funding"])
        for n in range(60):
            out.writerow([f"PO-{n}", names[n % 3], descriptions[n // 3 % 3], "General fund"])
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    computed = []
    compute = columnar.ColumnarScreener._compute

    def counted(self, kind, record):  # type: ignore[no-untyped-def]
        computed.append((kind, record.name, record.description))
        return compute(self, kind, record)

    monkeypatch.setattr(columnar.ColumnarScreener, "_compute", counted)
    screen_file(screener, path, fast)
    # one part for the three vendors of the description with a category word; three for each other
    assert len([c for c in computed if c[0] == "covered_equipment"]) == 7
    screen_file(screener, path, slow, force_rows=True)
    a = _rows(fast)
    assert a == _rows(slow)
    risk = {(r["vendor"], r["description"]): r["risk"] for r in a}
    assert [risk[(name, "Hikvision units")] for name in names] == ["clear", "review", "high"]
    assert {risk[(name, "Hikvision dome camera")] for name in names} == {"high"}


def test_parquet_with_empty_cells_and_typed_columns_gives_the_row_paths_values(
    screener, tmp_path: Path
) -> None:
    """Nulls in the name, country and description, numbers and dates as typed columns: the columnar
    path reads them as the row path does."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    day = datetime.date
    table = pa.table(
        {
            "vendor": ["Hangzhou Hikvision Digital Technology Co., Ltd.", None, "Dahua Noodle House", "  ",
                       "Lorex"],
            "country": ["CN", None, "US", "cn", None],
            "description": ["DS-2CD2143G0-I camera", "Combed cotton yarn, Aksu, Xinjiang", None, "Hotan",
                            "Lorex NVR"],
            "hs_code": [852589, 520512, None, 520100, 852589],
            "amount": [1200.5, None, 380.0, 7.0, 99.0],
            "order_date": [day(2021, 5, 1), None, day(2022, 6, 8), None, day(2023, 2, 14)],
        }
    )  # fmt: skip
    source = tmp_path / "typed.parquet"
    pq.write_table(table, source)
    for workers in (1, 2):
        fast, slow = screened_both_ways(screener, source, tmp_path, workers)
        assert _rows(fast) == _rows(slow)
    rows = _rows(fast)
    assert rows[0]["risk"] == "high" and rows[1]["risk"] == "high"  # a listed name; a Xinjiang place
    assert "xinjiang_location" in rows[1]["flags"] and rows[2]["risk"] == "clear"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_damaged_file_goes_to_the_row_path_with_helpers_too(screener, tmp_path: Path, workers: int) -> None:
    source = tmp_path / "messy.csv"
    source.write_text(
        'vendor,description\nHikvision,camera\n"a","b","c","d"\nOffice Depot,paper\n', encoding="utf-8"
    )
    out = tmp_path / "messy.screened.csv"
    outcome = screen_file(screener, source, out, workers=workers)
    assert [r["vendor"] for r in _rows(out)] == ["Hikvision", "Office Depot"]
    assert outcome.errors_file is not None and outcome.errors_file.is_file()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_with_only_a_header_screens_to_only_a_header(screener, tmp_path: Path, workers: int) -> None:
    source = tmp_path / "empty.csv"
    source.write_text("vendor,description,amount\n", encoding="utf-8")
    out = tmp_path / "empty.screened.csv"
    outcome = screen_file(screener, source, out, workers=workers)
    assert outcome.summary.rows_total == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("vendor,description,amount,risk")


def test_starting_afresh_when_too_many_values_are_remembered_changes_no_result(
    screener,
    purchase_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    columnar_resets: dict[str, int],
) -> None:
    """A file with more distinct values than the path keeps drops what it remembers between batches;
    the results stay the row path's."""
    monkeypatch.setattr(reader, "BATCH_BYTES", 64 * 1024)
    monkeypatch.setattr(columnar_screener, "_INTERNED_LIMIT", 100)
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    screen_file(screener, purchase_file, fast)
    screen_file(screener, purchase_file, slow, force_rows=True)
    assert columnar_resets["n"] > 2  # once at the start, then between batches
    assert _rows(fast) == _rows(slow)


def test_a_run_with_helpers_interrupted_while_names_are_matched_ahead_stops_cleanly(
    screener, purchase_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "BATCH_BYTES", 64 * 1024)

    def stop_at_once(n: int) -> None:
        raise KeyboardInterrupt

    out = tmp_path / "stopped.csv"
    with pytest.raises(KeyboardInterrupt):
        screen_file(screener, purchase_file, out, on_rows=stop_at_once, workers=2)
    assert not out.exists()
    assert screen_file(screener, purchase_file, out, workers=2).summary.rows_total == 3000


def test_overlapping_runs_leave_the_interpreter_as_they_found_it() -> None:
    import gc

    import pyarrow as pa

    from supplyscreen.screen.engine import QUIET_GC_THRESHOLD, SWITCH_INTERVAL, screening_settings

    before, switch = gc.get_threshold(), sys.getswitchinterval()
    pool = pa.default_memory_pool().backend_name
    reusing = "jemalloc" in pa.supported_memory_backends()  # pyarrow's Linux wheels have it
    assert switch > SWITCH_INTERVAL  # Python's default, 5 ms
    with screening_settings():
        with screening_settings():  # a second run in the same process (a service)
            assert gc.get_threshold()[0] == max(before[0], QUIET_GC_THRESHOLD)
            assert sys.getswitchinterval() == SWITCH_INTERVAL
            assert pa.default_memory_pool().backend_name == ("jemalloc" if reusing else pool)
        assert gc.get_threshold()[0] == max(before[0], QUIET_GC_THRESHOLD)  # the first run goes on
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        assert pa.default_memory_pool().backend_name == ("jemalloc" if reusing else pool)
    assert gc.get_threshold() == before
    assert sys.getswitchinterval() == switch
    assert pa.default_memory_pool().backend_name == pool
    assert gc.get_freeze_count() == 0


def test_a_memory_pool_that_cannot_be_set_up_leaves_screening_and_the_interpreter_as_they_were(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    import pyarrow as pa

    from supplyscreen.screen import engine

    def broken() -> None:
        raise OSError("jemalloc says no")

    monkeypatch.delitem(engine._QUIET, "jemalloc", raising=False)  # worked out once per process
    monkeypatch.setattr(pa, "jemalloc_memory_pool", broken)
    before, switch, pool = gc.get_threshold(), sys.getswitchinterval(), pa.default_memory_pool().backend_name
    with engine.screening_settings():
        assert sys.getswitchinterval() == engine.SWITCH_INTERVAL  # the other settings still hold
        assert pa.default_memory_pool().backend_name == pool
    assert (gc.get_threshold(), sys.getswitchinterval()) == (before, switch)
    assert engine._QUIET["runs"] == 0


def test_a_reader_left_early_stops_even_when_it_has_read_the_whole_file() -> None:
    import time

    import pyarrow as pa

    batches = [pa.RecordBatch.from_pydict({"vendor": [f"v{i}"]}) for i in range(2)]
    reader = columnar.ReadAhead(iter(batches), ["vendor"], start=1, depth=1)
    batches_read = iter(reader)
    first, encoded, _ = next(batches_read)
    assert first.column(0).to_pylist() == ["v0"]
    assert encoded == {}  # batches before ``start`` are left for the consumer to encode
    time.sleep(0.3)  # the reader has read everything and waits to hand over the rest
    closing = threading.Thread(target=reader.close)
    closing.start()
    closing.join(timeout=5)
    assert not closing.is_alive()


def test_the_reader_encodes_the_screened_columns_of_later_batches() -> None:
    import pyarrow as pa

    batches = [
        pa.RecordBatch.from_pydict({"vendor": ["a", "b", "a"], "notes": ["x", "y", "z"]}),
        pa.RecordBatch.from_pydict({"vendor": ["c", None, "c", "d"], "notes": ["x", "x", "x", "x"]}),
    ]
    read = list(columnar.ReadAhead(iter(batches), ["vendor", "missing"], start=1))
    assert [b.num_rows for b, _, _ in read] == [3, 4]
    assert read[0][1] == {}
    encoded = read[1][1]
    assert set(encoded) == {"vendor"}
    dictionary, local = encoded["vendor"]
    assert dictionary.to_pylist() == ["c", "d"]
    assert local.tolist() == [0, 2, 0, 1]  # an empty cell: one past the end


def test_blocks_are_joined_into_batches_after_the_first() -> None:
    import pyarrow as pa

    from supplyscreen.screen.columnar.reader import _joined

    blocks = [
        pa.record_batch({"a": [f"{b}-{i}" for i in range(n)]}) for b, n in enumerate([3, 5, 1, 8, 2, 2, 4])
    ]
    size = blocks[1].nbytes + blocks[2].nbytes  # a batch holds two blocks or more
    batches = list(_joined(iter(blocks), size))
    assert batches[0].num_rows == 3  # the first block alone: screening starts at once
    assert [b.num_rows for b in batches] == [3, 6, 8, 8]  # then 5+1, 8 and 2+2+4
    assert all(b.nbytes >= size for b in batches[1:-1])
    rows = [v for b in batches for v in b.column(0).to_pylist()]
    assert rows == [v for b in blocks for v in b.column(0).to_pylist()]
    assert list(_joined(iter([]), size)) == []


def test_outcomes_hold_the_cells_and_counts_of_the_row_results_they_stand_for(  # type: ignore[no-untyped-def]
    screener, purchase_file: Path, tmp_path: Path
) -> None:
    from supplyscreen.io import read_records
    from supplyscreen.report.summary import flag_lists
    from supplyscreen.report.tabular import added_values
    from supplyscreen.screen.engine import RecordScreener

    def screened(path: Path) -> columnar.ColumnarScreener:
        stream = read_records(path)
        col = columnar.ColumnarScreener(
            RecordScreener(screener),
            dict(stream.mapping),
            list(stream.address_parts),
            screener.snapshot_version,
        )
        row = 1
        for batch in reader._batches(stream, []):
            col.screen(batch, row)
            row += batch.num_rows
        return col

    def check(col: columnar.ColumnarScreener, outcome: outcomes._Outcome) -> None:
        result = col.result(outcome)
        assert outcome.values == added_values(result, False)
        assert (outcome.risk, outcome.codes, outcome.lists) == (
            result.risk, tuple(result.flag_codes), tuple(flag_lists(result))
        )  # fmt: skip

    # a review-level name hit alone, with an informational sector flag, and with covered equipment
    review = tmp_path / "review.csv"
    review.write_text(
        "vendor,country,description\n"
        "Daqo Energy Trading,CN,office chairs\n"
        "Daqo Energy Trading,CN,polysilicon wafers\n"
        "Daqo Energy Trading,CN,Hikvision DS-2CD2143G2-I camera\n",
        encoding="utf-8",
    )
    example = screened(EXAMPLE)
    generated = screened(purchase_file)
    mixed = screened(review)
    assert [o.risk for o in mixed.outcomes] == ["review", "review", "high"]
    outcomes = [*example.outcomes, *generated.outcomes, *mixed.outcomes]
    assert {"restricted_party", "uflpa_entity", "covered_equipment", "xinjiang_location",
            "high_priority_sector"} <= {code for o in outcomes for code in o.codes}  # fmt: skip
    assert {o.risk for o in outcomes} == {"high", "review", "clear"}
    for col in (example, generated, mixed):
        for outcome in col.outcomes:
            check(col, outcome)
    # list flags in a detector's part (none gives them today) take the RowResult's way, not the parts'
    col = example
    listed = next(o for o in col.outcomes if o.key[0] and o.lists and o.key[1])
    name_flags, _ = col.part_values[listed.key[0] - 1]
    col.part_values.append(list(name_flags))
    moved = col._outcome((0, listed.key[1], 0, len(col.part_values)), 1)
    assert moved.lists
    check(col, moved)


def test_formula_cells_are_escaped_as_the_row_path_escapes_each_cell() -> None:
    import random

    import pyarrow as pa

    from supplyscreen.report.escape import escape_formula

    rng = random.Random(7)
    pieces = [
        "=",
        "+",
        "-",
        "@",
        "\t",
        "\r",
        "1",
        "-3.5",
        "+7",
        "1,200",
        "cmd|' /C calc'!A0",
        "é",
        "供应商",
        " ",
        "a",
    ]
    cells = [
        None if rng.random() < 0.1 else "".join(rng.choices(pieces, k=rng.randint(0, 3))) for _ in range(5000)
    ]
    column = pa.array(cells, type=pa.string())
    for start, stop in [(0, 5000), (1, 4999), (1234, 1240), (4999, 5000), (10, 10)]:
        part = column.slice(start, stop - start)  # a slice starts inside its buffers
        expected = [None if c is None else escape_formula(c) for c in cells[start:stop]]
        assert columnar.escaped_formulas(part).to_pylist() == expected
    assert sum(escape_formula(c) != c for c in cells if c is not None) > 1000  # many to escape
    plain = pa.array(["12", "abc", None, ""], type=pa.string())
    assert columnar.escaped_formulas(plain) is plain  # no formula character first: the column itself


def test_an_empty_column_with_no_offsets_is_no_formula() -> None:
    import pyarrow as pa

    for empty in (
        pa.Array.from_buffers(pa.string(), 0, [None, pa.py_buffer(b""), pa.py_buffer(b"")]),
        pa.array([], pa.string()),
    ):
        assert len(columnar.escaped_formulas(empty)) == 0


@pytest.fixture
def release(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """An event the writer thread waits for before writing each batch (set it to let it write)."""
    event = threading.Event()
    original = columnar_writer._output_table

    def held(*job):  # type: ignore[no-untyped-def]
        assert event.wait(10)
        return original(*job)

    monkeypatch.setattr(columnar_writer, "_output_table", held)
    return event


def test_the_writer_is_idle_only_once_what_was_put_is_written(
    tmp_path: Path, release: threading.Event
) -> None:
    import pyarrow as pa

    batch = pa.record_batch({"vendor": ["Acme", "=cmd"]})
    clear = [pa.chunked_array([pa.array(["clear"])])]
    with open(tmp_path / "out.csv", "wb") as fh:
        writer = columnar_writer._Writer(fh)
        assert writer.idle()
        writer.put(batch, pa.array([0, 0]), clear, None)
        assert not writer.idle()  # a checkpoint now would wait: write_columnar waits for a later batch
        release.set()
        offset = writer.wait()
        assert writer.idle() and offset == (tmp_path / "out.csv").stat().st_size
        writer.close()
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines() == [
        '"Acme","clear"',
        '"\'=cmd","clear"',
    ]


def test_the_writer_holds_three_batches_at_most_yet_ending_it_does_not_wait(
    tmp_path: Path, release: threading.Event
) -> None:
    import pyarrow as pa

    clear = [pa.chunked_array([pa.array(["clear"])])]
    batches = [pa.record_batch({"vendor": [f"v{i}"]}) for i in range(4)]
    with open(tmp_path / "out.csv", "wb") as fh:
        writer = columnar_writer._Writer(fh)
        for batch in batches[:3]:  # one being written (held up), two waiting
            writer.put(batch, pa.array([0]), clear, None)
        fourth = threading.Thread(target=writer.put, args=(batches[3], pa.array([0]), clear, None))
        fourth.start()
        fourth.join(timeout=0.3)
        assert fourth.is_alive()  # a fourth batch waits for room
        release.set()
        fourth.join(timeout=10)
        assert not fourth.is_alive()
        writer.wait()
        release.clear()
        for batch in batches[:3]:
            writer.put(batch, pa.array([0]), clear, None)
        ending = threading.Thread(target=writer.end)
        ending.start()
        ending.join(timeout=5)
        assert not ending.is_alive()  # the screening goes on (to hand over its totals) meanwhile
        release.set()
        writer.close()
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [f'"v{i}","clear"' for i in [0, 1, 2, 3, 0, 1, 2]]


@pytest.mark.parametrize("high", [5, 1 << 40])  # small ids, and ids whose product would overflow int64
def test_rows_are_grouped_by_their_ids_in_the_order_they_first_show(high: int) -> None:
    import numpy as np

    rng = np.random.default_rng(2)
    cols = [rng.integers(0, high, 5000) // (high // 5 or 1) * (high // 5 or 1) for _ in range(4)]
    group, first = interning._groups(cols)
    seen: dict[tuple[int, ...], int] = {}
    for row, key in enumerate(zip(*(c.tolist() for c in cols), strict=True)):
        assert group[row] == seen.setdefault(key, len(seen))
    assert len(first) == len(seen) and [k for k in seen] == [
        tuple(int(c[f]) for c in cols) for f in first.tolist()
    ]


def test_grouping_ids_whose_combined_key_would_wrap_around() -> None:
    import numpy as np

    a = np.array([0, 4, 0, 4], dtype=np.int64)
    b = np.array([0, 0, (1 << 62) - 1, 0], dtype=np.int64)  # 4 * 2**62 wraps to 0 in int64
    group, first = interning._groups([a, b])
    assert group.tolist() == [0, 1, 2, 1] and first.tolist() == [0, 1, 2]
    # renumbering the first column is not enough when the second alone is that wide
    a = np.array([0, 1, 2, 3, 4, 0], dtype=np.int64)
    b = np.array([0, 0, 0, 0, 0, (1 << 62) - 1], dtype=np.int64)
    assert interning._groups([a, b])[0].tolist() == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize("key", ["name", "description", "address"])
def test_texts_classed_in_bulk_get_the_features_each_gets_alone(screener, key: str) -> None:
    """``_features`` classes most vendor names and descriptions (those holding only a covered-
    equipment context word) for all at once; each must get what ``_feature`` gives it alone with
    every look-up made (worked out first: the detectors remember what they learn in bulk)."""
    from supplyscreen.screen.engine import RecordScreener

    words = ["Electronics", "Foods", "Bakery", "Camera", "Trading", "Cotton", "Aksu", "Hikvision", "Lotus"]
    texts = [f"{a} {b} Co. {n} {key}" for n, (a, b) in enumerate((a, b) for a in words for b in words)]
    texts += ["Électronique Caméra", "海康威视 摄像机", "NVR-16 units", "bakery cameras", "", "  "]
    mapping = {"name": "vendor", "description": "item", "address": "address"}
    alone = columnar.ColumnarScreener(RecordScreener(screener), mapping, [], "test")
    bulk = columnar.ColumnarScreener(RecordScreener(screener), mapping, [], "test")
    interned = bulk.fields[key]
    for text in texts:
        interned.id_of(text.strip() or None)
    expected = [alone._feature(key, text, [True] * 6) for text in interned.values]
    one_by_one = []
    feature = bulk._feature
    bulk._feature = lambda k, text, may: one_by_one.append(text) or feature(k, text, may)  # type: ignore[method-assign]
    features = bulk._features(key)
    if key == "address":  # places only: nothing to class by a covered-equipment context
        assert len(one_by_one) > 40
    else:
        assert len(one_by_one) < len(texts) - 30  # many were classed in bulk

    def keys(screener: columnar.ColumnarScreener, ids: list[int]) -> list[object]:
        classes = (
            [screener.xinjiang]
            if key == "address"
            else [screener.covered, screener.xinjiang, screener.sectors]
        )
        return [next(k for k, v in c.ids.items() if v == i) for c, i in zip(classes, ids, strict=False)]

    for j, text in enumerate(interned.values):
        assert keys(bulk, features[:, j].tolist()) == keys(alone, list(expected[j])), text
