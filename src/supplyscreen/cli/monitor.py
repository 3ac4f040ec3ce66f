"""`supplyscreen monitor …`: saved vendor masters, re-screened when the lists change.

``monitor run`` exits 0 with no change, 3 with changes (as ``screen --fail-on`` findings do), 2 on
bad input and 1 on any other error, so a cron job can tell a crash from a change.
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
    from supplyscreen.monitor.run import RunResult

#: Exit code of a run that found changes.
CHANGES_EXIT = 3

monitor_app = typer.Typer(
    help="Monitors: saved vendor masters re-screened when the lists change, reporting only what changed.",
    no_args_is_help=True,
)


def need_case_database() -> None:
    """Monitors are kept in the case database, through SQLAlchemy and Alembic (the service extra):
    a base install says so in one line instead of a traceback."""
    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        raise SupplyscreenError(
            f"monitors are kept in the case database, which needs the service extra ({exc}): "
            "pip install 'supplyscreen[service]'"
        ) from None


def _cases(database_url: str | None, home: Path | None) -> Any:
    """The case database monitors live in."""
    need_case_database()
    from supplyscreen.cases import Cases

    return Cases.open(database_url, home)


@contextlib.contextmanager
def _book(database_url: str | None, home: Path | None) -> Iterator[Any]:
    """The case database, opened for one command and closed after it."""
    cases = _cases(database_url, home)
    try:
        yield cases
    finally:
        cases.close()


def _open(database_url: str | None, home: Path | None) -> tuple[Any, Any]:
    from supplyscreen.cases.hooks import install_list_audit
    from supplyscreen.screener import Screener

    cases = _cases(database_url, home)
    install_list_audit()
    return cases, Screener.open(home)


def _user() -> str:
    from supplyscreen.cases import local_user

    return local_user()


@monitor_app.command("add")
def monitor_add(
    name: Annotated[str, typer.Argument(help="The monitor's name (letters, digits, _ - .).")],
    file: Annotated[Path, typer.Argument(help="The vendor master: any file `screen` reads.")],
    map_: Annotated[
        str | None,
        typer.Option("--map", help='Columns to use, as for `screen`: "name=Vendor,address=Street".'),
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="The XLSX sheet to read.")] = None,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Save a vendor master and screen it once as the baseline; adding NAME again replaces its master
    and reports the rows added, removed and changed (reported as changes by the next run)."""
    need_case_database()
    from supplyscreen.monitor.run import add_monitor

    cases, screener = _open(database_url, home)
    try:
        result = add_monitor(cases, screener, name, file, user=_user(), mapping=map_, sheet=sheet)
    finally:
        cases.close()
    for line in result.errors[:20]:
        err.print(f"[yellow]skipped[/] {escape(line)}", highlight=False)
    edit = result.edit
    if edit.replaced:
        out.print(
            f"replaced the master of monitor {name}: {edit.rows:,} rows; {edit.added:,} added, "
            f"{edit.removed:,} removed, {edit.changed:,} changed, {edit.unchanged:,} unchanged "
            "(`monitor run` reports what they change)",
            highlight=False,
        )
    elif result.baseline is not None:
        by_risk = result.baseline.stats.get("by_risk", {})
        counts = ", ".join(f"{n:,} {risk}" for risk, n in sorted(by_risk.items()))
        out.print(
            f"added monitor {name}: {edit.rows:,} rows screened as the baseline against lists "
            f"{result.baseline.list_version} ({counts})",
            highlight=False,
        )


@monitor_app.command("run")
def monitor_run(
    names: Annotated[list[str] | None, typer.Argument(help="Monitors to run (default: all).")] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the changes to changes.jsonl, .csv or .html.")
    ] = None,
    notify: Annotated[
        list[str] | None,
        typer.Option("--notify", help="Send the changes to a webhook URL or mailto:ADDRESS (repeatable)."),
    ] = None,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Re-screen monitors against the active lists and report only what changed since their last run.

    Exit 0: no change; 3: changes; 2: bad input; 1: any other error."""
    need_case_database()
    from supplyscreen.monitor.output import check_output, write_changes

    if out_path is not None:
        check_output(out_path)
    results = run_monitors(names or [], database_url=database_url, home=home, notify=notify or [])
    changes = [c for r in results for c in r.changes]
    if out_path is not None:
        write_changes(changes, out_path)
    print_runs(results)
    if out_path is not None:
        out.print(f"wrote {len(changes):,} changes to {out_path}", highlight=False)
    if changes:
        raise typer.Exit(CHANGES_EXIT)


def run_monitors(
    names: list[str], *, database_url: str | None, home: Path | None, notify: list[str]
) -> list[RunResult]:
    """Run the named monitors (all when none is named)."""
    need_case_database()
    from supplyscreen.monitor.book import MonitorBook
    from supplyscreen.monitor.notify import parse_target
    from supplyscreen.monitor.run import run_monitor

    for target in notify:
        parse_target(target)
    cases, screener = _open(database_url, home)
    try:
        book = MonitorBook(cases.db)
        chosen = names or book.names()
        for name in chosen:
            book.get(name)  # an unknown name is refused before any monitor runs
        return [run_monitor(cases, screener, name, user=_user(), notify=notify) for name in chosen]
    finally:
        cases.close()


def print_runs(results: list[RunResult]) -> None:
    """Each run's changes, a line each (the first 50 of a run)."""
    for result in results:
        _print_run(result)


