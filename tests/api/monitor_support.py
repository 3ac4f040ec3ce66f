"""Helpers of the monitor and schedule tests of the service: a small list store (the UN and FCC
fixture lists, quick to build and index), a vendor master, a user watchlist that makes a new version,
and the app on that store with one key per role and a signed-in reviewer and viewer."""

from __future__ import annotations

import csv
import io
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from conftest import FCC_HTML, UN_XML
from fastapi.testclient import TestClient
from support.homes import BASE_VERSION as BASE_VERSION  # re-exported for the schedule tests
from support.homes import small_home
from support.service import Service
from support.service import sign_in as sign_in  # re-exported for the service tests

from supplyscreen.api import Settings, create_app
from supplyscreen.cases import Cases
from supplyscreen.screener import Screener
from supplyscreen.store import Store

WATCH_HEADER = ["id", "name", "aliases", "country", "notes", "schema"]
MASTER = [
    ["vendor_id", "vendor name", "address"],
    ["1", "Hangzhou Hikvision Digital Technology Co., Ltd.", "Hangzhou, China"],
    ["2", "Acme Office Supplies", "Phoenix, AZ"],
    ["3", "Zorblax Industrial Holdings", "Shenzhen, China"],
    ["4", "Green Valley Office Furniture", "Portland, OR"],
]
#: a watchlist entry named like vendor 3 of the master
WATCHLIST = [["W1", "Zorblax Industrial Holdings", "", "CN", "", "Company"]]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def master_bytes(rows: list[list[str]] = MASTER) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode("utf-8")


def add_watchlist(home: Path, rows: list[list[str]] = WATCHLIST) -> str:
    """A user watchlist added to the lists (as `supplyscreen lists add` does): a new active version."""
    path = write_csv(home.parent / "watchlist.csv", [WATCH_HEADER, *rows])
    return Store.open(home).add_user_list("watch", path)


@contextmanager
def monitor_service(home: Path, *, update_every: float | None = None, **settings: Any) -> Iterator[Service]:
    """The app on the small lists in ``home`` (built there if missing), with keys and users."""
    if not (home / "snapshots").is_dir():
        small_home(home)
    cases = Cases.open(home=home)
    keys = {role: cases.accounts.create_key(role) for role in ("viewer", "reviewer", "admin")}
    cases.accounts.add_user("rita", "reviewer-password", "reviewer")
    cases.accounts.add_user("vic", "viewer-password", "viewer")
    app = create_app(
        Settings(home=home, **settings), screener=Screener.open(home), cases=cases, update_every=update_every
    )
    with TestClient(app) as client:
        yield Service(client, cases, keys)


def upload(service: Service, name: str = "vendors", role: str = "reviewer", **extra: Any) -> Any:
    files = {"file": ("vendor_master.csv", extra.pop("content", master_bytes()), "text/csv")}
    return service.client.post(
        "/monitors", files=files, data={"name": name, **extra}, headers=service.headers(role)
    )


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's API
        pass


@contextmanager
def list_mirror(folder: Path) -> Iterator[str]:
    """A local HTTP server on 127.0.0.1 serving the UN and FCC fixture files under their official
    names (as `lists update --from` reads a mirror); its base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(UN_XML, folder / "consolidated.xml")
    shutil.copyfile(FCC_HTML, folder / "coveredlist")

    def handler(*args: object, **kwargs: object) -> _Quiet:
        return _Quiet(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
