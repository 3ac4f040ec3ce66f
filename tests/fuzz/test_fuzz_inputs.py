"""Property-based fuzzing of every reader and writer (issue 19, point 6): files of every input format
(CSV, TSV, XLSX, Parquet, JSON, JSON lines, OCDS), built and damaged by ``inputs.py`` from a Random
that hypothesis seeds, are screened into every output format (CSV, JSON lines, XLSX, HTML). Each must
give a result or one of the project's clear errors (``SupplyscreenError``; exit code 2 from the
command), never another exception, a traceback or a hang.

Deterministic in CI: ``derandomize=True`` (the examples follow from each test's name, the same on
every run and machine) and no example database. No shrinking (it can take minutes on these inputs):
a failing example's input file is kept, and the report names it. ``scripts/fuzz.py`` explores at
random; ``--hypothesis-show-statistics`` shows how many examples were screened or refused.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fuzz.inputs import FORMATS, OUTPUTS, SMALL, make_input, mutate
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from support.cli import run_cli
from support.guards import deadline

from supplyscreen.errors import SupplyscreenError
from supplyscreen.screen.run import screen_file
from supplyscreen.screener import Screener

#: Seconds one screening of a small fuzzed file may take before it counts as a hang.
HANG_SECONDS = 20

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=80,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: it can take minutes; the input is kept
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the fixtures hold nothing an example changes
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@contextmanager
def kept_on_failure(source: Path) -> Iterator[None]:
    """On failure, keep the input in ``<tmp>/supplyscreen-fuzz-failures`` and name it in the report."""
    try:
        yield
    except BaseException:
        kept = Path(tempfile.gettempdir()) / "supplyscreen-fuzz-failures"
        kept.mkdir(exist_ok=True)
        copy = kept / f"{uuid.uuid4().hex[:8]}-{source.name}"
        shutil.copyfile(source, copy)
        note(f"input kept in {copy}")
        raise


def build(r: Any, fmt: str, words: tuple[str, ...], mutated: bool, folder: Path) -> Path:
    suffix, data = make_input(r, fmt, SMALL, words)
    if mutated:
        data = mutate(r, data)
    source = folder / f"input{suffix}"
    source.write_bytes(data)
    return source


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(
    r=st.randoms(use_true_random=True),
    words=st.lists(st.text(max_size=24), max_size=4).map(tuple),
    output=st.sampled_from(OUTPUTS),
    mutated=st.booleans(),
    force_rows=st.booleans(),
)
def test_screen_file_gives_a_result_or_a_clear_error(
    screener: Screener,
    fmt: str,
    r: Any,
    words: tuple[str, ...],
    output: str,
    mutated: bool,
    force_rows: bool,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = build(r, fmt, words, mutated, Path(tmp))
        out = Path(tmp) / f"out.{output}"
        with kept_on_failure(source):
            try:
                with deadline(HANG_SECONDS):
                    outcome = screen_file(screener, source, out, force_rows=force_rows)
            except SupplyscreenError as exc:
                assert str(exc).strip()
                assert not out.exists(), "an error after the output was written"
                event(f"refused: {type(exc).__name__}")  # --hypothesis-show-statistics counts them
                return
            assert out.is_file() and outcome.output == out
            event(f"screened, {_bucket(outcome.summary.rows_total)} rows")


def _bucket(rows: int) -> str:
    return "0" if rows == 0 else "1-9" if rows < 10 else "10+"


@pytest.fixture
def warm_cli(screener: Screener, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command opens the session's screener instead of loading the lists for each run."""
    monkeypatch.setattr(Screener, "open", classmethod(lambda cls, home=None: screener))


@pytest.mark.parametrize("fmt", FORMATS)
@settings(FUZZ, max_examples=20)
@given(r=st.randoms(use_true_random=True), output=st.sampled_from(OUTPUTS), mutated=st.booleans())
def test_the_command_exits_0_or_2_never_with_a_traceback(
    warm_cli: None,
    screener_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    r: Any,
    output: str,
    mutated: bool,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = build(r, fmt, (), mutated, Path(tmp))
        out = Path(tmp) / f"out.{output}"
        args = ["screen", str(source), "--out", str(out), "--workers", "1", "--home", str(screener_home)]
        # the interpreter's own stderr writes what it cannot encode (a lone surrogate in a column
        # name) as a backslash escape; the captured one would raise instead
        sys.stderr.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        with kept_on_failure(source):
            with deadline(HANG_SECONDS):
                code, stdout, stderr = run_cli(args, capsys, monkeypatch)
            assert code in (0, 2), stderr
            assert "Traceback" not in stderr + stdout
            if code == 2:
                assert stderr.lstrip().startswith("error:") and not out.exists(), stderr
            else:
                assert out.is_file(), stderr
