"""The regression corpus of hostile inputs (issue 19): one small file per defect class, each screened
by ``supplyscreen screen`` into every output format (CSV, JSON lines, XLSX, HTML) in a child process
limited to 2 GB of address space (``scripts/fuzz.py``'s warm worker: ``RLIMIT_AS``, the command's
entry point run in-process per file). Each screening must exit 0 or 2, without a traceback, within
30 s, and the child must neither run out of memory nor die.

The two big inputs are generated here rather than committed: a header repeating one name 100,000
times (400 KB) and a cell repeating a covered brand (10 MB)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz.inputs import OUTPUTS
from support.scripts import load_path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
FUZZ_SCRIPT = HERE.parents[1] / "scripts" / "fuzz.py"
#: Each file and the defect it stood for (D1-D9 in issue 19; the rest found by scripts/fuzz.py).
COMMITTED = {
    "lone_surrogate_name.json": "D1: a lone surrogate in a JSON key and supplier name (and XLSX output)",
    "nested_1000_deep.json": "D4: JSON nested 1,000 deep (RecursionError)",
    "integer_5000_digits.json": "D4: a JSON integer of 5,000 digits (Python's 4,300-digit limit)",
    "json_lines_beyond_limits.jsonl": "D4: JSON lines nested 1,000 deep, of 5,000 and 400 digits",
    "xlsx_bad_shared_string.xlsx": "D5: an XLSX cell naming a shared string that is not there",
    "parquet_binary_struct_list.parquet": "D6: Parquet binary, struct, list, map, null columns",
    "utf16le_no_bom_odd_bytes.csv": "D7: UTF-16 without a BOM, cut after an odd byte",
    "ocds_wrong_types.json": "D9: OCDS fields of the wrong type",
    "csv_open_quote_header.csv": "fuzz: a header with an open quote (_csv.Error skipping it)",
    "integer_400_digits.jsonl": "fuzz: an integer too big for a float, into XLSX (OverflowError)",
    "not_parquet.parquet": "fuzz: a .parquet that is none (ArrowInvalid in the row estimate)",
    "parquet_invalid_utf8.parquet": "fuzz: a Parquet string column that is not UTF-8 (columnar path)",
    "parquet_damaged_page.parquet": "fuzz: a Parquet data page cut short (OSError, columnar path)",
    "csv_header_not_utf8.csv": "fuzz: a header byte that is not UTF-8 in a UTF-8 file (columnar path)",
    "parquet_date_past_9999.parquet": "fuzz: a Parquet date past 9999 (OverflowError, row path; read since)",
    "csv_damaged_row_not_utf8.csv": "fuzz: a damaged row that is not UTF-8 (pyarrow's unraisable print)",
}
GENERATED = {
    "header_100000_names.csv": "D2: a header repeating one name 100,000 times",
    "brand_cell_10mb.csv": "D3: one cell repeating a covered brand, 10 MB",
}
SECONDS = 30


@pytest.fixture(scope="module")
def worker(screener_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A warm screening process under the 2 GB limit, the session's lists loaded once."""
    fuzz = load_path(FUZZ_SCRIPT, "supplyscreen_fuzz_script")
    assert fuzz.MEMORY_LIMIT == 2 << 30 and fuzz.TIMEOUT == SECONDS
    started = fuzz.Worker(screener_home, tmp_path_factory.mktemp("corpus-worker") / "worker.log")
    started.start()
    yield started
    started.kill()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus-generated")
    folder.joinpath("header_100000_names.csv").write_text(
        ",".join(["x"] * 100_000) + "\n" + ",".join(["a"] * 100_000) + "\n", encoding="utf-8"
    )
    brands = "Hikvision Dahua Huawei " * (10_000_000 // 23)
    folder.joinpath("brand_cell_10mb.csv").write_text(
        f"vendor,description\nAcme,{brands}\nHikvision,cameras\n", encoding="utf-8"
    )
    return folder


def test_the_corpus_holds_the_files_listed() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(COMMITTED)


@pytest.mark.parametrize("name", [*COMMITTED, *GENERATED])
def test_a_corpus_file_gives_a_result_or_a_clear_error_in_bounded_time_and_memory(
    name: str, worker: Any, generated: Path, tmp_path: Path
) -> None:
    source = CORPUS / name if name in COMMITTED else generated / name
    for output in OUTPUTS:
        answer = worker.screen(source, tmp_path / f"out.{output}")
        said = f"{name} into {output}: {answer.get('traceback') or ''}{answer.get('said', '')[-3000:]}"
        assert answer["kind"] == "exit", said  # not a hang, a memory error, an exception or a death
        assert answer["code"] in (0, 2), said
        assert "Traceback" not in answer["said"], said
        assert answer["seconds"] < SECONDS, said
