"""The model-number prefilter (RE2, run by pyarrow over many texts at once) never misses a text in
which the detector's Python patterns find something: it may only say "maybe" more often."""

from __future__ import annotations

import csv
import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import EXAMPLE
from support.generate import GOODS

from supplyscreen.detect import covered_equipment_detector
from supplyscreen.detect.covered_tables import _RE2_CLASS, _re2_superset


def _texts() -> list[str]:
    with EXAMPLE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    texts = [r[c] for r in rows for c in ("vendor", "description")]
    tricky = [
        "Hikvision DS-2CD2143G0-I", "LNB\u0663\u0664\u0665\u0666 camera", "\u0131pc-hfw2431s-s",
        "\u0130PC-HFW2431S-S", "EZVIZ kit\nC6N", " h\u0131kv\u0131s\u0131on\x0b", "HI\u212aVISION",
        "ASH\uff11\uff12-K", "hac-hfw1200", "dh-ipc-hdw1230", "rtsp://x/ISAPI/Streaming/Channels/101",
        "rtsp://x/cam/realmonitor?channel=1&subtype=0", "/h264/ch1/main/av_stream", "IP4M-1026B",
        "\u00e9DS-2CD2143", "\u4e2dDS-2CD2143G0", "DS-7608NI-K2/8P", "ds-2de4a425iw-de", "copy paper",
    ]  # fmt: skip
    return texts + tricky + list(GOODS)


def test_every_text_the_patterns_match_passes_the_prefilter() -> None:
    detector = covered_equipment_detector()
    assert detector.model_prefilter is not None
    texts = _texts()
    possible = detector.models_possible(texts)
    matched = [t for t in texts if detector._regex.search(t)]
    assert len(matched) >= 15
    missed = [t for t, p in zip(texts, possible, strict=True) if detector._regex.search(t) and not p]
    assert missed == []
    assert possible[texts.index("copy paper")] is False  # and it does rule texts out
    # scanning without the model patterns, where the prefilter rules them out, gives the same result
    for text, maybe in zip(texts, possible, strict=True):
        if not maybe:
            assert detector._scan(text, models=False) == detector._scan(text)


@pytest.mark.parametrize(
    ("python", "re2"),
    [(r"\d", f"[{_RE2_CLASS['d']}]"), (r"\s", f"[{_RE2_CLASS['s']}]"), ("[A-Z0-9]", "[A-Z0-9]")],
)
def test_translated_classes_accept_every_character_python_accepts(python: str, re2: str) -> None:
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000]
    pattern = re.compile(python, re.IGNORECASE)
    array = pc.replace_substring_regex(pa.array(chars), "[\u0130\u0131]", "i")  # as models_possible
    accepted = pc.match_substring_regex(array, f"(?s)^{re2}$", ignore_case=True).to_pylist()
    missed = [hex(ord(c)) for c, ok in zip(chars, accepted, strict=True) if pattern.fullmatch(c) and not ok]
    assert missed == []


def test_patterns_re2_might_read_differently_get_no_prefilter() -> None:
    assert _re2_superset([r"\bDS-\w+"]) is None
    assert _re2_superset([r"DS-(?=2CD)"]) is None
    assert _re2_superset([r"[^A-Z]DS"]) is None
    assert _re2_superset([r"^DS-2CD\d+$"]) == r"(?s)(?:DS-2CD[\p{Nd}]+)"
