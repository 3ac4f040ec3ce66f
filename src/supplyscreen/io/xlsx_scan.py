"""A worksheet's XML looked over for python-calamine (``io/sheet_cells.py``), for what it gets wrong.

python-calamine (Rust) reads a sheet about fifteen times as fast as openpyxl, but it is lenient where
openpyxl is strict, it holds a sheet as one dense block, and it empties error cells. So the sheet's
XML is looked at twice, in blocks as it is decompressed:

* before calamine reads it (``scan_sheet``, numpy over the bytes: about half of calamine's time), for
  its extent. calamine allocates every cell from the first used one to the last, and aborts the whole
  process when that fails (one stray value in cell XFD1048576 is 17 billion cells). The largest row
  and column that any ``r`` reference names give the block's size; a sheet of more than ``MAX_CELLS``
  goes to openpyxl, which streams it. So does a sheet with a row or cell element without an ``r``
  reference (it takes the place after the one before: its extent is not known from the references);
* while calamine reads it (``check_sheet``, in a thread: expat and calamine let each other run), for
  damage: the XML must be well-formed, as openpyxl's parser wants it. calamine passes over a mangled
  tag and the cells after it without a word (``<row r="4"><<<…``); such a sheet goes to openpyxl,
  which names the row where the damage starts (``sheet_cells.DamagedSheet``). In a sheet with error
  cells (``t="e"``: ``#N/A``, ``#DIV/0!``), which calamine gives as empty, their texts are found too
  (a slower pass), to be put back as openpyxl gave them.

Each is checked conservatively: what the quick look cannot vouch for goes to openpyxl, never the
other way (a `` r="…"`` in a text cell, say, makes the counts disagree: the sheet is read as before).
calamine is still more lenient than openpyxl on a well-formed cell that holds nonsense (text in a
number cell, a shared-string index that is no number): it reads it, where openpyxl refused the file.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree
from xml.parsers import expat
from xml.sax.saxutils import unescape

import numpy as np

#: The most cells (rows x columns, from A1) a sheet may span to be read by calamine (~32 bytes a cell
#: in its block, strings besides): 16 columns of Excel's 1,048,576 rows.
MAX_CELLS = 1 << 24
_BLOCK = 4 << 20  # bytes of XML looked at at once
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[0x09, 0x0A, 0x0D, 0x20]] = True
_LETTER = np.zeros(256, dtype=bool)
_LETTER[ord("A") : ord("Z") + 1] = True
_LETTER[ord("a") : ord("z") + 1] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0") : ord("9") + 1] = True
_END = _WHITESPACE.copy()  # what may follow an element's name
_END[[ord(">"), ord("/")]] = True

_MARKS = (b'"e"', b"'e'")
_SHEET_DATA = re.compile(rb"<([\w.-]+:)?sheetData[\s/>]")
_ERROR_CELL = re.compile(
    rb"<(?:[\w.-]+:)?c\s(?=(?:[^>]*\s)?t\s*=\s*[\"']e[\"'])([^>]*?)(?<!/)>(.*?)</(?:[\w.-]+:)?c\s*>", re.S
)
_REFERENCE = re.compile(rb"(?:^|\s)r\s*=\s*[\"']([A-Za-z]+)([0-9]+)[\"']")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>([^<]*)</")


@dataclass(slots=True)
class SheetScan:
    """What the quick look found: the largest row and column referenced (1-based), and the error
    cells' texts by sheet row, ``[(1-based column, text)]``."""

    rows: int = 0
    columns: int = 0
    errors: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    marked: bool = False  # whether a t="e" was seen (``check_sheet``): the error cells are looked for

    @property
    def cells(self) -> int:
        """The most cells calamine's block of the sheet may hold."""
        return self.rows * self.columns


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: the zip member of its XML} from the workbook's relationships ({} if unreadable)."""
    try:
        members = set(archive.namelist())
        workbook = _main_part(archive, members)
        folder, name = posixpath.split(workbook)
        targets: dict[str, str] = {}
        for element in ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels"))):
            target, rid = element.get("Target"), element.get("Id")
            if target and rid and element.get("TargetMode") != "External":
                targets[rid] = _resolved(folder, target)
        parts: dict[str, str] = {}
        for element in ElementTree.fromstring(archive.read(workbook)).iter():
            if _local(element.tag) != "sheet":
                continue
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            sheet = element.get("name")
            if sheet is not None and rid in targets and targets[rid] in members:
                parts[sheet] = targets[rid]
        return parts
    except Exception:  # noqa: BLE001 - a damaged package: every sheet is openpyxl's to read
        return {}


