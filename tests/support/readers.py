"""What the list-reader tests share: read a file set completely, by entity id; the fixtures that hold
that read for a test module; the error a reader raises on a damaged copy of a fixture file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity
from supplyscreen.sources.base import ReadReport

ReadFiles = Callable[[Mapping[str, Path], ReadReport], Iterator[Entity]]


def read_by_id(
    read_files: ReadFiles, files: Mapping[str, Path], source: str
) -> tuple[dict[str, Entity], ReadReport]:
    """Every entity a reader yields from ``files``, by id (each id once), and the reader's report."""
    report = ReadReport(source=source)
    entities = list(read_files(files, report))
    by_id = {e.id: e for e in entities}
    assert len(by_id) == len(entities), "an entity id came twice"
    return by_id, report


def reader_fixtures(read_files: ReadFiles, files: Mapping[str, Path], source: str) -> tuple[Any, Any]:
    """A test module's fixtures ``read_result`` (:func:`read_by_id` of ``files``, read once for the
    module) and ``entities`` (its entities by id); assign them to those names::

        read_result, entities = reader_fixtures(un_sc.read_files, {"xml": UN_XML}, "un_sc")
    """

    @pytest.fixture(scope="module")
    def read_result() -> tuple[dict[str, Entity], ReadReport]:
        return read_by_id(read_files, files, source)

    @pytest.fixture(scope="module")
    def entities(read_result: tuple[dict[str, Entity], ReadReport]) -> dict[str, Entity]:
        return read_result[0]

    return read_result, entities


def edited_copy(source: Path, target: Path, old: str, new: str) -> Path:
    """``target``, written as a copy of the text file ``source`` with the first ``old`` (which must be
    there) replaced by ``new``."""
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def cut_copy(source: Path, target: Path, marker: str, past: int = 0) -> Path:
    """``target``, written as the text file ``source`` cut ``past`` characters after the start of the
    first ``marker``."""
    text = source.read_text(encoding="utf-8")
    target.write_text(text[: text.index(marker) + past], encoding="utf-8")
    return target


def read_error(
    read: Callable[[Path], Iterable[Entity]], path: Path, match: str | None = None
) -> SourceFormatError:
    """The :class:`SourceFormatError` that reading ``path`` through raises (its message matching
    ``match``, a regular expression, when given)."""
    with pytest.raises(SourceFormatError, match=match) as err:
        list(read(path))
    return err.value
