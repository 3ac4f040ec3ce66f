"""nomenklatura's own ``YenteEnricher`` (nomenklatura.enrich.yente) against a live ``supplyscreen serve``
on 127.0.0.1, configured as a nomenklatura or zavod user configures it for yente: its matches must
come back under FollowTheMoney ids, and expanding one must keep every sanction linked to it."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from support.server import start_serve, wait_until_ready

pytest.importorskip("nomenklatura")
pytest.importorskip("uvicorn")
import requests  # noqa: E402
from followthemoney import Dataset, StatementEntity, registry  # noqa: E402
from nomenklatura.cache import Cache  # noqa: E402
from nomenklatura.db import Session  # noqa: E402
from nomenklatura.enrich import Enricher, EnrichmentAbort, EnrichmentException, make_enricher  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

HIKVISION = "us-ofac-nonsdn-30946"
HIKVISION_NAME = "Hangzhou Hikvision Digital Technology Co., Ltd."
DATASET = Dataset.make({"name": "supplyscreen_enrich", "title": "supplyscreen enrichment test"})
Exchange = dict[str, Any]  # one HTTP exchange the enricher made: method, url, status, json


def _company(entity_id: str, name: str, country: str | None = None) -> StatementEntity:
    properties = {"name": [name], **({"country": [country]} if country else {})}
    data = {"id": entity_id, "schema": "Company", "properties": properties}
    return StatementEntity.from_data(DATASET, data)


HIKVISION_QUERY = _company("q-hikvision", HIKVISION_NAME, "cn")
GREEN_VALLEY_QUERY = _company("q-green-valley", "Green Valley Office Furniture")


@pytest.fixture(scope="module")
def server(screener_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """``supplyscreen serve`` in its own process on the session's lists, and a viewer's API key."""
    process, port, key = start_serve(screener_home, tmp_path_factory.mktemp("enricher") / "home")
    try:
        assert wait_until_ready(port, process, 120), "the server did not become ready"
        yield SimpleNamespace(api=f"http://127.0.0.1:{port}/", key=key)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cache]:
    """nomenklatura's HTTP cache on a temporary SQLite file (``cache_days: 0`` leaves it unused)."""
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('nomenklatura') / 'cache.db'}")
    session = Session(engine)
    yield Cache(session, DATASET, create=True)
    session.close()
    engine.dispose()


@pytest.fixture
def enricher(
    server: SimpleNamespace, cache: Cache
) -> Iterator[Callable[..., tuple[Enricher[Dataset], list[Exchange]]]]:
    """``make(**config)``: a ``YenteEnricher`` made by ``make_enricher`` from a zavod-style config
    (``config`` overrides it), and the list of HTTP exchanges it goes on to make."""
    made: list[Enricher[Dataset]] = []

    def make(**overrides: Any) -> tuple[Enricher[Dataset], list[Exchange]]:
        exchanges: list[Exchange] = []

        def record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            is_json = response.headers.get("content-type", "").startswith("application/json")
            exchanges.append(
                {
                    "method": response.request.method,
                    "url": response.url,
                    "status": response.status_code,
                    "authorization": response.request.headers.get("Authorization"),
                    "json": response.json() if is_json else None,
                }
            )

        session = requests.Session()
        session.hooks["response"].append(record)
        config = {
            "type": "nomenklatura.enrich.yente:YenteEnricher",
            "api": server.api,
            "dataset": "default",
            "algorithm": "logic-v2",
            "api_key": server.key,
            "cache_days": 0,
            **overrides,
        }
        made.append(make_enricher(DATASET, cache, config, http_session=session))
        return made[-1], exchanges

    yield make
    for one in made:
        one.close()


