"""A scan's reports: JSON Lines (one line per mention), CSV (the same columns), and an HTML report.

The HTML report is one self-contained file (no script, no external file): the files scanned with
their pages and hash, the files that could not be read and why, a chart of mentions per list, the
list entities with every sentence naming them, then covered equipment, places in Xinjiang and
high-priority sectors. All document and list text is HTML-escaped.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from supplyscreen.listcodes import list_info
from supplyscreen.report.atomic import atomic_output
from supplyscreen.report.charts import bar_chart
from supplyscreen.report.escape import csv_cell
from supplyscreen.report.html import CSS
from supplyscreen.scan.model import Mention
from supplyscreen.scan.run import ScanResult, walk_documents

#: The columns of the CSV report, in order (the JSON Lines report has the same keys, and ``detail``:
#: everything the detector or the matcher said of the mention).
COLUMNS = (
    "file",
    "page",
    "start",
    "end",
    "text",
    "kind",
    "key",
    "entity_id",
    "entity_name",
    "schema",
    "lists",
    "score",
    "verdict",
    "confidence",
    "explanation",
    "legal_basis",
    "reason",
    "source",
    "sentence",
)
FORMATS = (".html", ".htm", ".jsonl", ".csv")
SNIPPETS_SHOWN = 20  # sentences shown per entity, place or sector in the HTML report


def write_report(result: ScanResult, out: Path) -> None:
    """Write ``result`` to ``out`` in the format its extension names (.html, .jsonl, .csv)."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        from supplyscreen.errors import SupplyscreenError

        raise SupplyscreenError(
            f"{out}: unknown report format {suffix or '(none)'}; use .html, .jsonl or .csv"
        )
    with atomic_output(out) as tmp:
        if suffix == ".jsonl":
            write_jsonl(result.mentions, tmp)
        elif suffix == ".csv":
            write_csv(result.mentions, tmp)
        else:
            tmp.write_text(html_report(result), encoding="utf-8")


def row(m: Mention) -> dict[str, Any]:
    """One mention as the CSV report's columns."""
    d = m.to_dict()
    detail = m.detail
    d["lists"] = ";".join(m.lists)
    d["legal_basis"] = detail.get("legal_basis") or ""
    d["reason"] = detail.get("reason") or m.explanation
    d["source"] = detail.get("row_source") or detail.get("source") or ";".join(detail.get("source_ids") or [])
    return {k: d.get(k) for k in COLUMNS}


def write_jsonl(mentions: Iterable[Mention], path: Path) -> None:
    """One line per mention: the CSV report's columns (``lists`` a list), and ``detail``."""
    with path.open("w", encoding="utf-8") as fh:
        for m in mentions:
            line = {**row(m), "lists": list(m.lists), "detail": m.detail}
            fh.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")


