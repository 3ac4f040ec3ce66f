"""`supplyscreen lists …`: status, look-up, updates, export and your own lists, over the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from supplyscreen.cli.cases import DatabaseOption
from supplyscreen.cli.common import HomeOption, err, out
from supplyscreen.errors import SupplyscreenError
from supplyscreen.listcodes import list_info
from supplyscreen.model import STALE_AFTER_DAYS, Entity
from supplyscreen.store import Store
from supplyscreen.store.history import Seen, entity_history

lists_app = typer.Typer(
    help="The official lists: status, look-up, updates, export, your own lists.", no_args_is_help=True
)


#: Changes `lists diff` prints; --out writes them all.
SHOWN_CHANGES = 50


def _store(home: Path | None) -> Store:
    return Store.open(home)


@lists_app.command("status")
def lists_status(
    home: HomeOption = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Every list with its entity count, snapshot date and age, and the date a list read from a
    mirror (`lists update --from`) was installed; warns when a list is over 30 days old."""
    store = _store(home)
    rows = store.status()
    snapshot = store.snapshot
    if as_json:
        payload = {
            "version": store.active_version,
            "created": snapshot.created,
            "lists": [
                {
                    "list": r.list_code,
                    "source": r.source,
                    "entities": r.entities,
                    "snapshot_date": r.snapshot_date,
                    "age_days": r.age_days,
                    "stale": r.stale,
                    "official": r.official,
                    "mirror": r.mirror,
                    "mirrored_on": r.mirrored_on,
                }
                for r in rows
            ],
            "sources": {code: info.to_dict() for code, info in snapshot.sources.items()},
        }
        print(json.dumps(payload, indent=1, ensure_ascii=False))
        return
    table = Table(title=f"Lists in snapshot {store.active_version} (built {snapshot.created})")
    for col in ("list", "name", "from", "entities", "snapshot", "age (days)", "mirrored on", ""):
        table.add_column(col, justify="right" if col in ("entities", "age (days)") else "left")
    for r in rows:
        flag = f"[yellow]older than {STALE_AFTER_DAYS} days[/]" if r.stale else ""
        if not r.official:
            flag = (flag + " " if flag else "") + "[cyan]curated[/]"
        table.add_row(
            r.list_code,
            list_info(r.list_code).title,
            r.source,
            f"{r.entities:,}",
            r.snapshot_date or "?",
            "" if r.age_days is None else str(r.age_days),
            r.mirrored_on or "",
            flag,
        )
    out.print(table)
    for code, info in snapshot.sources.items():
        line = f"{code}: {info.records:,} records read → {info.entities:,} entities"
        if info.mirror:
            line += (
                f"; installed {info.fetched[:10]} from the mirror {info.mirror} "
                f"(list dated {info.snapshot_date or '?'})"
            )
        if info.skipped:
            line += "; skipped " + ", ".join(
                f"{n:,} {reason.replace('_', ' ')}" for reason, n in sorted(info.skipped.items())
            )
        out.print(line, highlight=False)
        for note in info.notes:
            out.print(f"  note: {note}", highlight=False)
    stale = sorted({r.list_code for r in rows if r.stale})
    if stale:
        err.print(
            f"[yellow]warning:[/] {len(stale)} list(s) are older than {STALE_AFTER_DAYS} days: "
            f"{', '.join(stale)}. Run `supplyscreen lists update`."
        )


def _print_entity(store: Store, entity: Entity) -> None:
    out.print(f"[bold]{entity.caption}[/]  ({entity.schema}, id {entity.id})", highlight=False)
    out.print("source ids: " + ", ".join(entity.source_ids), highlight=False)
    mt = Table(title="List memberships", show_lines=False)
    for col in ("list", "program", "listed", "ends", "status", "legal basis / authority", "source"):
        mt.add_column(col, overflow="fold")
    for m in entity.memberships:
        status = m.status if m.is_hit else f"[red]{m.status} (lead, not a list hit)[/]"
        mt.add_row(
            m.list_code,
            m.program or "",
            m.listed_on or "",
            m.ends_on or "",
            status,
            "; ".join(x for x in (m.authority, m.federal_register) if x) or list_info(m.list_code).basis,
            m.source_url or "",
        )
    out.print(mt)
    out.print(
        "names: " + " | ".join(f"{n.value} [dim]({n.kind}, {n.script})[/]" for n in entity.names),
        highlight=False,
    )
    if entity.countries:
        out.print("countries: " + ", ".join(entity.countries))
    for a in entity.addresses[:10]:
        out.print(f"address: {a.full}", highlight=False)
    for i in entity.identifiers:
        out.print(
            f"identifier: {i.type} {i.value}" + (f" ({i.country})" if i.country else ""), highlight=False
        )
    if entity.birth_dates:
        out.print(
            "born: "
            + ", ".join(entity.birth_dates)
            + (f" in {'; '.join(entity.birth_places)}" if entity.birth_places else "")
        )
    for r in entity.relations:
        target = r.target_name or r.target_id or "?"
        if r.target_id:
            try:
                target = f"{store.get(r.target_id).caption} ({r.target_id})"
            except SupplyscreenError:
                pass
        dates = f" until {r.end_date}" if r.end_date else ""
        out.print(
            f"relation: {r.type.replace('_', ' ')} {target}{dates}" + (f" — {r.note}" if r.note else ""),
            highlight=False,
        )