def _print_run(result: RunResult) -> None:
    from supplyscreen.monitor.output import list_change_text

    out.print(
        f"monitor {result.monitor}: {len(result.changes)} change(s) ({result.mode}; lists "
        f"{result.previous_version or '-'} → {result.list_version})",
        highlight=False,
    )
    for c in result.changes[:50]:
        what = c.entity_name or f"risk {c.risk_before} → {c.risk_after}"
        cause = list_change_text(c) or c.cause
        out.print(
            f"  row {c.row} {c.vendor}: {c.change} {what} [{c.source or ''}] ({cause})",
            highlight=False,
            markup=False,
        )
    if len(result.changes) > 50:
        out.print(f"  … and {len(result.changes) - 50:,} more (write them all with --out)")
    for d in result.deliveries:
        colour = "green" if d.ok else "red"
        err.print(
            f"  [{colour}]notify[/] {escape(d.target)}: {escape(d.status)} after {d.attempts} attempt(s)",
            highlight=False,
        )


@monitor_app.command("list")
def monitor_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Every monitor with its rows, last run, list version and open changes."""
    need_case_database()
    from supplyscreen.monitor.book import MonitorBook

    with _book(database_url, home) as cases:
        monitors = MonitorBook(cases.db).all()
    if as_json:
        print(json.dumps([m.to_dict() for m in monitors], indent=1, ensure_ascii=False))
        return
    table = Table("monitor", "file", "rows", "last run", "lists", "open changes")
    for m in monitors:
        table.add_row(
            m.name, m.file_name, f"{m.rows:,}", m.last_run or "-", m.list_version, str(m.open_changes)
        )
    out.print(table)


@monitor_app.command("show")
def monitor_show(
    name: Annotated[str, typer.Argument(help="A monitor's name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """A monitor: its rows, last runs and open changes."""
    need_case_database()
    from supplyscreen.monitor.book import MonitorBook
    from supplyscreen.monitor.output import list_change_text

    with _book(database_url, home) as cases:
        book = MonitorBook(cases.db)
        info = book.get(name)
        runs = book.runs(name, limit=5)
        open_changes = book.changes(name, status="unseen")
    if as_json:
        payload = {**info.to_dict(), "runs": runs, "changes": [c.to_dict() for c in open_changes]}
        print(json.dumps(payload, indent=1, ensure_ascii=False))
        return
    out.print(
        f"monitor {info.name}: {info.rows:,} rows from {info.file_name}, "
        f"added {info.created} by {info.user}; "
        f"last run {info.last_run or 'never'} against lists {info.list_version or '-'}",
        highlight=False,
    )
    for run in runs:
        out.print(
            f"  run {run['id']} {run['finished']}: {run['mode']}, {run['changes']} change(s)", highlight=False
        )
    out.print(f"{len(open_changes)} change(s) not yet marked seen:")
    for c in open_changes:
        what = c.entity_name or f"risk {c.risk_before} → {c.risk_after}"
        out.print(
            f"  #{c.id} row {c.row} {c.vendor}: {c.change} {what} [{c.source or ''}] "
            f"({list_change_text(c) or c.cause}) {c.status}",
            highlight=False,
            markup=False,
        )


@monitor_app.command("remove")
def monitor_remove(
    name: Annotated[str, typer.Argument(help="A monitor's name.")],
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Remove a monitor, its rows and its changes (the audit trail keeps that it was removed)."""
    need_case_database()
    from supplyscreen.monitor.run import remove_monitor

    with _book(database_url, home) as cases:
        remove_monitor(cases, name, user=_user())
    out.print(f"removed monitor {name}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the monitor command group to the main app."""
    app.add_typer(monitor_app, name="monitor")
