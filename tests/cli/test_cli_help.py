"""The command line's help reads right: a flag never looks as if it took a value."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE
from support.cli import run_cli


@pytest.mark.parametrize(
    "command", [["screen"], ["match"], ["compare"], ["lists", "update"], ["lists", "export"], ["serve"]]
)
def test_flags_show_no_value_type_in_help(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run_cli([*command, "--help"], capsys, monkeypatch)
    assert code == 0
    assert "<bool>" not in out
    assert "<path>" in out or "<str>" in out or "<int>" in out  # options that take a value say which


def test_the_screen_flags_are_listed_bare(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = run_cli(["screen", "--help"], capsys, monkeypatch)
    resume = next(line for line in out.splitlines() if "--resume" in line)
    assert resume.split("--resume", 1)[1].split()[0] == "Continue"


def test_the_summary_title_stays_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_cli(["screen", str(EXAMPLE), "--out", str(tmp_path / "po.csv")], capsys, monkeypatch)
    assert code == 0, err
    title = out.splitlines()[0]
    assert "rows screened in" in title and "against lists" in title
