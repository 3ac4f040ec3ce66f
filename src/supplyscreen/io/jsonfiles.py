"""JSON inputs: JSON lines of objects, a JSON array of objects, and OCDS (packages, releases, records).

OCDS is recognised by its shape, not its name: an object with ``releases`` or ``records``, or
items with an ``ocid``. Everything is streamed (`JsonStream`), so a package of a million releases
is read one release at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from supplyscreen.io.columns import resolve_mapping
from supplyscreen.io.encoding import open_text
from supplyscreen.io.errors import InputError
from supplyscreen.io.jsonstream import JsonStream
from supplyscreen.io.limits import (
    check_columns,
    depth_message,
    json_depth_exceeded,
    json_value_error,
    too_deep,
)
from supplyscreen.io.ocds import (
    OCDS_COLUMNS,
    OCDS_MAPPING,
    is_package,
    is_record,
    is_release,
    ocds_records,
    releases_of,
)
from supplyscreen.io.record_builder import RecordBuilder
from supplyscreen.io.stream import RecordStream
from supplyscreen.model import Record

#: How many leading objects decide the columns of a JSON lines file or array.
COLUMN_SAMPLE = 1000


def _is_ocds(obj: object) -> bool:
    return is_release(obj) or is_record(obj) or is_package(obj)


def _columns_of(objects: Iterator[Any], path: Path) -> list[str]:
    columns: dict[str, None] = {}
    for obj in islice(objects, COLUMN_SAMPLE):
        if isinstance(obj, dict):
            columns.update(dict.fromkeys(map(str, obj)))
    check_columns(path, len(columns))
    return list(columns)


def _ocds_stream(path: Path, explicit: Mapping[str, str] | None, produce: Any) -> RecordStream:
    if explicit:
        raise InputError(path, "a column mapping (--map) does not apply to OCDS files")
    return RecordStream(path, "ocds", list(OCDS_COLUMNS), dict(OCDS_MAPPING), produce)


def _release_error(stream: RecordStream) -> Callable[[int, str], None]:
    """Notes an OCDS release that cannot be read on ``stream`` (row: its position in the file)."""

    def note(position: int, message: str) -> None:
        stream.row_error(position, None, message)

    return note


def _lines(path: Path, codec: str) -> Iterator[tuple[int, str]]:
    with open_text(path, codec) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip().lstrip("\ufeff")
            if line:
                yield number, line


def _parsed_lines(path: Path, codec: str, stream: RecordStream | None) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each line that is valid JSON within the limits (``io.limits``: nesting
    depth, digits of a number); bad lines noted on `stream`."""
    for number, line in _lines(path, codec):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problem = f"not valid JSON ({exc.msg} at character {exc.pos})"
        except (RecursionError, ValueError) as exc:
            problem = json_value_error(exc) or f"not valid JSON ({exc})"
        else:
            if not (json_depth_exceeded(line) and too_deep(value)):
                yield number, value
                continue
            problem = depth_message()
        if stream is not None:
            stream.row_error(number, None, f"{problem}; row skipped")


def open_json_lines(path: Path, explicit: Mapping[str, str] | None, codec: str) -> RecordStream:
    """A JSON lines file of objects (row = line number), or of OCDS releases, records or packages."""
    first = next((value for _, value in _parsed_lines(path, codec, None)), None)
    if first is None:
        raise InputError(path, "no line holds valid JSON")
    if _is_ocds(first):

        def produce_ocds(stream: RecordStream) -> Iterator[Record]:
            releases = (
                (number, release)
                for number, value in _parsed_lines(path, codec, stream)
                if isinstance(value, dict)
                for release in releases_of(value)
            )
            return ocds_records(releases, on_error=_release_error(stream))

        return _ocds_stream(path, explicit, produce_ocds)
    columns = _columns_of((value for _, value in _parsed_lines(path, codec, None)), path)
    mapping = resolve_mapping(columns, explicit, path)

    def produce(stream: RecordStream) -> Iterator[Record]:
        builder = RecordBuilder(columns, mapping, stream.unreadable)
        for number, value in _parsed_lines(path, codec, stream):
            if isinstance(value, dict):
                yield builder.from_mapping(number, value)
            else:
                stream.row_error(number, None, f"a JSON {type(value).__name__}, not an object; row skipped")

    return RecordStream(path, "jsonl", columns, mapping, produce)


