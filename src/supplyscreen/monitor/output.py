"""A monitor run's changes written as JSON lines, CSV or HTML (by the file's suffix), atomically."""

from __future__ import annotations

import csv
import html
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from supplyscreen.errors import SupplyscreenError
from supplyscreen.monitor.changes import FIELDS, KINDS, Change
from supplyscreen.report.atomic import atomic_output
from supplyscreen.report.escape import csv_cell

FORMATS = (".jsonl", ".csv", ".html")


def check_output(path: Path) -> None:
    if path.suffix.lower() not in FORMATS:
        raise SupplyscreenError(
            f"--out {path}: unknown format {path.suffix or '(none)'}; use one of {', '.join(FORMATS)}"
        )


def list_change_text(change: Change) -> str:
    """``removed us_ofac_nonsdn:26182 (2025-12-19)``, or empty."""
    lc = change.list_change
    if not lc:
        return ""
    return f"{lc.get('change')} {lc.get('source_id')} ({str(lc.get('date', ''))[:10]})"


def write_changes(changes: Sequence[Change], path: Path) -> None:
    check_output(path)
    suffix = path.suffix.lower()
    with atomic_output(path) as tmp:
        if suffix == ".jsonl":
            with open(tmp, "w", encoding="utf-8") as fh:
                for c in changes:
                    fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        elif suffix == ".csv":
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(FIELDS)
                for c in changes:
                    values = c.to_dict()
                    values["list_change"] = (
                        json.dumps(c.list_change, ensure_ascii=False) if c.list_change else ""
                    )
                    writer.writerow([csv_cell(values[f]) for f in FIELDS])
        else:
            tmp.write_text(render_html(changes), encoding="utf-8")


def render_html(changes: Sequence[Change]) -> str:
    e = html.escape
    counts = Counter(c.change for c in changes)
    summary = ", ".join(f"{counts[k]} {k}" for k in KINDS if counts[k]) or "no changes"
    rows = "".join(
        f"<tr class={e(c.change)}><td>{e(c.monitor)}</td><td>{c.row}</td><td>{e(c.vendor)}</td>"
        f"<td>{e(c.change)}</td><td>{e(c.entity_name or '')}</td><td>{e(c.entity_id or '')}</td>"
        f"<td>{e(c.source or '')}</td><td>{e(list_change_text(c))}</td><td>{e(c.cause)}</td>"
        f"<td>{e(c.risk_before or '')}</td><td>{e(c.risk_after or '')}</td></tr>"
        for c in changes
    )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Monitor changes</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style>"
        f"<h1>Monitor changes</h1><p id=summary>{e(summary)}</p>"
        "<table><tr><th>monitor</th><th>row</th><th>vendor</th><th>change</th><th>entity</th>"
        "<th>entity id</th><th>source</th><th>list change</th><th>cause</th><th>risk before</th>"
        f"<th>risk after</th></tr>{rows}</table></html>\n"
    )
