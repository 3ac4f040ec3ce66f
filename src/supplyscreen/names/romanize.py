"""Chinese names across romanisation systems: Wade–Giles readings of pinyin syllables, and back.

Lists write most Chinese names in pinyin ("ZHANG, Chunxian"); older documents, Taiwanese records and
much English-language writing use Wade–Giles ("Chang Chun-hsien", "Hsi Chin-ping"). The two systems
spell the same syllables differently but systematically, so the table is generated here from the
pinyin syllable inventory (``data/names/pinyin_syllables.txt``) by the published correspondence of
initials and finals, not written out by hand:

* initials: b→p, p→p', d→t, t→t', g→k, k→k', j→ch, q→ch', x→hs, zh→ch, ch→ch', r→j, z→ts, c→ts';
* finals: -ong→-ung, -ie→-ieh, -ian→-ien, -uo→-o (after d, t, n, l, z, c, s, zh, ch, r), -e→-o (after
  g, k, h) or -ê, -ui→-uei (after g, k), ü after j, q, x, y (ju→chü, yue→yüeh), zhi→chih, shi→shih,
  ri→jih, zi→tzu, ci→tz'u, si→ssu/szu, er→erh, yi→i, you→yu, yan→yen, ye→yeh, yong→yung.

People drop the apostrophes and the diacritics ("Chang" for both 张 zhang and 常 chang), so a
Wade–Giles spelling read back gives every pinyin syllable it may stand for: "chuan" is zhuan, chuan,
juan or quan. The matcher uses these readings as alternative spellings of a name part, at a
discount (see ``align.ALT_SIM``).
"""

from __future__ import annotations

from functools import cache, lru_cache
from itertools import product

from supplyscreen.names.vocab import segment_pinyin, vocabulary

_INITIALS: tuple[str, ...] = tuple("zh ch sh b p m f d t n l g k h j q x r z c s y w".split())
_INITIAL_WG = {
    "b": "p",
    "p": "p'",
    "d": "t",
    "t": "t'",
    "g": "k",
    "k": "k'",
    "j": "ch",
    "q": "ch'",
    "x": "hs",
    "zh": "ch",
    "ch": "ch'",
    "r": "j",
    "z": "ts",
    "c": "ts'",
}
_UO_TO_O = frozenset({"d", "t", "n", "l", "z", "c", "s", "zh", "ch", "r"})
_PALATAL = frozenset({"j", "q", "x", "y"})
_WHOLE = {  # syllables whose Wade–Giles spelling is not initial + final
    "zhi": ("chih",),
    "chi": ("ch'ih",),
    "shi": ("shih",),
    "ri": ("jih",),
    "zi": ("tzu",),
    "ci": ("tz'u",),
    "si": ("ssu", "szu"),
    "er": ("erh",),
    "e": ("o", "ê"),
    "yi": ("i",),
    "you": ("yu",),
    "yan": ("yen",),
    "ye": ("yeh",),
    "yong": ("yung",),
}
MAX_READINGS = 16  # alternatives kept per name part: a long given name multiplies them


def _split(syllable: str) -> tuple[str, str]:
    for initial in _INITIALS:
        if syllable.startswith(initial) and len(syllable) > len(initial):
            return initial, syllable[len(initial) :]
    return "", syllable


def _final_wg(initial: str, final: str) -> str:
    if initial in _PALATAL and final.startswith("u"):
        final = "ü" + final[1:]  # ju, que, xuan, yun: the u is ü
    final = final.replace("v", "ü")  # lv, nve: the inventory writes ü as v
    if final == "ong":
        return "ung"
    if final == "iong":
        return "iung"
    if final in ("ie", "üe"):
        return final + "h"
    if final == "ian":
        return "ien"
    if final == "uo" and initial in _UO_TO_O:
        return "o"
    if final == "e":
        return "o" if initial in ("g", "k", "h") else "ê"
    if final == "ui" and initial in ("g", "k"):
        return "uei"
    return final


def wade_giles(syllable: str) -> tuple[str, ...]:
    """The Wade–Giles spellings of a toneless pinyin syllable (with apostrophes and diacritics)."""
    if syllable in _WHOLE:
        return _WHOLE[syllable]
    initial, final = _split(syllable)
    return (_INITIAL_WG.get(initial, initial) + _final_wg(initial, final),)


def plain(spelling: str) -> str:
    """A romanisation as people type it: no apostrophes, no diacritics (ü → u, ê → e)."""
    return spelling.replace("'", "").replace("’", "").replace("ü", "u").replace("ê", "e")


@cache
def wade_giles_readings() -> dict[str, tuple[str, ...]]:
    """Plain Wade–Giles syllable → the pinyin syllables it may stand for (itself first if pinyin too)."""
    readings: dict[str, set[str]] = {}
    for syllable in vocabulary().syllables:
        for spelling in wade_giles(syllable):
            readings.setdefault(plain(spelling), set()).add(syllable.replace("v", "u"))
    return {wg: tuple(sorted(p, key=lambda s: (s != wg, s))) for wg, p in readings.items()}


@lru_cache(maxsize=100_000)
def pinyin_readings(word: str, pieces: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The pinyin spellings a (Latin, lower-case) name part may stand for if it is Wade–Giles.

    ``pieces`` are the syllables as the name wrote them apart ("chun", "hsien" for "Chun-hsien");
    otherwise the word is split into the fewest syllables. Empty when the word is not Wade–Giles or
    reads only as itself; at most ``MAX_READINGS``, the word's own spelling excluded.
    """
    table = wade_giles_readings()
    syllables = list(pieces) if pieces else segment_pinyin(word, table, 6)  # (Wade–Giles syllables)
    if not syllables or len(syllables) > 4 or any(s not in table for s in syllables):
        return ()
    out: list[str] = []
    for combo in product(*(table[s] for s in syllables)):
        reading = "".join(combo)
        if reading != word and reading not in out:
            out.append(reading)
            if len(out) >= MAX_READINGS:
                break
    return tuple(out)


def is_syllable(word: str) -> bool:
    """True when ``word`` is one pinyin or one (plain) Wade–Giles syllable."""
    return word in vocabulary().syllables or word in wade_giles_readings()
