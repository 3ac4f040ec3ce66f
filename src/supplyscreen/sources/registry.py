"""Every known source, by code, as ``data/sources.yaml`` declares it once.

Everything that needs to know the sources derives from that file: the readers (:func:`source_spec`),
the sources ``lists update`` fetches by default (:data:`UPDATABLE`), the curated ones
(:data:`CURATED`), the linkage's order of authority (:data:`PRIORITY`), the gaps every report names
(:func:`known_gaps`), the list-size guard of an update (:func:`min_share`) and the files the
embedded snapshot is built from (:func:`embedded_files`). Reader modules are imported on first use,
to keep start-up fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module, resources
from typing import Any

from supplyscreen._yaml import safe_load as load_yaml
from supplyscreen.errors import StoreError
from supplyscreen.sources.base import SourceSpec

#: Share of the active version's entities, names and addresses (each) below which an update of a
#: source is refused unless forced: a drop of over 5% in any of them.
DEFAULT_MIN_SHARE = 0.95


@dataclass(frozen=True, slots=True)
class SourceDeclaration:
    """One source as ``data/sources.yaml`` declares it."""

    code: str
    module: str  # in supplyscreen.sources
    attribute: str  # the module's SourceSpec
    updatable: bool = False
    min_share: float = DEFAULT_MIN_SHARE
    known_gap: str = ""
    embedded_date: str | None = None
    embedded_files: tuple[tuple[str, str], ...] = ()  # (file role, path in the builder's folder)
    #: earlier versions the embedded snapshot keeps the changes of, oldest first: (date, files)
    embedded_history: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


def _declaration(code: str, raw: dict[str, Any]) -> SourceDeclaration:
    module, _, attribute = str(raw["reader"]).partition(":")
    embedded = raw.get("embedded") or {}
    return SourceDeclaration(
        code=code,
        module=module,
        attribute=attribute or "SOURCE",
        updatable=bool(raw.get("updatable", False)),
        min_share=float(raw.get("min_share", DEFAULT_MIN_SHARE)),
        known_gap=" ".join(str(raw.get("known_gap") or "").split()),
        embedded_date=str(embedded["date"]) if embedded.get("date") else None,
        embedded_files=tuple((str(role), str(path)) for role, path in (embedded.get("files") or {}).items()),
        embedded_history=tuple(
            (str(v["date"]), tuple((str(role), str(path)) for role, path in v["files"].items()))
            for v in embedded.get("history") or ()
        ),
    )


@cache
def declarations() -> dict[str, SourceDeclaration]:
    """Every source, in order of authority (the order of ``data/sources.yaml``)."""
    text = resources.files("supplyscreen").joinpath("data/sources.yaml").read_text(encoding="utf-8")
    return {code: _declaration(code, raw) for code, raw in load_yaml(text).items()}


#: Source codes in order of authority: the first one present names a merged entity.
PRIORITY: tuple[str, ...] = tuple(declarations())
#: Sources `lists update` downloads by default: the official files with a live URL.
UPDATABLE: tuple[str, ...] = tuple(code for code, d in declarations().items() if d.updatable)
#: Curated research files shipped inside the package.
CURATED: tuple[str, ...] = tuple(code for code in declarations() if code.startswith("curated_"))


def declaration(code: str) -> SourceDeclaration:
    """The declaration of a source code; a clear error names the known ones otherwise."""
    try:
        return declarations()[code]
    except KeyError:
        known = ", ".join(declarations())
        raise StoreError(f"unknown list source {code!r}; known sources: {known}") from None


def source_spec(code: str) -> SourceSpec:
    """The SourceSpec of a source code; a clear error names the known ones otherwise."""
    found = declaration(code)
    spec: SourceSpec = getattr(import_module(f"supplyscreen.sources.{found.module}"), found.attribute)
    return spec


def known_gaps() -> dict[str, str]:
    """What every report says each source lacks, by source code (sources without a known gap left out)."""
    return {code: d.known_gap for code, d in declarations().items() if d.known_gap}


def min_share(code: str) -> float:
    """The share of the active version's entities, names and addresses an update of ``code`` must
    keep, each of them (else refused unless forced)."""
    return declarations()[code].min_share if code in declarations() else DEFAULT_MIN_SHARE


def embedded_history() -> dict[str, list[tuple[str, dict[str, str]]]]:
    """Earlier versions of sources the embedded snapshot keeps the changes of: source → [(data date,
    {role: path}), …], oldest first."""
    return {
        code: [(date, dict(files)) for date, files in d.embedded_history]
        for code, d in declarations().items()
        if d.embedded_history
    }


def embedded_files() -> dict[str, tuple[dict[str, str], str | None]]:
    """The official files the embedded snapshot is built from: source → ({role: path}, data date)."""
    return {
        code: (dict(d.embedded_files), d.embedded_date)
        for code, d in declarations().items()
        if d.embedded_files
    }