@lists_app.command("show")
def lists_show(
    key: Annotated[str, typer.Argument(help="An entity id, a source id (us_ofac_sdn:29299) or a name.")],
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """An entity with all its memberships, names and relations, and the documents kept as evidence
    that mention it (`evidence add`)."""
    store = _store(home)
    try:
        entities = [store.get(key)]
    except SupplyscreenError:
        entities = store.find_by_name(key, limit=5)
        if not entities:
            raise SupplyscreenError(f"no entity with id, source id or name {key!r}") from None
    history = entity_history(store)
    mentioned = _mentioned_in([e.id for e in entities], database_url, home)
    if as_json:
        shown = [
            {
                **e.to_dict(),
                **_seen(history.get(e.id)),
                **({"mentioned_in": mentioned[e.id]} if mentioned.get(e.id) else {}),
            }
            for e in entities
        ]
        print(json.dumps(shown, indent=1, ensure_ascii=False))
        return
    for i, entity in enumerate(entities):
        if i:
            out.rule()
        _print_entity(store, entity)
        seen = _seen(history.get(entity.id))
        if seen:
            out.print(
                "in these lists: first seen {first_seen}, last seen {last_seen}, last changed "
                "{last_change} (from the lists' change log; a listing date is the membership's)".format(
                    **seen
                ),
                highlight=False,
            )
        _print_mentioned_in(mentioned.get(entity.id, []))


def _mentioned_in(
    keys: list[str], database_url: str | None, home: Path | None
) -> dict[str, list[dict[str, object]]]:
    """The evidence mentioning each entity, from the case database: nothing when there is no case
    database, or no service extra (SQLAlchemy) to read one; a database that cannot be read is
    reported in one line and the entity is shown without it."""
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from supplyscreen.cases.db import CaseDatabase, database_exists
        from supplyscreen.cases.db import database_url as resolve_url
        from supplyscreen.cases.evidence import mentions_of
    except ImportError:  # a base install: no case database to read
        return {}
    url = resolve_url(database_url, home)
    if not database_exists(url):
        return {}
    try:
        db = CaseDatabase(url)
        try:
            return {key: [m.api_dict() for m in mentions_of(db, key)] for key in keys}
        finally:
            db.close()
    except (SupplyscreenError, SQLAlchemyError) as exc:
        err.print(f"[yellow]evidence not shown:[/] {escape(str(exc).splitlines()[0])}", highlight=False)
        return {}


def _print_mentioned_in(mentions: list[dict[str, object]]) -> None:
    if not mentions:
        return
    out.print(
        f"[bold]Mentioned in[/] {len(mentions)} document(s) kept as evidence "
        "[dim](information beside a hit, not a flag)[/]:",
        highlight=False,
    )
    for m in mentions:
        out.print(
            f'  {m["date"]} {m["source"]}: "{m["title"]}" (evidence {m["evidence_id"]}, page {m["page"]})'
            + (f" {m['url']}" if m.get("url") else ""),
            highlight=False,
            markup=False,
        )
        out.print(f"    “{m['snippet']}”", highlight=False, markup=False)


def _seen(seen: Seen | None) -> dict[str, str]:
    return (
        {}
        if seen is None
        else {"first_seen": seen.first_seen, "last_seen": seen.last_seen, "last_change": seen.last_change}
    )


@lists_app.command("update")
def lists_update(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Sources to update (default: all official).")
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="A folder or base URL holding the files under their "
            "official names (default: the official URLs, or "
            "$SUPPLYSCREEN_SOURCES_BASE_URL).",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Accept a list whose entities, names or addresses dropped by more than 5%, "
            "or that lacks a companion file (alt.csv, add.csv …) the active version has.",
        ),
    ] = False,
    monitor: Annotated[
        bool, typer.Option("--monitor", help="Then run every monitor (`supplyscreen monitor run`).")
    ] = False,
    notify: Annotated[
        list[str] | None,
        typer.Option("--notify", help="With --monitor: send the changes to a webhook URL or mailto:ADDRESS."),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Download, validate and switch to new list versions; a failed list keeps its previous version.

    Exit 2 when a list's files were refused (cut short, damaged, a companion file missing, the
    list shrank), 1 when they could not be fetched; with --monitor, 3 when a monitor reported changes
    (and no list failed)."""
    if notify and not monitor:
        raise typer.BadParameter("--notify needs --monitor", param_hint="--notify")
    store = _store(home)
    before = store.active_version
    with err.status("updating lists…"):
        result = store.update(sources or [], from_, force=force)
    for code, data in result.updated.items():
        out.print(
            f"[green]updated[/] {code}: {data.info.entities:,} entities "
            f"(sha256 {next(iter(data.info.files.values()))['sha256'][:12]}…)"
        )
    for code, why in result.failed.items():
        err.print(f"[red]failed[/] {code}: {why}", highlight=False)
    if result.version:
        out.print(f"active snapshot: {result.version} (was {before})")
    else:
        out.print(f"active snapshot unchanged: {before}")
    changes = 0
    if monitor:
        from supplyscreen.cli.monitor import print_runs, run_monitors

        runs = run_monitors([], database_url=None, home=home, notify=notify or [])
        print_runs(runs)
        changes = sum(len(r.changes) for r in runs)
    if result.refused:
        raise typer.Exit(2)
    if result.failed:
        raise typer.Exit(1)
    if changes:
        raise typer.Exit(3)


@lists_app.command("export")
def lists_export(
    fmt: Annotated[
        str, typer.Option("--format", help="Output format (ftm: FollowTheMoney JSON lines).")
    ] = "ftm",
    out_path: Annotated[Path, typer.Option("--out", help="Output file.")] = Path(
        "supplyscreen-lists.ftm.json"
    ),
    home: HomeOption = None,
) -> None:
    """Write every list entity out, as FollowTheMoney JSON lines."""
    if fmt != "ftm":
        raise typer.BadParameter(f"unknown format {fmt!r}; supported: ftm", param_hint="--format")
    n = _store(home).export_ftm(out_path)
    out.print(f"wrote {n:,} entities to {out_path}")


@lists_app.command("add")
def lists_add(
    name: Annotated[str, typer.Argument(help="Name of your list (lower case, e.g. internal_blacklist).")],
    file: Annotated[Path, typer.Argument(help="CSV (name, aliases, country, notes) or FollowTheMoney JSON.")],
    home: HomeOption = None,
) -> None:
    """Load your own watchlist or licensed data as a list of its own, versioned like the others."""
    store = _store(home)
    version = store.add_user_list(name, file)
    info = store.snapshot.sources[f"user_{name}"]
    out.print(f"added list {name}: {info.entities:,} entities; active snapshot {version}")


@lists_app.command("remove")
def lists_remove(
    name: Annotated[str, typer.Argument(help="Name of a list added with `lists add`.")],
    home: HomeOption = None,
) -> None:
    """Remove one of your own lists (in a new snapshot version)."""
    version = _store(home).remove_user_list(name)
    out.print(f"removed list {name}; active snapshot {version}")


@lists_app.command("diff")
def lists_diff(
    old: Annotated[
        str | None, typer.Option("--old", help="The older version (default: the one before --new).")
    ] = None,
    new: Annotated[
        str | None, typer.Option("--new", help="The newer version (default: the active one).")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Only this source (us_ofac_nonsdn …).")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the changes to diff.csv, diff.jsonl or diff.html.")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Entities added, removed and changed between two list versions, per list (by default the
    active version against the one before it). Letter case, address splitting and a field the newer
    file's format lacks are not changes."""
    from supplyscreen.store.diff import KINDS, version_diff, what_changed, write_diff

    diff = version_diff(_store(home), old, new, source)
    if out_path is not None:
        write_diff(diff, out_path)
    table = Table(title=f"Changes from {diff.old or 'the version before'} to {diff.new}")
    table.add_column("list")
    for kind in KINDS:
        table.add_column(kind, justify="right")
    for code, counts in diff.counts().items():
        table.add_row(code, *(str(counts[k]) for k in KINDS))
    out.print(table)
    for change in diff.changes[:SHOWN_CHANGES]:
        out.print(
            f"{change.change:8s} {change.source_id}  {change.caption}  {what_changed(change)}",
            highlight=False,
        )
    more = len(diff.changes) - SHOWN_CHANGES
    if more > 0:
        out.print(f"… and {more:,} more (write them all with --out)")
    totals = diff.totals()
    out.print(f"{totals['added']} added, {totals['removed']} removed, {totals['changed']} changed")
    if out_path is not None:
        out.print(f"wrote {len(diff.changes):,} changes to {out_path}")


@lists_app.command("versions")
def lists_versions(home: HomeOption = None) -> None:
    """Installed snapshot versions; the active one is marked."""
    store = _store(home)
    for v in store.versions():
        out.print(("* " if v == store.active_version else "  ") + v)


@lists_app.command("use")
def lists_use(
    version: Annotated[str, typer.Argument(help="A version from `lists versions`.")], home: HomeOption = None
) -> None:
    """Switch the active snapshot (roll back to an earlier version, or to `embedded`)."""
    store = _store(home)
    store.activate(version)
    out.print(f"active snapshot: {version}")


def register(app: typer.Typer) -> None:
    """Add the lists command group to the main app."""
    app.add_typer(lists_app, name="lists")
