"""`supplyscreen users|keys|audit|decisions`: accounts, API keys, the audit trail and reviewer decisions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from supplyscreen.cases.hooks import install_list_audit
from supplyscreen.cli.common import HomeOption, err, out

if TYPE_CHECKING:
    from supplyscreen.cases import Cases

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Case database (default: $SUPPLYSCREEN_DATABASE_URL, else <home>/supplyscreen.db).",
        show_default=False,
    ),
]

users_app = typer.Typer(help="People who sign in to the web UI, with their roles.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys (sent as 'Authorization: ApiKey <key>').", no_args_is_help=True)
audit_app = typer.Typer(
    help="The append-only audit trail: export it, check its hash chain.", no_args_is_help=True
)
decisions_app = typer.Typer(
    help="Reviewer decisions on hits (confirmed, false positive).", no_args_is_help=True
)


def _cases(database_url: str | None, home: Path | None) -> Cases:
    from supplyscreen.cases import Cases  # loads SQLAlchemy (the service extra): only when a command needs it

    return Cases.open(database_url, home)


def _read_password(password: str | None) -> str:
    """The password from the option, else a prompt on a terminal, else the first line of stdin."""
    if password is not None:
        return password
    if sys.stdin.isatty():
        return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name to sign in with.")],
    role: Annotated[str, typer.Option(help="viewer, reviewer or admin.")] = "viewer",
    password: Annotated[
        str | None, typer.Option(help="The password (default: prompt, or one line on stdin).")
    ] = None,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Create a user who can sign in to the web UI."""
    cases = _cases(database_url, home)
    try:
        cases.accounts.add_user(name, _read_password(password), role)
    finally:
        cases.close()
    out.print(f"added user {name} ({role})", highlight=False)


@users_app.command("list")
def users_list(database_url: DatabaseOption = None, home: HomeOption = None) -> None:
    """Every user with role and creation time."""
    cases = _cases(database_url, home)
    try:
        table = Table("user", "role", "created", "active")
        for name, role, created, active in cases.accounts.users():
            table.add_row(name, role, created, "yes" if active else "no")
        out.print(table)
    finally:
        cases.close()


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="viewer, reviewer or admin.")] = "viewer",
    user: Annotated[
        str | None, typer.Option(help="The person the key acts for (shown in the audit log).")
    ] = None,
    label: Annotated[str, typer.Option(help="A note to recognise the key by (e.g. erp-prod).")] = "",
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Create an API key; it is printed once, alone on the last line, and only its digest is stored."""
    cases = _cases(database_url, home)
    try:
        key = cases.accounts.create_key(role, user=user, label=label)
    finally:
        cases.close()
    err.print(f"new {role} key (store it now: it cannot be shown again):", highlight=False)
    print(key)


@keys_app.command("list")
def keys_list(database_url: DatabaseOption = None, home: HomeOption = None) -> None:
    """Every key by its first characters, with role, user, label and state."""
    cases = _cases(database_url, home)
    try:
        table = Table("key", "role", "user", "label", "created", "state")
        for key in cases.accounts.keys():
            state = "revoked" if key.revoked else "active"
            table.add_row(key.prefix + "…", key.role, key.user or "", key.label, key.created, state)
        out.print(table)
    finally:
        cases.close()


@keys_app.command("revoke")
def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's first characters (at least 6).")],
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Revoke a key."""
    cases = _cases(database_url, home)
    try:
        n = cases.accounts.revoke_key(prefix)
    finally:
        cases.close()
    out.print(f"revoked {n} key(s)")
    if not n:
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "jsonl",
    out_path: Annotated[Path, typer.Option("--out", help="Output file.")] = Path("supplyscreen-audit.jsonl"),
    since: Annotated[int, typer.Option(help="Only rows after this sequence number.")] = 0,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Write the audit log (every screening, decision and list update) as CSV or JSON lines."""
    cases = _cases(database_url, home)
    try:
        n = cases.audit.export(out_path, fmt, since=since)
    finally:
        cases.close()
    out.print(f"wrote {n:,} audit rows to {out_path}", highlight=False)
    from supplyscreen.cases.audit import head_path  # SQLAlchemy, of the service extra: only when used

    out.print(
        f"signed head: {head_path(out_path)} (keep it apart from the database; "
        "`audit verify --against` it later)",
        highlight=False,
    )


@audit_app.command("verify")
def audit_verify(
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="An earlier export (or its .head.json): the log must still hold the head it signed, "
            "so a tail cut off or rewritten shows.",
        ),
    ] = None,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Check the hash chain and each row's key mark; exit 1 naming the first bad row when any row was
    changed, removed or added."""
    cases = _cases(database_url, home)
    from supplyscreen.cases.audit import read_head  # SQLAlchemy, of the service extra: only when used

    try:
        result = cases.audit.verify_against(read_head(against)) if against else cases.audit.verify()
    finally:
        cases.close()
    if result.ok:
        against_text = f", and it holds the head signed in {against}" if against else ""
        out.print(f"audit log intact: {result.rows:,} rows, hash chain and key marks verified{against_text}")
        if result.unkeyed:
            out.print(f"{result.unkeyed:,} rows were written before the log was keyed (no mark to check)")
        return
    err.print(
        f"[red]audit log tampered:[/] {result.reason} (first bad row: {result.bad_seq})", highlight=False
    )
    raise typer.Exit(1)


@decisions_app.command("list")
def decisions_list(
    entity: Annotated[str | None, typer.Option(help="Only decisions on this entity id.")] = None,
    database_url: DatabaseOption = None,
    home: HomeOption = None,
) -> None:
    """Reviewer decisions, newest last."""
    cases = _cases(database_url, home)
    try:
        notes = cases.decisions.for_entity(entity)[::-1] if entity else cases.decisions.all()
    finally:
        cases.close()
    table = Table("id", "input", "entity", "decision", "by", "on", "comment")
    for n in notes:
        table.add_row(str(n.id), n.input_name, n.entity_id, n.status, n.user, n.created[:10], n.comment)
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add the users, keys, audit and decisions command groups; list switches are audited from now on."""
    install_list_audit()
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
    app.add_typer(audit_app, name="audit")
    app.add_typer(decisions_app, name="decisions")
