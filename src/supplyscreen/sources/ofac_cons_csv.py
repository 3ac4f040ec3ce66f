"""Reader for OFAC's legacy non-SDN CSV set (CONS_PRIM.CSV, CONS_ALT.CSV, CONS_ADD.CSV,
CONS_COMMENTS.CSV), and the source ``us_ofac_nonsdn``, which reads it or the enhanced XML.

The set is in SDN.CSV's format (read by :mod:`supplyscreen.sources.ofac_sdn`) and holds the entries of
CONS_ENHANCED.ZIP under the same ids (OFAC's ent_num). It names no list: an entry's lists follow from
its program tags (NS-PLC → ``us_ofac_plc``, CMIC-EO13959 → ``us_ofac_cmic``, UKRAINE-EO13662 →
``us_ofac_ssi`` …, as :func:`ofac_enhanced.program_list` says). Programs of no list of their own
(SDGT, RUSSIA-EO14024 beside UKRAINE-EO13662) stay programs of the entry's lists: an entry of this
set is on a non-SDN list, and the CSV does not say whether it is on the SDN list as well (the enhanced
XML does). An entry whose programs all lack a list of their own (RUSSIA-EO14024, CAATSA - RUSSIA,
BURMA-EO14014 alone) is on the menu-based list, the non-SDN list of such programs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity
from supplyscreen.sources import ofac_enhanced
from supplyscreen.sources.base import ReadReport, SourceFile, SourceSpec
from supplyscreen.sources.ofac_enhanced import assign_programs, program_list
from supplyscreen.sources.ofac_sdn import CsvSet, read_set

CODE = ofac_enhanced.NONSDN_CODE
_BASE = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
#: The list of an entry none of whose programs has a list of its own.
MBS_LIST = "us_ofac_mbs"
#: The two formats of the source, the preferred one first.
ENHANCED_XML = "enhanced_xml"
CSV = "csv"


def _memberships(programs: list[str]) -> list[tuple[str, str | None]]:
    """(list code, program) of an entry's memberships: never the SDN list, which this set is not."""
    codes = list(dict.fromkeys(code for code in map(program_list, programs) if code)) or [MBS_LIST]
    by_list = assign_programs(codes, programs)
    return [(code, program) for code, here in by_list.items() for program in here or [None]]


CONS_SET = CsvSet(CODE, "non-SDN consolidated", "prim", "CONS_PRIM.CSV", _memberships)


def read_csv_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Entities of the CSV set; ``files`` maps ``prim`` (required), ``alt``, ``add``, ``comments``."""
    yield from read_set(CONS_SET, files, report)


def read_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Entities of the source in whichever format ``files`` holds: the enhanced XML (role ``zip``)
    when it is there, else the CSV set (role ``prim``, with ``alt``, ``add`` and ``comments``)."""
    fmt = SOURCE.format_of(files)
    if fmt is None:
        wanted = " or ".join(f"{f.filename} (role {f.role!r})" for f in SOURCE.main_files())
        given = ", ".join(sorted(files)) or "none"
        raise SourceFormatError(
            "/".join(f.filename for f in SOURCE.main_files()),
            f"neither format of the non-SDN list was given: {wanted} is needed (roles given: {given})",
        )
    read = [f for f in SOURCE.format_files(fmt) if f.role in files]
    unread = [f.filename for f in SOURCE.files if f.role in files and f not in read]
    report.notes.append(
        f"read from {'the enhanced XML' if fmt == ENHANCED_XML else 'the legacy CSV set'}: "
        + ", ".join(f.filename for f in read)
        + (f" (given beside it and not read: {', '.join(unread)})" if unread else "")
    )
    chosen = {f.role: Path(files[f.role]) for f in read}
    yield from (ofac_enhanced.read_files if fmt == ENHANCED_XML else read_csv_files)(chosen, report)


def _csv_file(role: str, filename: str, *, main: bool = False) -> SourceFile:
    return SourceFile(role, filename, _BASE + filename, required=False, format=CSV, main=main)


SOURCE = SourceSpec(
    code=CODE,
    title="OFAC Consolidated (non-SDN) Sanctions List",
    files=(
        SourceFile(
            "zip", "CONS_ENHANCED.ZIP", ofac_enhanced.CONS_URL, required=False, format=ENHANCED_XML, main=True
        ),
        _csv_file("prim", "CONS_PRIM.CSV", main=True),
        _csv_file("alt", "CONS_ALT.CSV"),
        _csv_file("add", "CONS_ADD.CSV"),
        _csv_file("comments", "CONS_COMMENTS.CSV"),
    ),
    read=read_files,
)