def _main_part(archive: zipfile.ZipFile, members: set[str]) -> str:
    """The workbook part named by the package's relationships (``xl/workbook.xml`` as a rule)."""
    if "_rels/.rels" in members:
        for element in ElementTree.fromstring(archive.read("_rels/.rels")):
            if (element.get("Type") or "").endswith("/officeDocument") and element.get("Target"):
                return _resolved("", element.get("Target") or "")
    return "xl/workbook.xml"


def _resolved(folder: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def scan_sheet(archive: zipfile.ZipFile, member: str) -> SheetScan | None:
    """The quick look at one sheet's XML before calamine reads it, for its extent; None when calamine
    must not read it (see the module)."""
    scan = SheetScan()
    references = elements = 0
    carried = b""
    prefix: bytes | None = None  # of the sheet's elements ("x:" in <x:sheetData>), once seen
    try:
        with archive.open(member) as xml:
            while True:
                block = xml.read(_BLOCK)
                text = carried + block
                # whole tags only: what follows the last ">" is looked at with the next block
                cut = len(text) if not block else text.rfind(b">") + 1
                done, carried = text[:cut], text[cut:]
                if prefix is None and (found := _SHEET_DATA.search(done)) is not None:
                    prefix = found[1] or b""  # no row or cell comes before
                counted = _counted(done, prefix, scan)
                if counted is None:
                    return None
                references += counted[0]
                elements += counted[1]
                if not block:
                    break
    except Exception:  # noqa: BLE001 - a damaged zip or compression, a part missing: openpyxl says what
        return None
    if elements != references or scan.cells > MAX_CELLS:
        return None
    return scan


def check_sheet(archive: zipfile.ZipFile, member: str, scan: SheetScan) -> bool:
    """Whether the sheet's XML is well-formed (expat), its error cells' texts put into ``scan`` (when
    ``scan_sheet`` saw any): the second look, made while calamine reads the sheet (both let the other
    thread run). False: calamine's reading is not to be used."""
    parser = expat.ParserCreate()
    carried = b""
    try:
        with archive.open(member) as xml:
            while block := xml.read(_BLOCK):
                parser.Parse(block, False)
                # an error cell's t="e" (or a text with "e" in quotes: then no error cell is found)
                scan.marked = scan.marked or any(
                    mark in carried + block[:8] or mark in block for mark in _MARKS
                )
                carried = block[-8:]
            parser.Parse(b"", True)
        if scan.marked:
            errors = _error_cells(archive, member)
            if errors is None:
                return False
            scan.errors = errors
    except Exception:  # noqa: BLE001 - damaged XML, zip or compression: openpyxl says where
        return False
    return True


def _counted(xml: bytes, prefix: bytes | None, scan: SheetScan) -> tuple[int, int] | None:
    """(references, row and cell elements) in ``xml``, whole tags; each `` r="…"`` read as a
    reference (``B12``, a row's ``12``) into ``scan``'s largest row and column. None when a reference
    is beyond any sheet's reach."""
    if not xml:
        return 0, 0
    data = np.frombuffer(xml + b"\0" * 16, dtype=np.uint8)  # room to look past the last byte
    size = len(xml)
    elements = 0
    if prefix is not None:
        opens = np.flatnonzero(data[:size] == 0x3C)  # "<"
        if prefix:
            same = np.ones(len(opens), dtype=bool)
            for k, byte in enumerate(prefix):
                same &= data[opens + 1 + k] == byte
            opens = opens[same]
        at = opens + 1 + len(prefix)
        first = data[at]
        cell = at[first == 0x63]  # "c"
        row = at[first == 0x72]  # "row"
        cells = _END[data[cell + 1]]
        rows = (data[row + 1] == 0x6F) & (data[row + 2] == 0x77) & _END[data[row + 3]]
        elements = int(cells.sum() + rows.sum())
    equals = np.flatnonzero(data[:size] == 0x3D)  # "="
    equals = equals[equals >= 2]
    quote = data[equals + 1]
    named = _WHITESPACE[data[equals - 2]] & ((quote == 0x22) | (quote == 0x27))
    start = equals[named & (data[equals - 1] == 0x72)] + 2  # r="
    if not len(start):
        return 0, elements
    # how many letters, then digits, each reference has; the largest column and row are those of the
    # references with the most (their value read from them only)
    letters = _run_lengths(data, start, _LETTER, 4)  # four letters are beyond XFD, Excel's last column
    number = start + letters
    digits = _run_lengths(data, number, _DIGIT, 8)  # eight digits: beyond 1,048,576 rows, and reason
    if letters.max() == 4 or digits.max() == 8 or ((data[number] == 0x30) & (digits > 0)).any():
        return None  # (a leading zero would make the most digits not the largest number)
    scan.columns = max(scan.columns, _largest(data, start[letters == letters.max()], int(letters.max()), 26))
    scan.rows = max(scan.rows, _largest(data, number[digits == digits.max()], int(digits.max()), 10))
    return len(start), elements


def _run_lengths(data: np.ndarray, start: np.ndarray, kind: np.ndarray, most: int) -> np.ndarray:
    """How many bytes of ``kind`` follow each of ``start`` (at most ``most``)."""
    length = np.zeros(len(start), dtype=np.intp)
    going = np.ones(len(start), dtype=bool)
    for k in range(most):
        going &= kind[data[start + k]]
        if not going.any():
            break
        length += going
    return length


def _largest(data: np.ndarray, start: np.ndarray, length: int, base: int) -> int:
    """The largest of the numbers written at ``start`` in ``length`` letters (base 26) or digits: the
    references with the largest first character, of those the largest second …"""
    value = 0
    for k in range(length):
        char = data[start + k] | 0x20 if base == 26 else data[start + k]
        top = int(char.max())
        start = start[char == top]
        value = value * base + top - (0x60 if base == 26 else 0x30)
    return value


def _error_cells(archive: zipfile.ZipFile, member: str) -> dict[int, list[tuple[int, str]]] | None:
    """The error cells' texts by sheet row; None when one has no ``r`` reference."""
    found: dict[int, list[tuple[int, str]]] = {}
    carried = b""
    with archive.open(member) as xml:
        while True:
            block = xml.read(_BLOCK)
            text = carried + block
            # whole rows only ("</row>", "</x:row>"): a cell cut by the block's end is read with the next
            cut = len(text) if not block else text.rfind(b"row>") + 4
            if cut == 3:
                carried = text
                continue
            for cell in _ERROR_CELL.finditer(text, 0, cut):
                reference = _REFERENCE.search(cell[1])
                if reference is None:
                    return None
                value = _VALUE.search(cell[2])
                if value is not None:
                    column = 0
                    for letter in reference[1].upper():
                        column = column * 26 + letter - 0x40
                    where = found.setdefault(int(reference[2]), [])
                    where.append(
                        (
                            column,
                            unescape(value[1].decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"}),
                        )
                    )
            carried = text[cut:]
            if not block:
                return found
