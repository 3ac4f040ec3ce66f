"""The detectors' shared text machinery: folding keeps spans, phrases match whole words, longest first."""

from __future__ import annotations

from conftest import EXAMPLE

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

    import pyarrow as pa

    from supplyscreen.detect import (
        covered_equipment_detector,
        high_priority_sector_detector,
        xinjiang_location_detector,
    )
    from supplyscreen.detect.text import has_han, text_words

    example = EXAMPLE
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


def test_word_sets_find_phrases_in_many_plain_texts_at_once_as_in_each_alone() -> None:
    """``WordSet.found_in`` (pyarrow, all texts at once) says what ``bool(found(text))`` says for
    every plain ASCII text, phrases of several words included, and nothing for other texts; the
    covered-equipment detector's contexts learnt that way equal the ones it works out one by one."""
    import csv
    import random

    import pyarrow as pa

    from supplyscreen.detect import covered_equipment_detector
    from supplyscreen.detect.text import TextTokens

    words = WordSet(["ip camera", "camera", "wi fi", "network video recorder", "video", "4g", "a b c"])
    texts = ["IP-camera", "ip__camera", "ipcamera", "  IP   CAMERA ", "xip cameras", "Wi-Fi", "WiFi",
             "camera.", "123 camera 456", "", "ip", "network video", "network-video-recorder!",
             "4G router", "4g5g", "a b", "a  b\tc", "b c", "Kamera", "caméra ip", "摄像头 camera",
             "video_recorder", "VIDEO", "ab c"]  # fmt: skip
    rng = random.Random(5)
    pieces = ["ip", "camera", "wi", "fi", "network", "video", "recorder", "a", "b", "c", "4g", "x"]
    glue = [" ", "-", "_", ", ", "", "  ", "/"]
    texts += [
        "".join(rng.choice(pieces) + rng.choice(glue) for _ in range(rng.randrange(1, 6))) for _ in range(400)
    ]
    found = words.found_in(TextTokens(pa.array(texts, type=pa.string())))
    assert found.any() and not found.all()
    for text, at_once in zip(texts, found.tolist(), strict=True):
        assert at_once == (text.isascii() and bool(words.found(text))), text

    example = EXAMPLE
    with example.open(encoding="utf-8") as fh:
        real = [v for row in csv.DictReader(fh) for v in row.values() if v.strip()]
    real += ["Security camera installation", "Bakery supplies", "ACCESS-CONTROL panel", "dash cam kit"]
    learnt, alone = covered_equipment_detector(), covered_equipment_detector()
    learnt.learn_contexts(real, TextTokens(pa.array(real, type=pa.string())))
    assert all(t in learnt._contexts for t in real if t.isascii())  # known before anyone asks
    assert any(alone.context_of(t) != (False, False) for t in real)
    for text in real:
        assert learnt.context_of(text) == alone.context_of(text), text


def test_brands_found_in_many_plain_texts_at_once_as_in_each_alone() -> None:
    """``CoveredEquipmentDetector.brands_in`` (pyarrow, all texts at once) is True exactly where the
    one-text scan finds a brand word or phrase in a plain ASCII text, and True for any other text;
    a brand's first word alone ("Hangzhou", "Electronics", "Pacific") is no brand."""
    import random

    import pyarrow as pa

    from supplyscreen.detect import covered_equipment_detector
    from supplyscreen.detect.text import TextTokens, folded_tokens

    covered = covered_equipment_detector()
    phrases = sorted(covered._latin.keys())
    assert any(" " in p for p in phrases)  # several words: Hangzhou Hikvision, China Mobile ...
    words = sorted({w for p in phrases for w in p.split()}) + ["camera", "trading", "co", "ltd"]
    rng = random.Random(11)
    glue = [" ", "-", ", ", "  ", "/", ".", ""]
    texts = ["Hangzhou Hikvision Digital Technology", "Hangzhou Silk Co", "Pacific Electronics Ltd",
             "China Mobile Ltd", "China Pacific Trading", "Dahua IPC-HFW2431S", "HIKVISION", "hik vision",
             "Electronics Co., Ltd. 12", "海康威视 Hikvision", "Zhejiang Dahua", "Zhejiang Silk",
             ""]  # fmt: skip
    texts += [
        "".join(rng.choice(words) + rng.choice(glue) for _ in range(rng.randrange(1, 5))) for _ in range(2000)
    ]
    found = covered.brands_in(TextTokens(pa.array(texts, type=pa.string())))
    assert found.any() and not found.all()
    first_word_only = [t for t in texts if t.isascii() and not found[texts.index(t)]]
    assert any(w in t.lower() for t in first_word_only for w in ("hangzhou", "electronics", "pacific"))
    for text, at_once in zip(texts, found.tolist(), strict=True):
        one = bool(covered._latin.find(folded_tokens(text)[1]))
        assert at_once == (one if text.isascii() else True), text
