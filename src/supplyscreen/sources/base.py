"""What every list reader shares: the files a source is made of, and the report a read fills in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Rule


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file of a source under its official name, with the URL it is published at."""

    role: str  # key in the mapping passed to ``read``: "sdn", "alt", "csv" …
    filename: str  # official file name, as served at ``url`` (used by ``lists update --from``)
    url: str
    required: bool = True
    #: For a source published in alternative formats (OFAC's non-SDN list: an enhanced XML ZIP or a
    #: legacy CSV set): the format this file belongs to; "" for a source of one format.
    format: str = ""
    #: The file its format cannot be read without (its other files are companions); a file of a
    #: format is ``required=False``, since no file is needed whichever format is read.
    main: bool = False


@dataclass(slots=True)
class ReadReport:
    """What a reader saw besides entities: counts, skipped rows by reason, the data's own date."""

    source: str
    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    snapshot_date: str | None = None  # ISO date the data is as of, where the file says
    rules: list[Rule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


ReadFn = Callable[[Mapping[str, Path], ReadReport], Iterator[Entity]]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A source: a set of files in one format, read into entities by ``read``."""

    code: str  # source code, used in source ids: "us_ofac_sdn" → "us_ofac_sdn:29299"
    title: str
    files: tuple[SourceFile, ...]
    read: ReadFn
    official: bool = True  # False for curated research files

    def file_roles(self) -> list[str]:
        return [f.role for f in self.files]

    def formats(self) -> list[str]:
        """The source's formats, the preferred one first: ``[""]`` for a source of one format."""
        return list(dict.fromkeys(f.format for f in self.files))

    def format_files(self, fmt: str) -> tuple[SourceFile, ...]:
        """The files of one format, its main file first."""
        return tuple(sorted((f for f in self.files if f.format == fmt), key=lambda f: not f.main))

    def format_of(self, roles: Iterable[str]) -> str | None:
        """The format files under ``roles`` are read in: the preferred format whose main file is among
        them ("" for a source of one format); None when no format's main file is."""
        given = set(roles)
        formats = self.formats()
        if formats == [""]:
            return ""
        for fmt in formats:
            if any(f.main and f.role in given for f in self.files if f.format == fmt):
                return fmt
        return None

    def main_files(self) -> list[SourceFile]:
        """The main file of each format, the preferred format's first."""
        return [f for fmt in self.formats() for f in self.format_files(fmt) if f.main]

    def read_file(self, path: str | Path, report: ReadReport | None = None) -> Iterator[Entity]:
        """Entities of a one-file source, read from ``path`` into ``report`` (a new one when None)."""
        return self.read({self.files[0].role: Path(path)}, report or ReadReport(self.code))


def read_utf8(path: Path, *, bom: bool) -> str:
    """The whole file as strict UTF-8 text (``bom``: drop a leading byte order mark).

    A file that cannot be read or is not UTF-8 is a SourceFormatError.
    """
    try:
        return path.read_bytes().decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SourceFormatError(path, f"cannot read file: {exc.strerror}") from None
