"""`python -m supplyscreen …` runs the command-line tool."""

from supplyscreen.cli import console

console()
