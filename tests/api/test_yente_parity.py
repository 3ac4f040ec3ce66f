"""yente's own match and search assertions (yente 5.5.0, tests/test_match.py and test_search.py),
ported to the embedded lists: a yente client must get what yente would give it, or a documented
difference (docs/api.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from conftest import REPO

pytest.importorskip("fastapi")
from support.service import Service, open_service  # noqa: E402

HIKVISION = "us-ofac-nonsdn-30946"
EXAMPLE = {"schema": "Company", "properties": {"name": ["Hikvision"], "country": "China"}}
MANY_NAMES = {
    "schema": "Company",
    "properties": {
        "name": [
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
            "杭州海康威视数字技术股份有限公司",
            "HIKVISION",
            "Hangzhou Hikvision Digital Technology Company Limited",
            "Haikang Weishi",
        ]
    },
}
ENTITY_KEYS = {
    "id",
    "caption",
    "schema",
    "properties",
    "datasets",
    "referents",
    "target",
    "first_seen",
    "last_seen",
    "last_change",
}


def assert_entity_shape(entity: dict[str, Any]) -> None:
    """yente's tests/conftest.assert_entity_shape: every key of an entity response is there."""
    assert ENTITY_KEYS <= set(entity), set(entity)
    assert isinstance(entity["properties"], dict) and isinstance(entity["datasets"], list)


