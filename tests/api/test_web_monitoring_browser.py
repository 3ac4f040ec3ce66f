"""The Monitoring page in a real browser (Playwright driving Debian's Chromium, headless): a monitor
with one open change (prepared with the Python API before the server starts: monitor added, a user
watchlist added, monitor run); a reviewer opens Monitoring from the navigation, sees the change with
its row and entity, marks it seen and it leaves the list; a viewer sees the page without the button.

Skipped when the playwright package or /usr/bin/chromium is missing; never downloads a browser."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.browser import CHROMIUM, chromium_page, served

sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")
if not shutil.which(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from monitor_support import MASTER, add_watchlist, small_home, write_csv  # noqa: E402

from supplyscreen.api import Settings, create_app  # noqa: E402
from supplyscreen.cases import Cases  # noqa: E402
from supplyscreen.monitor.run import add_monitor, run_monitor  # noqa: E402
from supplyscreen.screener import Screener  # noqa: E402


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 in a thread, over a monitor with one open change."""
    home = small_home(tmp_path / "home")
    cases = Cases.open(home=home)
    cases.accounts.add_user("rita", "reviewer-password", "reviewer")
    cases.accounts.add_user("vic", "viewer-password", "viewer")
    master = write_csv(tmp_path / "vendor_master.csv", MASTER)
    add_monitor(cases, Screener.open(home), "vendors", master, user="rita")
    add_watchlist(home)
    changes = run_monitor(cases, Screener.open(home), "vendors", user="rita").changes
    assert [(c.row, c.change) for c in changes] == [(3, "new_hit")]
    app = create_app(Settings(home=home), screener=Screener.open(home), cases=cases)
    with served(app) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Any]:
    """A page of a headless Chromium (Debian's), 30 s for each wait."""
    with chromium_page() as found:
        yield found


def _sign_in(page: Any, server: str, user: str, password: str) -> None:
    page.goto(f"{server}/ui/")
    assert "/ui/login" in page.url
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#sign-in")
    page.wait_for_selector("header.top nav")


def test_a_reviewer_marks_a_monitor_change_seen_in_the_browser(
    server: str, page: Any, tmp_path: Path
) -> None:
    _sign_in(page, server, "rita", "reviewer-password")
    page.click("header.top nav >> text=Monitoring")
    page.wait_for_selector("#monitors")
    monitor = page.locator("#monitors tr", has_text="vendors")
    assert "vendor_master.csv" in monitor.inner_text() and monitor.locator("td").nth(5).inner_text() == "1"
    assert "No schedule" in page.inner_text("#schedule")
    change = page.locator("#open-changes tbody tr")
    assert change.count() == 1
    text = change.inner_text()
    assert "Zorblax Industrial Holdings" in text and "new hit" in text
    assert change.locator("a.open-row").inner_text() == "3"
    assert change.locator("a.entity").get_attribute("href") == "/ui/entities/user_watch%3AW1"
    page.screenshot(path=str(tmp_path / "monitoring.png"), full_page=True)
    change.locator("button.mark-seen").click()
    page.wait_for_selector("#seen-notice")
    assert page.locator("#open-changes").count() == 0 and page.locator("#no-changes").count() == 1
    assert page.locator("#monitors tr", has_text="vendors").locator("td").nth(5).inner_text() == "0"
    page.click("text=Monitoring")  # the change stays out of the list on a fresh load
    page.wait_for_selector("#monitors")
    assert page.locator("#open-changes tbody tr").count() == 0


def test_a_viewer_sees_the_changes_without_the_button(server: str, page: Any) -> None:
    _sign_in(page, server, "vic", "viewer-password")
    page.goto(f"{server}/ui/monitoring")
    page.wait_for_selector("#open-changes")
    assert page.locator("#open-changes tbody tr").count() == 1
    assert page.locator("button.mark-seen").count() == 0
    page.locator("#open-changes a.open-row").click()  # the row's page: the vendor as read, its hit
    page.wait_for_selector(".monitor-row")
    assert "Shenzhen, China" in page.inner_text(".monitor-row") and "Zorblax" in page.inner_text(
        "#row-changes"
    )