def write_csv(mentions: Iterable[Mention], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for m in mentions:
            r = row(m)
            writer.writerow([csv_cell("" if r[k] is None else r[k]) for k in COLUMNS])


# -- HTML ----------------------------------------------------------------------------------------
def html_report(result: ScanResult) -> str:
    mentions = result.mentions
    entities = [m for m in mentions if m.kind == "entity"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>supplyscreen scan: {len(result.documents)} file(s)</title>",
        f"<style>{CSS}{_CSS}</style></head><body>",
        "<h1>Document scan</h1>",
        "<dl class='meta'>",
        f"<dt>Scanned</dt><dd>{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}</dd>",
        f"<dt>Lists</dt><dd>snapshot {escape(result.snapshot_version)}</dd>",
        f"<dt>Files</dt><dd>{len(result.documents)} read, {len(result.errors)} could not be read; "
        f"{result.pages:,} pages, {result.characters:,} characters</dd>",
        f"<dt>Found</dt><dd>{_counts(mentions)}</dd>",
        "</dl>",
        "<p class='note'>A mention is a name, model number, place or sector word found in a document's text. "
        "A list entity's mention is verified by the name matcher (<b>match</b>: it is the listed entity; "
        "<b>review</b>: a person should look). Only organisations, products, places and the persons who are "
        "list entries are reported; no other person named in a document is. In a sentence that names no list "
        "entity, other names are masked (…).</p>",
    ]
    parts.append(_files_section(result))
    chart = _lists_chart(entities)
    if chart:
        parts.append(f"<h2>Mentions per list</h2><div class='charts'>{chart}</div>")
    parts.append(_entities_section(entities))
    for kind, title in (
        ("equipment", "Covered equipment"),
        ("place", "Places in Xinjiang"),
        ("sector", "High-priority sectors"),
    ):
        parts.append(_grouped_section([m for m in mentions if m.kind == kind], title))
    parts.append("</body></html>")
    return "".join(parts)


_CSS = """
.snip{margin:.15rem 0;font-size:.92em}.snip mark{background:#ffe08a;padding:0 .1rem}
.where{color:#555;font-size:.85em;white-space:nowrap}.verdict-review{color:#9a5b00;font-weight:600}
.verdict-match{color:#b3261e;font-weight:600}
"""


def _counts(mentions: list[Mention]) -> str:
    counts = Counter(m.kind for m in mentions)
    entities = {m.entity_id for m in mentions if m.kind == "entity"}
    return (
        f"{counts['entity']} mention(s) of {len(entities)} list entit{'y' if len(entities) == 1 else 'ies'}, "
        f"{counts['equipment']} of covered equipment, {counts['place']} of places in Xinjiang, "
        f"{counts['sector']} of high-priority sectors"
    )


def _files_section(result: ScanResult) -> str:
    rows = []
    by_file = Counter(m.file for m in result.mentions)
    for doc in walk_documents(result.documents):
        rows.append(
            f"<tr><td>{escape(doc.path)}</td><td>{escape(doc.kind)}</td><td class='num'>{len(doc.pages)}</td>"
            f"<td class='num'>{doc.characters:,}</td><td class='num'>{by_file.get(doc.path, 0)}</td>"
            f"<td><code>{doc.sha256[:16]}…</code></td></tr>"
        )
    out = [
        "<h2>Files</h2><table><thead><tr><th>File</th><th>Format</th><th>Pages</th><th>Characters</th>"
        "<th>Mentions</th><th>SHA-256</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]
    if result.errors:
        out.append("<h3>Could not be read</h3><ul>")
        out.extend(f"<li><b>{escape(e.path)}</b>: {escape(e.reason)}</li>" for e in result.errors)
        out.append("</ul>")
    return "".join(out)


def _lists_chart(entities: list[Mention]) -> str:
    counts: Counter[str] = Counter()
    for m in entities:
        for code in m.lists:
            counts[code] += 1
    items = [(list_info(code).title, float(n)) for code, n in counts.most_common()]
    return bar_chart(items, title="Mentions of list entities per list")


def _snippet(m: Mention) -> str:
    """The sentence with the mention marked (escaped); the mention alone when the sentence lost it."""
    sentence = m.sentence
    text = " ".join(m.text.split())
    at = sentence.find(text)
    if at < 0:
        return f"<mark>{escape(text)}</mark> — {escape(sentence)}"
    return escape(sentence[:at]) + f"<mark>{escape(text)}</mark>" + escape(sentence[at + len(text) :])


def _where(m: Mention) -> str:
    return f"<span class='where'>{escape(m.file)}, page {m.page}, characters {m.start}–{m.end}</span>"


def _entities_section(entities: list[Mention]) -> str:
    if not entities:
        return "<h2>List entities</h2><p>No list entity is named in these files.</p>"
    groups: dict[str, list[Mention]] = {}
    for m in entities:
        groups.setdefault(m.entity_id or "", []).append(m)
    order = sorted(groups.values(), key=lambda g: (g[0].verdict != "match", -len(g), g[0].entity_name or ""))
    out = [f"<h2>List entities ({len(groups)})</h2>"]
    for group in order:
        first = group[0]
        verdicts = Counter(m.verdict for m in group)
        lists = ", ".join(
            escape(list_info(c).title) for c in dict.fromkeys(c for m in group for c in m.lists)
        )
        also = {a["entity_id"]: a for m in group for a in m.detail.get("also", [])}
        out.append(
            f"<h3>{escape(first.entity_name or '')} "
            f"<span class='muted'>({escape(first.entity_id or '')})</span></h3>"
            f"<p>{len(group)} mention(s): "
            + ", ".join(
                f"<span class='verdict-{escape(v or '')}'>{n} {escape(v or '')}</span>"
                for v, n in verdicts.items()
            )
            + f". Lists: {lists}.</p>"
        )
        if also:
            out.append(
                "<p class='muted'>The same words also match: "
                + "; ".join(f"{escape(a['entity_name'])} ({escape(a['entity_id'])})" for a in also.values())
                + "</p>"
            )
        for m in group[:SNIPPETS_SHOWN]:
            out.append(
                f"<p class='snip'>{_snippet(m)} {_where(m)} "
                f"<span class='verdict-{escape(m.verdict or '')}'>{escape(m.verdict or '')} "
                f"{(m.score or 0):.2f}</span></p>"
            )
        if len(group) > SNIPPETS_SHOWN:
            out.append(
                f"<p class='muted'>… and {len(group) - SNIPPETS_SHOWN} more "
                "(see the JSON Lines or CSV report).</p>"
            )
    return "".join(out)


def _grouped_section(mentions: list[Mention], title: str) -> str:
    if not mentions:
        return f"<h2>{escape(title)}</h2><p>None found.</p>"
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(m.key, []).append(m)
    out = [f"<h2>{escape(title)} ({len(groups)})</h2>"]
    for key, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        first = group[0]
        reason = first.detail.get("reason") or ""
        confidence = first.confidence
        out.append(
            f"<h3>{escape(key)}</h3><p>{len(group)} mention(s). {escape(str(reason))}"
            + (
                f" <span class='muted'>(confidence: {escape(confidence)})</span>"
                if confidence != "high"
                else ""
            )
            + "</p>"
        )
        for m in group[:SNIPPETS_SHOWN]:
            out.append(f"<p class='snip'>{_snippet(m)} {_where(m)}</p>")
        if len(group) > SNIPPETS_SHOWN:
            out.append(f"<p class='muted'>… and {len(group) - SNIPPETS_SHOWN} more.</p>")
    return "".join(out)
