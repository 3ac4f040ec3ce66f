"""The base install (`pip install -e .`, no extra) runs the README's main command: the CLI imports
nothing of the service extra (SQLAlchemy, FastAPI) until a command needs it. A clean clone showed
this break once: `supplyscreen screen` failed with "No module named 'sqlalchemy'"."""

from __future__ import annotations

import subprocess
import sys


def test_the_cli_and_a_screening_import_nothing_of_the_service_extra() -> None:
    code = (
        "import sys\n"
        "import supplyscreen.cli, supplyscreen.screen.run, supplyscreen.screener\n"
        "found = sorted(m for m in ('sqlalchemy', 'fastapi', 'alembic', 'uvicorn') if m in sys.modules)\n"
        "assert not found, found\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_monitors_on_a_base_install_say_which_extra_they_need(tmp_path: object) -> None:
    code = (
        "import sys\n"
        "sys.modules['sqlalchemy'] = None  # as on a base install: importing it fails\n"
        "sys.argv = ['supplyscreen', 'monitor', 'list', '--home', sys.argv[1]]\n"
        "from supplyscreen.cli import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr[-2000:]
    message = " ".join(done.stderr.split())
    assert "pip install 'supplyscreen[service]'" in message and "Traceback" not in message
