"""The one vocabulary of list codes (``us_ofac_sdn``, ``us_bis_entity_list`` …), loaded from data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from supplyscreen._yaml import safe_load as load_yaml


@dataclass(frozen=True, slots=True)
class ListInfo:
    """What a list is and what a hit on it means, for the person reading a flag."""

    code: str
    title: str
    authority: str
    basis: str
    meaning: str
    url: str
    #: FollowTheMoney topic codes of an entry (``sanction``, ``export.control``, ``debarment`` …)
    topics: tuple[str, ...] = ()


@cache
def list_infos() -> dict[str, ListInfo]:
    """Every known official list code, in a stable order."""
    text = resources.files("supplyscreen").joinpath("data/lists.yaml").read_text(encoding="utf-8")
    raw = load_yaml(text)
    return {
        code: ListInfo(code=code, **{**values, "topics": tuple(values.get("topics") or ())})
        for code, values in raw.items()
    }


def list_info(code: str) -> ListInfo:
    """The ListInfo of a code; user lists (not in the vocabulary) get a generic description."""
    infos = list_infos()
    if code in infos:
        return infos[code]
    return ListInfo(
        code=code,
        title=f"User list {code}",
        authority="user",
        basis="internal watchlist",
        meaning="Entry on an internal or licensed watchlist loaded by the user.",
        url="",
    )
