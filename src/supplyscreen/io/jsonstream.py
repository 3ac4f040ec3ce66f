"""Walk a large JSON document without loading it: top-level keys, and the items of one array, one by one.

An OCDS release package of a million contracts is one JSON object with a huge ``releases`` array;
`json.load` would hold it all in memory several times over. This reads chunks and decodes each
array item with `json.JSONDecoder.raw_decode` as soon as it is complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NoReturn, TextIO

from supplyscreen.io.errors import InputError
from supplyscreen.io.limits import depth_message, json_depth_exceeded, json_value_error, too_deep

CHUNK_CHARS = 1 << 20
_WHITESPACE = " \t\n\r\ufeff"
_DECODER = json.JSONDecoder()


class JsonStream:
    """A cursor over a JSON text read from `handle` in chunks; errors name `path` and the character."""

    def __init__(self, handle: TextIO, path: object, chunk_chars: int = CHUNK_CHARS) -> None:
        self.handle = handle
        self.path = path
        self.chunk_chars = chunk_chars
        self.buffer = ""
        self.position = 0  # index into buffer
        self.consumed = 0  # characters dropped from the front of buffer
        self.eof = False

    def _fill(self, at_least: int = 0) -> bool:
        """Read more text (at least `at_least` characters when available); False at the end."""
        if self.eof:
            return False
        if self.position > self.chunk_chars:
            self.consumed += self.position
            self.buffer, self.position = self.buffer[self.position :], 0
        chunk = self.handle.read(max(self.chunk_chars, at_least))
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def peek(self) -> str:
        """The next non-whitespace character, "" at the end of the text."""
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position] in _WHITESPACE:
                self.position += 1
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        """Consume `char` (after whitespace) or raise InputError."""
        found = self.peek()
        if found != char:
            self.fail(f"expected {char!r}, found {found or 'the end of the file'!r}")
        self.position += 1

    def value(self) -> Any:
        """Decode the next complete JSON value; InputError for one beyond the limits of ``io.limits``
        (nested too deep, an integer of too many digits)."""
        self.peek()
        wanted = 0
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as exc:
                wanted = max(wanted * 2, len(self.buffer))
                if not self._fill(wanted):
                    self.fail(f"invalid JSON: {exc.msg}", exc.pos)
                continue
            except (RecursionError, ValueError) as exc:
                self.fail(json_value_error(exc) or f"invalid JSON: {exc}")
            if end == len(self.buffer) and self._fill():  # a number may go on in the next chunk
                continue
            if json_depth_exceeded(self.buffer, self.position, end) and too_deep(value):
                self.fail(depth_message())
            self.position = end
            return value

    def fail(self, message: str, position: int | None = None) -> NoReturn:
        """Raise InputError for `message` at `position` (default: the cursor) of the text."""
        at = self.consumed + (self.position if position is None else position)
        raise InputError(self.path, f"{message} (at character {at})")

    def array_items(self) -> Iterator[Any]:
        """The items of the JSON array at the cursor, decoded one at a time."""
        self.expect("[")
        if self.peek() == "]":
            self.position += 1
            return
        while True:
            yield self.value()
            separator = self.peek()
            self.position += 1
            if separator == "]":
                return
            if separator != ",":
                self.position -= 1
                self.fail(f"expected ',' or ']' in an array, found {separator or 'the end of the file'!r}")

    def object_keys(self) -> Iterator[str]:
        """The keys of the JSON object at the cursor; the caller must consume each key's value."""
        self.expect("{")
        if self.peek() == "}":
            self.position += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                self.fail("expected a string key in an object")
            self.expect(":")
            yield key
            separator = self.peek()
            self.position += 1
            if separator == "}":
                return
            if separator != ",":
                self.position -= 1
                self.fail(f"expected ',' or '}}' in an object, found {separator or 'the end of the file'!r}")