def open_json(path: Path, explicit: Mapping[str, str] | None, codec: str) -> RecordStream:
    """A JSON document: an OCDS package, release or record (or several, concatenated), or an array."""
    with open_text(path, codec) as handle:
        cursor = JsonStream(handle, path)
        start = cursor.peek()
        if start == "[":
            return _open_json_array(path, explicit, codec)
        if start != "{":
            raise InputError(path, "not a JSON object or array")
        ocds = _first_object_is_ocds(cursor)
        more = not ocds and cursor.peek() != ""
    if ocds:

        def produce(stream: RecordStream) -> Iterator[Record]:
            return ocds_records(_document_releases(path, codec), on_error=_release_error(stream))

        return _ocds_stream(path, explicit, produce)
    if more:  # one object per line after all
        return open_json_lines(path, explicit, codec)
    raise InputError(
        path,
        "a JSON object that is not an OCDS package (no 'releases' or 'records'); "
        "expected OCDS, a JSON array of objects or JSON lines",
    )


def _first_object_is_ocds(cursor: JsonStream) -> bool:
    """Walk the object at the cursor until an OCDS key shows; the cursor ends after it otherwise."""
    for key in cursor.object_keys():
        if key in ("releases", "records", "ocid"):
            return True
        cursor.value()
    return False


def _document_releases(path: Path, codec: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(position, release) for every release of every top-level object, streamed.

    A package's ``releases`` or ``records`` array is read item by item; a top-level object with an
    ``ocid`` (a release or a record, one per line) is read whole. A record whose ``releases``
    come before its ``ocid`` is read as a package, so its embedded releases are read too.
    """
    with open_text(path, codec) as handle:
        cursor = JsonStream(handle, path)
        position = 0
        while cursor.peek() == "{":
            whole: dict[str, Any] = {}
            for key in cursor.object_keys():
                streamed = key == "records" or (key == "releases" and "ocid" not in whole)
                if not (streamed and cursor.peek() == "["):
                    whole[key] = cursor.value()
                    continue
                for item in cursor.array_items():
                    position += 1
                    if isinstance(item, dict):
                        yield from ((position, release) for release in releases_of(item))
            if "ocid" in whole:
                position += 1
                yield from ((position, release) for release in releases_of(whole))
        if cursor.peek():
            cursor.fail("unexpected text after the JSON document")


def _open_json_array(path: Path, explicit: Mapping[str, str] | None, codec: str) -> RecordStream:
    with open_text(path, codec) as handle:
        items = JsonStream(handle, path).array_items()
        first = next(items, None)
        if _is_ocds(first):
            ocds = True
            columns: list[str] = []
        else:
            ocds = False
            columns = _columns_of(_chain_first(first, items), path)
    if ocds:

        def produce_ocds(stream: RecordStream) -> Iterator[Record]:
            return ocds_records(_array_releases(path, codec), on_error=_release_error(stream))

        return _ocds_stream(path, explicit, produce_ocds)
    mapping = resolve_mapping(columns, explicit, path)

    def produce(stream: RecordStream) -> Iterator[Record]:
        builder = RecordBuilder(columns, mapping, stream.unreadable)
        with open_text(path, codec) as handle:
            for index, item in enumerate(JsonStream(handle, path).array_items(), start=1):
                if isinstance(item, dict):
                    yield builder.from_mapping(index, item)
                else:
                    stream.row_error(index, None, f"a JSON {type(item).__name__}, not an object; row skipped")

    return RecordStream(path, "json", columns, mapping, produce)


def _chain_first(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    if first is not None:
        yield first
    yield from rest


def _array_releases(path: Path, codec: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    with open_text(path, codec) as handle:
        for index, item in enumerate(JsonStream(handle, path).array_items(), start=1):
            if isinstance(item, dict):
                yield from ((index, release) for release in releases_of(item))
