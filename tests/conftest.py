"""Shared test fixtures: small list files in the official formats (``tests/fixtures/official``, written
for these tests) and list stores built from them; the embedded snapshot where whole lists are needed;
``both_paths``, which runs a file-screening test over the columnar and the row path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CURATED = REPO / "src" / "supplyscreen" / "data" / "curated"
EXAMPLE = REPO / "examples" / "purchase_orders.csv"  # the README's example purchase orders
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A folder laid out like the official files the snapshot builder reads (scripts/build_snapshot.py),
# each file a handful of records written for these tests in that list's official format.
OFFICIAL = FIXTURES / "official"
LISTS = OFFICIAL / "lists"

UN_XML = LISTS / "un_sc_consolidated" / "UN_consolidated_2026-02-27.xml"
FCC_HTML = LISTS / "us_fcc_covered_list" / "fcc_covered_list_table_verbatim.html"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's real data directory."""
    monkeypatch.setenv("SUPPLYSCREEN_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.delenv("SUPPLYSCREEN_SOURCES_BASE_URL", raising=False)


@pytest.fixture(scope="session")
def screener_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose name index is built once for the whole test session."""
    from supplyscreen import Screener

    home = tmp_path_factory.mktemp("screener-home")
    Screener.open(home).matcher  # noqa: B018 - builds and caches the index
    return home


@pytest.fixture(scope="session")
def screener(screener_home: Path):  # type: ignore[no-untyped-def]
    from supplyscreen import Screener

    return Screener.open(screener_home)


@pytest.fixture(params=["columnar", "rows"])
def both_paths(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Runs a file-screening test once per path of ``screen_file`` (``[columnar]``, ``[rows]``), however the
    test starts the screening (``screen_file``, ``Screener.screen_file``, the CLI): in ``[rows]`` no file
    takes the columnar path, as with ``force_rows=True``. ``[columnar]`` fails unless one of the test's
    files could take it (CSV/TSV/Parquet or an XLSX file of one table in, CSV out), since it would run
    the row path twice."""
    from supplyscreen.screen import run

    eligible = run.columnar_eligible
    seen: list[bool] = []

    def path_of_this_run(stream: Any, out_format: str) -> bool:
        seen.append(eligible(stream, out_format))
        return seen[-1] and request.param == "columnar"

    monkeypatch.setattr(run, "columnar_eligible", path_of_this_run)
    yield request.param
    assert any(seen), "no file of this test can take the columnar path: it need not run over both paths"


@pytest.fixture
def columnar_resets(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts how often the columnar path starts afresh (``ColumnarScreener._reset``: once at the
    start, then whenever ``columnar.screener._INTERNED_LIMIT`` values are remembered), in ``["n"]``."""
    from supplyscreen.screen import columnar

    resets = {"n": 0}
    original = columnar.ColumnarScreener._reset

    def counting(self: columnar.ColumnarScreener) -> None:
        resets["n"] += 1
        original(self)

    monkeypatch.setattr(columnar.ColumnarScreener, "_reset", counting)
    return resets


@pytest.fixture
def interrupt_and_resume(screener):  # type: ignore[no-untyped-def]
    """``run(source, out, after=rows, workers=n)``: screen a file, stop it with KeyboardInterrupt once
    its progress passes ``after`` rows, check nothing stands at ``out`` yet, then run it again with
    ``resume=True``; returns that run's outcome."""
    from supplyscreen.screen.run import screen_file

    def run(source: Path, out: Path, *, after: int, workers: int = 1):  # type: ignore[no-untyped-def]
        reported = {"rows": 0}

        def stop(n: int) -> None:
            reported["rows"] += n
            if reported["rows"] > after:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            screen_file(screener, source, out, on_rows=stop, workers=workers)
        assert not out.exists()
        return screen_file(screener, source, out, resume=True, workers=workers)

    return run
