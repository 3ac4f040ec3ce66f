"""The reconciliation service against the Reconciliation Service API 0.2's own JSON Schemas and
example query batches (copied unchanged into tests/fixtures/reconciliation/; its README gives the
source, commits and licence): the manifest with and without a key, result batches, the suggest
answers, the data extension proposal and answer, and the spec's example batches posted the way
OpenRefine posts them (a ``queries`` form field holding JSON, to the URL with ``?api_key=KEY``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jsonschema_rs
import pytest
from conftest import REPO

pytest.importorskip("fastapi")
from support.service import Service, open_service  # noqa: E402

SPEC = REPO / "tests" / "fixtures" / "reconciliation"
SCHEMAS = SPEC / "0.2" / "schemas"
BASE = "https://reconciliation-api.github.io/specs/0.2/schemas/"  # the schemas' $id base
SWAGGER_SECURITY = "http://swagger.io/v2/schema.json#/definitions/securityDefinitions/additionalProperties"
#: Stands in for the manifest's ``authentication`` $ref (Swagger 2.0's security schemes, not available
#: offline): Swagger 2.0's API key scheme, the one a key-protected service declares
API_KEY_SCHEME: dict[str, Any] = {
    "type": "object",
    "required": ["type", "name", "in"],
    "properties": {
        "type": {"enum": ["apiKey"]},
        "name": {"type": "string"},
        "in": {"enum": ["query", "header"]},
        "description": {"type": "string"},
    },
    "patternProperties": {"^x-": {}},
    "additionalProperties": False,
}
#: 0.2 has no schema for a data extension property proposal; this one says what the spec's prose says
#: ("Data Extension Property Proposals"): the proposed properties (id and name, non-empty strings),
#: the type identifier supplied in the query and, optionally, the requested limit
PROPOSAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["properties", "type"],
    "properties": {
        "type": {"type": "string"},
        "limit": {"type": "integer"},
        "properties": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "name": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}
HIKVISION = "us-ofac-nonsdn-30946"


def _load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    schema.pop("$schema", None)  # the unversioned http://json-schema.org/schema#: draft 7 is used
    return schema


def _retrieve(uri: str) -> dict[str, Any]:
    """The schemas' relative references (``type.json``), from the copies; nothing from the network."""
    if not uri.startswith(BASE) or not (SCHEMAS / uri.removeprefix(BASE)).is_file():
        raise ValueError(f"no offline copy of {uri}")
    return _load(uri.removeprefix(BASE))


@cache
def _validator(name: str) -> Any:
    if name == "proposal":
        return jsonschema_rs.Draft7Validator(PROPOSAL_SCHEMA)
    if name == "security-scheme":
        return jsonschema_rs.Draft7Validator(API_KEY_SCHEME)
    schema = _load(name)
    if name == "manifest.json":
        assert schema["properties"]["authentication"] == {"$ref": SWAGGER_SECURITY}
        schema["properties"]["authentication"] = API_KEY_SCHEME
    return jsonschema_rs.Draft7Validator(schema, retriever=_retrieve)


def errors(name: str, instance: Any) -> list[str]:
    """What ``name`` (a schema file, or "proposal" / "security-scheme") finds wrong with ``instance``."""
    return [
        f"/{'/'.join(map(str, e.instance_path))}: {e.message}" for e in _validator(name).iter_errors(instance)
    ]


def assert_valid(name: str, instance: Any) -> None:
    found = errors(name, instance)
    assert not found, f"not a valid {name}: " + "; ".join(found[:10])


def _examples(kind: str) -> list[Path]:
    return sorted(SPEC.glob(f"*/examples/{kind}/*/*.json"))


def _rel(path: Path) -> str:
    return path.relative_to(SPEC).as_posix()


