"""The HTTP service on the embedded lists: yente-format matching, OpenRefine reconciliation, file and
record screening, decisions, keys and roles, limits, and the web UI's forms."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from support.service import Service, open_service  # noqa: E402

from supplyscreen.api import Settings, create_app  # noqa: E402
from supplyscreen.cases import Cases  # noqa: E402

HIKVISION = "us-ofac-nonsdn-30946"  # the API's FollowTheMoney id (api/ids.py)
HIKVISION_KEY = "us_ofac_nonsdn:30946"  # its list key: in screening results, decisions and reports


@pytest.fixture(scope="module")
def service(screener: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from open_service(screener, tmp_path_factory.mktemp("service"))


@pytest.fixture
def fresh(screener: Any, tmp_path: Path) -> Iterator[Service]:
    yield from open_service(screener, tmp_path / "service")


def _match(service: Service, body: dict[str, Any], query: str = "", role: str = "viewer") -> Any:
    return service.client.post(f"/match/default{query}", json=body, headers=service.headers(role))


def test_yente_match_finds_hikvision_in_yente_format(service: Service) -> None:
    body = {
        "queries": {"q1": {"schema": "Company", "properties": {"name": ["HIKVISION"], "country": ["cn"]}}}
    }
    response = _match(service, body)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"responses", "matcher", "limit"} and data["limit"] == 5
    q1 = data["responses"]["q1"]
    assert q1["status"] == 200
    assert q1["query"] == {
        "id": None,
        "schema": "Company",
        "properties": {"name": ["HIKVISION"], "country": ["cn"]},
    }
    # yente counts the matches, not the results returned
    assert q1["total"] == {"value": sum(r["match"] for r in q1["results"]), "relation": "eq"}
    assert all(r["match"] == (r["score"] >= 0.83) for r in q1["results"])
    top = q1["results"][0]
    assert top["id"] == HIKVISION
    assert top["caption"] == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert top["schema"] == "Organization" and top["match"] is True and top["score"] == 1.0
    assert {"us_bis_entity_list", "us_fcc_covered", "us_ndaa_889"} <= set(top["datasets"])
    assert "杭州海康威视数字技术股份有限公司" in top["properties"]["alias"]
    assert top["features"]["name_match"] == 1.0
    assert set(top["explanations"]["name_match"]) == {"score", "detail"}
    assert data["matcher"]["name"] == "supplyscreen-v1"


def test_match_parameters_limit_threshold_and_algorithm(service: Service) -> None:
    body = {"queries": {"a": {"schema": "Company", "properties": {"name": "Hikvision USA"}}}}
    loose = _match(service, body, "?limit=2&threshold=0.5").json()["responses"]["a"]["results"]
    assert len(loose) == 2 and loose[0]["caption"] == "Hikvision USA Inc." and loose[0]["match"]
    strict = _match(service, body, "?threshold=1.0").json()["responses"]["a"]["results"]
    assert strict and not any(r["match"] for r in strict if r["score"] < 1.0)
    assert _match(service, body, "?algorithm=best").status_code == 200
    bad = _match(service, body, "?algorithm=logic-v9")
    assert bad.status_code == 400 and "unknown algorithm 'logic-v9'" in bad.json()["detail"]
    assert (
        _match(service, {"queries": {"a": {"schema": "Ship", "properties": {"name": "x"}}}}).status_code
        == 400
    )


def test_each_list_is_a_dataset_of_its_own(service: Service) -> None:
    body = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Hikvision"]}}}}
    on_fcc = service.client.post("/match/us_fcc_covered", json=body, headers=service.headers()).json()
    results = on_fcc["responses"]["q"]["results"]
    assert results and all("us_fcc_covered" in r["datasets"] for r in results)
    on_un = service.client.post("/match/un_sc", json=body, headers=service.headers()).json()
    assert on_un["responses"]["q"]["results"] == []
    missing = service.client.post("/match/no_such_list", json=body, headers=service.headers())
    assert missing.status_code == 404
    catalog = service.client.get("/catalog", headers=service.headers()).json()
    names = [d["name"] for d in catalog["datasets"]]
    assert names[:2] == ["default", "sanctions"] and {"us_fcc_covered", "us_bis_entity_list"} <= set(names)
    assert catalog["datasets"][0]["children"] == catalog["datasets"][1]["children"] == names[2:]


def test_search_entities_and_algorithms(service: Service) -> None:
    found = service.client.get("/search/default?q=Dahua%20Technology", headers=service.headers()).json()
    assert "dahua technology" in found["results"][0]["caption"].lower()
    entity = service.client.get(f"/entities/{HIKVISION}", headers=service.headers()).json()
    assert entity["id"] == HIKVISION
    sanctions = entity["properties"]["sanctions"]
    assert any(s["datasets"] == ["us_ndaa_889"] for s in sanctions)
    assert service.client.get("/entities/nope:1", headers=service.headers()).status_code == 404
    algorithms = service.client.get("/algorithms", headers=service.headers()).json()
    assert algorithms["default"] == algorithms["best"] == "supplyscreen-v1"


def test_reconciliation_manifest_and_batch_follow_the_spec(service: Service) -> None:
    manifest = service.client.get("/reconcile/default", headers=service.headers()).json()
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"].endswith("/entities/") and manifest["schemaSpace"]
    assert {"id": "Company", "name": "Company"} in manifest["defaultTypes"]
    assert "/entities/{{id}}?token=" in manifest["view"]["url"]  # a reading token, never the key
    assert manifest["suggest"]["entity"]["service_path"].startswith("/suggest/entity?token=")
    queries = {
        "q0": {"query": "Hikvision", "type": "Company", "limit": 3},
        "q1": {
            "query": "Xinjiang Production and Construction Corps",
            "properties": [{"pid": "country", "v": "cn"}],
        },
        "q2": {"query": "Green Valley Office Furniture"},
    }
    answer = service.client.post(
        "/reconcile/default", data={"queries": json.dumps(queries)}, headers=service.headers()
    ).json()
    assert set(answer) == {"q0", "q1", "q2"}
    first = answer["q0"]["result"][0]
    assert first["id"] == HIKVISION and first["match"] is True and first["score"] == 100.0
    assert first["type"] == [{"id": "Organization", "name": "Organization"}]
    assert len(answer["q0"]["result"]) <= 3
    assert "XINJIANG PRODUCTION AND CONSTRUCTION CORPS" in [r["name"] for r in answer["q1"]["result"]]
    assert not any(r["match"] for r in answer["q2"]["result"])
    as_json = service.client.post(
        "/reconcile/default", json={"queries": {"q0": {"query": "Hikvision"}}}, headers=service.headers()
    ).json()
    assert as_json["q0"]["result"][0]["id"] == HIKVISION
    suggest = service.client.get(
        "/reconcile/default/suggest/entity?prefix=hikvis", headers=service.headers()
    ).json()
    assert suggest["prefix"] == "hikvis" and HIKVISION in [r["id"] for r in suggest["result"]]
    assert (
        service.client.post(
            "/reconcile/default", data={"queries": "{not json"}, headers=service.headers()
        ).status_code
        == 400
    )


def test_api_key_in_query_string_serves_openrefine_and_is_never_echoed(service: Service) -> None:
    key = service.keys["viewer"]
    manifest = service.client.get(f"/reconcile/default?api_key={key}")
    assert manifest.status_code == 200 and key not in manifest.text
    path = manifest.json()["suggest"]["entity"]["service_path"]
    token = path.split("token=", 1)[1]
    # the token reads suggestions, previews and entities (what OpenRefine opens without a header) …
    found = service.client.get(f"/reconcile/default/suggest/entity?prefix=hikvis&token={token}")
    assert found.status_code == 200 and HIKVISION in [r["id"] for r in found.json()["result"]]
    assert service.client.get(f"/entities/{HIKVISION}?token={token}").status_code == 200
    # … and nothing else: no matching, no batch, no forged or altered token
    body = {"queries": {"q": {"schema": "Company", "properties": {"name": "x"}}}}
    assert service.client.post(f"/match/default?token={token}", json=body).status_code == 401
    assert service.client.get(f"/reconcile/default?token={token}&queries=%7B%7D").status_code == 401
    assert service.client.get(f"/entities/{HIKVISION}?token={token[:-1]}x").status_code == 401
    batch = service.client.post(
        f"/reconcile/default?api_key={key}", data={"queries": json.dumps({"q": {"query": "Hikvision"}})}
    )
    assert batch.json()["q"]["result"][0]["id"] == HIKVISION


def test_a_revoked_keys_reading_token_stops_working(fresh: Service) -> None:
    key = fresh.cases.accounts.create_key("viewer", label="openrefine")
    path = fresh.client.get(f"/reconcile/default?api_key={key}").json()["suggest"]["entity"]["service_path"]
    url = f"/reconcile/default{path}&prefix=hik"
    assert fresh.client.get(url).status_code == 200
    assert fresh.cases.accounts.revoke_key(key[:8]) == 1
    fresh.client.app.state.service.auth._keys.clear()  # type: ignore[attr-defined]
    assert fresh.client.get(url).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/match/default"),
        ("get", "/search/default?q=x"),
        ("get", f"/entities/{HIKVISION}"),
        ("get", "/catalog"),
        ("get", "/algorithms"),
        ("get", "/reconcile/default?queries=%7B%7D"),
        ("get", "/reconcile/default/suggest/entity?prefix=hik"),
        ("post", "/screen/records"),
        ("get", "/lists"),
        ("get", "/audit"),
        ("post", "/decisions"),
        ("get", "/jobs/x"),
    ],
)
def test_requests_without_a_key_get_401(service: Service, method: str, path: str) -> None:
    response = getattr(service.client, method)(path)
    assert response.status_code == 401
    assert "ApiKey" in response.json()["detail"]
    wrong = getattr(service.client, method)(path, headers={"Authorization": "ApiKey not-a-key"})
    assert wrong.status_code == 401


def test_health_needs_no_key(service: Service) -> None:
    assert service.client.get("/healthz").json() == {"status": "ok"}
    assert service.client.get("/readyz").json() == {"status": "ok", "problems": []}


def test_roles_viewer_cannot_decide_and_only_admin_reads_the_audit_log(service: Service) -> None:
    decision = {
        "entity_id": HIKVISION,
        "status": "false_positive",
        "name": "Hik Vision Farms",
        "comment": "x",
    }
    refused = service.client.post("/decisions", json=decision, headers=service.headers("viewer"))
    assert refused.status_code == 403 and "reviewer role" in refused.json()["detail"]
    assert service.client.get("/audit", headers=service.headers("reviewer")).status_code == 403
    assert service.client.get("/audit", headers=service.headers("admin")).status_code == 200


def test_screen_records_answers_like_the_cli_jsonl(service: Service) -> None:
    records = [
        {
            "id": "PO-1",
            "name": "Hangzhou Hikvision Digital Tech Co Ltd",
            "country": "CN",
            "description": "camera",
        },
        {"id": "PO-2", "name": "Green Valley Office Furniture", "description": "Ergonomic office chairs"},
        {"id": "PO-3", "name": "Metro Electronics", "description": "HiLook 8-channel network video recorder"},
    ]
    data = service.client.post("/screen/records", json={"records": records}, headers=service.headers()).json()
    assert data["risks"] == {"high": 2, "review": 0, "clear": 1}
    first, second, third = data["results"]
    assert set(first) >= {"row", "record", "risk", "flags", "hits", "list_snapshot"}
    assert first["record"] == records[0] and first["risk"] == "high"
    assert {"restricted_party", "covered_equipment"} <= {f["code"] for f in first["flags"]}
    assert first["hits"][0]["entity_id"] == HIKVISION_KEY
    assert second["risk"] == "clear" and second["flags"] == []
    assert [f["code"] for f in third["flags"]] == ["covered_equipment"]
    too_many = {"records": [{"name": "x"}] * 1001}
    assert service.client.post("/screen/records", json=too_many, headers=service.headers()).status_code == 422


def test_file_job_reports_progress_and_every_result_format(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:

    with open(EXAMPLE, "rb") as fh:
        started = service.client.post(
            "/screen",
            files={"file": ("purchase_orders.csv", fh, "text/csv")},
            headers=service.headers("viewer"),
        )
    assert started.status_code == 202
    job = service.wait(started.json()["id"])
    assert job["status"] == "done" and job["rows_done"] == 24
    assert job["summary"]["by_risk"] == {"high": 13, "review": 0, "clear": 11}
    assert job["summary"]["mapping"]["funding"] == "funding_source"
    roles = {c["column"]: c["role"] for c in job["summary"]["columns"]}
    assert roles[job["summary"]["mapping"]["name"]] == "name" and roles["funding_source"] == "funding"
    assert roles["quantity"] == roles["buyer"] == "read by detectors only"
    for fmt, marker in (
        ("csv", b"po_number"),
        ("xlsx", b"PK"),
        ("jsonl", b'{"row": 1'),
        ("html", b"<!doctype html"),
    ):
        response = service.client.get(f"/jobs/{job['id']}/result?format={fmt}", headers=service.headers())
        assert response.status_code == 200, fmt
        assert marker in response.content[:4000].lower() or response.content.startswith(marker), fmt
    csv_text = service.client.get(f"/jobs/{job['id']}/result?format=csv", headers=service.headers()).text
    assert csv_text.count("\n") == 25 and "Hangzhou Hikvision Digital Technology Co., Ltd." in csv_text
    rows = service.client.get(f"/jobs/{job['id']}/rows", headers=service.headers()).json()
    assert rows["total"] == 17 and rows["rows"][0]["row"] == 1
    assert service.client.get("/jobs/unknown/result", headers=service.headers()).status_code == 404


def test_decision_suppresses_the_pair_in_the_next_api_screening(fresh: Service) -> None:
    record = {"name": "DAHUA ELECTRONICS CORPORATION", "address": "136-20 38th Ave, Flushing, NY 11354"}
    before = fresh.client.post("/screen/records", json={"records": [record]}, headers=fresh.headers()).json()
    hit = before["results"][0]["hits"][0]
    assert before["results"][0]["risk"] == "high"
    decision = {
        "entity_id": hit["entity_id"],
        "status": "false_positive",
        "name": record["name"],
        "comment": "cable shop",
    }
    made = fresh.client.post("/decisions", json=decision, headers=fresh.headers("reviewer"))
    assert made.status_code == 201 and made.json()["note"].startswith("cleared by key:")
    after = fresh.client.post("/screen/records", json={"records": [record]}, headers=fresh.headers()).json()
    flags = after["results"][0]["flags"]
    cleared = [f for f in flags if f["evidence"].get("entity_id") == hit["entity_id"]]
    assert cleared and cleared[0]["severity"] == "info" and "cable shop" in cleared[0]["reason"]
    assert after["results"][0]["hits"][0]["entity_id"] == hit["entity_id"]
    listed = fresh.client.get("/decisions", headers=fresh.headers("viewer")).json()["decisions"]
    assert listed[0]["status"] == "false_positive" and listed[0]["entity_id"] == hit["entity_id"]
    fresh.client.app.state.service.audit.flush()  # type: ignore[attr-defined]
    actions = [r.action for r in fresh.cases.audit.rows()]
    assert actions == ["screening", "decision", "screening"]


def test_a_decision_is_logged_after_the_look_ups_queued_before_it(
    fresh: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the audit writer is slow (a busy database): a decision, written at once, still comes after
    # the screening queued before it (this failed under load: decision, screening)
    writer = fresh.client.app.state.service.audit  # type: ignore[attr-defined]
    write = writer._write

    def slow(events: Any) -> None:
        time.sleep(0.5)
        write(events)

    monkeypatch.setattr(writer, "_write", slow)
    record = {"name": "DAHUA ELECTRONICS CORPORATION"}
    hit = fresh.client.post("/screen/records", json={"records": [record]}, headers=fresh.headers()).json()
    decision = {
        "entity_id": hit["results"][0]["hits"][0]["entity_id"],
        "status": "confirmed",
        "name": record["name"],
    }
    assert (
        fresh.client.post("/decisions", json=decision, headers=fresh.headers("reviewer")).status_code == 201
    )
    writer.flush()
    assert [r.action for r in fresh.cases.audit.rows()] == ["screening", "decision"]


def test_matches_are_audited_in_batches_and_the_export_is_admin_only(fresh: Service) -> None:
    body = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Huawei Technologies"]}}}}
    for _ in range(20):
        assert _match(fresh, body).status_code == 200
    export = fresh.client.get("/audit?format=jsonl", headers=fresh.headers("admin"))
    rows = [json.loads(line) for line in export.text.splitlines()]
    assert len(rows) == 20 and {r["action"] for r in rows} == {"match"}
    assert json.loads(rows[0]["payload"])["queries"]["q"]["names"] == ["Huawei Technologies"]
    assert fresh.cases.audit.verify().ok
    as_csv = fresh.client.get("/audit?format=csv&since=18", headers=fresh.headers("admin")).text.splitlines()
    assert as_csv[0].startswith("seq,ts,user,action") and len(as_csv) == 3


def test_rate_limit_answers_429_per_key(screener: Any, tmp_path: Path) -> None:
    for service in open_service(screener, tmp_path, rate_limit=1.0, rate_burst=3.0):
        codes = [
            service.client.get("/algorithms", headers=service.headers("viewer")).status_code for _ in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]
        limited = service.client.get("/algorithms", headers=service.headers("viewer"))
        assert int(limited.headers["retry-after"]) >= 1
        assert service.client.get("/algorithms", headers=service.headers("admin")).status_code == 200


def test_uploads_over_the_limit_get_413(screener: Any, tmp_path: Path) -> None:
    for service in open_service(screener, tmp_path, max_upload_bytes=1000):
        big = b"vendor,description\n" + b"Acme,widgets\n" * 20_000
        response = service.client.post(
            "/screen", files={"file": ("big.csv", big, "text/csv")}, headers=service.headers()
        )
        assert response.status_code == 413 and "too large" in response.json()["detail"]


def test_errors_never_show_a_stack_trace(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    state = service.client.app.state.service  # type: ignore[attr-defined]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(state, "match", broken)
    client = TestClient(service.client.app, raise_server_exceptions=False)
    response = client.post(
        "/match/default",
        json={"queries": {"q": {"schema": "Company", "properties": {"name": "x"}}}},
        headers=service.headers(),
    )
    assert response.status_code == 500
    assert re.fullmatch(r"internal error \(reference [0-9a-f]{12}\)", response.json()["detail"])
    assert "Traceback" not in response.text and "passwd" not in response.text


def _sign_in(service: Service, user: str, password: str) -> str:
    page = service.client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = service.client.post(
        "/ui/login",
        data={"username": user, "password": password, "csrf_token": token.group(1), "next": "/ui/"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/ui/"
    home = service.client.get("/ui/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert csrf is not None
    return csrf.group(1)


def test_web_forms_need_the_csrf_token_and_the_review_flow_works(fresh: Service) -> None:
    assert fresh.client.get("/ui/", follow_redirects=False).headers["location"].startswith("/ui/login")
    csrf = _sign_in(fresh, "rita", "reviewer-password")
    with open(EXAMPLE, "rb") as fh:
        content = fh.read()
    forged = fresh.client.post(
        "/ui/upload", files={"file": ("po.csv", content, "text/csv")}, follow_redirects=False
    )
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    uploaded = fresh.client.post(
        "/ui/upload",
        files={"file": ("po.csv", content, "text/csv")},
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    job_id = uploaded.headers["location"].rsplit("/", 1)[-1]
    fresh.wait(job_id)
    page = fresh.client.get(f"/ui/jobs/{job_id}").text
    assert 'id="flagged"' in page and "DAHUA ELECTRONICS CORPORATION" in page
    row = fresh.client.get(f"/ui/jobs/{job_id}/rows/21").text
    assert "Denied Persons" in row and 'href="http' in row and "82 F.R. 46480" in row
    entity_id = re.search(r'name="entity_id" value="([^"]+)"', row)
    assert entity_id is not None
    decided = fresh.client.post(
        "/ui/decisions",
        data={
            "csrf_token": csrf,
            "entity_id": entity_id.group(1),
            "name": "DAHUA ELECTRONICS CORPORATION",
            "status": "false_positive",
            "comment": "cable shop",
            "job_id": job_id,
            "row": "21",
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303 and "saved=false_positive" in decided.headers["location"]
    again = fresh.client.post(
        f"/ui/jobs/{job_id}/rescreen", data={"csrf_token": csrf}, follow_redirects=False
    )
    second = again.headers["location"].rsplit("/", 1)[-1]
    fresh.wait(second)
    table = fresh.client.get(f"/ui/jobs/{second}").text
    assert "cleared by rita on " in table and ": cable shop" in table
    lists = fresh.client.get("/ui/lists").text
    assert 'id="lists"' in lists and "us_bis_entity_list" in lists


def test_viewer_session_cannot_record_a_decision(fresh: Service) -> None:
    csrf = _sign_in(fresh, "vic", "viewer-password")
    response = fresh.client.post(
        "/ui/decisions",
        data={"csrf_token": csrf, "entity_id": HIKVISION, "name": "x", "status": "confirmed"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_openapi_spec_documents_the_yente_routes(service: Service) -> None:
    spec = service.client.get("/openapi.json").json()
    assert {
        "/match/{dataset}",
        "/search/{dataset}",
        "/entities/{entity_id}",
        "/screen",
        "/jobs/{job_id}",
    } <= set(spec["paths"])
    params = {p["name"] for p in spec["paths"]["/match/{dataset}"]["post"]["parameters"]}
    assert {"threshold", "limit", "algorithm", "dataset"} <= params


def test_the_api_docs_and_favicon_are_served_from_the_package_never_from_a_cdn(service: Service) -> None:
    page = service.client.get("/docs")
    assert page.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in page.text and "/docs-assets/swagger-ui.css" in page.text
    assert "cdn" not in page.text.lower() and "http" not in page.text.replace("http-equiv", "")
    script = service.client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    icon = service.client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/png"
    assert service.client.get("/redoc").status_code == 404  # ReDoc loads from a CDN: not offered


def test_a_lone_surrogate_is_refused_with_422_and_costs_no_other_lookup_its_audit_row(fresh: Service) -> None:
    """Issue 19, D1: "\\ud800x" in a name was a 500, and the audit writer then dropped its whole batch."""
    headers = {**fresh.headers("viewer"), "content-type": "application/json"}
    bad_match = b'{"queries":{"q":{"schema":"Company","properties":{"name":["\\ud800x"]}}}}'
    bad_records = b'{"records":[{"name":"\\ud800x"}]}'
    for n in range(20):
        _match(fresh, {"queries": {"q": {"schema": "Company", "properties": {"name": [f"Acme {n}"]}}}})
        if n == 10:
            for path, body in (("/match/default", bad_match), ("/screen/records", bad_records)):
                response = fresh.client.post(path, content=body, headers=headers)
                assert response.status_code == 422, (path, response.text)
                assert "not valid Unicode" in response.json()["detail"]
    fresh.client.app.state.service.audit.flush()  # type: ignore[attr-defined]
    queries = [json.loads(r.payload) for r in fresh.cases.audit.rows() if r.action == "match"]
    names = {
        n for q in queries for n in json.dumps(q, ensure_ascii=False).split('"') if n.startswith("Acme ")
    }
    assert names >= {f"Acme {n}" for n in range(20)}
    assert fresh.client.get("/readyz").status_code == 200
    assert fresh.cases.audit.verify().ok


def _upload(service: Service, role: str, name: str = "po.csv") -> str:
    with open(EXAMPLE, "rb") as fh:
        started = service.client.post(
            "/screen", files={"file": (name, fh, "text/csv")}, headers=service.headers(role)
        )
    assert started.status_code == 202, started.text
    job_id: str = started.json()["id"]
    return job_id


def test_a_job_is_seen_listed_and_downloaded_by_its_owner_and_admins_only(fresh: Service) -> None:
    """Issue 19, D13: any viewer could read and download every user's job; another's job is a 404."""
    mine = _upload(fresh, "viewer")
    assert fresh.wait(mine, role="viewer")["status"] == "done"
    for path in (f"/jobs/{mine}", f"/jobs/{mine}/result?format=csv", f"/jobs/{mine}/rows"):
        assert fresh.client.get(path, headers=fresh.headers("viewer")).status_code == 200, path
        assert fresh.client.get(path, headers=fresh.headers("admin")).status_code == 200, path
        other = fresh.client.get(path, headers=fresh.headers("reviewer"))
        assert other.status_code == 404 and "no job" in other.json()["detail"], path
    cancel = fresh.client.post(f"/jobs/{mine}/cancel", headers=fresh.headers("reviewer"))
    assert cancel.status_code == 404

    def listed(role: str) -> list[str]:
        return [j["id"] for j in fresh.client.get("/jobs", headers=fresh.headers(role)).json()["jobs"]]

    assert listed("viewer") == [mine] and listed("reviewer") == [] and listed("admin") == [mine]
    csrf = _sign_in(fresh, "vic", "viewer-password")
    uploaded = fresh.client.post(
        "/ui/upload",
        files={"file": ("vics.csv", EXAMPLE.read_bytes(), "text/csv")},
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    vics = uploaded.headers["location"].rsplit("/", 1)[-1]
    fresh.wait(vics)
    home = fresh.client.get("/ui/").text
    assert "vics.csv" in home and mine not in home
    assert fresh.client.get(f"/ui/jobs/{mine}").status_code == 404
    assert fresh.client.get(f"/ui/jobs/{mine}/rows/21").status_code == 404
    assert fresh.client.get(f"/jobs/{mine}/result?format=csv").status_code == 404
    assert fresh.client.get(f"/ui/jobs/{vics}").status_code == 200


def test_a_cancelled_job_stops_at_its_next_batch_and_a_queued_one_never_starts(
    fresh: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19, D14: jobs could not be cancelled; a stopped screening's .part files must not stay."""
    import threading

    from supplyscreen.api import jobs as jobs_module

    real = jobs_module.screen_file
    screened: list[Path] = []
    first_batch, release = threading.Event(), threading.Event()

    def gated(screener: Any, path: Path, out: Path, **options: Any) -> Any:
        screened.append(out.parent)
        on_rows = options.pop("on_rows")

        def held(n: int) -> None:  # the first batch is written; hold the job there until released
            first_batch.set()
            assert release.wait(30)
            on_rows(n)

        return real(screener, path, out, on_rows=held, **options)

    monkeypatch.setattr(jobs_module, "screen_file", gated)
    running = _upload(fresh, "viewer")
    assert first_batch.wait(30)
    queued = _upload(fresh, "viewer")
    folder = fresh.client.app.state.service.jobs_dir  # type: ignore[attr-defined]
    assert list((folder / running).glob(".result.jsonl.*.part"))  # being written
    assert (folder / running / "result.jsonl.partial").is_dir()  # the checkpoints
    answer = fresh.client.post(f"/jobs/{queued}/cancel", headers=fresh.headers("viewer"))
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    answer = fresh.client.post(f"/jobs/{running}/cancel", headers=fresh.headers("viewer"))
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    release.set()
    after = _upload(fresh, "viewer")  # runs once the other two have had their turn
    assert fresh.wait(after)["status"] == "done"
    job = fresh.wait(running)
    assert job["status"] == "cancelled" and job["error"] == "cancelled by " + job["user"]
    assert fresh.wait(queued)["status"] == "cancelled"
    assert screened == [folder / running, folder / after]  # the queued job never started
    for job_id in (running, queued):
        assert sorted(p.name for p in (folder / job_id).iterdir()) == ["input.csv", "options.json"]
        result = fresh.client.get(f"/jobs/{job_id}/result?format=csv", headers=fresh.headers("viewer"))
        assert result.status_code == 409
    again = fresh.client.post(f"/jobs/{after}/cancel", headers=fresh.headers("viewer"))
    assert again.status_code == 409 and "done" in again.json()["detail"]