@pytest.fixture(scope="module")
def service(screener: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from open_service(screener, tmp_path_factory.mktemp("parity"))


def _post(service: Service, body: dict[str, Any], **params: Any) -> Any:
    return service.client.post("/match/default", json=body, params=params, headers=service.headers("viewer"))


def _results(service: Service, query: dict[str, Any] = EXAMPLE, **params: Any) -> list[dict[str, Any]]:
    response = _post(service, {"queries": {"q": query}}, **params)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["responses"]["q"]["results"]
    return results


def test_match_echoes_the_normalised_query_counts_matches_and_returns_full_entities(service: Service) -> None:
    response = _post(service, {"queries": {"vv": EXAMPLE, "xx": EXAMPLE, "zz": EXAMPLE}})
    assert response.status_code == 200, response.text
    assert response.headers["x-batch-size"] == "3"
    res = response.json()["responses"]["vv"]
    assert res["query"]["schema"] == "Company"
    assert res["query"]["properties"]["country"] == ["cn"]  # "China", normalised as yente does
    assert res["total"]["value"] > 0, res["total"]
    assert res["total"]["value"] == sum(r["match"] for r in res["results"])
    assert res["results"][0]["id"] == HIKVISION
    assert_entity_shape(res["results"][0])


@pytest.mark.parametrize("algorithm", ["name-based", "logic-v1", "logic-v2", "name-qualified", "best"])
def test_yentes_algorithm_names_are_answered_by_the_matcher_it_names(
    service: Service, algorithm: str
) -> None:
    response = _post(service, {"queries": {"vv": EXAMPLE}}, algorithm=algorithm)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["matcher"]["name"] == "supplyscreen-v1"  # the algorithm actually used
    top = data["responses"]["vv"]["results"][0]
    assert top["id"] == HIKVISION and top["score"] > 0.70
    assert_entity_shape(top)
    assert _post(service, {"queries": {"vv": EXAMPLE}}, algorithm="neural-net").status_code == 400


def test_a_query_without_a_schema_is_422_and_an_unknown_schema_400(service: Service) -> None:
    assert _post(service, {"queries": {"fail": {"properties": {"name": "Banana"}}}}).status_code == 422
    unknown = {"queries": {"fail": {"schema": "xxx", "properties": {"name": "Banana"}}}}
    assert _post(service, unknown).status_code == 400
    empty = _post(service, {"queries": {}})
    assert empty.status_code == 400 and empty.json()["detail"] == "No queries provided."


def test_many_names_and_the_fuzzy_flag_of_yentes_enricher(service: Service) -> None:
    results = _results(service, MANY_NAMES, algorithm="logic-v1")
    assert results and results[0]["id"] == HIKVISION
    again = _results(service, MANY_NAMES, algorithm="logic-v1", fuzzy="false")
    assert [r["id"] for r in again] == [r["id"] for r in results]


def test_include_and_exclude_dataset(service: Service) -> None:
    hikvision_lists = ["us_ofac_cmic", "us_bis_entity_list", "us_fcc_covered", "us_ndaa_889"]
    assert all(r["id"] != HIKVISION for r in _results(service, exclude_dataset=hikvision_lists))
    assert HIKVISION in {r["id"] for r in _results(service, exclude_dataset=["us_ofac_cmic"])}  # 3 lists left
    assert _results(service, include_dataset=["un_sc", "us_ofac_sdn"]) == []
    found = _results(service, include_dataset=["us_fcc_covered", "un_sc"])
    assert found and all("us_fcc_covered" in r["datasets"] for r in found)
    params = {"include_dataset": ["us_fcc_covered", "un_sc"], "exclude_dataset": ["us_fcc_covered"]}
    assert _results(service, **params) == []
    unknown = _post(service, {"queries": {"q": EXAMPLE}}, include_dataset=["eu_fsf"])
    assert unknown.status_code == 400 and "eu_fsf" in unknown.json()["detail"]


def test_the_sanctions_collection_holds_every_list(service: Service) -> None:
    response = service.client.post(
        "/match/sanctions", json={"queries": {"q": EXAMPLE}}, headers=service.headers("viewer")
    )
    assert response.status_code == 200
    assert response.json()["responses"]["q"]["results"][0]["id"] == HIKVISION


def test_algorithm_config_and_weights_that_do_not_exist_are_400(service: Service) -> None:
    bad = _post(
        service, {"queries": {"vv": EXAMPLE}, "config": {"invalid_option": 0.4}}, algorithm="logic-v2"
    )
    assert bad.status_code == 400 and "invalid_option" in bad.json()["detail"]
    assert _post(service, {"queries": {"vv": EXAMPLE}, "weights": {"name_literal": 0.8}}).status_code == 400


def test_filter_topics(service: Service) -> None:
    assert _results(service, topics="crime.cyber") == []
    found = _results(service, topics=["export.control"])
    assert found[0]["id"] == HIKVISION and all("export.control" in r["properties"]["topics"] for r in found)


def test_the_query_id_passes_through(service: Service) -> None:
    body = {**MANY_NAMES, "id": "hik"}
    res = _post(service, {"queries": {"no1": body}}).json()["responses"]["no1"]
    assert res["query"]["schema"] == "Company" and res["query"]["id"] == "hik"


def test_exclude_entity_ids_by_id_or_referent(service: Service) -> None:
    assert _results(service)[0]["id"] == HIKVISION
    assert HIKVISION not in {r["id"] for r in _results(service, exclude_entity_ids=[HIKVISION])}
    by_key = _results(service, exclude_entity_ids=["us_ofac_nonsdn:30946"])  # the id before issue 17
    assert HIKVISION not in {r["id"] for r in by_key}
    by_referent = _results(service, exclude_entity_ids=["us_trade_csl:30946"])
    assert HIKVISION not in {r["id"] for r in by_referent}


def test_match_is_score_from_threshold_and_limit_goes_to_500(service: Service) -> None:
    loose = _results(
        service, {"schema": "Company", "properties": {"name": "Hikvision Digital"}}, threshold=0.5
    )
    assert loose and all(r["match"] == (r["score"] >= 0.5) for r in loose)
    assert any(r["match"] and r["score"] < 0.83 for r in loose) or all(r["score"] >= 0.83 for r in loose)
    assert _post(service, {"queries": {"q": EXAMPLE}}, limit=500).status_code == 200
    assert _post(service, {"queries": {"q": EXAMPLE}}, limit=501).status_code == 422


def test_changed_since_and_the_dates_of_an_entity_come_from_the_list_versions(service: Service) -> None:
    # the embedded lists are dated by their data (store.changelog): first seen with its oldest
    # record, last changed with its newest, last seen when the snapshot was made
    top = _results(service)[0]
    assert top["first_seen"] and top["first_seen"] <= top["last_change"] <= top["last_seen"]
    assert _results(service, changed_since=top["last_change"][:10])[0]["id"] == HIKVISION
    assert _results(service, changed_since="2099-01-01T00:00") == []  # yente's own assertion
    listed = service.client.get(
        "/search/default", params={"changed_since": "2099-01-01"}, headers=service.headers("viewer")
    )
    assert listed.json()["total"]["value"] == 0
    bad = _post(service, {"queries": {"q": EXAMPLE}}, changed_since="last tuesday")
    assert bad.status_code == 400 and "changed_since" in bad.json()["detail"]
    nested = service.client.get(f"/entities/{HIKVISION}", headers=service.headers("viewer")).json()
    assert nested["properties"]["sanctions"][0]["first_seen"] == top["first_seen"]


def test_search_filters_and_facets(service: Service) -> None:
    def search(**params: Any) -> Any:
        response = service.client.get("/search/default", params=params, headers=service.headers("viewer"))
        assert response.status_code == 200, response.text
        return response.json()

    found = search(q="Hikvision")
    assert found["results"][0]["id"] == HIKVISION
    assert_entity_shape(found["results"][0])
    assert {"countries", "topics", "datasets"} == set(found["facets"])
    assert {
        "name": "cn",
        "label": "cn",
        "count": found["facets"]["countries"]["values"][0]["count"],
    } in found["facets"]["countries"]["values"]
    assert search(q="Hikvision", topics="crime.cyber")["results"] == []
    assert all(
        r["schema"] != "Organization" for r in search(q="Hikvision", exclude_schema="Organization")["results"]
    )
    fcc = search(q="Hikvision", include_dataset="us_fcc_covered")["results"]
    assert fcc and all("us_fcc_covered" in r["datasets"] for r in fcc)
    assert search(q="Hikvision", datasets="un_sc")["results"] == []
    assert all(r["target"] for r in search(q="Hikvision", target="true")["results"])
    assert search(q="Hikvision", limit=500)["limit"] == 500


def test_entities_nest_full_records_redirect_referents_and_serve_adjacent(service: Service) -> None:
    headers = service.headers("viewer")
    entity = service.client.get(f"/entities/{HIKVISION}", headers=headers).json()
    assert_entity_shape(entity)
    sanctions = entity["properties"]["sanctions"]
    assert sanctions and all(ENTITY_KEYS <= set(s) for s in sanctions)
    assert all(s["schema"] == "Sanction" and s["caption"] for s in sanctions)
    # the subsidiaries that name Hikvision as their parent are adjacent to it
    # its subsidiaries are organisations, which FollowTheMoney cannot hold as an Ownership's asset:
    # links with the role, the subsidiary nested at the far end as yente nests it
    links = entity["properties"]["unknownLinkTo"]
    usa = next(o for o in links if o["properties"]["object"][0]["id"] == "curated-covered-14")
    assert usa["schema"] == "UnknownLink" and usa["properties"]["subject"] == [HIKVISION]
    assert usa["properties"]["role"] == ["subsidiary of"] and ENTITY_KEYS <= set(usa)
    assert usa["properties"]["object"][0]["caption"] == "Hikvision USA Inc."
    brands = {o["properties"]["subject"][0]["caption"] for o in entity["properties"]["unknownLinkFrom"]}
    assert "EZVIZ" in brands
    plain = service.client.get(f"/entities/{HIKVISION}", params={"nested": "false"}, headers=headers).json()
    assert "sanctions" not in plain["properties"]
    for old in ("us_ofac_nonsdn:30946", "us_trade_csl:30946"):  # its list key, and its id in the CSL
        moved = service.client.get(f"/entities/{old}", headers=headers, follow_redirects=False)
        assert moved.status_code == 308 and moved.headers["location"].endswith(f"/entities/{HIKVISION}")
        assert old in entity["referents"]
    adjacent = service.client.get(
        f"/entities/{HIKVISION}/adjacent", params={"limit": 2}, headers=headers
    ).json()
    assert adjacent["entity"]["id"] == HIKVISION
    page = adjacent["adjacent"]["sanctions"]
    assert page["limit"] == 2 and len(page["results"]) == 2 and page["total"]["value"] == len(sanctions)
    assert service.client.get("/entities/nope:1/adjacent", headers=headers).status_code == 404


def test_catalog_has_an_etag_and_manifest_is_its_alias(service: Service) -> None:
    headers = service.headers("viewer")
    catalog = service.client.get("/catalog", headers=headers)
    etag = catalog.headers["etag"]
    assert service.client.get("/manifest", headers=headers).json() == catalog.json()
    assert service.client.get("/catalog", headers={**headers, "If-None-Match": etag}).status_code == 304


def test_algorithms_carry_their_docs(service: Service) -> None:
    algorithms = service.client.get("/algorithms", headers=service.headers("viewer")).json()
    (only,) = algorithms["algorithms"]
    assert only["docs"]["features"] == only["features"] and "name_match" in only["docs"]["features"]
    assert only["docs"]["name"] == "supplyscreen-v1" and only["docs"]["config"] == {}


SCHEMAS = json.loads((REPO / "tests" / "fixtures" / "yente" / "response_schemas_5.5.0.json").read_text())


def test_every_answer_validates_against_yentes_own_response_models(service: Service) -> None:
    # yente 5.5.0's pydantic models as JSON Schemas (tests/fixtures/yente/README.md says how they were
    # made): what a yente client parses
    headers = service.headers("viewer")
    many = {
        "queries": {"a": EXAMPLE, "b": MANY_NAMES, "c": {"schema": "Person", "properties": {"name": "x"}}}
    }
    answers = {
        "EntityMatchResponse": [
            service.client.post("/match/default", json=many, headers=headers),
            service.client.post(
                "/match/sanctions?algorithm=logic-v2&topics=sanction", json=many, headers=headers
            ),
        ],
        "SearchResponse": [
            service.client.get("/search/default?q=Dahua", headers=headers),
            service.client.get("/search/us_fcc_covered?q=Huawei&limit=500", headers=headers),
        ],
        "EntityResponse": [service.client.get(f"/entities/{HIKVISION}", headers=headers)],
        "EntityAdjacentResponse": [service.client.get(f"/entities/{HIKVISION}/adjacent", headers=headers)],
        "AlgorithmResponse": [service.client.get("/algorithms", headers=headers)],
        "DataCatalogModel": [service.client.get("/catalog", headers=headers)],
    }
    for model, responses in answers.items():
        validator = jsonschema_rs.validator_for(SCHEMAS[model])
        for response in responses:
            assert response.status_code == 200, response.text
            errors = [str(e) for e in validator.iter_errors(response.json())]
            assert not errors, (model, errors[:3])


FTM_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.-]*[0-9a-zA-Z])?$")  # followthemoney's registry.entity


