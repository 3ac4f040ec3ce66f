"""The HTTP service in-process for API tests: a running app with one key per role, a reviewer and a
viewer who sign in with passwords, and helpers to send requests as each."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from supplyscreen.api import Settings, create_app
from supplyscreen.cases import Cases


class Service:
    """A running app with one key per role and a signed-in reviewer's helpers."""

    def __init__(self, client: TestClient, cases: Cases, keys: dict[str, str]) -> None:
        self.client = client
        self.cases = cases
        self.keys = keys

    def headers(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.keys[role]}"}

    def wait(self, job_id: str, role: str = "admin") -> dict[str, Any]:
        for _ in range(300):
            job: dict[str, Any] = self.client.get(f"/jobs/{job_id}", headers=self.headers(role)).json()
            if job["status"] in ("done", "failed", "cancelled"):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not finish")


def open_service(screener: Any, home: Path, **settings: Any) -> Iterator[Service]:
    """The service on ``screener``'s lists with its data in ``home`` (a generator for a fixture)."""
    cases = Cases.open(home=home)
    keys = {role: cases.accounts.create_key(role) for role in ("viewer", "reviewer", "admin")}
    cases.accounts.add_user("rita", "reviewer-password", "reviewer")
    cases.accounts.add_user("vic", "viewer-password", "viewer")
    app = create_app(Settings(home=home, **settings), screener=screener, cases=cases)
    with TestClient(app) as client:
        yield Service(client, cases, keys)


def sign_in(client: TestClient, user: str, password: str) -> str:
    """Sign in through the login form; the session's CSRF token."""
    page = client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post(
        "/ui/login",
        data={"username": user, "password": password, "csrf_token": token.group(1), "next": "/ui/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    home = client.get("/ui/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert csrf is not None
    return csrf.group(1)
