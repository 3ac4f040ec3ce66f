"""XLSX workbooks written by hand, part by part, for what openpyxl does not write: cached values of
formulas, error cells, shared and rich-text strings, namespace prefixes, cells without a reference."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: Cell styles: 1 a date (numFmt 14), 2 a date and time, 3 a time of day.
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="4"><xf/><xf numFmtId="14" applyNumberFormat="1"/>'
    '<xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="21" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def write_workbook(
    path: Path,
    sheets: dict[str, str],
    shared: list[str] | None = None,
    *,
    prefix: str = "",
) -> Path:
    """A workbook of ``sheets`` ({name: the XML inside <sheetData>, elements named with ``prefix``,
    e.g. "x:"}), and ``shared`` strings (each an <si> element's inside)."""
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, len(names) + 1)
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + overrides
        + (
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            if shared is not None
            else ""
        )
        + "</Types>"
    )
    package = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_REL}">'
        f'<Relationship Id="rId1" Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    listed = "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, 1))
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC_REL}">'
        f"<sheets>{listed}</sheets></workbook>"
    )
    relations = "".join(
        f'<Relationship Id="rId{n}" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(names) + 1)
    )
    relations += f'<Relationship Id="rIdS" Type="{_DOC_REL}/styles" Target="styles.xml"/>'
    if shared is not None:
        relations += f'<Relationship Id="rIdT" Type="{_DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    p = prefix
    colon = f":{p[:-1]}" if p else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", package)
        archive.writestr("xl/workbook.xml", workbook)
        relations = f'<Relationships xmlns="{_REL}">{relations}</Relationships>'
        archive.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?>{relations}')
        archive.writestr("xl/styles.xml", STYLES)
        for n, name in enumerate(names, 1):
            archive.writestr(
                f"xl/worksheets/sheet{n}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet xmlns{colon}="{_MAIN}">'
                f"<{p}sheetData>{sheets[name]}</{p}sheetData></{p}worksheet>",
            )
        if shared is not None:
            items = "".join(f"<si>{item}</si>" for item in shared)
            archive.writestr(
                "xl/sharedStrings.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">{items}</sst>',
            )
    return path


def orders_with_damaged_sheet(
    folder: Path, name: str, edit: Callable[[bytes], bytes], values: bool = False
) -> Path:
    """``folder``/``name``: an openpyxl workbook whose one sheet, "Orders", holds a "Vendor" header and
    five vendors (and their numbers, with ``values``), with ``edit`` applied to the sheet's XML."""
    book = openpyxl.Workbook()
    book.active.title = "Orders"
    for n in range(6):
        book.active.append([f"Vendor {n}" if n else "Vendor", *([n] if values else [])])
    book.save(folder / f"good-{name}")
    path = folder / name
    with zipfile.ZipFile(folder / f"good-{name}") as good, zipfile.ZipFile(path, "w") as damaged:
        for item in good.infolist():
            data = good.read(item.filename)
            damaged.writestr(item, edit(data) if item.filename == "xl/worksheets/sheet1.xml" else data)
    return path
