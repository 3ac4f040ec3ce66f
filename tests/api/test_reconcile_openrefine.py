"""OpenRefine's flow against the reconciliation service, called the way OpenRefine calls it (without
OpenRefine): the manifest loads with no key in it, a batch is reconciled, a candidate is previewed,
and "Add columns from reconciled values" proposes properties and extends the rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")
from support.service import Service, open_service  # noqa: E402

HIKVISION = "us-ofac-nonsdn-30946"


@pytest.fixture(scope="module")
def service(screener: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from open_service(screener, tmp_path_factory.mktemp("openrefine"))


def test_the_manifest_needs_no_key_and_declares_how_to_authenticate(service: Service) -> None:
    anonymous = service.client.get("/reconcile/default")
    assert anonymous.status_code == 200
    manifest = anonymous.json()
    assert manifest["versions"] == ["0.2"] and manifest["authentication"]["name"] == "api_key"
    assert "token=" not in json.dumps(manifest)  # nothing to read with, without a key
    assert service.client.get("/reconcile/default?api_key=wrong").status_code == 401
    batch = service.client.post("/reconcile/default", data={"queries": json.dumps({"q": {"query": "x"}})})
    assert batch.status_code == 401  # reconciling still needs the key


def test_openrefines_flow_reconcile_preview_and_add_columns(service: Service) -> None:
    key = service.keys["viewer"]
    manifest = service.client.get(f"/reconcile/default?api_key={key}").json()
    assert key not in json.dumps(manifest)
    # reconcile a column (OpenRefine posts a form to the URL the user entered, key included)
    queries = {
        "q0": {"query": "Hangzhou Hikvision Digital Technology", "type": "Company", "type_strict": "should"},
        "q1": {"query": "Green Valley Office Furniture", "type": "Company"},
    }
    answer = service.client.post(f"/reconcile/default?api_key={key}", data={"queries": json.dumps(queries)})
    assert answer.status_code == 200
    best = answer.json()["q0"]["result"][0]
    assert best["id"] == HIKVISION and best["match"] is True
    # preview the candidate (OpenRefine opens the manifest's preview URL in a frame: no header)
    preview_url = manifest["preview"]["url"].replace("{{id}}", best["id"])
    card = service.client.get(preview_url)
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/html")
    assert "Hangzhou Hikvision Digital Technology" in card.text and "BIS Entity List" in card.text
    assert "<script" not in card.text
    # "Add columns from reconciled values": propose, then extend
    propose = manifest["extend"]["propose_properties"]
    proposed = service.client.get(f"{propose['service_url']}{propose['service_path']}&type=Company")
    assert proposed.status_code == 200
    offered = {p["id"] for p in proposed.json()["properties"]}
    assert {"lists", "program", "listed_on", "country", "identifiers", "risk"} <= offered
    extend = {
        "ids": [HIKVISION, "us_ofac_nonsdn:30946", "nope-1"],
        "properties": [{"id": "lists"}, {"id": "risk"}],
    }
    rows = service.client.post(f"/reconcile/default?api_key={key}", data={"extend": json.dumps(extend)})
    assert rows.status_code == 200, rows.text
    data = rows.json()
    assert data["meta"] == [{"id": "lists", "name": "Lists"}, {"id": "risk", "name": "Risk of a match"}]
    lists = [v["str"] for v in data["rows"][HIKVISION]["lists"]]
    assert "BIS Entity List" in lists and "FCC Covered List" in lists
    assert data["rows"][HIKVISION]["risk"] == [{"str": "high"}]
    assert data["rows"]["us_ofac_nonsdn:30946"] == data["rows"][HIKVISION]  # the old id too
    assert data["rows"]["nope-1"] == {"lists": [], "risk": []}
    bad = {"ids": [HIKVISION], "properties": [{"id": "shoe_size"}]}
    refused = service.client.post(f"/reconcile/default?api_key={key}", data={"extend": json.dumps(bad)})
    assert refused.status_code == 400 and "shoe_size" in refused.json()["detail"]


def test_unknown_types_are_any_type_and_qualified_properties_are_read(service: Service) -> None:
    headers = service.headers("viewer")
    queries = {
        # types of other services (the spec's examples use Wikidata's): "any type", not a 400
        "q0": {"query": "Hikvision", "type": "Q43229"},
        "q1": {"query": "Hikvision", "type": "DifferentiatedPerson", "type_strict": "any"},
        "q2": {"query": "Hikvision", "properties": [{"pid": "LegalEntity:country", "v": "cn"}]},
        "q3": {"query": "us_ofac_nonsdn:30946"},  # an id (here the old list key) as the query
    }
    answer = service.client.post("/reconcile/default", data={"queries": json.dumps(queries)}, headers=headers)
    assert answer.status_code == 200, answer.text
    for qid in queries:
        assert answer.json()[qid]["result"][0]["id"] == HIKVISION, qid
    assert answer.json()["q3"]["result"][0]["score"] == 100.0


def test_suggest_honours_the_cursor_finds_ids_and_offers_every_matcher_property(service: Service) -> None:
    headers = service.headers("viewer")

    def suggest(kind: str, **params: Any) -> list[dict[str, Any]]:
        got = service.client.get(f"/reconcile/default/suggest/{kind}", params=params, headers=headers)
        assert got.status_code == 200, got.text
        result: list[dict[str, Any]] = got.json()["result"]
        return result

    first = suggest("entity", prefix="hik", limit=3)
    second = suggest("entity", prefix="hik", limit=3, cursor=3)
    assert len(first) == 3 and second and not {r["id"] for r in first} & {r["id"] for r in second}
    assert suggest("entity", prefix=HIKVISION)[0]["id"] == HIKVISION
    properties = {p["id"] for p in suggest("property", prefix="")}
    assert {"country", "jurisdiction", "registrationNumber", "leiCode", "birthDate", "alias"} <= properties
