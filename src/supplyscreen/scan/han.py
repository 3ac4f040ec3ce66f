"""Chinese list names in running text: the parts of a name that name the entity, and those that are
ordinary words (for the mention finder's automaton, ``scan/mentions.py``)."""

from __future__ import annotations

from typing import Any

from supplyscreen.detect.text import TOKEN_RE, fold, has_han
from supplyscreen.names.vocab import han_pinyin

MIN_HAN = 2  # characters of the shortest Chinese trigger ("大华")
# a name's leading characters are a trigger from this length ("海康威视"); a shorter part of a name
# only when it is the name the lists also write in Latin script ("大华" Dahua)
MIN_HAN_PREFIX = 4


CHINESE_COMMON = 3.0  # Zipf frequency in Chinese from which a part of a name is an ordinary word


def distinctive_han(key: str, latin: set[str]) -> bool:
    """Whether a part of a Chinese list name (without its place, legal form and industry words, or its
    leading characters) names the entity in running text. Many such parts are ordinary words
    (毛纺织 "wool spinning", 生产建设 "production and construction"): a part counts when the lists
    write the same name in Latin script (大华 Dahua, 华为 Huawei), or when it is four characters or
    more and rare in Chinese (海康威视), by wordfreq's Chinese frequencies (segmented by jieba)."""
    if "".join(han_pinyin(key)) in latin:
        return True
    if len(key) < MIN_HAN_PREFIX:
        return False
    return chinese_frequency(key) < CHINESE_COMMON


def chinese_frequency(word: str) -> float:
    import logging

    import jieba  # type: ignore[import-untyped]
    from wordfreq import zipf_frequency

    jieba.setLogLevel(logging.WARNING)  # it logs its dictionary's loading, once per process
    return float(zipf_frequency(word, "zh"))


def latin_words(names: list[str]) -> set[str]:
    """The folded words of an entity's names in Latin script, and each name written together."""
    out: set[str] = set()
    for name in names:
        if has_han(name):
            continue
        words = TOKEN_RE.findall(fold(name))
        out.update(words)
        out.add("".join(words))
    return out


def han_keys(original: str, form: Any, v: Any) -> list[str]:
    """The Han spellings of a Chinese list name that trigger a span: the name itself, without its
    legal form, place prefix and industry words, and its leading characters of the rest."""
    keys = {original}
    core = original
    for legal in v.legal_han:
        if core.endswith(legal) and len(core) > len(legal):
            core = core[: -len(legal)]
            break
    keys.add(core)
    changed = True
    while changed:
        changed = False
        for places in v.place_han_by_head.values():
            for p in places:
                if core.startswith(p) and len(core) - len(p) >= MIN_HAN:
                    core = core[len(p) :]
                    changed = True
                    break
        for generics in v.generic_han_by_tail.values():
            for g in generics:
                if core.endswith(g) and len(core) - len(g) >= MIN_HAN:
                    core = core[: -len(g)]
                    changed = True
                    break
    keys.add(core)
    if len(core) > MIN_HAN_PREFIX:
        keys.add(core[:MIN_HAN_PREFIX])
    return [k for k in keys if len(k) >= MIN_HAN and has_han(k)]
