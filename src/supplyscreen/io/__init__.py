"""Reading user files (CSV/TSV, XLSX, Parquet, JSON lines, JSON, OCDS) into `Record`s for screening.

`read_records(path)` returns a `RecordStream`: iterate it for records; its `mapping`, `columns`,
`format` and `encoding` say how the file was read, and `errors` lists the damaged rows it skipped.
"""

from __future__ import annotations

from supplyscreen.io.columns import KEYS, detect_mapping, parse_mapping_override
from supplyscreen.io.dates import parse_amount, parse_date
from supplyscreen.io.encoding import detect_encoding
from supplyscreen.io.errors import InputError, RowError
from supplyscreen.io.readers import FORMATS, read_records
from supplyscreen.io.stream import RecordStream

__all__ = [
    "FORMATS",
    "KEYS",
    "InputError",
    "RecordStream",
    "RowError",
    "detect_encoding",
    "detect_mapping",
    "parse_amount",
    "parse_date",
    "parse_mapping_override",
    "read_records",
]
