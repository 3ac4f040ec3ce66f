"""The detectors' shared text machinery: folding keeps spans, phrases match whole words, longest first."""

from __future__ import annotations

from supplyscreen.detect.text import PhraseIndex, WordSet, exclusive_limit, fold, plural_forms, tokens


def test_fold_strips_accents_and_keeps_length() -> None:
    for text in ("Ürümqi", "Şihenze Şehiri", "Wūlǔmùqí Shì", "İstanbul", "乌鲁木齐 Kashgar"):
        assert len(fold(text)) == len(text)
    assert fold("Ürümqi") == "urumqi"
    assert fold("Şihenze Şehiri") == "sihenze sehiri"
    assert fold("Wūlǔmùqí") == "wulumuqi"


def test_phrase_index_matches_whole_words_longest_first() -> None:
    index: PhraseIndex[str] = PhraseIndex()
    index.add("Aksu", "short")
    index.add("Aksu City", "long")
    found = index.find(tokens(fold("Aksu City; Aksubay; aksu")))
    assert [(f.start, f.end, f.payloads) for f in found] == [(0, 9, ["long"]), (20, 24, ["short"])]


def test_word_set_finds_latin_and_chinese() -> None:
    words = WordSet(["camera", "ip camera", "摄像机"])
    assert words.found("4MP IP Camera 网络摄像机") == ["ip camera", "摄像机"]
    assert words.found("cameraman") == []


def test_plural_forms() -> None:
    assert plural_forms(["tomato", "pear", "battery", "棉"]) == [
        "tomato", "tomatoes", "pear", "pears", "battery", "batteries", "棉",
    ]  # fmt: skip


def test_exclusive_limit() -> None:
    assert exclusive_limit("2022-11-24") == "2022-11-24"
    assert exclusive_limit("2024-01") == "2024-02-01"
    assert exclusive_limit("2024-12") == "2025-01-01"
    assert exclusive_limit("soon") is None


def test_detectors_judge_many_texts_at_once_as_they_judge_each_alone() -> None:
    """``may_find_in`` (pyarrow, all texts at once) agrees with ``may_find`` (one text's words) on
    plain ASCII text, and sends any other text to the word-by-word look-up."""
    import csv
    from pathlib import Path

    import pyarrow as pa

    from supplyscreen.detect import (
        covered_equipment_detector,
        high_priority_sector_detector,
        xinjiang_location_detector,
    )
    from supplyscreen.detect.text import has_han, text_words

    example = Path(__file__).resolve().parents[1] / "examples" / "purchase_orders.csv"
    with example.open(encoding="utf-8") as fh:
        texts = [v for row in csv.DictReader(fh) for v in row.values() if v]
    texts += ["HIKVISION", "dahua-ipc", "Kashgar Restaurant, London", "solar-grade POLYSILICON", "x",
              "Ürümqi", "乌鲁木齐", "Aksu Tekstil A.S.", "cotton/tomato paste", "  ", "12345",
              "CCTV_camera"]  # fmt: skip
    array = pa.array(texts, type=pa.string())
    covered, xinjiang, sector = (
        covered_equipment_detector(),
        xinjiang_location_detector(),
        high_priority_sector_detector(),
    )
    together = [*covered.may_find_in(array), *xinjiang.may_find_in(array), sector.may_find_in(array)]
    assert any(together[0]) and any(together[2]) and any(together[4])  # something is found
    assert not all(together[0])  # and ruled out
    for n, text in enumerate(texts):
        words, han = text_words(text), has_han(text)
        alone = [*covered.may_find(words, han), *xinjiang.may_find(words, han), sector.may_find(words, han)]
        if text.isascii():
            assert [bool(t[n]) for t in together] == alone, text
        else:
            assert all(t[n] for t in together), text
