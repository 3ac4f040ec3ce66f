"""Reading a screening's JSON lines output in tests: its first record describes the screening
(``{"metadata": ...}``), the others are the rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from supplyscreen.report.tabular import is_metadata


def jsonl_records(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSONL output, the metadata record first."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL output (its metadata record left out)."""
    return [r for r in jsonl_records(path) if not is_metadata(r)]


def jsonl_metadata(path: Path) -> dict[str, Any]:
    """The metadata record of a JSONL output (what was screened, how each column was read)."""
    first = jsonl_records(path)[0]
    assert is_metadata(first), f"{path}: the first record is not the metadata record"
    return dict(first["metadata"])
