"""Names as people really write them: parts of a person's name, titles, initials, other scripts and
romanisations, legal forms in any language, typos and digits for letters; and the guards that keep
an organisation off vessels and one shared word from making a match.

Golden cases run against the embedded list snapshot; the rules are also checked on pairs of names
(``Screener.compare``) and on the normalised forms themselves.
"""

from __future__ import annotations

import pytest

from supplyscreen import Screener
from supplyscreen.names.normalize import INITIAL, TITLE, name_form, to_latin
from supplyscreen.names.person import sounds_alike
from supplyscreen.names.romanize import pinyin_readings, wade_giles, wade_giles_readings

SECHIN = "us_ofac_sdn:16692"
CHEN_QUANGUO = "us_ofac_sdn:29220"
HIKVISION = "us_ofac_nonsdn:30946"
GAZPROM_NEFT = "us_ofac_nonsdn:17143"
PUTIN = "us_ofac_sdn:35096"
VOROBEV = "us_ofac_sdn:22404"
MARIA_III = "us_ofac_sdn:15905"  # a vessel formerly named SUNRISE


def best(screener: Screener, name: str, schema: str | None = None):  # type: ignore[no-untyped-def]
    hits = screener.match(name, schema=schema)
    assert hits, f"no hit for {name!r}"
    return hits[0]


# -- the golden cases --------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Igor Sechin", "Игорь Сечин", "Dr. Igor Sechin", "Sheikh Igor Sechin"])
def test_sechin_without_his_patronymic_in_any_script_and_with_a_title(screener: Screener, query: str) -> None:
    hit = best(screener, query, "Person")
    assert hit.entity_id == SECHIN and hit.match


def test_sechin_is_found_without_a_schema_too(screener: Screener) -> None:
    hit = best(screener, "Igor Sechin")
    assert hit.entity_id == SECHIN and hit.match


def test_chen_quanguo_in_wade_giles(screener: Screener) -> None:
    hit = best(screener, "Chen Chuan-kuo", "Person")
    assert hit.entity_id == CHEN_QUANGUO and hit.review
    assert "Wade–Giles" in hit.explanation


@pytest.mark.parametrize(
    "query",
    [
        "Gazprom Neft Public Joint Stock Company",
        "PJSC Gazprom Neft",
        "Публичное акционерное общество Газпром нефть",
    ],
)
def test_gazprom_neft_whatever_the_legal_form_and_script(screener: Screener, query: str) -> None:
    hit = best(screener, query, "Company")
    assert hit.entity_id == GAZPROM_NEFT and hit.match


def test_a_legal_form_in_german_is_ignored(screener: Screener) -> None:
    hit = best(screener, "Hangzhou Hikvision Digital Technology Aktiengesellschaft")
    assert hit.entity_id == HIKVISION and hit.match
    assert "aktiengesellschaft" in hit.explanation


@pytest.mark.parametrize("query", ["Dahau Technology", "Dahau"])
def test_two_swapped_letters_in_a_short_brand_still_find_dahua(screener: Screener, query: str) -> None:
    hit = best(screener, query)
    assert hit.review and "浙江大华技术股份有限公司" in hit.names
    assert "two letters swapped" in hit.explanation


@pytest.mark.parametrize(
    ("query", "lists"),
    [
        ("中兴通讯股份有限公司", {"us_ndaa_889", "us_fcc_covered"}),  # ZTE, named in s.889
        ("华为技术有限公司", {"us_ndaa_889", "us_fcc_covered"}),  # Huawei
    ],
)
def test_the_covered_companies_chinese_legal_names_are_matches(
    screener: Screener, query: str, lists: set[str]
) -> None:
    (hit, *_) = screener.match(query, limit=3)
    assert hit.match and lists <= set(hit.lists), (hit.caption, hit.score, hit.lists)


@pytest.mark.parametrize("query", ["Leadership Logistics Inc.", "Ningbo Sunrise Garment Co., Ltd."])
def test_an_organisation_never_matches_a_vessel(screener: Screener, query: str) -> None:
    hits = screener.match(query)
    assert all(h.schema not in ("Vessel", "Airplane") for h in hits)
    assert not any(h.entity_id == MARIA_III for h in hits)


def test_the_vessel_itself_is_still_found_by_its_former_name(screener: Screener) -> None:
    hit = best(screener, "SUNRISE")
    assert hit.entity_id == MARIA_III and hit.match


def test_another_given_name_is_not_sechin(screener: Screener) -> None:
    assert not any(h.match for h in screener.match("Denis Sechin", schema="Person"))


# -- persons: parts with roles -------------------------------------------------------------------


