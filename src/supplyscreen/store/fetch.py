"""Fetch a source's files into a temporary directory: from the official URLs, a mirror URL or a folder.

A download that ends early (connection cut, short body) is an error, never a shorter file.
"""

from __future__ import annotations

import http.client
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlparse

from supplyscreen.errors import UpdateError
from supplyscreen.sources.base import SourceFile, SourceSpec
from supplyscreen.version import __version__

TIMEOUT_S = 60


def file_location(spec_file: SourceFile, base: str | None) -> str:
    """Where to get one file: ``base`` (a folder or base URL) by official file name, else its official URL."""
    if not base:
        return spec_file.url
    if _is_url(base):
        return base.rstrip("/") + "/" + quote(spec_file.filename)
    return str(Path(base) / spec_file.filename)


def _is_url(text: str) -> bool:
    return urlparse(text).scheme in ("http", "https", "file")


def fetch_source(
    spec: SourceSpec, dest: Path, base: str | None = None
) -> tuple[dict[str, Path], dict[str, str]]:
    """Download or copy the files of ``spec`` into ``dest``; returns (role → path, role → location).

    Optional files that are absent at the base are skipped; a missing required file is an error. A
    source published in alternative formats (``SourceFile.format``) gets one of them: from the
    official addresses its preferred format, from a base (a folder or mirror) the first format whose
    main file is there; when no format's main file is, that is the error.
    """
    dest.mkdir(parents=True, exist_ok=True)
    formats = spec.formats()
    missing: list[str] = []  # "<location> not found", per format tried
    for fmt in formats if base else formats[:1]:
        fetched = _fetch_files(spec, spec.format_files(fmt), dest, base, missing)
        if fetched is not None:
            return fetched
    either = " (either format of the list will do)" if len(missing) > 1 else ""
    raise UpdateError(f"{spec.code}: {', nor '.join(missing)}{either}")


def _fetch_files(
    spec: SourceSpec, files: tuple[SourceFile, ...], dest: Path, base: str | None, missing: list[str]
) -> tuple[dict[str, Path], dict[str, str]] | None:
    """Fetch one format's files (its main file first); None, with "<location> not found" added to
    ``missing``, when a required or main file is absent."""
    paths: dict[str, Path] = {}
    locations: dict[str, str] = {}
    for f in files:
        location = file_location(f, base)
        if not location:
            raise UpdateError(f"{spec.code}: no download location for {f.filename}")
        target = dest / f.filename
        try:
            if _is_url(location):
                _download(location, target)
            else:
                shutil.copyfile(location, target)
        except (FileNotFoundError, _MissingRemote) as exc:
            if f.required or f.main:
                missing.append(
                    f"{location} not found" + (" (HTTP 404)" if isinstance(exc, _MissingRemote) else "")
                )
                return None
            continue
        paths[f.role] = target
        locations[f.role] = location
    return paths, locations


class _MissingRemote(Exception):
    pass


def _download(url: str, target: Path) -> None:

    request = urllib.request.Request(url, headers={"User-Agent": f"supplyscreen/{__version__} (list update)"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, open(target, "wb") as out:
            expected = response.headers.get("Content-Length")
            written = 0
            while True:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                out.write(chunk)
                written += len(chunk)
        if expected is not None and written != int(expected):
            raise UpdateError(f"{url}: download incomplete ({written} of {expected} bytes)")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise _MissingRemote() from exc
        raise UpdateError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except http.client.IncompleteRead as exc:
        raise UpdateError(
            f"{url}: connection closed before the file was complete ({len(exc.partial)} bytes received)"
        ) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise UpdateError(f"{url}: download failed ({exc})") from exc
