"""Monitors over HTTP (issue: lists over time): a reviewer uploads a vendor master, anyone with a key
lists and reads it, a run with nothing new reports nothing, a user watchlist (a new list version)
makes a run report a new hit, marking it seen takes it out of the open changes and is audited, an
admin removes the monitor; roles, unknown names and bad parameters answer in the API's error format.
Also the Monitoring page of the web UI (the browser test is test_web_monitoring_browser.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from monitor_support import MASTER, add_watchlist, master_bytes, monitor_service, sign_in, upload  # noqa: E402
from support.service import Service  # noqa: E402

from supplyscreen.monitor.book import MonitorBook  # noqa: E402


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with monitor_service(tmp_path / "home") as running:
        yield running


def _audit(service: Service) -> list[dict[str, object]]:
    text = service.client.get("/audit?format=jsonl", headers=service.headers("admin")).text
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_monitor_is_added_listed_run_and_reports_a_new_hit_once(service: Service) -> None:
    added = upload(service)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["monitor"]["name"] == "vendors" and body["monitor"]["rows"] == 4
    assert body["monitor"]["file_name"] == "vendor_master.csv"
    assert body["edit"] == {
        "replaced": False,
        "rows": 4,
        "added": 0,
        "removed": 0,
        "changed": 0,
        "unchanged": 0,
    }
    baseline = body["baseline"]
    assert baseline["mode"] == "baseline" and baseline["changes"] == []
    assert baseline["stats"]["by_risk"].get("high") == 1  # Hikvision, on the FCC Covered List

    listed = service.client.get("/monitors", headers=service.headers("viewer"))
    assert listed.status_code == 200
    monitors = listed.json()["monitors"]
    assert [m["name"] for m in monitors] == ["vendors"]
    assert monitors[0]["open_changes"] == 0 and monitors[0]["last_run"]
    assert listed.json()["schedule"] == {"enabled": False}
    one = service.client.get("/monitors/vendors", headers=service.headers("viewer")).json()
    assert one["rows"] == 4 and [r["mode"] for r in one["runs"]] == ["baseline"]

    again = service.client.post("/monitors/vendors/run", headers=service.headers("reviewer"))
    assert again.status_code == 200, again.text
    assert again.json()["mode"] == "unchanged" and again.json()["changes"] == []
    changes = service.client.get("/monitors/vendors/changes", headers=service.headers("viewer"))
    assert changes.status_code == 200 and changes.json() == {"monitor": "vendors", "changes": []}

    version = add_watchlist(service_home(service))
    run = service.client.post("/monitors/vendors/run", headers=service.headers("reviewer")).json()
    assert run["list_version"] == version and run["mode"] == "incremental"
    [change] = run["changes"]
    assert change["change"] == "new_hit" and change["row"] == 3
    assert change["vendor"] == "Zorblax Industrial Holdings" and change["entity_id"] == "user_watch:W1"
    assert change["status"] == "open" and change["list_change"]["change"] == "added"
    quiet = service.client.post("/monitors/vendors/run", headers=service.headers("reviewer")).json()
    assert quiet["changes"] == []  # reported once

    opened = service.client.get("/monitors/vendors/changes?status=open", headers=service.headers()).json()
    assert [c["id"] for c in opened["changes"]] == [change["id"]]
    assert (
        service.client.get("/monitors", headers=service.headers()).json()["monitors"][0]["open_changes"] == 1
    )
    seen_url = f"/monitors/vendors/changes/{change['id']}/seen"
    assert service.client.post(seen_url, headers=service.headers("viewer")).status_code == 403
    seen = service.client.post(seen_url, headers=service.headers("reviewer"))
    assert seen.status_code == 200 and seen.json()["status"] == "seen"
    assert (
        service.client.get("/monitors/vendors/changes?status=open", headers=service.headers()).json()[
            "changes"
        ]
        == []
    )
    was_seen = service.client.get("/monitors/vendors/changes?status=seen", headers=service.headers()).json()
    assert [c["id"] for c in was_seen["changes"]] == [change["id"]]
    unknown = service.client.post("/monitors/vendors/changes/99999/seen", headers=service.headers("reviewer"))
    assert unknown.status_code == 404 and "99999" in unknown.json()["detail"]

    rows = _audit(service)
    marked = [r for r in rows if r["action"] == "monitor_change_seen"]
    assert len(marked) == 1
    payload = json.loads(str(marked[0]["payload"]))
    assert payload["change"] == change["id"] and payload["monitor"] == "vendors" and payload["row"] == 3
    assert {"monitor_add", "monitor_run", "monitor_change"} <= {r["action"] for r in rows}


def service_home(service: Service) -> Path:
    home: Path = service.client.app.state.service.settings.home  # type: ignore[attr-defined]
    return home


def test_since_filters_changes_and_a_malformed_one_is_400(service: Service) -> None:
    upload(service)
    add_watchlist(service_home(service))
    service.client.post("/monitors/vendors/run", headers=service.headers("reviewer"))
    get = service.client.get
    assert (
        len(get("/monitors/vendors/changes?since=2000-01-01", headers=service.headers()).json()["changes"])
        == 1
    )
    later = get("/monitors/vendors/changes?since=2999-01-01T00:00:00Z", headers=service.headers()).json()
    assert later["changes"] == []
    assert (
        len(get("/monitors/vendors/changes?status=unseen", headers=service.headers()).json()["changes"]) == 1
    )
    bad = get("/monitors/vendors/changes?since=yesterday", headers=service.headers())
    assert bad.status_code == 400 and "ISO 8601" in bad.json()["detail"]
    assert get("/monitors/vendors/changes?status=maybe", headers=service.headers()).status_code == 422


def test_roles_keys_and_unknown_monitors(service: Service) -> None:
    assert upload(service, role="viewer").status_code == 403
    no_key = service.client.post(
        "/monitors", files={"file": ("m.csv", master_bytes(), "text/csv")}, data={"name": "vendors"}
    )
    assert no_key.status_code == 401 and "detail" in no_key.json()
    for path in ("/monitors", "/monitors/vendors", "/monitors/vendors/changes"):
        assert service.client.get(path).status_code == 401
    for path in ("/monitors/nope", "/monitors/nope/changes"):
        answer = service.client.get(path, headers=service.headers("viewer"))
        assert answer.status_code == 404 and answer.json() == {"detail": "no monitor named 'nope'"}
    assert service.client.post("/monitors/nope/run", headers=service.headers("reviewer")).status_code == 404
    assert (
        service.client.post("/monitors/nope/changes/1/seen", headers=service.headers("reviewer")).status_code
        == 404
    )
    assert service.client.delete("/monitors/nope", headers=service.headers("admin")).status_code == 404

    assert upload(service).status_code == 201
    assert service.client.post("/monitors/vendors/run", headers=service.headers("viewer")).status_code == 403
    assert service.client.delete("/monitors/vendors", headers=service.headers("reviewer")).status_code == 403
    removed = service.client.delete("/monitors/vendors", headers=service.headers("admin"))
    assert removed.status_code == 200 and removed.json()["removed"] == "vendors"
    assert service.client.get("/monitors/vendors", headers=service.headers()).status_code == 404
    assert "monitor_remove" in {r["action"] for r in _audit(service)}


def test_uploading_a_name_again_replaces_the_master_and_the_next_run_reports_its_edits(
    service: Service,
) -> None:
    upload(service)
    edited = [
        *MASTER[:3],
        ["4", "Green Valley Office Furniture", "Portland, OR"],
        ["5", "ZTE Corporation", "Shenzhen"],
    ]
    replaced = upload(service, content=master_bytes(edited))
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["edit"]["replaced"] is True and body["baseline"] is None
    assert (body["edit"]["added"], body["edit"]["removed"], body["edit"]["unchanged"]) == (1, 1, 3)
    run = service.client.post("/monitors/vendors/run", headers=service.headers("reviewer")).json()
    [change] = run["changes"]  # the removed row had no hit: nothing to report for it
    assert (change["row"], change["vendor"], change["change"]) == (4, "ZTE Corporation", "new_hit")
    assert change["cause"] == "master_edit" and change["list_change"] is None


def test_bad_uploads_are_refused(tmp_path: Path) -> None:
    with monitor_service(tmp_path / "home", max_upload_bytes=1 << 10) as service:
        big = upload(service, content=master_bytes() + b"x" * 4096)
        assert big.status_code == 413 and "larger than" in big.json()["detail"]
        assert upload(service, content=b"").status_code == 400
        bad_name = upload(service, name="no spaces please")
        assert bad_name.status_code == 400 and "monitor name" in bad_name.json()["detail"]
        bad_map = upload(service, map="name=No Such Column")
        assert bad_map.status_code == 400
        assert MonitorBook(service.cases.db).names() == []
        uploads = tmp_path / "home" / "monitor-uploads"
        assert not uploads.exists() or list(uploads.iterdir()) == []  # nothing of the uploads is kept


def test_the_notify_targets_of_a_run_are_checked(service: Service) -> None:
    upload(service)
    bad = service.client.post(
        "/monitors/vendors/run", json={"notify": ["ftp://example.org/x"]}, headers=service.headers("reviewer")
    )
    assert bad.status_code == 400 and "notification target" in bad.json()["detail"]
    extra = service.client.post(
        "/monitors/vendors/run", json={"other": 1}, headers=service.headers("reviewer")
    )
    assert extra.status_code == 422
    none_open = service.client.post(
        "/monitors/vendors/run",
        json={"notify": ["https://example.org/hook"]},
        headers=service.headers("reviewer"),
    )
    assert none_open.status_code == 200 and none_open.json()["deliveries"] == []  # nothing sent


def test_the_monitoring_page_lets_reviewers_mark_changes_seen_and_shows_viewers_no_button(
    service: Service,
) -> None:
    upload(service)
    add_watchlist(service_home(service))
    change = service.client.post("/monitors/vendors/run", headers=service.headers("reviewer")).json()[
        "changes"
    ][0]

    csrf = sign_in(service.client, "vic", "viewer-password")
    page = service.client.get("/ui/monitoring")
    assert page.status_code == 200 and 'href="/ui/monitoring"' in page.text
    assert 'id="monitors"' in page.text and f'id="change-{change["id"]}"' in page.text
    assert "Zorblax Industrial Holdings" in page.text and "Mark seen" not in page.text
    assert (
        'href="/ui/entities/user_watch%3AW1"' in page.text
        and 'href="/ui/monitoring/vendors/rows/3"' in page.text
    )
    assert "No schedule" in page.text
    url = f"/ui/monitoring/vendors/changes/{change['id']}/seen"
    assert service.client.post(url, data={"csrf_token": csrf}, follow_redirects=False).status_code == 403
    row = service.client.get("/ui/monitoring/vendors/rows/3")
    assert row.status_code == 200 and "Shenzhen, China" in row.text and "new hit" in row.text
    assert service.client.get("/ui/monitoring/vendors/rows/77").status_code == 404
    assert service.client.get("/ui/monitoring?monitor=nope").status_code == 404
    entity = service.client.get("/ui/entities/user_watch%3AW1")  # the link works for a signed-in user
    assert entity.status_code == 200 and "Zorblax" in entity.text

    service.client.cookies.clear()
    csrf = sign_in(service.client, "rita", "reviewer-password")
    page = service.client.get("/ui/monitoring?monitor=vendors")
    assert "Mark seen" in page.text
    forged = service.client.post(url, follow_redirects=False)
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    done = service.client.post(url, data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith(f"seen={change['id']}")
    after = service.client.get(done.headers["location"]).text
    assert f'id="change-{change["id"]}"' not in after and 'id="no-changes"' in after
    assert re.search(r"Change \d+ marked seen", after)
    opened = service.client.get("/monitors/vendors/changes?status=open", headers=service.headers()).json()
    assert opened["changes"] == []
