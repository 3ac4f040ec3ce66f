"""How common a word is in the real world, from wordfreq's frequency data.

A name that agrees with a listed name only on common words ("Arizona", "Spectrum", "Horizon",
"State") is weak evidence; one that agrees on a rare word ("Hikvision", "Daqo", "Vorobev") is strong.
How rare a word is among the lists alone (the index's weights) cannot say this: "Arizona" is on one
listed name and in every third vendor file of the state. The measure here is the word's frequency
in language, from `wordfreq <https://github.com/rspeer/wordfreq>`_ (Robyn Speer; code Apache-2.0,
data CC BY-SA 4.0, built from Wikipedia, subtitles, news, books, web text and social media). Its data
ships in the package; no table is derived from it and kept here. The Zipf scale is log10 of a word's
frequency per billion words: 3 is once per million words, 4 once per 100,000.

* **A word of an organisation's name is common** when its Zipf frequency is at least
  ``ORG_COMMON_EN`` (3.5) in English, the language of the lists, or at least ``ORG_COMMON_OTHER``
  (4.0) in Spanish, French, German, Portuguese or Italian. Otherwise it is **distinctive**. A
  brand known the world over is written often but only as itself: "Huawei" is at 3.3 in English and
  3.4–3.8 in the other five, "Lenovo" 3.0–3.3, "Hikvision" under 1.6; "Horizon", "Spectrum",
  "Arizona" and "Alpha" are all above 4.2 in English.
* **A part of a person's name is common** when its Zipf frequency is at least ``PERSON_COMMON``
  (3.3) in any of English, Spanish, French, German, Portuguese and Italian (the frequency of a
  given or family name in running text; languages whose everyday words are names elsewhere, such as
  Turkish "oyun" or Indonesian "sang", would make a name common for what it means). "Jose",
  "Hernandez", "Maria", "Ahmed" and "Zhang" are common; "Vorobev", "Sechin", "Widoblo" and
  "Quanguo" are not. Only the
  frequency decides: no model or table says where a name or its bearer comes from.

The languages are fixed for every word; the thresholds were set on words named in the false-alert
issue and on the brands of the covered-equipment list, never on vendor names or the name sets'
queries.
"""

from __future__ import annotations

from collections.abc import Iterable

ORG_COMMON_EN = 3.5
ORG_COMMON_OTHER = 4.0
ORG_OTHER_LANGUAGES = ("es", "fr", "de", "pt", "it")
PERSON_COMMON = 3.3
PERSON_LANGUAGES = ("en", "es", "fr", "de", "pt", "it")


def frequency_settings() -> tuple[object, ...]:
    """The thresholds and languages above (part of the name index's cache key)."""
    return (ORG_COMMON_EN, ORG_COMMON_OTHER, ORG_OTHER_LANGUAGES, PERSON_COMMON, PERSON_LANGUAGES)


def common_words(
    org_words: Iterable[str], person_words: Iterable[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """The common words among ``org_words`` (organisation names) and ``person_words`` (parts of
    persons' names), by the thresholds above. wordfreq is a dependency: without it every word would
    count as rare and every common word a lead, so its absence is an error, never a silent default."""
    from wordfreq import zipf_frequency  # imported here: loading its tables takes a moment

    org: set[str] = set()
    for word in set(org_words):
        if not word.isalpha():
            continue
        if zipf_frequency(word, "en") >= ORG_COMMON_EN or any(
            zipf_frequency(word, lang) >= ORG_COMMON_OTHER for lang in ORG_OTHER_LANGUAGES
        ):
            org.add(word)
    person = {
        word
        for word in set(person_words)
        if word.isalpha() and any(zipf_frequency(word, lang) >= PERSON_COMMON for lang in PERSON_LANGUAGES)
    }
    return frozenset(org), frozenset(person)
