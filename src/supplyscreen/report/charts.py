"""Horizontal bar charts as inline SVG, drawn on the server: no script, no external file, printable.

Each chart carries its numbers as text beside the bars and a ``<title>``/``<desc>`` for screen
readers, so it reads without colour and without the picture.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable, Sequence
from html import escape

#: Colours by risk level, and the default bar colour (all with enough contrast on white).
RISK_COLOURS = {"high": "#b3261e", "review": "#9a5b00", "clear": "#2e6b30"}
BAR_COLOUR = "#1f5f99"
WIDTH = 720
LABEL_WIDTH = 260
VALUE_WIDTH = 150
ROW_HEIGHT = 24
LINE_HEIGHT = 14
#: characters of a label line at 12px that fit in LABEL_WIDTH; a longer label wraps onto more lines
LABEL_CHARS = 34
LABEL_LINES = 3


def _label_lines(label: str) -> list[str]:
    """A label wrapped onto at most ``LABEL_LINES`` lines of ``LABEL_CHARS`` (a word longer than a
    line is broken); only a label longer than that is shortened, on its last line."""
    lines = textwrap.wrap(" ".join(label.split()), LABEL_CHARS, break_long_words=True) or [""]
    if len(lines) > LABEL_LINES:
        last = lines[LABEL_LINES - 1]
        lines = [*lines[: LABEL_LINES - 1], last[: LABEL_CHARS - 1].rstrip() + "…"]
    return lines


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    value_text: Callable[[float], str] = lambda v: f"{v:,.0f}",
    colours: Sequence[str] | None = None,
) -> str:
    """An SVG bar chart of (label, value) pairs, one bar per pair in the order given.

    ``colours`` gives each bar its colour (default one colour); labels are escaped and wrapped onto
    up to three lines (a row grows to fit them), with the full label as the bar's tooltip.
    """
    if not items:
        return ""
    # unique within a report and the same on every run (no process-wide counter)
    chart_id = "chart-" + hashlib.sha1(repr((title, list(items))).encode()).hexdigest()[:10]
    largest = max((value for _, value in items), default=0.0) or 1.0
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    labels = [_label_lines(label) for label, _ in items]
    rows = [max(ROW_HEIGHT, LINE_HEIGHT * len(lines) + 10) for lines in labels]
    height = sum(rows) + 8
    description = "; ".join(f"{label}: {value_text(value)}" for label, value in items)
    parts = [
        f'<svg class="chart" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}t {chart_id}d">',
        f'<title id="{chart_id}t">{escape(title)}</title>',
        f'<desc id="{chart_id}d">{escape(description)}</desc>',
    ]
    y = 4
    for index, ((label, value), lines, row) in enumerate(zip(items, labels, rows, strict=True)):
        bar = max(1.0, span * max(value, 0.0) / largest) if value > 0 else 0.0
        colour = colours[index] if colours and index < len(colours) else BAR_COLOUR
        middle = y + row / 2 + 4
        first = middle - (len(lines) - 1) * LINE_HEIGHT / 2
        spans = "".join(
            f'<tspan x="{LABEL_WIDTH - 8}" y="{first + j * LINE_HEIGHT:.0f}">{escape(line)}</tspan>'
            for j, line in enumerate(lines)
        )
        parts.append(
            f"<g><title>{escape(label)}: {escape(value_text(value))}</title>"
            f'<text text-anchor="end">{spans}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{middle - ROW_HEIGHT / 2 + 3 - 4:.0f}" width="{bar:.1f}" '
            f'height="{ROW_HEIGHT - 6}" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + bar + 6:.1f}" y="{middle:.0f}">{escape(value_text(value))}</text></g>'
        )
        y += row
    parts.append("</svg>")
    return "".join(parts)
