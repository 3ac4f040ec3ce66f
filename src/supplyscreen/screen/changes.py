"""Against an earlier screening (``--compare-to``): its rows read back, and each new row marked as
``new``, ``resolved``, ``changed`` or ``unchanged``. Used by the row path and the columnar path."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from supplyscreen.errors import SupplyscreenError
from supplyscreen.model import RowResult
from supplyscreen.report.tabular import is_metadata


def load_previous(path: Path) -> dict[str, tuple[str, str]]:
    """An earlier screening's rows (its CSV or JSONL output), by row id: key → (risk, flags)."""
    previous: dict[str, tuple[str, str]] = {}
    try:
        if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        row = json.loads(line)
                        if is_metadata(row):
                            continue
                        flags = ";".join(sorted({f["code"] for f in row.get("flags", [])}))
                        previous[str(row["row"])] = (row["risk"], flags)
            return previous
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), 1):
                flags = ";".join(sorted(x for x in (row.get("flags") or "").split(";") if x))
                previous[str(n)] = (row.get("risk", ""), flags)
    except (OSError, KeyError, ValueError) as exc:
        raise SupplyscreenError(f"{path}: cannot read it as an earlier screening ({exc})") from exc
    return previous


def mark_change(result: RowResult, previous: dict[str, tuple[str, str]]) -> RowResult:
    """``new`` (not screened before), ``resolved`` (flagged before, clear now), ``changed``, ``unchanged``."""
    before = previous.get(str(result.row))
    flags = ";".join(sorted(set(result.flag_codes)))
    if before is None:
        result.change = "new"
    elif before[0] != "clear" and result.risk == "clear":
        result.change = "resolved"
    elif before != (result.risk, flags):
        result.change = "changed"
    else:
        result.change = "unchanged"
    return result