def test_every_id_in_an_answer_is_a_followthemoney_id(service: Service) -> None:
    headers = service.headers("viewer")
    entity = service.client.get(f"/entities/{HIKVISION}", headers=headers).json()
    records = [r for prop in ("sanctions", "unknownLinkTo") for r in entity["properties"][prop]]
    ids = [entity["id"], *(r["id"] for r in records)]
    named = [v for r in records for p in ("entity", "subject", "object") for v in r["properties"].get(p, [])]
    ids += [v["id"] if isinstance(v, dict) else v for v in named]
    matched = _results(service, MANY_NAMES, limit=20)
    ids += [r["id"] for r in matched]
    assert all(FTM_ID.match(i) for i in ids), [i for i in ids if not FTM_ID.match(i)]
    assert all(r["properties"]["entity"] == [HIKVISION] for r in entity["properties"]["sanctions"])
    assert entity["properties"]["sanctions"][0]["id"] == f"{HIKVISION}-sanction-0"


def test_yentes_search_assertions(service: Service) -> None:
    # yente 5.5.0 tests/test_search.py, on the embedded lists
    headers = service.headers("viewer")

    def search(path: str = "/search/default", **params: Any) -> Any:
        return service.client.get(path, params=params, headers=headers)

    everything = search()  # no query: the entries, in list order
    assert everything.status_code == 200 and len(everything.json()["results"]) > 9
    assert everything.json()["total"]["value"] > 1000
    assert search("/search/banana").status_code == 404
    assert search(q="angela merkel", schema="Banana").status_code == 400
    assert search(q="Hikvision", schema="Vessel").json()["results"] == []
    assert search(q="Hikvision", schema="Organization").json()["results"]
    assert search(q="Hikvision", countries="cn").json()["results"]
    assert search(q="Hikvision", countries="ke").json()["results"] == []
    assert search(q="Hikvision", countries=["ke", "cn"]).json()["results"]
    assert search(q="Hikvision", countries=["ke", "cn"], filter_op="AND").json()["results"] == []
    sanctioned = search(topics="sanction").json()["total"]["value"]
    assert 0 < sanctioned < everything.json()["total"]["value"]
    assert "sanction" in [v["name"] for v in everything.json()["facets"]["topics"]["values"]]
    chosen = search(facets=["schema", "topics"]).json()["facets"]
    assert set(chosen) == {"schema", "topics"} and "Organization" in [
        v["name"] for v in chosen["schema"]["values"]
    ]
    assert set(everything.json()["facets"]) == {"countries", "topics", "datasets"}
    assert search(schema="LegalEntity", target="true").json()["results"]
    assert search(q="Hikvision", limit=0).json()["results"] == []
    deep = search(q="Hikvision", offset=100).json()
    assert deep["results"] == [] and deep["offset"] == 100
    assert search(q="putin", offset=9999).status_code == 422
    assert search(q="zakharov", limit=10000).status_code == 422
    assert search(q="invalid/query", simple="true").status_code == 200
    for name, value in (("sort", "first_seen:desc"), ("filter", "properties.birthDate:1972-01-26")):
        refused = search(q="Hikvision", **{name: value})
        assert refused.status_code == 400 and name in refused.json()["detail"]
    hikvision_lists = ["us_ofac_cmic", "us_bis_entity_list", "us_fcc_covered", "us_ndaa_889"]
    remaining = search(q="Hikvision", exclude_dataset=hikvision_lists).json()["results"]
    assert HIKVISION not in [r["id"] for r in remaining]
