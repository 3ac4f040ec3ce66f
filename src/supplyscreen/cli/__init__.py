"""The `supplyscreen` command. Thin: every command calls the core and formats its answer.

Each module of this package adds its commands to the app with its ``register(app)``: ``screen``,
``match`` (match, compare), ``network``, ``service`` (serve), ``lists``, ``cases`` (users, keys,
audit, decisions), ``monitor``, ``scan`` (documents) and ``evidence``. ``common`` holds what they
share; ``spark`` runs ``screen --engine spark``.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys

import typer
from rich.markup import escape
from typer.core import TyperOption

from supplyscreen.cli import cases, evidence, lists, match, monitor, network, scan, screen, service
from supplyscreen.cli.common import err, out
from supplyscreen.errors import SupplyscreenError
from supplyscreen.version import __version__

_option_type = TyperOption.display_type_rich


def _no_type_for_flags(self: TyperOption, ctx: typer.Context) -> str | None:
    """Typer 0.2x labels every option with its type in the help, flags too ("--resume <bool>"), which
    reads as if the flag took a value; a flag shows no type (its help says what it switches)."""
    return None if self.is_flag else _option_type(self, ctx)


TyperOption.display_type_rich = _no_type_for_flags  # type: ignore[method-assign, assignment]

app = typer.Typer(
    help="Screen vendors, suppliers, products and purchase files against the official lists "
    "(OFAC, BIS Entity List, UN, FCC Covered List, NDAA s.889, UFLPA).",
    no_args_is_help=True,
    add_completion=False,
)

for _module in (lists, screen, scan, match, network, cases, monitor, evidence, service):
    _module.register(app)


@app.command("version")
def version() -> None:
    """Print the supplyscreen version."""
    out.print(__version__)


def main() -> None:
    """Console entry point: a SupplyscreenError is a one-line message and exit code 2, never a traceback."""
    try:
        rc = app(standalone_mode=False)
    except SupplyscreenError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)  # a file name may hold [brackets]
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # usage errors: the click exception class behind Typer (vendored in newer Typer)
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(2)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)


def console() -> None:
    """The installed command: :func:`main`, then a quick exit.

    A screening run holds millions of objects (the name index, the entities); the interpreter's own
    shutdown would collect and free them one by one, seconds after the work is done. Output is
    flushed and exit handlers run, then the process ends at once.
    """
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
