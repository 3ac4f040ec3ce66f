"""The web UI's entity page (``/ui/entities/{id}``): an entity of the embedded lists with its
memberships and listing dates, yente's first seen / last seen / last changed dates kept apart from
them, its recent list changes and relations; a low-confidence curated membership shown as a lead;
404 in the UI's style; sign-in required; names escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from monitor_support import add_watchlist, monitor_service, sign_in, small_home  # noqa: E402
from support.service import Service, open_service  # noqa: E402

from supplyscreen.api.web import TEMPLATES  # noqa: E402
from supplyscreen.api.web_entities import entity_context  # noqa: E402
from supplyscreen.model import Entity  # noqa: E402
from supplyscreen.model.entity import Membership, Name, Relation  # noqa: E402
from supplyscreen.store.history import Seen  # noqa: E402

HIKVISION_KEY = "us_ofac_nonsdn:30946"
HIKVISION = "us-ofac-nonsdn-30946"  # its API id
ROSNEFT_KEY = "us_ofac_nonsdn:17022"


@pytest.fixture(scope="module")
def service(screener: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service on the embedded lists, a viewer signed in."""
    for found in open_service(screener, tmp_path_factory.mktemp("entity-pages")):
        sign_in(found.client, "vic", "viewer-password")
        yield found


def _section(html: str, name: str) -> str:
    found = re.search(rf'<section class="card" id="{name}">(.*?)</section>', html, re.S)
    assert found is not None, f"no section {name}"
    return found.group(1)


def test_the_page_of_hikvision_shows_its_names_memberships_and_dates(service: Service) -> None:
    page = service.client.get("/ui/entities/us_ofac_nonsdn%3A30946")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<h1>Hangzhou Hikvision Digital Technology Co., Ltd." in html
    assert f'<code id="api-id">{HIKVISION}</code>' in html and f"<code>{HIKVISION_KEY}</code>" in html
    names = _section(html, "names")
    assert "<td>杭州海康威视数字技术股份有限公司</td><td>alias</td><td>Han (zh)</td>" in names
    memberships = _section(html, "memberships")
    assert "us_bis_entity_list" in memberships and "Entity List" in memberships
    assert re.search(r'<dt>listed on</dt><dd class="listed-on">2019-10-09</dd>', memberships)
    assert "official list entry" in memberships and "not a list hit" not in memberships
    assert "us_trade_csl:30946" in html  # a source record
    seen = _section(html, "seen")
    assert '<dd class="first-seen">2021-07-12</dd>' in seen
    assert '<dd class="last-change">2026-03-23</dd>' in seen
    assert '<dd class="last-seen">2026-12-08 00:05:20</dd>' in seen
    assert "not when a list listed it" in seen
    incoming = _section(html, "relations")  # its subsidiaries name it, each linked to its page
    assert re.search(r'href="/ui/entities/curated_covered%3A\d+"', incoming)
    # the API id and a referent find the same entity
    for other in (HIKVISION, "us_trade_csl:30946"):
        assert "<h1>Hangzhou Hikvision" in service.client.get(f"/ui/entities/{other}").text


def test_a_subsidiary_links_to_its_parent(service: Service) -> None:
    html = service.client.get("/ui/entities/curated_covered%3A14").text
    assert 'href="/ui/entities/us_ofac_nonsdn%3A30946"' in _section(html, "relations")


def test_the_page_of_rosneft_shows_its_recent_list_change(service: Service) -> None:
    page = service.client.get(f"/ui/entities/{ROSNEFT_KEY}")
    assert page.status_code == 200
    changes = _section(page.text, "changes")
    assert "programs: added RUSSIA-EO14024" in changes
    assert "2025-12-19" in changes and "<td>changed</td>" in changes
    assert f"<code>{ROSNEFT_KEY}</code>" in changes
    seen = _section(page.text, "seen")
    assert '<dd class="last-change">2025-12-19</dd>' in seen


def test_an_unknown_id_is_a_404_page(service: Service) -> None:
    page = service.client.get("/ui/entities/us_ofac_sdn%3A0")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "No such entity" in page.text and "<code>us_ofac_sdn:0</code>" in page.text
    assert 'href="/ui/lists"' in page.text  # the UI's page, its navigation included


def test_without_a_session_the_browser_is_sent_to_sign_in(service: Service) -> None:
    cookies = dict(service.client.cookies)
    service.client.cookies.clear()
    try:
        page = service.client.get(f"/ui/entities/{HIKVISION}", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == f"/ui/login?next=/ui/entities/{HIKVISION}"
    finally:
        for name, value in cookies.items():
            service.client.cookies.set(name, value)
    assert service.client.get(f"/ui/entities/{HIKVISION}").status_code == 200


def test_a_low_confidence_membership_is_a_lead_for_review_not_a_hit() -> None:
    entity = Entity(
        id="curated_test:1",
        schema="Organization",
        names=[Name("Example Lead Trading Co.", "primary")],
        memberships=[
            Membership("us_bis_entity_list", program="EAR", status="low", source_url="https://example.org/a"),
            Membership("us_fcc_covered", listed_on="2021-03-12", status="official"),
        ],
        relations=[Relation("subsidiary_of", target_name="Unlisted Parent Ltd.")],
        source_ids=["curated_test:1"],
    )
    seen = Seen("2024-01-02T00:00:00", "2026-01-01T00:00:00", "2025-06-30T12:30:00")
    context = entity_context(entity, api_id="curated-test-1", seen=seen, changes=[])
    html = TEMPLATES.get_template("entity.html").render(user=None, csrf="", **context)
    lead = _section(html, "memberships").split('id="membership-2"')[0]
    assert 'class="evidence membership lead"' in lead
    assert "lead for review (low confidence), not a list hit" in lead
    assert "research source" in lead and "official list entry" not in lead
    assert '<dd class="listed-on">not given</dd>' in lead
    official = _section(html, "memberships").split('id="membership-2"')[1]
    assert "official list entry" in official and "2021-03-12" in official
    assert '<dd class="last-change">2025-06-30 12:30:00</dd>' in html
    assert "Unlisted Parent Ltd." in html and "/ui/entities/" not in _section(html, "relations")


def test_names_are_escaped(tmp_path: Path) -> None:
    home = small_home(tmp_path / "home")
    add_watchlist(home, [["W1", "<script>alert(1)</script> Trading", "", "CN", "<b>note</b>", "Company"]])
    with monitor_service(home) as service:
        sign_in(service.client, "vic", "viewer-password")
        page = service.client.get("/ui/entities/user_watch%3AW1")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "<b>note</b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Trading" in page.text
