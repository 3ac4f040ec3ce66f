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
