"""Streaming XML reading for the list readers: expat builds an ElementTree, keeping each element's line
so that errors can name it, and hands the record elements to a handler as soon as they close."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET
from xml.parsers import expat

from supplyscreen.errors import SourceFormatError

Handler = Callable[[ET.Element], None]


class XmlStream:
    """Builds an ElementTree with expat, remembering each element's line, and hands the elements named in
    ``handlers`` (keyed ``"parent/tag"``, namespaces dropped) to their handler as they close, then drops
    them. ``label`` prefixes every error message (the archive member read, say)."""

    def __init__(
        self, path: Path, root_tag: str, handlers: Mapping[str, Handler], *, label: str = ""
    ) -> None:
        self.path, self.label, self.root_tag, self.handlers = path, label, root_tag, handlers
        self.lines: dict[ET.Element, int] = {}
        self._stack: list[ET.Element] = []
        self._builder = ET.TreeBuilder()
        self._parser = expat.ParserCreate(namespace_separator="}")
        self._parser.buffer_text = True
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._builder.data

    def error(self, elem: ET.Element | None, message: str, field: str | None = None) -> SourceFormatError:
        """The error for ``elem`` (at its line), to raise."""
        line = self.lines.get(elem) if elem is not None else None
        return SourceFormatError(self.path, self.label + message, line=line, field=field)

    def parse(self, stream: IO[bytes]) -> ET.Element:
        """Read the whole stream; the root element, without the elements already handed out."""
        try:
            self._parser.ParseFile(stream)
        except expat.ExpatError as err:
            message = f"not well-formed XML: {expat.ErrorString(err.code)}"
            raise SourceFormatError(self.path, self.label + message, line=err.lineno) from err
        return self._builder.close()

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rpartition("}")[2]
        if not self._stack and local != self.root_tag:
            message = f"{self.label}root element is <{local}>, expected <{self.root_tag}>"
            raise SourceFormatError(self.path, message, line=self._parser.CurrentLineNumber, field=local)
        elem = self._builder.start(local, {k.rpartition("}")[2]: v for k, v in attrs.items()})
        self.lines[elem] = self._parser.CurrentLineNumber
        self._stack.append(elem)

    def _end(self, tag: str) -> None:
        elem = self._builder.end(tag.rpartition("}")[2])
        self._stack.pop()
        handler = self.handlers.get(f"{self._stack[-1].tag}/{elem.tag}") if self._stack else None
        if handler is not None:
            handler(elem)
            self._stack[-1].remove(elem)
            for sub in elem.iter():
                self.lines.pop(sub, None)
