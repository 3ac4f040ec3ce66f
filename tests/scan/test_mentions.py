"""The entity mention finder: where a name span starts and ends in running text, which words count,
and what the matcher's verdict lets through (against the embedded snapshot)."""

from __future__ import annotations

from typing import Any

import pytest

from supplyscreen.model import Hit
from supplyscreen.scan.mentions import mention_finder, sentence_bounds, word_positions


def _found(screener: Any, text: str) -> list[tuple[str, str]]:
    return [(m.text, m.verdict) for m in mention_finder(screener.matcher).find(text)]


def _names(screener: Any, text: str) -> set[str]:
    return {m.text for m in mention_finder(screener.matcher).find(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sales by Zhejiang Dahua Technology Co., Ltd. rose.", {"Zhejiang Dahua Technology Co., Ltd."}),
        ("The Dahua Noodle House opened.", set()),
        ("Hikvision and Dahua were added to the Entity List.", {"Hikvision", "Dahua"}),
        ("Entity List. HUAWEI TECHNOLOGIES CO LTD\nSHIPPER: ACME", {"HUAWEI TECHNOLOGIES CO LTD"}),
        ("the new huawei phone", {"huawei"}),
        ("Our Supplier Hikvision shipped them.", {"Hikvision"}),
        ("Noodles at Dahua Noodle House and Dahua Noodle Bar.", set()),
        ("据报道，海康威视的摄像头被用于学校。", {"海康威视"}),
        ("浙江大华技术股份有限公司", {"浙江大华技术股份有限公司"}),
        ("大华股份的摄像头", {"大华"}),  # a short part of a name the lists also write in Latin: Dahua
        ("新疆生产建设兵团的农场", {"新疆生产建设兵团"}),
        ("加快生产建设步伐。", set()),  # part of a listed name, and an ordinary phrase
        ("毛纺织行业增长。", set()),
    ],
)
def test_name_spans(screener: Any, text: str, expected: set[str]) -> None:
    assert _names(screener, text) == expected


def test_common_words_count_only_as_part_of_a_name(screener: Any) -> None:
    finder = mention_finder(screener.matcher)
    common = sorted(finder.common_words)
    assert common, "the lists have names whose rarest word is a common one"
    # a common trigger word at a sentence's start, alone, is never matched: no query is made
    calls: list[str] = []
    original = finder.matcher.match

    def counting(name: str, **kw: Any) -> list[Hit]:
        calls.append(name)
        return original(name, **kw)

    finder.matcher.match = counting  # type: ignore[method-assign]
    finder._verified.clear()
    try:
        text = " ".join(f"{w.capitalize()} was here." for w in common[:200])
        assert finder.find(text) == []
        assert calls == []
    finally:
        del finder.matcher.match


