"""`supplyscreen evidence …`: news articles and reports kept as evidence beside the list entities
they name (``supplyscreen.cases.evidence``).

Evidence is information beside a hit, never a flag by itself. ``evidence add`` stores a document's
verified list-entity mentions with its title, date, source and hash; ``lists show``, the API's
``/entities/{id}`` and the web UI then show where an entity is "mentioned in". Adding and removing
evidence is audited as decisions are.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from supplyscreen.cli.cases import DatabaseOption
from supplyscreen.cli.common import HomeOption, err, out
from supplyscreen.errors import SupplyscreenError

if TYPE_CHECKING:
    from supplyscreen.cases.evidence import AddResult

FORMATS = ("table", "json")

evidence_app = typer.Typer(
    help="News as evidence: documents kept beside the list entities they name (information, never a flag).",
    no_args_is_help=True,
)

UserOption = Annotated[
    str | None,
    typer.Option(
        "--user", help="Who does this (default: $SUPPLYSCREEN_USER or the system user).", show_default=False
    ),
]


def need_case_database() -> None:
    """Evidence is kept in the case database, through SQLAlchemy and Alembic (the service extra): a
    base install says so in one line instead of a traceback."""
    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        raise SupplyscreenError(
            f"evidence is kept in the case database, which needs the service extra ({exc}): "
            "pip install 'supplyscreen[service]'"
        ) from None


@contextlib.contextmanager
def _book(database_url: str | None, home: Path | None) -> Iterator[Any]:
    """The case database, opened for one command and closed after it."""
    need_case_database()
    from supplyscreen.cases import Cases

    cases = Cases.open(database_url, home)
    try:
        yield cases
    finally:
        cases.close()


def _user(user: str | None) -> str:
    if user and user.strip():
        return user.strip()
    from supplyscreen.cases import local_user

    return local_user()


@evidence_app.command("add")
def evidence_add(
    file: Annotated[
        Path, typer.Argument(help="The document: a news article saved as HTML, a PDF, DOCX, e-mail or text.")
    ],
    date: Annotated[str, typer.Option("--date", help="Its publication date: YYYY-MM-DD, YYYY-MM or YYYY.")],
    source: Annotated[str, typer.Option("--source", help="Who published it (e.g. Reuters).")],
    title: Annotated[
        str | None,
        typer.Option("--title", help="Its title (default: the document's own, e.g. the HTML <title>)."),
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where it was published (http/https).")] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the evidence stored for the same file (same SHA-256).")
    ] = False,
    user: UserOption = None,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Store the list entities a document names (its verified mentions, each with the sentence naming
    it) as evidence, with the document's title, date, source and SHA-256.

    A document that names no list entity is refused (nothing is stored), as is one stored already
    (unless --replace). Exit 2 on a refused or unreadable document."""
    need_case_database()
    from supplyscreen.cases.evidence import add_document, check_fields
    from supplyscreen.screener import Screener

    check_fields(date=date, source=source, title=title, url=url)  # before the lists are loaded
    if not file.is_file():
        raise SupplyscreenError(f"{file}: no such file")
    screener = Screener.open(home)
    with _book(database_url, home) as cases:
        result = add_document(
            cases,
            screener,
            file,
            title=title,
            date=date,
            source=source,
            url=url,
            user=_user(user),
            replace=replace,
        )
    print_added(result, file)


def print_added(result: AddResult, file: Path) -> None:
    """What ``evidence add`` stored, a line per entity."""
    info = result.evidence
    for line in result.skipped:
        err.print(f"[yellow]skipped[/] {escape(line)}", highlight=False)
    if result.replaced is not None:
        out.print(
            f"replaced evidence {result.replaced.id} ({result.replaced.title})", highlight=False, markup=False
        )
    entities = len(info.mentions)
    out.print(
        f"stored evidence {info.id}: {result.mentions} verified mention(s) of {entities} list "
        f"entit{'y' if entities == 1 else 'ies'} in {file.name} "
        f'("{info.title}", {info.date}, {info.source}; sha256 {info.sha256[:12]}…)',
        highlight=False,
        markup=False,
    )
    for m in info.mentions:
        out.print(
            f"  {m.entity_name} ({m.entity_id}) [{', '.join(m.lists)}], page {m.page}: {m.text}",
            highlight=False,
            markup=False,
        )
    out.print("evidence is information beside a hit, never a flag by itself", style="dim", highlight=False)


def _entity_key(entity: str, home: Path | None) -> str:
    """The entity key of an id or a source id, where the active lists know it; else as given
    (evidence may name an entity the active lists no longer hold)."""
    from supplyscreen.store import Store

    try:
        return Store.open(home).get(entity).id
    except (SupplyscreenError, OSError):
        return entity


@evidence_app.command("list")
def evidence_list(
    entity: Annotated[
        str | None, typer.Option("--entity", help="Only the documents naming this entity (id or source id).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """The stored evidence: each document with its date, source and the list entities it names."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"use {' or '.join(FORMATS)}", param_hint="--format")
    need_case_database()
    from supplyscreen.cases.evidence import list_evidence

    key = _entity_key(entity, home) if entity else None
    with _book(database_url, home) as cases:
        found = list_evidence(cases.db, key)
    if fmt == "json":
        print(json.dumps([e.to_dict() for e in found], indent=1, ensure_ascii=False))
        return
    table = Table("id", "date", "title", "source", "entities", "added", "sha256")
    for e in found:
        table.add_row(
            str(e.id),
            e.date,
            escape(e.title),
            escape(e.source),
            escape("; ".join(f"{m.entity_name} ({m.entity_id})" for m in e.mentions)),
            f"{e.added_at[:10]} by {escape(e.added_by)}",
            e.sha256[:12] + "…",
        )
    out.print(table)
    if not found:
        out.print(
            "no evidence stored" + (f" naming {entity}" if entity else ""), highlight=False, markup=False
        )


@evidence_app.command("remove")
def evidence_remove(
    evidence_id: Annotated[int, typer.Argument(help="The evidence id (`evidence list` shows them).")],
    user: UserOption = None,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Remove a stored document and its mentions (the audit trail keeps that it was removed)."""
    need_case_database()
    from supplyscreen.cases.evidence import remove_evidence

    with _book(database_url, home) as cases:
        info = remove_evidence(cases, evidence_id, user=_user(user))
    out.print(f"removed evidence {info.id} ({info.title})", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add the evidence command group to the main app."""
    app.add_typer(evidence_app, name="evidence")