def test_vladimir_putin_is_putin_and_a_rare_family_name_alone_is_a_lead(screener: Screener) -> None:
    hit = best(screener, "Vladimir Putin", "Person")
    assert hit.entity_id == PUTIN and hit.match
    alone = best(screener, "Sechin", "Person")
    assert alone.entity_id == SECHIN and alone.review and not alone.match
    # a one-part name that is a common word by the frequency data ("Putin" is, in news text) is no lead
    assert not any(h.review for h in screener.match("Putin", schema="Person"))


def test_an_initial_is_a_review_never_a_match(screener: Screener) -> None:
    hits = screener.match("A. Vorobev", schema="Person")
    vorobev = [h for h in hits if h.entity_id == VOROBEV]
    assert vorobev and vorobev[0].review and not vorobev[0].match
    assert "initial" in vorobev[0].explanation
    assert not any(h.match for h in hits)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Aleksandr Vorobev", "VOROBEV, Aleksandr Nikolayevich"),  # the patronymic left out
        ("Aleksandr Nikolayevich Ivanovich Vorobev", "VOROBEV, Aleksandr Nikolayevich"),  # one added
        ("Nikolayevich Vorobev Aleksandr", "VOROBEV, Aleksandr Nikolayevich"),  # any order
        ("Aly Gholami", "GHOLAMI, Ali"),  # transliterations of one name
        ("Mohamed Suri", "SURI, Muhammad"),
        ("Usama Hamdan", "HAMDAN, Osama"),
        ("Serguei Loguntsov", "LOGUNTSOV, Sergey"),
        ("Yury Govtvin", "GOVTVIN, Yuriy Nikolaevich"),
        ("Hsi Chin-ping", "XI, Jinping"),  # Wade–Giles against pinyin
        ("Mao Tse-tung", "MAO, Zedong"),
        ("Engineer Youssef Ben Azza", "BEN AZZA, Youssef"),
        ("AgusDwikarna", "DWIKARNA, Agus"),  # run together
    ],
)
def test_person_names_that_are_the_same_person(screener: Screener, a: str, b: str) -> None:
    result = screener.compare(a, b, schema="Person")
    assert result.match, result


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Denis Vorobev", "VOROBEV, Aleksandr Nikolayevich"),  # another given name
        ("Aleksandr Petrovich Vorobev", "VOROBEV, Aleksandr Nikolayevich"),  # another patronymic
        ("Hassan Rouhani", "ROUHANI, Hussein"),  # two names that only sound alike
        ("Zhiqiang Wang", "WANG, Zhiqing"),  # pinyin a syllable apart: two Chinese names
        ("Aleksandr Nikolayevich", "VOROBEV, Aleksandr Nikolayevich"),  # the family name left out
    ],
)
def test_person_names_that_are_not_a_match(screener: Screener, a: str, b: str) -> None:
    result = screener.compare(a, b, schema="Person")
    assert not result.match, result


def test_a_title_the_other_name_carries_as_its_family_name_still_counts(screener: Screener) -> None:
    result = screener.compare("Hajji Muhammad Fawzi", "HAJJI, Muhammad Fawzi", schema="Person")
    assert result.match and result.score > 0.95


def test_two_letter_family_names_are_names_not_particles(screener: Screener) -> None:
    # "Ji" is the family name that agrees (both names are common, so a review, not a match) …
    assert screener.compare("Sang Ji", "JI, Sang Jun", schema="Person").review
    # … and another family name is no lead at all
    assert not screener.compare("Sang Ji", "KIM, Sang Jun", schema="Person").review


# -- organisations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sirjanco Trading Limited Liability Company", "SIRJANCO TRADING LLC"),
        ("G AND S DIAMOND Free Zone Establishment", "G AND S DIAMOND FZE"),
        ("Huawei Chile Sociedad Anonima", "Huawei Chile S.A."),
        ("Obshchestvo s Ogranichennoi Otvetstvennostyu Teson", "OOO TESON"),
        ("Siemens Gesellschaft mit beschränkter Haftung", "SIEMENS GMBH"),
        ("U.I. INTERNATION4L", "U.I. INTERNATIONAL"),  # a digit for a letter
        ("K4lashnikov Concern", "Kalashnikov Concern"),
        ("Kalas hnikov Concern", "Kalashnikov Concern"),  # a word split in two
    ],
)
def test_organisation_names_that_are_the_same(screener: Screener, a: str, b: str) -> None:
    result = screener.compare(a, b, schema="Company")
    assert result.match, result


