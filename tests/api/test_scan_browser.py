"""Document scans in a real browser (Playwright driving Debian's Chromium, headless): a viewer opens
"Scan documents" from the navigation, uploads an HTML audit report and an image-only PDF through the
form, waits on the scan's page, finds the listed company highlighted and linked to its entity page,
follows the link; the text that looks like a script is shown, never run; the unreadable PDF is named.

Skipped when the playwright package or /usr/bin/chromium is missing; never downloads a browser."""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.browser import CHROMIUM, chromium_page, served

sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")
if not shutil.which(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from test_scan_api import DAHUA, PRIVATE, write_documents  # noqa: E402

from supplyscreen.api import Settings, create_app  # noqa: E402
from supplyscreen.cases import Cases  # noqa: E402


@pytest.fixture
def server(screener: Any, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A real uvicorn server on 127.0.0.1 in a thread, with a viewer account and a viewer's API key."""
    home = tmp_path / "home"
    cases = Cases.open(home=home)
    cases.accounts.add_user("vic", "viewer-password", "viewer")
    key = cases.accounts.create_key("viewer", user="vic")
    app = create_app(Settings(home=home), screener=screener, cases=cases)
    with served(app) as url:
        yield url, key


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_page() as found:
        yield found


def test_a_viewer_scans_documents_and_follows_a_highlighted_entity(
    server: tuple[str, str], page: Any, tmp_path: Path
) -> None:
    url, key = server
    html, pdf = write_documents(tmp_path / "documents")
    page.goto(f"{url}/ui/")
    assert "/ui/login" in page.url
    page.fill("#username", "vic")
    page.fill("#password", "viewer-password")
    page.click("#sign-in")
    page.click("header.top nav >> text=Scan documents")
    page.wait_for_selector("#scan-form")
    page.set_input_files("#files", [str(html), str(pdf)])
    page.click("#scan")
    page.wait_for_selector("#scan-summary")  # the page polled until the scan was done, then reloaded
    assert page.inner_text("#scan-status") == "done"
    page.screenshot(path=str(tmp_path / "scan.png"), full_page=True)
    # the unreadable PDF is named, with why
    errors = page.inner_text("#scan-errors")
    assert "scanned letter.pdf" in errors and "no text layer" in errors
    # the text that looks like a script is shown as text and was never run
    assert "<script>window.pwned = 1</script>" in page.inner_text(".page-text")
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator(".page-text script").count() == 0
    # the listed company is highlighted, and links to its entity page
    mark = page.locator("mark.mention-entity", has_text=DAHUA)
    assert mark.count() == 1
    link = mark.locator("a")
    href = link.get_attribute("href")
    assert href is not None and href.startswith("/ui/entities/")
    places = page.locator("mark.mention-place", has_text="Aksu")
    assert places.count() == 2 and "Aksu City" in (places.first.get_attribute("title") or "")
    job_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    link.click()
    page.wait_for_selector("h1")
    assert "/ui/entities/" in page.url and "Dahua" in page.inner_text("h1")
    # the private person named in the report is in no mention the API returns
    request = urllib.request.Request(
        f"{url}/scan/{job_id}/mentions", headers={"Authorization": f"ApiKey {key}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        mentions = json.load(answer)["mentions"]
    assert any(m["text"] == DAHUA and m["kind"] == "entity" for m in mentions)
    written = json.dumps(mentions, ensure_ascii=False)
    assert all(part not in written for part in (PRIVATE, "Margaret", "Oyelaran", "Whitfield"))
