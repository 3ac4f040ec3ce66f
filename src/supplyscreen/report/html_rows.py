"""The row tables of the HTML report: flagged rows with each flag's reason and evidence, information rows."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from supplyscreen.report.flagged import EvidenceItem, FlaggedRow, FlaggedRows, FlagView


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _item(item: EvidenceItem) -> str:
    if item.url:
        value = f'<a href="{_e(item.url)}" rel="noopener noreferrer">{_e(item.url)}</a>'
    else:
        value = _e(item.text)
    return f"<dt>{_e(item.label)}</dt><dd>{value}</dd>"


def rows_text(count: int) -> str:
    """``1 row`` or ``2,345 rows``."""
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def _more(count: int) -> str:
    return f"{count:,} more is" if count == 1 else f"{count:,} more are"


def _flag(flag: FlagView) -> str:
    parts = [
        f'<div class="flag sev-{_e(flag.severity)}">',
        f'<p class="flag-head"><code>{_e(flag.code)}</code> <span class="sev">{_e(flag.severity)}</span></p>',
        f'<p class="reason">{_e(flag.reason)}</p>',
    ]
    if flag.evidence:
        parts.append('<dl class="evidence">' + "".join(_item(i) for i in flag.evidence) + "</dl>")
    for membership in flag.memberships:
        parts.append('<dl class="evidence membership">' + "".join(_item(i) for i in membership) + "</dl>")
    parts.append("</div>")
    return "".join(parts)


def _where(row: FlaggedRow) -> str:
    where = f"{row.row}"
    if row.sheet:
        where += f'<br><span class="muted">{_e(row.sheet)}</span>'
    return where


def _who(row: FlaggedRow) -> str:
    parts = [f'<span class="vendor">{_e(row.vendor) or "<em>(no name)</em>"}</span>']
    if row.buyer:
        parts.append(f'<br><span class="muted">buyer: {_e(row.buyer)}</span>')
    if row.top_match:
        parts.append(f'<br><span class="muted">top match: {_e(row.top_match)}</span>')
    if row.lists:
        parts.append(f'<br><span class="muted">lists: {_e(", ".join(row.lists))}</span>')
    return "".join(parts)


def _row(row: FlaggedRow, with_change: bool) -> str:
    change = f"<td>{_e(row.change)}</td>" if with_change else ""
    return (
        f'<tr class="risk-{_e(row.risk)}"><td class="num">{_where(row)}</td><td>{_who(row)}</td>'
        f'<td>{_e(row.description)}</td><td class="num">{_e(row.amount)}</td>'
        f'<td><span class="badge risk-{_e(row.risk)}">{_e(row.risk)}</span></td>{change}'
        f"<td>{''.join(_flag(f) for f in row.flags)}</td></tr>\n"
    )


def _table(rows: list[FlaggedRow], caption: str) -> Iterator[str]:
    with_change = any(r.change for r in rows)
    change = '<th scope="col">Change</th>' if with_change else ""
    yield (
        f'<table class="rows"><caption>{_e(caption)}</caption><thead><tr><th scope="col">Row</th>'
        '<th scope="col">Vendor</th><th scope="col">Description</th><th scope="col">Amount</th>'
        f'<th scope="col">Risk</th>{change}<th scope="col">Flags, reasons and evidence</th></tr></thead>'
        "<tbody>\n"
    )
    for row in rows:
        yield _row(row, with_change)
    yield "</tbody></table>\n"


def flagged_section(kept: FlaggedRows, results_hint: str) -> Iterator[str]:
    """The "Flagged rows" section: high-risk rows first, then review, with a note when capped."""
    yield '<section id="flagged"><h2>Flagged rows</h2>\n'
    if not kept.flagged:
        yield "<p>No row needs action: no row is at risk <em>high</em> or <em>review</em>.</p></section>\n"
        return
    yield (
        f"<p>{rows_text(kept.flagged_seen)} at risk <em>high</em> (act: a listed party, covered equipment, "
        "a UFLPA entity or a Xinjiang location) or <em>review</em> (a possible match for a person to check). "
        "Clear rows are counted above, not listed.</p>\n"
    )
    if kept.flagged_left_out:
        yield (
            f'<p class="note">This report lists the first {len(kept.flagged):,} of {kept.flagged_seen:,} '
            f"flagged rows (high before review); {_more(kept.flagged_left_out)} in the full results. "
            f"{_e(results_hint)}</p>\n"
        )
    yield from _table(kept.flagged, "Flagged rows, high risk first")
    yield "</section>\n"


def checked_section(kept: FlaggedRows, results_hint: str) -> Iterator[str]:
    """The "Hits checked and not flagged" section: clear rows whose name is a list entity that does
    not apply to them, each with the reason (a listing that ended before the order, a cleared hit)."""
    if not kept.checked:
        return
    yield (
        '<section id="checked"><h2>Hits checked and not flagged</h2>\n'
        f"<p>{rows_text(kept.checked_seen)} marked clear name a list entity that does not apply to them: "
        "a listing that ended before the order's date (a subsidiary sold by a covered company), or a "
        "hit a reviewer cleared. Each reason says which, so that no clear row hides a hit.</p>\n"
    )
    if kept.checked_left_out:
        yield (
            f'<p class="note">Listing the first {len(kept.checked):,} of {kept.checked_seen:,} '
            f"such rows. {_e(results_hint)}</p>\n"
        )
    yield from _table(kept.checked, "Clear rows with a hit checked and not flagged")
    yield "</section>\n"


def information_section(kept: FlaggedRows, results_hint: str) -> Iterator[str]:
    """The "Information" section: clear rows that carry only information flags (high-priority sectors)."""
    if not kept.information:
        return
    yield (
        '<section id="information"><h2>Information: UFLPA high-priority sectors</h2>\n'
        f"<p>{rows_text(kept.information_seen)} marked clear buy from a UFLPA high-priority sector "
        "(cotton, tomatoes, polysilicon, aluminium, PVC, seafood …). On its own this is information, "
        "not a hit: it raises the scrutiny a Chinese supplier deserves.</p>\n"
    )
    if kept.information_left_out:
        yield (
            f'<p class="note">Listing the first {len(kept.information):,} of {kept.information_seen:,} '
            f"such rows. {_e(results_hint)}</p>\n"
        )
    yield from _table(kept.information, "Clear rows with information flags")
    yield "</section>\n"