@pytest.fixture(scope="module")
def service(screener: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from open_service(screener, tmp_path_factory.mktemp("reconcile-spec"))


@pytest.fixture(scope="module")
def key(service: Service) -> str:
    return service.keys["viewer"]


@pytest.fixture(scope="module")
def manifest(service: Service, key: str) -> dict[str, Any]:
    """The manifest OpenRefine keeps: fetched from the URL the user entered, key included."""
    got = service.client.get(f"/reconcile/default?api_key={key}")
    assert got.status_code == 200, got.text
    answer: dict[str, Any] = got.json()
    return answer


def _link(metadata: dict[str, str], **params: Any) -> str:
    """A manifest's service_url + service_path (which may carry ``?token=``) with ``params`` added."""
    url = metadata["service_url"] + metadata["service_path"]
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _reconcile(service: Service, key: str, batch_text: str) -> Any:
    return service.client.post(f"/reconcile/default?api_key={key}", data={"queries": batch_text})


# -- the schemas as loaded here judge the spec's own examples as the spec does ----------------------


@pytest.mark.parametrize(
    ("kind", "schema"),
    [
        ("manifest", "manifest.json"),
        ("security-scheme", "security-scheme"),
        ("reconciliation-query-batch", "reconciliation-query-batch.json"),
        ("reconciliation-result-batch", "reconciliation-result-batch.json"),
    ],
)
def test_the_loaded_schemas_judge_the_specs_examples_as_the_spec_does(kind: str, schema: str) -> None:
    examples = _examples(kind)
    assert examples, f"no {kind} examples under {SPEC}"
    for path in examples:
        found = errors(schema, json.loads(path.read_text(encoding="utf-8")))
        if path.parent.name == "valid":
            assert not found, f"{_rel(path)}: {found}"
        else:
            assert found, f"{_rel(path)} is an invalid example but passes {schema}"


# -- the service's answers --------------------------------------------------------------------------


def test_the_manifest_with_and_without_a_key_is_a_valid_manifest(
    service: Service, manifest: dict[str, Any]
) -> None:
    anonymous = service.client.get("/reconcile/default")
    assert anonymous.status_code == 200
    for answer in (anonymous.json(), manifest):
        assert_valid("manifest.json", answer)
        assert answer["versions"] == ["0.2"]
        assert answer["authentication"] == answer["authentication"] | {"type": "apiKey", "name": "api_key"}
    assert "token=" not in json.dumps(anonymous.json()) and "token=" in manifest["preview"]["url"]


def test_a_batch_answers_a_valid_result_batch_for_each_query(service: Service, key: str) -> None:
    batch = {
        "q0": {"query": "Hangzhou Hikvision Digital Technology", "type": "Company", "type_strict": "should"},
        "q1": {"query": "Hikvision", "type": ["Company", "Organization"], "limit": 1},
        "q2": {"query": "zzqx qwv nothing like this 12345"},  # no candidate
        "q3": {"query": HIKVISION},  # an id as the query
        "q4": {
            "query": "Hikvision",
            "properties": [{"pid": "country", "v": ["cn", {"id": "cn", "name": "China"}]}],
        },
        "q5": {"properties": [{"pid": "country", "v": "cn"}]},  # 0.2: `query` is optional
    }
    assert_valid("reconciliation-query-batch.json", batch)
    got = _reconcile(service, key, json.dumps(batch))
    assert got.status_code == 200, got.text
    answer = got.json()
    assert_valid("reconciliation-result-batch.json", answer)
    assert answer.keys() == batch.keys()  # indexed by the query batch's identifiers
    for qid, query in batch.items():
        scores = [c["score"] for c in answer[qid]["result"]]
        assert scores == sorted(scores, reverse=True), qid  # SHOULD be sorted by decreasing score
        assert len(scores) <= query.get("limit", len(scores)), qid
    assert answer["q0"]["result"][0]["id"] == HIKVISION
    assert answer["q2"]["result"] == []
    assert answer["q3"]["result"][0]["id"] == HIKVISION
    # the GET form (SHOULD): the same batch in a `queries` query string parameter
    by_get = service.client.get(
        "/reconcile/default?" + urlencode({"api_key": key, "queries": json.dumps(batch)})
    )
    assert by_get.status_code == 200, by_get.text
    assert_valid("reconciliation-result-batch.json", by_get.json())


def test_the_suggest_answers_are_valid(service: Service, manifest: dict[str, Any]) -> None:
    suggest = manifest["suggest"]

    def get(kind: str, **params: Any) -> dict[str, Any]:
        got = service.client.get(_link(suggest[kind], **params))  # as OpenRefine: the manifest's link
        assert got.status_code == 200, got.text
        answer: dict[str, Any] = got.json()
        return answer

    for prefix in ("hik", HIKVISION, "zzqx nothing"):
        assert_valid("suggest-entities-response.json", get("entity", prefix=prefix))
    assert get("entity", prefix=HIKVISION)["result"][0]["id"] == HIKVISION
    assert_valid("suggest-entities-response.json", get("entity", prefix="hik", cursor=3))
    for prefix in ("", "Comp", "zzqx"):
        assert_valid("suggest-types-response.json", get("type", prefix=prefix))
    assert get("type", prefix="Comp")["result"]
    for prefix in ("", "coun", "zzqx"):
        assert_valid("suggest-properties-response.json", get("property", prefix=prefix))
    assert get("property", prefix="coun")["result"]


def test_data_extension_proposal_and_answer_are_valid(
    service: Service, key: str, manifest: dict[str, Any]
) -> None:
    proposed = service.client.get(_link(manifest["extend"]["propose_properties"], type="Company"))
    assert proposed.status_code == 200, proposed.text
    assert_valid("proposal", proposed.json())
    assert proposed.json()["type"] == "Company"  # the type identifier supplied in the query
    offered = [p["id"] for p in proposed.json()["properties"]]
    assert {"lists", "risk"} <= set(offered)

    ids = [HIKVISION, "us_ofac_nonsdn:30946", "nope-1"]
    for props in (["lists", "risk"], offered):  # OpenRefine's two columns, then every proposed one
        extend = {"ids": ids, "properties": [{"id": p} for p in props]}
        assert_valid("data-extension-query.json", extend)
        got = service.client.post(f"/reconcile/default?api_key={key}", data={"extend": json.dumps(extend)})
        assert got.status_code == 200, got.text
        answer = got.json()
        assert_valid("data-extension-response.json", answer)
        assert [m["id"] for m in answer["meta"]] == props
        assert answer["rows"].keys() == set(ids)  # a row per requested id, a column per property
        assert all(row.keys() == set(props) for row in answer["rows"].values())
    assert answer["rows"][HIKVISION]["risk"] == [{"str": "high"}]
    # the GET form (SHOULD): `extend` in the query string
    by_get = service.client.get(
        "/reconcile/default?" + urlencode({"api_key": key, "extend": json.dumps(extend)})
    )
    assert by_get.status_code == 200, by_get.text
    assert_valid("data-extension-response.json", by_get.json())


# -- the spec's example query batches, posted as OpenRefine posts them --------------------------------


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=_rel(p)) for p in _examples("reconciliation-query-batch")],
)
def test_the_specs_example_batches(service: Service, key: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    batch = json.loads(text)
    got = _reconcile(service, key, text)  # the example's own text, as the form field
    if path.parent.name == "invalid":
        assert errors("reconciliation-query-batch.json", batch)
        assert got.status_code == 400, f"{got.status_code}: {got.text}"
        return
    assert_valid("reconciliation-query-batch.json", batch)  # (a 0.1 example: valid in 0.2 as well)
    assert got.status_code == 200, got.text
    assert_valid("reconciliation-result-batch.json", got.json())
    assert got.json().keys() == batch.keys()
