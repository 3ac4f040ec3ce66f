"""The documents the evidence tests store: a news article (HTML, with a site's navigation around it)
that names a listed company, a listed conglomerate's brand and, in a sentence of its own, a made-up
private person; and an article that names no list entity."""

from __future__ import annotations

from pathlib import Path

from scan.documents import write_html

DAHUA_KEY = "us_trade_csl:f85aef98e839dc15d4956f5a6da09d01489ecde5"
DAHUA_API_ID = "us-trade-csl-f85aef98e839dc15d4956f5a6da09d01489ecde5"
TITLE = "City council reviews its camera contracts"
SOURCE = "Example Gazette"
SNIPPET = "Zhejiang Dahua Technology Co., Ltd. supplied the cameras in the town hall."
#: A made-up private person, named in a sentence that names no list entity: never stored or shown.
PRIVATE_PERSON = "Ottoline Barnaby-Quist"


def write_article(path: Path) -> Path:
    return write_html(
        path,
        TITLE,
        [
            SNIPPET,
            f"The retired teacher {PRIVATE_PERSON} asked about the budget at the meeting.",
            "The council will vote on new contracts in the spring.",
        ],
    )


def write_unrelated(path: Path) -> Path:
    return write_html(
        path,
        "Library opening hours change",
        [
            f"The library will open at nine, said {PRIVATE_PERSON}.",
            "Volunteers are welcome on Saturdays.",
        ],
    )
