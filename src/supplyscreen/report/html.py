"""The HTML report: one self-contained file a procurement officer can open offline, read and print.

It says what was screened against what (each list's snapshot date, age and known gaps), how many
rows are at risk and for how much money (SVG bar charts drawn here, no script, no CDN), and then
lists the flagged rows with every flag's reason, evidence and link to the official source. Every
piece of user or list text is HTML-escaped; the only links are the evidence's official sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path

from supplyscreen.model import STALE_AFTER_DAYS, RowResult
from supplyscreen.report.atomic import atomic_output
from supplyscreen.report.charts import RISK_COLOURS, bar_chart
from supplyscreen.report.context import ReportContext, finalised, source_gaps
from supplyscreen.report.flagged import FLAGGED_ROWS_SHOWN, FlaggedRows
from supplyscreen.report.html_rows import _e, checked_section, flagged_section, information_section
from supplyscreen.report.summary import AmountRow, ReportAggregator, ReportSummary, format_amount
from supplyscreen.report.tabular import errors_path

CHART_TOP = 15
#: Currencies charted separately at most (amounts in different currencies are never added).
CHART_CURRENCIES = 3
RESULTS_HINT = "Write the full results with --out results.csv or results.xlsx."

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;
 color:#1a1a1a;background:#fff;margin:0 auto;max-width:1200px;padding:1rem 1.5rem}
h1{font-size:1.6rem;margin:.2rem 0 .6rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:2px solid #ddd}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #ccc;padding:.3rem .45rem;vertical-align:top;text-align:left}
th{background:#f2f2f2}td.num{text-align:right;white-space:nowrap}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem;margin:0}
dl.meta dt{font-weight:600}dl.meta dd{margin:0;overflow-wrap:anywhere}
.muted{color:#555;font-size:.9em}.note{background:#fff6d6;border-left:4px solid #9a5b00;padding:.4rem .6rem}
.stale{color:#8a1c14;font-weight:600}
.badge{display:inline-block;padding:0 .4rem;border-radius:3px;color:#fff;font-weight:600}
.badge.risk-high{background:#b3261e}.badge.risk-review{background:#9a5b00}.badge.risk-clear{background:#2e6b30}
.flag{border-left:4px solid #888;padding:.1rem .5rem;margin:.2rem 0 .6rem}
.flag.sev-high{border-color:#b3261e}.flag.sev-review{border-color:#9a5b00}.flag.sev-info{border-color:#1f5f99}
.flag p{margin:.1rem 0}.sev{font-size:.85em;color:#555;text-transform:uppercase}
dl.evidence{display:grid;grid-template-columns:max-content auto;gap:0 .6rem;font-size:.88em;margin:.2rem 0}
dl.evidence dt{color:#555}dl.evidence dd{margin:0;overflow-wrap:anywhere}
dl.membership{border-top:1px dotted #bbb;padding-top:.15rem}
.chart{max-width:100%;height:auto}
.chart text{font-size:12px;fill:#1a1a1a}.charts{display:flex;flex-wrap:wrap;gap:1rem}
.totals td:first-child{font-weight:600}
a{color:#0b4f8a}
@media print{body{max-width:none;font-size:11px}tr,.flag,.chart{break-inside:avoid}
 a::after{content:" (" attr(href) ")";font-size:.8em}}
"""


def _when(value: datetime | None) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if value else "—"


def _header(context: ReportContext, summary: ReportSummary) -> str:
    rows = [
        ("Input file", str(context.input_path or "—")),
        ("Screened", f"{_when(context.started)} to {_when(context.finished)}"),
        ("List snapshot", context.list_snapshot or summary.list_snapshot or "—"),
        ("supplyscreen", context.version),
    ]
    if context.profile:
        rows.append(("Profile", context.profile))
    if context.roles:
        rows.append(("Columns", "; ".join(f"{column}: {role}" for column, role in context.roles)))
    elif context.mapping:
        rows.append(("Columns used", ", ".join(f"{k} = {v}" for k, v in context.mapping.items())))
    if context.compare_to:
        rows.append(("Compared with", str(context.compare_to)))
    meta = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in context.notes)
    return f'<header><h1>Screening report</h1><dl class="meta">{meta}</dl>{notes}</header>\n'


def _age(age: object) -> str:
    if not isinstance(age, int):
        return "—"
    if age > STALE_AFTER_DAYS:
        warning = f"{age:,} days: older than {STALE_AFTER_DAYS} days, update the lists"
        return f'<span class="stale">{warning}</span>'
    return f"{age:,} days"


def _lists(context: ReportContext) -> str:
    if not context.sources:
        return (
            '<section id="lists"><h2>Lists screened against</h2><p>No list information given.</p></section>\n'
        )
    body = []
    for source in context.sources:
        code = source.get("code") or source.get("source") or ""
        official = "official" if source.get("official") else "research snapshot"
        gaps = "<br>".join(_e(g) for g in source_gaps(source)) or "—"
        body.append(
            f"<tr><td><code>{_e(code)}</code></td><td>{_e(source.get('title') or '')}</td>"
            f"<td>{_e(source.get('snapshot_date') or '—')}</td><td>{_age(source.get('age_days'))}</td>"
            f"<td>{_e(', '.join(source.get('lists') or []))}</td><td>{official}</td><td>{gaps}</td></tr>"
        )
    return (
        '<section id="lists"><h2>Lists screened against</h2><table><thead><tr><th scope="col">Source</th>'
        '<th scope="col">Title</th><th scope="col">Snapshot date</th><th scope="col">Age</th>'
        '<th scope="col">Lists</th><th scope="col">Status</th><th scope="col">Known gaps</th></tr></thead>'
        "<tbody>" + "".join(body) + "</tbody></table></section>\n"
    )