def test_one_shared_word_of_several_is_at_most_a_review(screener: Screener) -> None:
    result = screener.compare("Ningbo Sunrise Garment Co., Ltd.", "SUNRISE", schema="Company")
    assert not result.match and "only one word" in result.explanation
    result = screener.compare(
        "Hangzhou Hikvision Digital Technology Co., Ltd.", "HIKVISION", schema="Company"
    )
    assert not result.match and result.review
    # the same letters spaced otherwise are not one word
    assert screener.compare("Gazprom Bank", "GAZPROMBANK", schema="Company").match


def test_legal_forms_at_either_end_and_spelled_out_inside_a_name_are_removed() -> None:
    assert [t.text for t in name_form("Limited Liability Company Teson").tokens] == ["teson"]
    form = name_form("Teson Obshchestvo s Ogranichennoi Otvetstvennostyu Moscow Branch")
    assert [t.text for t in form.tokens] == ["teson", "moscow", "branch"]
    assert form.legal == ("obshchestvo s ogranichennoi otvetstvennostyu",)


# -- normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "latin"),
    [
        ("Игорь Сечин", "Igor Sechin"),  # Cyrillic
        ("Γιώργος Παπαδόπουλος", "Giorgos Papadopoulos"),  # Greek
        ("ნიკოლოზ", "nikoloz"),  # Georgian
        ("Արամ", "Aram"),  # Armenian
        ("नरेन्द्र मोदी", "narendra modi"),  # Devanagari
        ("ทักษิณ", "thaks'in"),  # Thai
        ("김정은", "gimjeong-eun"),  # Korean
        ("キム", "kimu"),  # Japanese kana
        ("משה", "msh"),  # Hebrew (no vowels written)
        ("محمد", "mhmd"),  # Arabic (no vowels written)
        ("Zürich", "Zürich"),  # Latin stays as written
    ],
)
def test_every_script_is_transliterated(written: str, latin: str) -> None:
    assert to_latin(written) == latin


def test_a_person_name_is_read_as_parts() -> None:
    form = name_form("AL ZAWAHIRI, Dr. Ayman", is_person=True)
    assert [(t.text, t.role, t.family) for t in form.tokens] == [
        ("al", "core", True),
        ("zawahiri", "core", True),
        ("dr", TITLE, False),
        ("ayman", "core", False),
    ]
    form = name_form("A. Nikolayevich VOROBEV", is_person=True)
    assert [(t.text, t.role, t.family) for t in form.tokens] == [
        ("a", INITIAL, False),
        ("nikolayevich", "core", False),
        ("vorobev", "core", True),
    ]


def test_a_hyphenated_chinese_given_name_is_one_name_with_its_pinyin_readings() -> None:
    chang, chun_hsien = name_form("Chang Chun-hsien", is_person=True).tokens
    assert chang.alts == ("zhang",)
    assert chun_hsien.text == "chunhsien" and "chunxian" in chun_hsien.alts
    # other hyphens separate words
    assert [t.text for t in name_form("Abid Al-Tikriti", is_person=True).tokens] == ["abid", "al", "tikriti"]


def test_wade_giles_table_follows_the_published_correspondence() -> None:
    assert wade_giles("zhang") == ("chang",)
    assert wade_giles("qin") == ("ch'in",)
    assert wade_giles("xian") == ("hsien",)
    assert wade_giles("zhi") == ("chih",)
    assert wade_giles("guo") == ("kuo",)
    assert wade_giles("rong") == ("jung",)
    assert wade_giles("xue") == ("hsüeh",)
    readings = wade_giles_readings()
    assert set(readings["chuan"]) == {"chuan", "zhuan", "juan", "quan"}
    assert readings["hsi"] == ("xi",)
    assert set(pinyin_readings("chinping", ("chin", "ping"))) == {"jinping", "jinbing", "qinping", "qinbing"}
    assert pinyin_readings("sergey") == ()  # not Wade–Giles


@pytest.mark.parametrize(
    ("x", "y", "alike"),
    [
        ("aly", "ali", True),
        ("umar", "omar", True),
        ("husayn", "hussein", True),
        ("serguei", "sergey", True),
        ("hassan", "hussein", False),
        ("fadi", "fouad", False),
        ("omar", "amir", False),
        ("john", "juan", False),
    ],
)
def test_transliteration_families_by_phonetic_key(x: str, y: str, alike: bool) -> None:
    assert sounds_alike(x, y) is alike


def test_digits_for_letters_are_read_only_inside_words() -> None:
    texts = [t.text for t in name_form("R3PUBLICAN 3M 4G Boeing747 CON5UELO").tokens]
    assert texts == ["republican", "3m", "4g", "boeing747", "consuelo"]
