"""Horizontal bar charts as inline SVG, drawn on the server: no script, no external file, printable.

Each chart carries its numbers as text beside the bars and a ``<title>``/``<desc>`` for screen
readers, so it reads without colour and without the picture.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from html import escape

#: Colours by risk level, and the default bar colour (all with enough contrast on white).
RISK_COLOURS = {"high": "#b3261e", "review": "#9a5b00", "clear": "#2e6b30"}
BAR_COLOUR = "#1f5f99"
WIDTH = 720
LABEL_WIDTH = 260
VALUE_WIDTH = 150
ROW_HEIGHT = 24
LABEL_CHARS = 38


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    value_text: Callable[[float], str] = lambda v: f"{v:,.0f}",
    colours: Sequence[str] | None = None,
) -> str:
    """An SVG bar chart of (label, value) pairs, one bar per pair in the order given.

    ``colours`` gives each bar its colour (default one colour); labels are escaped and shortened,
    with the full label as the bar's tooltip.
    """
    if not items:
        return ""
    # unique within a report and the same on every run (no process-wide counter)
    chart_id = "chart-" + hashlib.sha1(repr((title, list(items))).encode()).hexdigest()[:10]
    largest = max((value for _, value in items), default=0.0) or 1.0
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = ROW_HEIGHT * len(items) + 8
    description = "; ".join(f"{label}: {value_text(value)}" for label, value in items)
    parts = [
        f'<svg class="chart" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}t {chart_id}d">',
        f'<title id="{chart_id}t">{escape(title)}</title>',
        f'<desc id="{chart_id}d">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(items):
        y = 4 + index * ROW_HEIGHT
        bar = max(1.0, span * max(value, 0.0) / largest) if value > 0 else 0.0
        colour = colours[index] if colours and index < len(colours) else BAR_COLOUR
        middle = y + ROW_HEIGHT / 2 + 4
        parts.append(
            f"<g><title>{escape(label)}: {escape(value_text(value))}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{middle:.0f}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{bar:.1f}" height="{ROW_HEIGHT - 6}" '
            f'fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + bar + 6:.1f}" y="{middle:.0f}">{escape(value_text(value))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
