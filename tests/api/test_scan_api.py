"""Document scans through the service (``POST /scan``, ``api/scanning.py``) and their web page
(``/ui/scan/{id}``, ``api/web_scan.py``), on the embedded lists: an HTML page naming a listed
company, a place in Xinjiang and a private person, beside an image-only PDF that cannot be read."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from scan.documents import write_html, write_image_pdf  # noqa: E402
from support.service import Service, open_service  # noqa: E402

from supplyscreen.api import scan_jobs  # noqa: E402

# A made-up private person, named in a sentence that names no list entity.
PRIVATE = "Margaret Oyelaran-Whitfield"
DAHUA = "Zhejiang Dahua Technology Co., Ltd."
PARAGRAPHS = [
    f"The gate cameras were bought from {DAHUA} through an integrator.",
    "The wafer plant buys polysilicon from a smelter near Aksu, Xinjiang according to the invoices.",
    f"Our auditor {PRIVATE} moved to Aksu, Xinjiang in March.",
    # text that looks like markup: the page must show it, never run it
    "A note pasted from a web form: &lt;script&gt;window.pwned = 1&lt;/script&gt; ends here.",
]


def write_documents(folder: Path) -> tuple[Path, Path]:
    """The audit report (HTML) and a scanned letter with no text layer (PDF)."""
    folder.mkdir(parents=True, exist_ok=True)
    html = write_html(folder / "audit.html", "Supplier audit", PARAGRAPHS)
    pdf = write_image_pdf(folder / "scanned letter.pdf")
    return html, pdf


def post_scan(service: Service, paths: list[Path], role: str = "viewer") -> Any:
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
    return service.client.post("/scan", files=files, headers=service.headers(role))


def wait_scan(service: Service, job_id: str, role: str = "viewer") -> dict[str, Any]:
    for _ in range(600):
        job: dict[str, Any] = service.client.get(f"/scan/{job_id}", headers=service.headers(role)).json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"scan {job_id} did not finish")


@pytest.fixture(scope="module")
def service(screener: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from open_service(screener, tmp_path_factory.mktemp("scan-service"))


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_documents(tmp_path_factory.mktemp("documents"))


@pytest.fixture(scope="module")
def finished(service: Service, documents: tuple[Path, Path]) -> dict[str, Any]:
    """A viewer's scan of both documents, finished."""
    answer = post_scan(service, list(documents))
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["status"] in ("queued", "running") and job["files"] == ["audit.html", "scanned letter.pdf"]
    assert job["links"]["self"] == f"/scan/{job['id']}"
    return wait_scan(service, job["id"])


def _mentions(service: Service, job_id: str, **params: Any) -> dict[str, Any]:
    answer = service.client.get(f"/scan/{job_id}/mentions", params=params, headers=service.headers("viewer"))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_a_scan_finds_the_listed_company_with_its_page_and_offsets(
    service: Service, finished: dict[str, Any]
) -> None:
    assert finished["status"] == "done" and finished["error"] is None
    assert finished["files_done"] == 2 and finished["pages_done"] == 1
    assert finished["links"]["mentions"] == f"/scan/{finished['id']}/mentions"
    mentions = _mentions(service, finished["id"])["mentions"]
    dahua = [m for m in mentions if m["kind"] == "entity" and m["text"] == DAHUA]
    assert len(dahua) == 1
    entity = dahua[0]
    assert entity["file"] == "audit.html" and entity["page"] == 1 and entity["verdict"] == "match"
    assert entity["entity_name"] == "Dahua Technology" and "us_fcc_covered" in entity["lists"]
    assert entity["entity_id"].startswith("us_trade_csl:")
    # every offset counts into the page's text as the scan kept it
    docs = service.client.get(f"/scan/{finished['id']}/documents", headers=service.headers("viewer")).json()
    assert docs["text_cut"] is False and [d["file"] for d in docs["documents"]] == ["audit.html"]
    pages = {(d["file"], p["number"]): p["text"] for d in docs["documents"] for p in d["pages"]}
    page_text = pages[("audit.html", 1)]
    assert page_text[entity["start"] : entity["end"]] == DAHUA
    for m in mentions:
        assert pages[(m["file"], m["page"])][m["start"] : m["end"]] == m["text"]
    places = [m for m in mentions if m["kind"] == "place" and m["text"] == "Aksu"]
    assert len(places) == 2 and places[0]["key"] == "Aksu City"
    assert any(m["kind"] == "sector" and m["text"] == "polysilicon" for m in mentions)
    summary = finished["summary"]
    assert summary["documents"] == 1 and summary["pages"] == 1 and summary["entities"] == 1
    assert summary["mentions"] == len(mentions) and summary["by_kind"]["entity"] == 1
    only_places = _mentions(service, finished["id"], kind="place")
    assert only_places["total"] == summary["by_kind"]["place"] >= 2
    assert {m["kind"] for m in only_places["mentions"]} == {"place"}
    paged = _mentions(service, finished["id"], offset=1, limit=1)
    assert paged["total"] == len(mentions) and paged["mentions"] == mentions[1:2]