def _nested_records(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(property, record) for every record nested in an ``/entities`` answer, at any depth."""
    for prop, values in data["properties"].items():
        for value in values:
            if isinstance(value, dict):
                yield prop, value
                yield from _nested_records(value)


def test_match_answers_hikvision_under_its_followthemoney_id(enricher: Any, server: SimpleNamespace) -> None:
    enr, exchanges = enricher()
    results = list(enr.match(HIKVISION_QUERY))

    [request] = exchanges
    assert request["method"] == "POST" and request["status"] == 200
    assert request["url"] == f"{server.api}match/default?algorithm=logic-v2&fuzzy=False"
    assert request["authorization"] == f"ApiKey {server.key}"
    answered = request["json"]["responses"]["entity"]["results"]
    assert [r.id for r in results] == [r["id"] for r in answered]
    assert [r["id"] for r in answered if r["match"]] == [HIKVISION]

    hikvision = results[0]
    assert hikvision.id == HIKVISION
    assert hikvision.schema.name == "Organization"
    assert hikvision.caption == HIKVISION_NAME
    assert HIKVISION_NAME in hikvision.get("name")
    assert "Hikvision" in hikvision.get("alias")
    assert hikvision.get("country") == ["cn"]
    assert {"export.control", "debarment"} <= set(hikvision.get("topics"))
    assert "us_ofac_nonsdn:30946" in hikvision.referents  # the list key, kept among the referents
    assert hikvision.get("sourceUrl") == [f"{server.api}entities/{HIKVISION}"]
    # nomenklatura files what it loads under the enricher's dataset; the server named the lists
    assert hikvision.datasets == {DATASET.name}
    lists = {"us_ofac_cmic", "us_bis_entity_list", "us_fcc_covered", "us_ndaa_889"}
    assert lists <= set(answered[0]["datasets"])
    for result in results:  # every id a FollowTheMoney id, so nothing downstream drops it
        assert registry.entity.clean(result.id) == result.id


def test_match_answers_nothing_for_an_unlisted_supplier(enricher: Any) -> None:
    enr, exchanges = enricher()
    assert list(enr.match(GREEN_VALLEY_QUERY)) == []
    assert [e["status"] for e in exchanges] == [200]


def test_expand_keeps_the_sanctions_and_ownerships_linked(enricher: Any, server: SimpleNamespace) -> None:
    enr, exchanges = enricher()
    hikvision = next(iter(enr.match(HIKVISION_QUERY)))
    expanded = list(enr.expand(HIKVISION_QUERY, hikvision))

    fetched = exchanges[-1]
    assert fetched["method"] == "GET" and fetched["status"] == 200
    assert fetched["url"] == f"{server.api}entities/{HIKVISION}?nested=True"
    assert expanded[0].id == HIKVISION and expanded[0].caption == HIKVISION_NAME
    by_schema: dict[str, list[StatementEntity]] = {}
    for entity in expanded[1:]:
        by_schema.setdefault(entity.schema.name, []).append(entity)

    # every sanction the server nested comes back, still naming Hikvision as its entity
    nested_sanctions = [r["id"] for p, r in _nested_records(fetched["json"]) if p == "sanctions"]
    sanctions = by_schema.pop("Sanction")
    assert len(nested_sanctions) >= 5
    assert [s.id for s in sanctions] == nested_sanctions
    for sanction in sanctions:
        assert str(sanction.id).startswith(f"{HIKVISION}-sanction-")
        assert sanction.get("entity") == [HIKVISION]
        assert sanction.get("authority")
    assert "CMIC-EO13959" in {p for s in sanctions for p in s.get("program")}

    # the subsidiaries it owns: organisations, which FollowTheMoney cannot hold as an Ownership's
    # asset, so links with the role "subsidiary of"; and the brands that name it
    links = by_schema.pop("UnknownLink")
    owned = {o.first("object"): o for o in links if o.get("subject") == [HIKVISION]}
    assert {"curated-covered-14", "curated-covered-15"} <= set(owned)
    assert owned["curated-covered-14"].get("role") == ["subsidiary of"]
    brands = {o.first("subject") for o in links if o.get("object") == [HIKVISION]}
    assert "curated-covered-16" in brands  # EZVIZ, brand of Hikvision
    # the entities at the links' far ends come nested, as from yente
    far = {e.id: e.caption for e in by_schema.pop("Organization")}
    assert far["curated-covered-14"] == "Hikvision USA Inc." and far["curated-covered-16"] == "EZVIZ"
    assert by_schema == {}
    for entity in expanded:
        assert registry.entity.clean(entity.id) == entity.id


def test_expand_yields_every_record_the_server_nested(enricher: Any) -> None:
    enr, exchanges = enricher()
    hikvision = next(iter(enr.match(HIKVISION_QUERY)))
    expanded = {e.id for e in enr.expand(HIKVISION_QUERY, hikvision)}
    nested = {record["id"] for _, record in _nested_records(exchanges[-1]["json"])}
    assert nested - expanded == set()


def test_expand_yields_the_owned_subsidiary(enricher: Any) -> None:
    enr, _ = enricher()
    hikvision = next(iter(enr.match(HIKVISION_QUERY)))
    expanded = {e.id: e for e in enr.expand(HIKVISION_QUERY, hikvision)}
    assert expanded["curated-covered-14"].caption == "Hikvision USA Inc."


def test_best_algorithm_matches_hikvision(enricher: Any, server: SimpleNamespace) -> None:
    enr, exchanges = enricher(algorithm="best")
    results = list(enr.match(HIKVISION_QUERY))
    assert results[0].id == HIKVISION
    assert exchanges[0]["url"] == f"{server.api}match/default?algorithm=best&fuzzy=False"
    assert list(enr.match(GREEN_VALLEY_QUERY)) == []


def test_unknown_algorithm_raises_after_the_enrichers_retries(
    enricher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nomenklatura.enrich import yente

    sleeps: list[float] = []  # YenteEnricher waits 1 + 4 + 9 s between its tries; not here
    monkeypatch.setattr(yente, "time", SimpleNamespace(sleep=sleeps.append))
    enr, exchanges = enricher(algorithm="no-such-algorithm")
    with pytest.raises(EnrichmentException, match="400"):
        list(enr.match(HIKVISION_QUERY))
    assert sleeps == [1, 4, 9]
    assert [e["status"] for e in exchanges] == [400] * 4
    assert "unknown algorithm 'no-such-algorithm'" in exchanges[0]["json"]["detail"]


def test_a_wrong_api_key_aborts_the_enrichment(enricher: Any) -> None:
    enr, exchanges = enricher(api_key="not-a-key")
    with pytest.raises(EnrichmentAbort):
        list(enr.match(HIKVISION_QUERY))
    assert [e["status"] for e in exchanges] == [401]