def _totals(summary: ReportSummary, context: ReportContext) -> str:
    rows = [
        ("Rows screened", f"{summary.rows_total:,}"),
        ("High risk", f"{summary.by_risk.get('high', 0):,}"),
        ("Review", f"{summary.by_risk.get('review', 0):,}"),
        ("Clear", f"{summary.by_risk.get('clear', 0):,} ({summary.rows_information:,} with information)"),
        ("Rows not screened (errors)", f"{summary.errors:,}" + _errors_note(context, summary)),
    ]
    rows += [(f"Change: {change}", f"{n:,}") for change, n in summary.by_change.items()]
    rows += [("Amount at risk", format_amount(a, c)) for c, a in summary.amount_at_risk.items()]
    table = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows)
    by_risk = [(risk, float(n)) for risk, n in summary.by_risk.items()]
    by_flag = [(code, float(n)) for code, n in summary.by_flag.items()]
    charts = bar_chart(
        by_risk, title="Rows by risk", colours=[RISK_COLOURS.get(r, "#1f5f99") for r, _ in by_risk]
    ) + bar_chart(by_flag, title="Rows by flag")
    return (
        f'<section id="totals"><h2>Totals</h2><table class="totals"><tbody>{table}</tbody></table>'
        f'<h3>Rows by risk and by flag</h3><div class="charts">{charts}</div></section>\n'
    )


def _errors_note(context: ReportContext, summary: ReportSummary) -> str:
    path = context.errors_path or (errors_path(context.output_path) if context.output_path else None)
    return f" (listed in {path.name})" if summary.errors and path else ""


def _amount_charts(title: str, rows: list[AmountRow]) -> str:
    by_currency: dict[str, list[AmountRow]] = {}
    for row in rows:
        by_currency.setdefault(row.currency, []).append(row)
    out = []
    for currency, items in list(by_currency.items())[:CHART_CURRENCIES]:
        label = f"{title} ({currency})" if currency else title
        out.append(
            bar_chart(
                [(r.label, r.amount) for r in items[:CHART_TOP]],
                title=label,
                value_text=partial(format_amount, currency=currency),
            )
        )
    return f"<h3>{_e(title)} (top {CHART_TOP})</h3>" + "".join(out) if out else ""


def _amounts(summary: ReportSummary) -> str:
    charts = "".join(
        _amount_charts(title, rows)
        for title, rows in (
            ("Amount at risk by vendor", summary.amount_by_vendor),
            ("Amount at risk by buyer", summary.amount_by_buyer),
            ("Amount at risk by flag", summary.amount_by_flag),
        )
    )
    if not charts:
        charts = "<p>No amount at risk: the file has no amount column, or no flagged row has an amount.</p>"
    intro = (
        "<p>The amount of every row at risk <em>high</em> or <em>review</em>; "
        "currencies are never added together.</p>"
    )
    return f'<section id="amounts"><h2>Amount at risk</h2>{intro}{charts}</section>\n'


def render_html(summary: ReportSummary, context: ReportContext, kept: FlaggedRows) -> Iterator[str]:
    """The report's HTML, in pieces to write one after another."""
    name = Path(context.input_path).name if context.input_path else "screening"
    yield (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Screening report: {_e(name)}</title><style>{CSS}</style></head><body>\n"
    )
    yield _header(context, summary)
    yield "<main>\n"
    yield _lists(context)
    yield _totals(summary, context)
    yield _amounts(summary)
    yield from flagged_section(kept, RESULTS_HINT)
    yield from checked_section(kept, RESULTS_HINT)
    yield from information_section(kept, RESULTS_HINT)
    yield (
        f'</main><footer><p class="muted">Written by supplyscreen {_e(context.version)}. '
        "Flags are leads for a reviewer, not legal advice: each reason cites its authority and links "
        "the official source. The JSON-lines output keeps the full evidence of every flag.</p>"
        "</footer></body></html>\n"
    )


def write_html(
    results: Iterable[RowResult],
    out: Path,
    aggregator: ReportAggregator,
    context: ReportContext,
    *,
    limit: int = FLAGGED_ROWS_SHOWN,
) -> None:
    """Read every result, then write the HTML report (atomically)."""
    kept = FlaggedRows(limit)
    with atomic_output(out, context.input_path) as tmp:
        for result in results:
            aggregator.add(result)
            kept.add(result)
        context = finalised(context, out)
        aggregator.errors = max(aggregator.errors, context.error_count)
        summary = aggregator.summary()
        with tmp.open("w", encoding="utf-8", errors="replace", newline="\n") as handle:
            for part in render_html(summary, context, kept):
                handle.write(part)
