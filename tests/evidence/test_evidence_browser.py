"""News as evidence end to end, in a real browser (Playwright driving Debian's Chromium, headless):
`supplyscreen evidence add` stores a news article naming Zhejiang Dahua Technology in the case
database of a running service; `lists show` shows it; the API's `/entities/{id}` answers it; the web
UI's entity page and the page of an uploaded row with a Dahua hit show "Mentioned in" with the
article's title, source and snippet, as information beside the hit. The private person the article
names in a sentence of their own appears nowhere.

Skipped when the playwright package or /usr/bin/chromium is missing; never downloads a browser."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.browser import CHROMIUM, chromium_page, served
from support.cli import run_cli

sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")
if not shutil.which(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from evidence.articles import (  # noqa: E402
    DAHUA_API_ID,
    DAHUA_KEY,
    PRIVATE_PERSON,
    SNIPPET,
    SOURCE,
    TITLE,
    write_article,
)
from supplyscreen.api import Settings, create_app  # noqa: E402
from supplyscreen.cases import Cases  # noqa: E402

VENDORS = "vendor,country\nAcme Office Supplies,US\nZhejiang Dahua Technology Co. Ltd,CN\n"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def server(screener: Any, home: Path) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 in a thread, with a reviewer account."""
    cases = Cases.open(home=home)
    cases.accounts.add_user("rita", "reviewer-password", "reviewer")
    app = create_app(Settings(home=home), screener=screener, cases=cases)
    with served(app) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_page() as found:
        yield found


def test_evidence_added_at_the_command_line_shows_in_the_api_and_the_web_ui(
    server: str,
    page: Any,
    home: Path,
    screener_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUPPLYSCREEN_USER", "dana")
    options = ["--home", str(screener_home), "--database-url", f"sqlite:///{home / 'supplyscreen.db'}"]
    article = write_article(tmp_path / "council.html")
    printed: list[str] = []

    def cli(*args: str) -> str:
        code, out, err = run_cli([*args, *options], capsys, monkeypatch)
        assert code == 0, err
        printed.append(out + err)
        return " ".join(out.split())

    # add, and show at the command line
    added = cli("evidence", "add", str(article), "--date", "2026-03-02", "--source", SOURCE)
    assert "stored evidence 1" in added and DAHUA_KEY in added
    shown = cli("lists", "show", DAHUA_KEY)
    assert "Mentioned in 1 document(s)" in shown and TITLE in shown and SNIPPET in shown

    # sign in
    page.goto(f"{server}/ui/")
    page.fill("#username", "rita")
    page.fill("#password", "reviewer-password")
    page.click("#sign-in")
    page.wait_for_selector("header.top nav")

    # the API, with the browser's session
    answer = page.goto(f"{server}/entities/{DAHUA_API_ID}")
    assert answer is not None and answer.status == 200
    api_text = answer.text()
    (mention,) = json.loads(api_text)["mentioned_in"]
    assert (mention["title"], mention["source"], mention["date"]) == (TITLE, SOURCE, "2026-03-02")
    assert SNIPPET in mention["snippet"]

    # the entity page
    page.goto(f"{server}/ui/entities/{DAHUA_API_ID}")
    section = page.locator("#mentioned-in")
    section.wait_for()
    assert "Mentioned in" in section.inner_text() and "information, not a flag" in section.inner_text()
    assert section.locator(".mention-title").inner_text() == TITLE
    assert section.locator(".mention-source").inner_text() == SOURCE
    assert section.locator(".mention-date").inner_text() == "2026-03-02"
    assert SNIPPET in section.locator(".mention-snippet").inner_text()
    page.screenshot(path=str(tmp_path / "entity.png"), full_page=True)
    entity_text = page.inner_text("body")

    # a screened row with a Dahua hit: the mention under the hit
    upload = tmp_path / "vendors.csv"
    upload.write_text(VENDORS, encoding="utf-8")
    page.goto(f"{server}/ui/")
    page.set_input_files("#file", str(upload))
    page.click("#upload")
    page.wait_for_selector("#flagged")
    page.locator("#flagged tr", has_text="Zhejiang Dahua").locator("a.open-row").click()
    page.wait_for_selector("div.hit")
    hit = page.locator("div.hit", has=page.locator(f"code:text-is('{DAHUA_KEY}')"))
    assert hit.count() == 1
    mentioned = hit.locator(".mentioned-in")
    assert "Mentioned in" in mentioned.inner_text() and "information, not a flag" in mentioned.inner_text()
    assert mentioned.locator(".mention-title").inner_text() == TITLE
    assert mentioned.locator(".mention-source").inner_text() == SOURCE
    assert SNIPPET in mentioned.locator(".mention-snippet").inner_text()
    flags = page.locator("section.card", has_text="Flags").first.inner_text()
    assert TITLE not in flags  # information beside the hit, never a flag
    page.screenshot(path=str(tmp_path / "row.png"), full_page=True)
    row_text = page.inner_text("body")

    # the private person is in the article, and nowhere else
    assert PRIVATE_PERSON in article.read_text(encoding="utf-8")
    cases = Cases.open(f"sqlite:///{home / 'supplyscreen.db'}")
    try:
        from supplyscreen.cases.evidence import list_evidence

        stored = json.dumps([e.to_dict() for e in list_evidence(cases.db)])
        audit = "".join(row.payload for row in cases.audit.rows())
    finally:
        cases.close()
    for text in (stored, audit, api_text, entity_text, row_text, *printed):
        assert PRIVATE_PERSON not in text
        assert "Barnaby" not in text
