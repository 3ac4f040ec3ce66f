"""Evidence through the service: `/entities/{id}` answers `mentioned_in` (still a valid yente entity),
and the web UI's entity page and a row's page show "Mentioned in" under the hit, labelled as
information, not a flag; the private person the article names appears in no answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")
import jsonschema_rs  # noqa: E402
from conftest import REPO  # noqa: E402
from support.service import Service, open_service, sign_in  # noqa: E402

from evidence.articles import (  # noqa: E402
    DAHUA_API_ID,
    DAHUA_KEY,
    PRIVATE_PERSON,
    SNIPPET,
    SOURCE,
    TITLE,
    write_article,
)
from supplyscreen.cases.evidence import add_document  # noqa: E402

HIKVISION = "us-ofac-nonsdn-30946"
VENDORS = "vendor,country\nZhejiang Dahua Technology Co. Ltd,CN\nAcme Office Supplies,US\n"


@pytest.fixture(scope="module")
def service(screener: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service on the embedded lists, with the article stored as evidence."""
    folder = tmp_path_factory.mktemp("evidence-api")
    for found in open_service(screener, folder / "home"):
        article = write_article(folder / "council.html")
        add_document(
            found.cases,
            screener,
            article,
            date="2026-03-02",
            source=SOURCE,
            url="https://example.com/council",
            user="dana",
        )
        yield found


def test_entities_answer_mentioned_in(service: Service) -> None:
    headers = service.headers("viewer")
    response = service.client.get(f"/entities/{DAHUA_API_ID}", headers=headers)
    assert response.status_code == 200, response.text
    entity = response.json()
    (mention,) = entity["mentioned_in"]
    assert {k: v for k, v in mention.items() if k != "snippet"} == {
        "evidence_id": 1,
        "title": TITLE,
        "date": "2026-03-02",
        "source": SOURCE,
        "url": "https://example.com/council",
        "page": 1,
    }
    assert SNIPPET in mention["snippet"]
    assert PRIVATE_PERSON not in response.text
    # the list key (and any referent) redirects to the API id, which answers the same
    moved = service.client.get(f"/entities/{DAHUA_KEY}", headers=headers, follow_redirects=False)
    assert moved.status_code == 308
    plain = service.client.get(f"/entities/{DAHUA_API_ID}", params={"nested": "false"}, headers=headers)
    assert plain.json()["mentioned_in"] == entity["mentioned_in"]
    assert service.client.get(f"/entities/{HIKVISION}", headers=headers).json()["mentioned_in"] == []


def test_an_entity_with_mentions_is_still_a_valid_yente_entity(service: Service) -> None:
    schemas = json.loads((REPO / "tests" / "fixtures" / "yente" / "response_schemas_5.5.0.json").read_text())
    validator = jsonschema_rs.validator_for(schemas["EntityResponse"])
    entity = service.client.get(f"/entities/{DAHUA_API_ID}", headers=service.headers("viewer")).json()
    assert entity["mentioned_in"]
    assert [str(e) for e in validator.iter_errors(entity)] == []
    spec = service.client.get("/openapi.json").json()
    answer = spec["paths"]["/entities/{entity_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"]["$ref"].endswith("/EntityDetailResponse")
    assert "mentioned_in" in spec["components"]["schemas"]["EntityDetailResponse"]["properties"]


def test_the_entity_page_shows_mentioned_in_as_information(service: Service) -> None:
    sign_in(service.client, "vic", "viewer-password")
    page = service.client.get(f"/ui/entities/{DAHUA_KEY}")
    assert page.status_code == 200
    found = re.search(r'<section class="card" id="mentioned-in">(.*?)</section>', page.text, re.S)
    assert found is not None
    section = found.group(1)
    assert "<h2>Mentioned in</h2>" in section and "information, not a flag" in section
    assert (
        f'<a href="https://example.com/council" rel="noopener noreferrer" target="_blank">{TITLE}</a>'
        in section
    )
    assert '<span class="mention-date">2026-03-02</span>' in section
    assert f'<span class="mention-source">{SOURCE}</span>' in section
    assert SNIPPET in section
    assert PRIVATE_PERSON not in page.text
    other = service.client.get("/ui/entities/us_ofac_nonsdn%3A30946").text
    assert 'id="mentioned-in"' not in other


def test_a_rows_page_shows_the_mention_under_its_hit(service: Service) -> None:
    csrf = sign_in(service.client, "rita", "reviewer-password")
    uploaded = service.client.post(
        "/ui/upload",
        files={"file": ("vendors.csv", VENDORS.encode(), "text/csv")},
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    job_id = uploaded.headers["location"].rsplit("/", 1)[-1]
    assert service.wait(job_id)["status"] == "done"
    page = service.client.get(f"/ui/jobs/{job_id}/rows/1")
    assert page.status_code == 200
    hits = re.findall(r'<div class="hit" id="hit-\d+">(.*?)\n  </div>', page.text, re.S)
    dahua = next(h for h in hits if f"<code>{DAHUA_KEY}</code>" in h)
    assert 'class="mentioned-in"' in dahua and "information, not a flag" in dahua
    assert TITLE in dahua and SOURCE in dahua and SNIPPET in dahua and "2026-03-02" in dahua
    assert all('class="mentioned-in"' not in h for h in hits if h is not dahua)
    flags = page.text.split("<h2>Flags</h2>", 1)[1].split("<h2>Hits</h2>", 1)[0]
    assert TITLE not in flags  # evidence is beside the hit, never among the flags
    assert PRIVATE_PERSON not in page.text
