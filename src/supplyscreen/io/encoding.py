"""Tell the text encoding of a user file: BOMs, UTF-8, UTF-16 without BOM, GB18030 or Windows-1252.

Chinese suppliers send GB18030/GBK files and European ones Windows-1252; both decode almost any byte
string, so the choice rests on evidence: which bytes the legacy codecs refuse, and whether the
double-byte pairs fall where common Chinese characters live (GB2312 level 1 and punctuation).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from supplyscreen.io.errors import InputError

#: How much of a file the detection reads; the rest is decoded as it streams.
SAMPLE_BYTES = 1 << 20
#: Error handler that replaces undecodable bytes with U+FFFD and counts them (see `replacements`).
REPLACE_ERRORS = "supplyscreen.count_replace"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: How many undecodable byte sequences `REPLACE_ERRORS` has replaced in this process (one cell).
REPLACEMENT_COUNT = [0]
_NON_ASCII_RUN = re.compile(rb"[\x80-\xff]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_INSIDE_LATIN_WORD = re.compile(r"(?<=[A-Za-z])[\u3400-\u9fff](?=[A-Za-z])")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x19\x1c-\x1f\x7f]")


def _count_and_replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    REPLACEMENT_COUNT[0] += 1
    return "\ufffd", exc.end


codecs.register_error(REPLACE_ERRORS, _count_and_replace)


def replacements() -> int:
    """How many undecodable byte sequences `REPLACE_ERRORS` has replaced so far, in this process."""
    return REPLACEMENT_COUNT[0]


def open_text(path: Path, encoding: str) -> TextIO:
    """Open `path` for reading as text in `encoding`, undecodable bytes becoming counted U+FFFD."""
    return open(path, encoding=encoding, errors=REPLACE_ERRORS, newline="")


def read_sample(path: Path, size: int = SAMPLE_BYTES) -> tuple[bytes, bool]:
    """The first `size` bytes of `path` and whether they are the whole file."""
    try:
        with open(path, "rb") as handle:
            sample = handle.read(size + 1)
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    return sample[:size], len(sample) <= size


def detect_encoding(path: Path, sample: bytes | None = None, complete: bool = True) -> str:
    """The Python codec name to read text file `path` with; raises InputError for binary or unknown."""
    if sample is None:
        sample, complete = read_sample(path)
    return detect_bytes_encoding(sample, complete, path)


def detect_bytes_encoding(sample: bytes, complete: bool, path: object = "<bytes>") -> str:
    """The codec for `sample` (the start of a file, or all of it when `complete`)."""
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec
    if b"\x00" in sample:
        codec = _utf16_without_bom(sample, complete) or ""
        if not codec:
            raise InputError(path, "this is a binary file, not text (CSV, TSV, JSON lines)")
    elif _decodes(sample, "utf-8", complete) or _mostly_utf8(sample, complete):
        codec = "utf-8"
    else:
        codec = _legacy_codec(sample, complete) or ""
    if not codec:
        raise InputError(  # nothing fits: refuse rather than read names garbled
            path,
            "cannot tell the text encoding (not UTF-8, UTF-16, GB18030 or Windows-1252); "
            "save the file as UTF-8 or name its encoding",
        )
    _refuse_control_characters(sample, codec, path)
    return codec


@dataclass(slots=True)
class _ChineseEvidence:
    pairs: int = 0
    common: int = 0
    cjk: int = 0
    inside_latin_words: int = 0


def _decodes(sample: bytes, codec: str, complete: bool) -> bool:
    try:
        codecs.getincrementaldecoder(codec)().decode(sample, complete)
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(sample: bytes, complete: bool) -> bool:
    """UTF-8 with a few stray bytes (a concatenated export): keep UTF-8 and replace the strays."""
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(sample, complete)
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad
    return good >= 3 * bad and good > 0


def _utf16_without_bom(sample: bytes, complete: bool) -> str | None:
    half = len(sample) // 2
    if half == 0:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    for zeros, other, codec in ((odd_zeros, even_zeros, "utf-16-le"), (even_zeros, odd_zeros, "utf-16-be")):
        if zeros >= 0.1 * half and other <= 0.01 * half:
            body = sample[: half * 2]
            if _decodes(body, codec, complete and len(body) == len(sample)):
                return codec
    return None


def _legacy_codec(sample: bytes, complete: bool) -> str | None:
    """GB18030 or Windows-1252 for a sample that is not UTF-8, or None when neither fits."""
    cp1252 = _decodes(sample, "cp1252", complete)
    evidence = _chinese_evidence(sample, complete)
    if evidence is not None:
        if not cp1252:
            return "gb18030"
        if (
            evidence.pairs
            and evidence.common >= 0.7 * evidence.pairs
            and evidence.inside_latin_words <= 0.3 * evidence.cjk
        ):
            return "gb18030"
    return "cp1252" if cp1252 else None


def _chinese_evidence(sample: bytes, complete: bool) -> _ChineseEvidence | None:
    """How Chinese `sample` looks when read as GB18030, or None when GB18030 refuses it."""
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(sample, complete)
    except UnicodeDecodeError:
        return None
    evidence = _ChineseEvidence(
        cjk=len(_CJK.findall(text[:65536])),
        inside_latin_words=len(_CJK_INSIDE_LATIN_WORD.findall(text[:65536])),
    )
    for run in _NON_ASCII_RUN.finditer(sample[:65536]):
        _count_pairs(run.group(), evidence)
    return evidence


def _count_pairs(run: bytes, evidence: _ChineseEvidence) -> None:
    index = 0
    while index + 1 < len(run):
        lead, trail = run[index], run[index + 1]
        evidence.pairs += 1
        if 0xA1 <= trail <= 0xFE and (0xB0 <= lead <= 0xD7 or 0xA1 <= lead <= 0xA9):
            evidence.common += 1
        index += 2


def _refuse_control_characters(sample: bytes, codec: str, path: object) -> None:
    text = codecs.getincrementaldecoder(codec)("replace").decode(sample[:65536], False)
    controls = len(_CONTROL.findall(text))
    if controls > len(text) // 200:
        raise InputError(path, "this is a binary file, not text (CSV, TSV, JSON lines)")
