"""Writing a network screening: JSON lines, flat CSV, or the HTML report (by extension or ``fmt``).

JSONL: one line per supplier, ``{"supplier", "flags", "paths", "evidence", ...}`` (see
:meth:`Exposure.to_dict`). CSV: one row per path (``supplier, flags, path`` as ``A → B → C``,
``tiers``, the path's codes and relations); a supplier with no path gets one row with an empty path.
Files are written beside the target and renamed into place (never over the suppliers file), and
CSV cells that a spreadsheet would run as formulas are escaped, as the screening reports do.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from supplyscreen.network.screen import NetworkResult
from supplyscreen.report.atomic import atomic_output
from supplyscreen.report.context import ReportError
from supplyscreen.report.escape import csv_cell

FORMATS = ("jsonl", "csv", "html")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".html": "html", ".htm": "html"}
CSV_COLUMNS = (
    "row", "supplier", "flags", "path", "tiers", "path_flags", "relations", "resolved", "information",
)  # fmt: skip
ARROW = " → "


def output_format(path: Path, fmt: str | None = None) -> str:
    """The format to write ``path`` in: ``fmt`` if given, else by its extension."""
    kind = (fmt or EXTENSIONS.get(path.suffix.lower(), "")).lower()
    if kind not in FORMATS:
        raise ReportError(
            f"{path}: cannot tell the output format; use a .jsonl, .csv or .html name or --format"
        )
    return kind


def csv_rows(result: NetworkResult) -> Iterator[dict[str, Any]]:
    """The flat rows of the CSV report, one per path."""
    for exposure in result.exposures:
        base = {
            "row": exposure.row,
            "supplier": exposure.supplier,
            "flags": ";".join(exposure.flags),
            "resolved": ";".join(r["caption"] for r in exposure.resolved),
            "information": " | ".join(exposure.information),
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


def write_jsonl(result: NetworkResult, path: Path, input_path: Path | None = None) -> None:
    with atomic_output(path, input_path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        for exposure in result.exposures:
            handle.write(json.dumps(exposure.to_dict(), ensure_ascii=False) + "\n")


def write_csv(result: NetworkResult, path: Path, input_path: Path | None = None) -> None:
    with atomic_output(path, input_path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in csv_rows(result):
            writer.writerow({k: csv_cell(v) for k, v in row.items()})


def write_html(result: NetworkResult, path: Path, input_path: Path | None = None) -> None:
    from supplyscreen.network.html import render_html

    text = render_html(result)
    with atomic_output(path, input_path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_report(
    result: NetworkResult, path: str | Path, fmt: str | None = None, input_path: str | Path | None = None
) -> str:
    """Write the result to ``path`` in ``fmt`` (default: by extension); returns the format used.

    ``input_path`` (the suppliers file) is never overwritten.
    """
    path = Path(path)
    kind = output_format(path, fmt)
    writer = {"jsonl": write_jsonl, "csv": write_csv, "html": write_html}[kind]
    writer(result, path, Path(input_path) if input_path is not None else None)
    return kind