def test_old_jobs_are_purged_and_a_killed_screenings_temporary_files_removed(
    screener: Any, tmp_path: Path
) -> None:
    """Issue 19, D14: jobs were kept for ever, and a killed JSONL screening left its .part files."""
    home = tmp_path / "service"
    cases = Cases.open(home=home)
    jobs = home / "jobs"

    def job(job_id: str, status: str, created: str) -> Path:
        cases.jobs.create(job_id, "vic", "po.csv", "v1")
        cases.jobs.update(job_id, status=status, created=created)
        (jobs / job_id).mkdir(parents=True)
        (jobs / job_id / "input.csv").write_text("name\nAcme\n")
        return jobs / job_id

    job("old", "done", "2020-01-01T00:00:00.000000Z")
    killed = job("killed", "running", "2099-01-01T00:00:00.000000Z")
    (killed / ".result.jsonl.x1y2.part").write_bytes(b"{}" * 1000)
    (killed / "result.jsonl.partial").mkdir()
    (killed / "result.jsonl.partial" / "000000.pickle").write_bytes(b"x")
    cases.accounts.add_user("vic", "viewer-password", "viewer")
    key = cases.accounts.create_key("admin")
    app = create_app(Settings(home=home), screener=screener, cases=cases)  # 30 days
    with TestClient(app) as client:
        assert cases.jobs.get("old") is None and not (jobs / "old").exists()
        interrupted = cases.jobs.get("killed")
        assert interrupted is not None and interrupted.status == "failed"
        assert sorted(p.name for p in killed.iterdir()) == ["input.csv"]
        job("later", "failed", "2021-06-01T00:00:00.000000Z")
        with open(EXAMPLE, "rb") as fh:
            started = client.post(
                "/screen",
                files={"file": ("po.csv", fh, "text/csv")},
                headers={"Authorization": f"ApiKey {key}"},
            )
        assert started.status_code == 202
        assert cases.jobs.get("later") is None and not (jobs / "later").exists()
        assert cases.jobs.get("killed") is not None