def test_the_private_person_is_in_no_mention(service: Service, finished: dict[str, Any]) -> None:
    mentions = _mentions(service, finished["id"])["mentions"]
    written = json.dumps(mentions, ensure_ascii=False)
    for part in ("Margaret", "Oyelaran", "Whitfield"):
        assert part not in written
    # the place in that sentence is found, its sentence quoted with the person masked
    masked = [m for m in mentions if m["kind"] == "place" and "moved to" in m["sentence"]]
    assert masked and all("…" in m["sentence"] for m in masked)


def test_an_image_only_pdf_is_an_error_naming_it_and_the_other_file_is_scanned(
    finished: dict[str, Any],
) -> None:
    assert finished["status"] == "done"
    assert [e["file"] for e in finished["errors"]] == ["scanned letter.pdf"]
    assert "no text layer" in finished["errors"][0]["reason"]
    assert finished["summary"]["errors"] == 1


def test_a_scan_of_only_unreadable_files_finishes_with_errors(
    service: Service, documents: tuple[Path, Path], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    answer = post_scan(service, [documents[1], empty, binary])
    assert answer.status_code == 202
    job = wait_scan(service, answer.json()["id"])
    assert job["status"] == "done" and job["summary"]["documents"] == 0 and job["summary"]["mentions"] == 0
    errors = {e["file"]: e["reason"] for e in job["errors"]}
    assert set(errors) == {"scanned letter.pdf", "empty.txt", "blob.bin"}
    assert "no text layer" in errors["scanned letter.pdf"] and "empty" in errors["empty.txt"]
    assert _mentions(service, job["id"])["mentions"] == []


def test_a_request_without_files_is_refused_with_a_clear_message(service: Service) -> None:
    for kwargs in ({}, {"data": {"note": "x"}}):
        answer = service.client.post("/scan", headers=service.headers("viewer"), **kwargs)
        assert answer.status_code == 400, (kwargs, answer.text)
        assert answer.json()["detail"] == "no file: send one or more documents in the multipart field 'files'"
    # a part with no file name is a form field, not a file: the validation error says so
    unnamed = [("files", ("", b"", "application/octet-stream"))]
    answer = service.client.post("/scan", files=unnamed, headers=service.headers("viewer"))
    assert answer.status_code == 422 and "Expected UploadFile" in answer.text


def test_keys_roles_and_owners_are_checked_like_screen(
    service: Service, finished: dict[str, Any], documents: tuple[Path, Path]
) -> None:
    job_id = finished["id"]
    files = [("files", ("audit.html", documents[0].read_bytes(), "text/html"))]
    assert service.client.post("/scan", files=files).status_code == 401
    bad = service.client.post("/scan", files=files, headers={"Authorization": "ApiKey nope"})
    assert bad.status_code == 401
    assert service.client.get(f"/scan/{job_id}").status_code == 401
    # another user's scan is unknown to them, known to an admin
    for path in (f"/scan/{job_id}", f"/scan/{job_id}/mentions", f"/scan/{job_id}/documents"):
        assert service.client.get(path, headers=service.headers("reviewer")).status_code == 404, path
        assert service.client.get(path, headers=service.headers("admin")).status_code == 200, path
    cancel = service.client.post(f"/scan/{job_id}/cancel", headers=service.headers("reviewer"))
    assert cancel.status_code == 404
    listed = service.client.get("/scan", headers=service.headers("viewer")).json()["scans"]
    assert job_id in [s["id"] for s in listed]
    assert job_id not in [
        s["id"] for s in service.client.get("/scan", headers=service.headers("reviewer")).json()["scans"]
    ]
    for unknown in ("0" * 32, "../../etc", "x" * 100):
        assert service.client.get(f"/scan/{unknown}", headers=service.headers("admin")).status_code == 404


def test_a_finished_scan_cannot_be_cancelled(service: Service, finished: dict[str, Any]) -> None:
    answer = service.client.post(f"/scan/{finished['id']}/cancel", headers=service.headers("viewer"))
    assert answer.status_code == 409 and "is done" in answer.json()["detail"]


def test_a_queued_scan_is_cancelled_and_keeps_no_results(
    screener: Any, tmp_path: Path, documents: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[str] = []
    for fresh in open_service(screener, tmp_path / "home"):
        monkeypatch.setattr(scan_jobs.ScanRunner, "submit", lambda self, job_id: queued.append(job_id))
        answer = post_scan(fresh, [documents[0]])
        job_id = answer.json()["id"]
        assert queued == [job_id]
        status = fresh.client.get(f"/scan/{job_id}", headers=fresh.headers("viewer")).json()["status"]
        assert status == "queued"
        running = fresh.client.get(f"/scan/{job_id}/mentions", headers=fresh.headers("viewer"))
        assert running.status_code == 409 and "not done" in running.json()["detail"]
        cancelled = fresh.client.post(f"/scan/{job_id}/cancel", headers=fresh.headers("viewer")).json()
        assert cancelled["status"] == "cancelled"
        runner = fresh.client.app.state.scans  # type: ignore[attr-defined]
        runner._run(job_id)  # the worker finds the mark before the first page
        runner.release(job_id)
        job = fresh.client.get(f"/scan/{job_id}", headers=fresh.headers("viewer")).json()
        assert job["status"] == "cancelled" and job["pages_done"] == 0
        folder = tmp_path / "home" / "scans" / job_id
        assert not (folder / "mentions.json").exists() and not (folder / "files").exists()


def test_a_scan_left_running_by_a_stopped_server_is_failed(
    service: Service, finished: dict[str, Any], tmp_path: Path
) -> None:
    answer = post_scan(service, [write_documents(tmp_path)[0]])
    job = wait_scan(service, answer.json()["id"])
    path = service.client.app.state.service.settings.home / "scans" / job["id"] / "job.json"  # type: ignore[attr-defined]
    data = json.loads(path.read_text())
    data["status"] = "running"
    path.write_text(json.dumps(data))  # as a killed process leaves it: its lock is free
    again = service.client.get(f"/scan/{job['id']}", headers=service.headers("viewer")).json()
    assert again["status"] == "failed" and again["error"] == "interrupted: the server stopped"


def test_text_over_the_limit_is_cut_and_the_answer_says_so(
    service: Service, documents: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_jobs, "MAX_TEXT_BYTES", 60)
    job = wait_scan(service, post_scan(service, [documents[0]]).json()["id"])
    assert job["status"] == "done"
    assert job["summary"]["text_cut"] is True and job["summary"]["text_kept"] <= 60
    assert "kept up to" in job["summary"]["notes"][0]
    docs = service.client.get(f"/scan/{job['id']}/documents", headers=service.headers("viewer")).json()
    assert docs["text_cut"] is True
    page = docs["documents"][0]["pages"][0]
    assert page["cut"] is True and len(page["text"]) <= 60 < page["length"]
    mentions = _mentions(service, job["id"])["mentions"]
    assert any(m["text"] == DAHUA for m in mentions)  # every mention is still reported
    html = service.client.get(f"/ui/scan/{job['id']}", headers=service.headers("viewer")).text
    assert "in the text not kept" in html and "a scan keeps" in html


def test_uploads_over_the_limit_together_are_refused(
    screener: Any, tmp_path: Path, documents: tuple[Path, Path]
) -> None:
    for fresh in open_service(screener, tmp_path / "home", max_upload_bytes=1 << 20):
        # far over: the request's body is cut off as it arrives, as for /screen
        part = b"x" * (600 * 1024)
        files = [("files", ("a.txt", part, "text/plain")), ("files", ("b.txt", part, "text/plain"))]
        answer = fresh.client.post("/scan", files=files, headers=fresh.headers("viewer"))
        assert answer.status_code == 413 and "too large" in answer.json()["detail"]
        # just over (within the multipart framing's allowance): counted file by file as they are saved
        part = b"x" * (520 * 1024)
        files = [("files", ("a.txt", part, "text/plain")), ("files", ("b.txt", part, "text/plain"))]
        answer = fresh.client.post("/scan", files=files, headers=fresh.headers("viewer"))
        assert answer.status_code == 413 and "1 MB together" in answer.json()["detail"]
        assert list((tmp_path / "home" / "scans").iterdir()) == []
        one = fresh.client.post("/scan", files=files[:1], headers=fresh.headers("viewer"))
        assert one.status_code == 202


def test_file_names_are_cleaned_and_told_apart(service: Service, documents: tuple[Path, Path]) -> None:
    body = documents[0].read_bytes()
    files = [
        ("files", ("../../etc/passwd.html", body, "text/html")),
        ("files", ("C:\\reports\\audit.html", body, "text/html")),
        ("files", ("audit.html", body, "text/html")),
    ]
    answer = service.client.post("/scan", files=files, headers=service.headers("viewer"))
    assert answer.status_code == 202
    job = wait_scan(service, answer.json()["id"])
    assert job["files"] == ["passwd.html", "audit.html", "audit (2).html"]
    mentions = _mentions(service, job["id"])["mentions"]
    assert {m["file"] for m in mentions if m["text"] == DAHUA} == set(job["files"])
    folder = service.client.app.state.service.settings.home / "scans" / job["id"]  # type: ignore[attr-defined]
    assert sorted(p.name for p in folder.iterdir()) == ["documents.json", "job.json", "lock", "mentions.json"]
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in folder.iterdir())


def test_expired_scans_are_purged_when_a_scan_is_added(
    service: Service, documents: tuple[Path, Path], tmp_path: Path
) -> None:
    old = wait_scan(service, post_scan(service, [documents[0]]).json()["id"])
    folder = service.client.app.state.service.settings.home / "scans" / old["id"]  # type: ignore[attr-defined]
    data = json.loads((folder / "job.json").read_text())
    data["created"] = "2000-01-01T00:00:00.000000Z"
    (folder / "job.json").write_text(json.dumps(data))
    wait_scan(service, post_scan(service, [documents[0]]).json()["id"])
    assert not folder.exists()


# -- the web page -----------------------------------------------------------------------------------
def _sign_in(service: Service, user: str, password: str) -> str:
    page = service.client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = service.client.post(
        "/ui/login",
        data={"username": user, "password": password, "csrf_token": token.group(1), "next": "/ui/scan"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    form = service.client.get("/ui/scan")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None and 'name="files"' in form.text and "Scan documents" in form.text
    return csrf.group(1)


def test_the_web_page_highlights_mentions_and_escapes_the_text(
    screener: Any, tmp_path: Path, documents: tuple[Path, Path]
) -> None:
    for fresh in open_service(screener, tmp_path / "home"):
        csrf = _sign_in(fresh, "vic", "viewer-password")
        files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in documents]
        refused = fresh.client.post("/ui/scan", files=files, follow_redirects=False)
        assert refused.status_code == 403  # no CSRF token
        answer = fresh.client.post("/ui/scan", files=files, data={"csrf_token": csrf}, follow_redirects=False)
        assert answer.status_code == 303
        page_url = answer.headers["location"]
        job_id = page_url.rsplit("/", 1)[-1]
        for _ in range(600):
            if fresh.client.get(f"/scan/{job_id}").json()["status"] == "done":
                break
            time.sleep(0.05)
        html = fresh.client.get(page_url).text
        mark = re.search(
            r'<mark class="mention mention-entity"[^>]*><a href="([^"]+)">([^<]+)</a></mark>', html
        )
        assert mark is not None and mark.group(2) == DAHUA
        assert mark.group(1).startswith("/ui/entities/us_trade_csl%3A")
        assert fresh.client.get(mark.group(1)).status_code == 200  # the entity's page
        place = re.search(r'<mark class="mention mention-place" title="([^"]+)"[^>]*>Aksu</mark>', html)
        assert place is not None and "Aksu City" in place.group(1) and "Xinjiang location" in place.group(1)
        assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in html
        assert "<script>window.pwned" not in html
        assert "scanned letter.pdf" in html and "no text layer" in html
        listed = fresh.client.get("/ui/scan").text
        assert f'href="/ui/scan/{job_id}"' in listed
        assert fresh.client.get("/ui/scan/" + "0" * 32).status_code == 404


def test_overlapping_mentions_are_shown_once_and_listed_below() -> None:
    from supplyscreen.api.web_scan import page_view

    text = "Bought from Zhejiang Dahua Technology Co., Ltd. in Aksu."
    entity = {"kind": "entity", "start": 12, "end": 47, "text": text[12:47], "entity_id": "x:1", "lists": []}
    brand = {"kind": "equipment", "start": 21, "end": 26, "text": "Dahua", "key": "Dahua", "detail": {}}
    place = {"kind": "place", "start": 51, "end": 55, "text": "Aksu", "key": "Aksu City", "detail": {}}
    beyond = {"kind": "place", "start": 70, "end": 74, "text": "Hami", "key": "Hami", "detail": {}}
    view = page_view(1, text, [place, brand, entity, beyond], cut=True, length=80)
    assert "".join(t for t, _ in view.segments) == text
    assert [(t, m["kind"]) for t, m in view.segments if m] == [(text[12:47], "entity"), ("Aksu", "place")]
    assert view.overlapping == [brand] and view.beyond == [beyond]
