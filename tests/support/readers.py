"""What the list-reader tests share: read a file set completely, by entity id."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from supplyscreen.model import Entity
from supplyscreen.sources.base import ReadReport


def read_by_id(
    read_files: Callable[[Mapping[str, Path], ReadReport], Iterator[Entity]],
    files: Mapping[str, Path],
    source: str,
) -> tuple[dict[str, Entity], ReadReport]:
    """Every entity a reader yields from ``files``, by id (each id once), and the reader's report."""
    report = ReadReport(source=source)
    entities = list(read_files(files, report))
    by_id = {e.id: e for e in entities}
    assert len(by_id) == len(entities), "an entity id came twice"
    return by_id, report