def test_signing_out_revokes_the_session_on_the_server(fresh: Service) -> None:
    """Issue 19, D15: sign-out only dropped the cookie; a copied cookie kept working."""
    from supplyscreen.api.security import SESSION_COOKIE

    csrf = _sign_in(fresh, "vic", "viewer-password")
    copied = fresh.client.cookies.get(SESSION_COOKIE)
    assert copied and fresh.client.get("/lists").status_code == 200
    out = fresh.client.post("/ui/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    fresh.client.cookies.set(SESSION_COOKIE, copied)
    assert fresh.client.get("/lists").status_code == 401
    page = fresh.client.get("/ui/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/ui/login")
    fresh.client.cookies.clear()
    _sign_in(fresh, "vic", "viewer-password")  # a new sign-in works again
    assert fresh.client.get("/lists").status_code == 200


def test_signed_in_pages_and_job_files_are_neither_cached_nor_referred(fresh: Service) -> None:
    """Issue 19, D16: authenticated pages had no Referrer-Policy and no Cache-Control."""
    job_id = _upload(fresh, "viewer")
    fresh.wait(job_id)
    _sign_in(fresh, "vic", "viewer-password")
    for path in ("/ui/", "/ui/lists", "/ui/login", f"/jobs/{job_id}/result?format=html"):
        response = fresh.client.get(path, headers=fresh.headers("viewer") if "result" in path else {})
        assert response.status_code == 200, path
        assert response.headers["referrer-policy"] == "no-referrer", path
        assert response.headers["cache-control"] == "no-store", path


def test_the_case_database_and_job_files_are_private_whatever_the_umask(
    screener: Any, tmp_path: Path
) -> None:
    """Issue 19, point 5: the SQLite file and the uploads were created with the umask's mode (0644)."""
    import os
    import stat

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    old = os.umask(0)
    try:
        for service in open_service(screener, tmp_path / "service"):
            job_id = _upload(service, "viewer")
            assert service.wait(job_id)["status"] == "done"
            for fmt in ("csv", "html"):
                got = service.client.get(f"/jobs/{job_id}/result?format={fmt}", headers=service.headers())
                assert got.status_code == 200
            home = tmp_path / "service"
            databases = [p for p in home.iterdir() if p.name.startswith("supplyscreen.db")]
            assert home / "supplyscreen.db" in databases and home / "supplyscreen.db-wal" in databases
            for path in databases:
                assert mode(path) == 0o600, path
            assert mode(home / "jobs") == mode(home / "jobs" / job_id) == 0o700
            files = list((home / "jobs" / job_id).iterdir())
            assert {"input.csv", "options.json", "result.jsonl", "result.csv", "result.html"} <= {
                p.name for p in files
            }
            for path in files:
                assert mode(path) == 0o600, path
    finally:
        os.umask(old)


def test_matching_requests_over_the_limit_get_503_with_retry_after_and_health_still_answers() -> None:
    """Issue 19, D12: admission control sheds load instead of letting every request wait longer."""
    import asyncio

    from supplyscreen.api.admission import Admission

    started = asyncio.Event()
    release = asyncio.Event()

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        started.set()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    gate = Admission(slow_app, limit=1)
    sent: list[dict[str, Any]] = []

    async def call(path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            out.append(message)

        await gate({"type": "http", "path": path, "method": "POST"}, None, send)
        return out

    async def scenario() -> None:
        first = asyncio.create_task(call("/match/default"))
        await started.wait()
        refused = await call("/match/default")  # the limit is reached: refused at once
        sent.extend(refused)
        health = asyncio.create_task(call("/healthz"))  # never counted, never refused
        release.set()
        await first
        sent.extend(await health)

    asyncio.run(scenario())
    start = sent[0]
    assert start["status"] == 503 and (b"retry-after", b"1") in start["headers"]
    assert b"busy" in sent[1]["body"]
    assert sent[2]["status"] == 200  # /healthz went through
    assert gate.inflight == 0 and gate.refused == 1