def test_a_review_likeness_of_a_person_is_not_reported(
    screener: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A span that only resembles a listed person (review, not match) is most often someone else."""
    finder = mention_finder(screener.matcher)

    def hit(schema: str, score: float, match: bool) -> Hit:
        return Hit(
            "x:1",
            "SOMEONE, Listed",
            schema,
            ["SOMEONE, Listed"],
            ["x:1"],
            ["us_ofac_sdn"],
            score,
            match,
            True,
            "SOMEONE, Listed",
            "",
        )

    monkeypatch.setattr(finder, "_verified", {})
    monkeypatch.setattr(finder.matcher, "match", lambda name, **kw: [hit("Person", 0.75, False)])
    assert finder._accepted("Listed Someone") == []
    finder._verified.clear()
    monkeypatch.setattr(finder.matcher, "match", lambda name, **kw: [hit("Organization", 0.75, False)])
    assert [(h.schema, v) for h, v in finder._accepted("Listed Someone Ltd")] == [("Organization", "review")]
    finder._verified.clear()
    monkeypatch.setattr(finder.matcher, "match", lambda name, **kw: [hit("Person", 0.9, True)])
    assert [v for _, v in finder._accepted("Listed Someone")] == ["match"]
    finder._verified.clear()
    lead = hit("Organization", 0.95, True)
    lead.lists = []  # backed only by low-confidence rows: never a list hit
    monkeypatch.setattr(finder.matcher, "match", lambda name, **kw: [lead])
    assert finder._accepted("Lead Only Ltd") == []
    finder._verified.clear()


def test_vessels_are_not_searched_for(screener: Any) -> None:
    index = screener.matcher.index
    vessel = next(e for e in index.entities if e.schema == "Vessel" and len(e.names[0].split()) >= 2)
    for m in mention_finder(screener.matcher).find(f"The ship {vessel.names[0]} docked."):
        assert m.hit.schema != "Vessel"


def test_word_positions_are_whole_words() -> None:
    assert list(word_positions("dahua dahuax xdahua dahua", "dahua")) == [0, 20]


def test_sentence_bounds() -> None:
    text = "First one. Bought from Zhejiang Dahua Technology Co., Ltd. in May. Third."
    s, e = sentence_bounds(text, text.index("Zhejiang"), text.index(" in May"))
    assert text[s:e] == "Bought from Zhejiang Dahua Technology Co., Ltd. in May."
    table = "| " + "cell words | " * 60 + "Hikvision | " + "other cell | " * 60
    at = table.index("Hikvision")
    s, e = sentence_bounds(table, at, at + 9)
    assert table[s - 1].isspace() and table[e].isspace()  # cut at a space, never in a word
    assert s > 0 and e < len(table) and table[s:e].count("Hikvision") == 1
    han = "第一句。供应商是海康威视。第三句。"
    s, e = sentence_bounds(han, han.index("海康"), han.index("海康") + 4)
    assert han[s:e] == "供应商是海康威视。"


def test_a_name_of_one_everyday_word_is_for_review(screener: Any) -> None:
    """ "Cybersecurity" at a sentence's start matches a listed company's name word for word; being
    an everyday English word, it is a review, not a match. "Hikvision" is no everyday word."""
    found = _found(screener, "September 20, 2022. Cybersecurity and anti-virus software was banned.")
    assert found and all(verdict == "review" for _, verdict in found)
    assert _found(screener, "Cameras by Hikvision were removed.") == [("Hikvision", "match")]


def test_a_word_in_lower_case_is_no_name_in_edited_text(screener: Any) -> None:
    text = "The Board met on Monday. It discussed cybersecurity and the huawei contract at length."
    assert _found(screener, text) == []
    assert _names(screener, "the new huawei phone") == {"huawei"}  # a text without capitals


def test_the_finder_is_cached_beside_the_name_index(screener_home: Any, tmp_path: Any) -> None:
    """A new process finds the triggers in the data directory rather than building them; a damaged
    cache only costs the build."""
    from supplyscreen import Screener
    from supplyscreen.scan.mentions import MentionFinder, finder_cache_path

    matcher = Screener.open(screener_home).matcher
    assert matcher.cache_path is not None
    path = finder_cache_path(matcher.cache_path)
    mention_finder(matcher)
    assert path.is_file()
    built = MentionFinder(matcher)  # no cache: built
    loaded = MentionFinder(matcher, path)
    assert loaded.triggers.keys() == built.triggers.keys() and loaded.common_words == built.common_words
    text = "Cameras by Hikvision; 据报道，海康威视的摄像头。"
    assert [(m.text, m.verdict) for m in loaded.find(text)] == [(m.text, m.verdict) for m in built.find(text)]
    damaged = tmp_path / "mentions.pickle"
    damaged.write_bytes(b"not a pickle")
    rebuilt = MentionFinder(matcher, damaged)
    assert rebuilt.trigger_words == built.trigger_words
    assert MentionFinder(matcher, damaged).trigger_words == built.trigger_words  # rewritten, then read
