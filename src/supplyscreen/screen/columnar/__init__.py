"""The columnar path for big CSV, Parquet and XLSX files written as CSV: same results, a fraction of the work.

A purchase file of a million rows holds a few tens of thousands of distinct vendors and item
descriptions, and most rows flag nothing. This path reads batches with pyarrow and never works row
by row in Python:

* each screening field of a row becomes the id of its value (pyarrow finds the distinct values);
  each distinct value is looked at once, for what each detector needs of it (see ColumnarScreener);
* a part of a row's result (its name's flags, one detector's flags) is computed once per distinct
  combination of what that part reads, by the ordinary :class:`RecordScreener` and detectors on a
  representative row; a row's result once per distinct combination of parts, its cells merged from
  the parts' flags as ``RecordScreener.assemble`` orders them (a RowResult is assembled only where
  compare mode needs one);
* the input columns are written back by pyarrow untouched except for formula escaping, with the
  result columns beside them, taken by outcome index, by a writer thread while the next batch is
  screened.

pyarrow reads the file in 2 MB blocks; the first is screened alone, so screening starts at once, and
the others are joined into batches of ``BATCH_BYTES``. An XLSX file of one table (one sheet, or the
one ``--sheet`` names) is read by python-calamine (``io/sheet_cells.py``), its cells made text as the
row path writes them, in batches of ``XLSX_BATCH_ROWS`` sheet rows.

With helper processes, the file's distinct names are matched ahead (:class:`NamePrefetch`) while
this process works out every batch's detector parts, then each batch's names, results and output.
``tests/screen/test_screen_columnar.py`` holds it to the row path's output, cell for cell.

Its modules: ``reader.py`` (batches read, encoded and escaped ahead; the names prefetched),
``xlsx.py`` (an XLSX sheet's batches, made once for every pass), ``interning.py`` (ids of values,
keys and groups of rows), ``outcomes.py`` (a result's parts and the distinct results rows share),
``screener.py`` (``ColumnarScreener``), ``totals.py`` (the report's totals) and ``writer.py`` (the
write loop, its checkpoints and the writer thread). The output's formula escaping is
``report/escape.py``'s, beside the row path's. The sizes and limits (``BATCH_BYTES``,
``XLSX_BATCH_ROWS``, ``CHECKPOINT_SECONDS``, ``_INTERNED_LIMIT``) are read in the module that holds them.
"""

from supplyscreen.report.escape import escaped_columns, escaped_formulas
from supplyscreen.screen.columnar.reader import MalformedInput, ReadAhead, eligible, layout, read_ahead
from supplyscreen.screen.columnar.screener import ColumnarScreener
from supplyscreen.screen.columnar.writer import write_columnar
from supplyscreen.screen.columnar.xlsx import layout as sheet_layout

__all__ = [
    "ColumnarScreener",
    "MalformedInput",
    "ReadAhead",
    "eligible",
    "escaped_columns",
    "escaped_formulas",
    "layout",
    "read_ahead",
    "sheet_layout",
    "write_columnar",
]
