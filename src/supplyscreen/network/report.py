"""Writing a network screening: JSON lines, flat CSV, or the HTML report (by extension or ``fmt``).

JSONL: one line per supplier, ``{"supplier", "flags", "paths", "evidence", ...}`` (see
:meth:`Exposure.to_dict`). CSV: one row per path (``supplier, flags, path`` as ``A → B → C``,
``tiers``, the path's codes and relations); a supplier with no path gets one row with an empty path.
Files are written beside the target and renamed into place.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from supplyscreen.errors import SupplyscreenError
from supplyscreen.network.screen import NetworkResult

FORMATS = ("jsonl", "csv", "html")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".html": "html", ".htm": "html"}
CSV_COLUMNS = ("row", "supplier", "flags", "path", "tiers", "path_flags", "relations", "resolved")
ARROW = " → "
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def output_format(path: Path, fmt: str | None = None) -> str:
    """The format to write ``path`` in: ``fmt`` if given, else by its extension."""
    kind = (fmt or EXTENSIONS.get(path.suffix.lower(), "")).lower()
    if kind not in FORMATS:
        raise SupplyscreenError(
            f"{path}: cannot tell the output format; use a .jsonl, .csv or .html name or --format"
        )
    return kind


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(result: NetworkResult) -> Iterator[dict[str, Any]]:
    """The flat rows of the CSV report, one per path."""
    for exposure in result.exposures:
        base = {
            "row": exposure.row,
            "supplier": exposure.supplier,
            "flags": ";".join(exposure.flags),
            "resolved": ";".join(r["caption"] for r in exposure.resolved),
        }
        if not exposure.paths:
            yield {**base, "path": "", "tiers": "", "path_flags": "", "relations": ""}
        for path in exposure.paths:
            yield {
                **base,
                "path": ARROW.join(path.captions),
                "tiers": path.tiers,
                "path_flags": ";".join(path.codes),
                "relations": ARROW.join(_relations(path.edges)),
            }


def _relations(edges: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    previous: tuple[str, str] | None = None
    for edge in edges:
        key = (edge["from"], edge["to"])
        label = edge["relation"] + (f" {edge['share']:g}%" if edge.get("share") is not None else "")
        if key == previous:
            out[-1] += f" / {label}"
        else:
            out.append(label)
        previous = key
    return out


def _write_atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_jsonl(result: NetworkResult, path: Path) -> None:
    def write(handle: Any) -> None:
        for exposure in result.exposures:
            handle.write(json.dumps(exposure.to_dict(), ensure_ascii=False) + "\n")

    _write_atomic(path, write)


def write_csv(result: NetworkResult, path: Path) -> None:
    def write(handle: Any) -> None:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in csv_rows(result):
            writer.writerow({k: safe_cell(v) for k, v in row.items()})

    _write_atomic(path, write)


def write_report(result: NetworkResult, path: str | Path, fmt: str | None = None) -> str:
    """Write the result to ``path`` in ``fmt`` (default: by extension); returns the format used."""
    path = Path(path)
    kind = output_format(path, fmt)
    if kind == "jsonl":
        write_jsonl(result, path)
    elif kind == "csv":
        write_csv(result, path)
    else:
        from supplyscreen.network.html import render_html

        text = render_html(result)
        _write_atomic(path, lambda handle: handle.write(text))
    return kind
