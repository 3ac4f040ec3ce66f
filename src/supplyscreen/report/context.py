"""What a report says about its own making: the input, the lists screened against and their gaps, when.

`ReportContext` is filled by the front end (CLI, API) and read by every writer; the CSV/JSONL writers
only need the input path (to refuse writing over it), the XLSX summary and the HTML report show the
rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from supplyscreen.errors import SupplyscreenError
from supplyscreen.version import __version__

#: Output formats, by name; the file extension picks one when no format is given.
FORMATS = ("csv", "xlsx", "jsonl", "html")
_EXTENSIONS = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
}


class ReportError(SupplyscreenError):
    """A report cannot be written: unknown format, output path equal to the input, unwritable folder."""


@dataclass(slots=True)
class ReportContext:
    """Facts about one screening that the reports print beside the results.

    ``sources`` holds one dict per list source screened against, with the keys ``code``, ``title``,
    ``snapshot_date`` (ISO, possibly ``YYYY-MM``), ``age_days`` (int or None), ``official`` (bool),
    ``gaps`` (known gaps in words, e.g. "UFLPA list partial: 94 of 144 entries"; str or list)
    and optionally ``lists`` (list codes it provides). `sources_from_snapshot` builds them from a
    snapshot manifest. ``columns`` are the input columns in order (else the first record's fields).
    ``compare_to`` (the previous result) adds the ``change`` column. ``error_count`` and ``finished``
    are read when writing ends, so a front end may update them while the results stream (``finished``
    defaults to the end of writing).
    """

    input_path: Path | None = None
    output_path: Path | None = None
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    roles: list[tuple[str, str]] = field(default_factory=list)  # each input column and its role
    list_snapshot: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)
    started: datetime | None = None
    finished: datetime | None = None
    version: str = ""
    profile: str | None = None
    error_count: int = 0
    errors_path: Path | None = None
    compare_to: Path | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.version:
            self.version = __version__


def detect_format(out: Path, fmt: str | None) -> str:
    """The output format: ``fmt`` when given, else from the file extension (csv, xlsx, jsonl, html)."""
    if fmt:
        name = fmt.lower().lstrip(".")
        name = "jsonl" if name in ("ndjson", "json") else "html" if name == "htm" else name
        if name not in FORMATS:
            raise ReportError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")
        return name
    suffix = out.suffix.lower()
    if suffix not in _EXTENSIONS:
        raise ReportError(
            f"{out}: cannot tell the output format from the extension {suffix or '(none)'!r}; "
            f"use .csv, .xlsx, .jsonl or .html, or give the format ({', '.join(FORMATS)})"
        )
    return _EXTENSIONS[suffix]


def age_in_days(snapshot_date: str | None, today: date | None = None) -> int | None:
    """Days since a list's date (``YYYY-MM-DD``; ``YYYY-MM`` and ``YYYY`` count from their first day)."""
    if not snapshot_date:
        return None
    text = snapshot_date[:10]
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        then = date(year, month, day)
    except (ValueError, IndexError):
        return None
    return ((today or datetime.now(UTC).date()) - then).days


def sources_from_snapshot(
    sources: Iterable[Any],
    *,
    gaps: Mapping[str, str | list[str]] | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """`ReportContext.sources` from a snapshot's `SourceInfo` objects (or their dicts).

    ``gaps`` maps a source code (or a list code it provides) to its known gaps in words.
    """
    out: list[dict[str, Any]] = []
    for source in sources:
        info = source if isinstance(source, Mapping) else source.to_dict()
        lists = sorted(info.get("lists") or {})
        known: list[str] = []
        for key in (info["code"], *lists):
            found = (gaps or {}).get(key)
            if found:
                known.extend([found] if isinstance(found, str) else found)
        out.append(
            {
                "code": info["code"],
                "title": info.get("title") or info["code"],
                "snapshot_date": info.get("snapshot_date"),
                "age_days": age_in_days(info.get("snapshot_date"), today),
                "official": bool(info.get("official")),
                "gaps": list(dict.fromkeys(known)),
                "lists": lists,
            }
        )
    return out


def source_gaps(source: Mapping[str, Any]) -> list[str]:
    """A source's known gaps as a list of sentences (the ``gaps`` or ``known_gaps`` key, str or list)."""
    value = source.get("gaps") or source.get("known_gaps") or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def finalised(context: ReportContext, out: Path) -> ReportContext:
    """A copy of the context taken when writing ends, ``finished`` (now) and ``output_path`` filled in."""
    return replace(
        context, finished=context.finished or datetime.now(UTC), output_path=context.output_path or out
    )
