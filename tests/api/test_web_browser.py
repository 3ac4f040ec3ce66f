"""The web UI in a real browser (Playwright driving Debian's Chromium, headless): sign in, upload the
example purchase orders, open a flagged row, mark it false positive, screen again, see it cleared.

Skipped when the playwright package or /usr/bin/chromium is missing; never downloads a browser.
Screenshots are saved in the test's temporary folder (printed at the end)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, FIXTURES
from support.browser import CHROMIUM, chromium_page, served

sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")
if not shutil.which(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from supplyscreen.api import Settings, create_app  # noqa: E402
from supplyscreen.cases import Cases  # noqa: E402


@pytest.fixture
def server(screener: Any, tmp_path: Path) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 in a thread, with a reviewer account."""
    home = tmp_path / "home"
    cases = Cases.open(home=home)
    cases.accounts.add_user("rita", "reviewer-password", "reviewer")
    app = create_app(Settings(home=home), screener=screener, cases=cases)
    with served(app) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Any]:
    """A page of a headless Chromium (Debian's), 30 s for each wait."""
    with chromium_page() as found:
        yield found


def _sign_in(page: Any, server: str) -> None:
    """Open the web UI, which asks for a sign-in, and sign in as the reviewer."""
    page.goto(f"{server}/ui/")
    assert "/ui/login" in page.url
    page.fill("#username", "rita")
    page.fill("#password", "reviewer-password")
    page.click("#sign-in")


def test_reviewer_clears_a_hit_in_the_browser_and_the_next_screening_shows_it_cleared(
    server: str, page: Any, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    _sign_in(page, server)
    page.set_input_files("#file", str(EXAMPLE))
    page.screenshot(path=str(shots / "1-upload.png"))
    page.click("#upload")
    page.wait_for_selector("#flagged")
    page.screenshot(path=str(shots / "2-flagged-rows.png"), full_page=True)
    row = page.locator("#flagged tr", has_text="DAHUA ELECTRONICS CORPORATION")
    assert "high" in row.inner_text()
    row.locator("a.open-row").click()
    page.wait_for_selector("form.decide")
    assert page.locator("text=BIS Denied Persons List").count() >= 1
    form = page.locator("form.decide").first
    form.locator("input[value=false_positive]").check()
    form.locator("textarea[name=comment]").fill("cable shop in Flushing, not the listed company")
    page.screenshot(path=str(shots / "3-decision.png"), full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#saved")
    page.click("text=← purchase_orders.csv")
    page.click("#rescreen")
    page.wait_for_selector("#flagged")
    cleared = page.locator("#flagged tr", has_text="DAHUA ELECTRONICS CORPORATION")
    text = cleared.inner_text()
    page.screenshot(path=str(shots / "4-cleared.png"), full_page=True)
    assert "cleared by rita on " in text and "cable shop in Flushing" in text
    assert "high" not in text.split("\t")[2]
    assert sorted(f.name for f in shots.iterdir()) == [
        "1-upload.png",
        "2-flagged-rows.png",
        "3-decision.png",
        "4-cleared.png",
    ]
    print(f"screenshots: {shots}")


def test_the_api_docs_render_with_the_network_blocked(server: str, page: Any) -> None:
    """/docs in a browser that may reach nothing but the service itself: Swagger UI comes from the
    package, so the page still renders the API's title and its routes."""
    outside: list[str] = []

    def only_the_service(route: Any) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_service)
    page.goto(f"{server}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "supplyscreen" in page.inner_text(".swagger-ui .info .title")
    page.locator(".opblock-summary-path", has_text="/match/{dataset}").first.wait_for()
    assert outside == []


def test_the_row_page_words_its_evidence_and_labels_research_sources(server: str, page: Any) -> None:
    """The row page shows evidence as labelled words, as the HTML report does: an official list's
    entry cites its official source, a curated research row is labelled a research source with the
    official list beside it; never a Python dict, a regex or an offset."""
    _sign_in(page, server)
    page.set_input_files("#file", str(EXAMPLE))
    page.click("#upload")
    page.wait_for_selector("#flagged")
    job = page.url
    page.locator("#flagged tr", has_text="DAHUA ELECTRONICS CORPORATION").locator("a.open-row").click()
    page.wait_for_selector("form.decide")
    flags = page.locator("section.card", has_text="Flags").first.inner_text()
    assert "official source" in flags and "research source" not in flags
    page.goto(job)
    page.wait_for_selector("#flagged")
    page.locator("#flagged tr", has_text="Hoshine").locator("a.open-row").click()
    page.wait_for_selector("form.decide")
    flags = page.locator("section.card", has_text="Flags").first.inner_text()
    assert "research source" in flags and "official list" in flags
    assert "{'" not in flags and "[{" not in flags and "start" not in flags.lower().split()


def test_the_job_page_shows_each_columns_role_and_a_flag_found_in_a_column_without_one(
    server: str, page: Any
) -> None:
    """The job page lists every column of the upload with what it was read as (issue 15's file, whose
    "What we bought" and "Location" have no role); the row page says in which column a flag was found."""
    _sign_in(page, server)
    page.set_input_files("#file", str(FIXTURES / "issue15" / "what_we_bought.csv"))
    page.click("#upload")
    page.wait_for_selector("#flagged")
    roles = {
        cells[0]: cells[1]
        for cells in (
            [c.strip() for c in line.split("\t")]
            for line in page.locator("#columns tbody").inner_text().splitlines()
        )
    }
    assert roles == {
        "Supplier": "name",
        "What we bought": "read by detectors only",
        "Location": "read by detectors only",
        "Ctry": "country",
    }
    row = page.locator("#flagged tr", has_text="Acme Security Integrators")
    assert "high" in row.inner_text()
    row.locator("a.open-row").click()  # a detector's flag only: no name hit to decide on
    page.locator("section.card", has_text="Flags").first.wait_for()
    flags = page.locator("section.card", has_text="Flags").first.inner_text()
    assert 'column "What we bought"' in flags and "DS-2CD2143G0-I" in flags
