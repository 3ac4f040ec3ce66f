"""The HTML network report: every exposure path drawn as a small inline SVG graph, evidence on each edge.

Self-contained (inline CSS and SVG, no script, no CDN), so it opens offline and can be mailed. Each
path is a row of boxes (user names plain, list entities bold, addresses dashed; flagged nodes
coloured by their strongest code) joined by arrows labelled with the relation, share or product;
hovering a box or an arrow shows its full evidence, and the table under the drawing lists it.
Companies flagged ``owned_by_listed`` get a second drawing of their owners and shares.
"""

from __future__ import annotations

from html import escape
from textwrap import wrap
from typing import Any

from supplyscreen.network.flags import NETWORK_FLAGS
from supplyscreen.network.paths import Exposure, ExposurePath
from supplyscreen.network.screen import NetworkResult

BOX_W, BOX_H, GAP, PAD, LINE = 170, 58, 150, 10, 12
COLOURS = {
    "restricted_party": "#b71c1c",
    "owned_by_listed": "#880e4f",
    "uflpa_entity": "#4a148c",
    "covered_equipment": "#e65100",
    "xinjiang_location": "#795548",
}
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
LABELS = {
    "restricted_party": "restricted party",
    "uflpa_entity": "UFLPA entity",
    "covered_equipment": "covered equipment",
    "xinjiang_location": "Xinjiang location",
    "owned_by_listed": "owned by listed parties",
}
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}h3{margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ddd;padding:3px 7px;vertical-align:top;
text-align:left;font-size:13px}th{background:#f4f4f4}.flag{display:inline-block;border-radius:3px;color:#fff;
padding:0 6px;margin:0 3px 0 0;font-size:12px}.graph{overflow-x:auto;margin:.3em 0}.muted{color:#666}
section.supplier{border-top:1px solid #eee;padding-top:.3em}details{margin:.2em 0 .8em}
.off{color:#666}.on{color:#1b5e20;font-weight:600}
.graph svg{max-width:100%;height:auto}.info{background:#e3f2fd;border-left:4px solid #1565c0;padding:3px 8px}
@media print{body{max-width:none;margin:0}.graph{overflow:visible}section.supplier{break-inside:avoid}
details>summary{display:none}details{display:block}}
"""
_DEFS = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs></svg>'
)


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _badge(code: str) -> str:
    return f'<span class="flag" style="background:{COLOURS[code]}">{_e(LABELS[code])}</span>'


def _badges(codes: list[str]) -> str:
    return "".join(_badge(c) for c in codes)


def _short(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _lines(text: str, width: int = 24, count: int = 3) -> list[str]:
    lines = wrap(text, width) or [""]
    if len(lines) > count:
        lines = lines[:count]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


def _edge_label(edges: list[dict[str, Any]]) -> tuple[str, str]:
    first = edges[0]
    label = first["relation"].replace("_", " ")
    if first.get("share") is not None:
        label += f" {first['share']:g}%"
    elif first.get("score") is not None:
        label += f" ({first['score']:.2f})"
    detail = first.get("product") or first.get("source") or ""
    if len(edges) > 1:
        detail = f"{len(edges)} edges"
    return label, str(detail)


def _edge_title(edges: list[dict[str, Any]]) -> str:
    parts = []
    for edge in edges:
        extra = {k: v for k, v in edge.items() if k not in ("from", "to") and v not in (None, "")}
        parts.append(f"{edge['from']} → {edge['to']}: " + "; ".join(f"{k}: {v}" for k, v in extra.items()))
    return "\n".join(parts)


def _node_svg(x: int, caption: str, kind: str, codes: list[str], title: str) -> str:
    colour = COLOURS[codes[0]] if codes else "#777"
    fill = "#fff5f5" if codes else "#fafafa"
    dash = ' stroke-dasharray="5,3"' if kind == "address" else ""
    width = 3 if kind == "entity" else 1.5
    out = [f"<g><title>{_e(title)}</title>"]
    out.append(
        f'<rect x="{x}" y="{PAD}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
        f'stroke="{colour}" stroke-width="{width}"{dash}/>'
    )
    lines = _lines(caption)
    top = PAD + BOX_H / 2 - (len(lines) - 1) * 7
    for i, line in enumerate(lines):
        out.append(f'<text x="{x + BOX_W / 2}" y="{top + i * 14 + 4}" text-anchor="middle">{_e(line)}</text>')
    for i, code in enumerate(codes):
        out.append(
            f'<text font-size="10" x="{x + BOX_W / 2}" y="{PAD + BOX_H + LINE * (i + 1)}" '
            f'text-anchor="middle" fill="{COLOURS[code]}">{_e(LABELS[code])}</text>'
        )
    out.append("</g>")
    return "".join(out)


def path_svg(path: ExposurePath, kinds: list[str]) -> str:
    """One exposure path as an inline SVG: boxes left to right, labelled arrows between them."""
    flagged = {f["position"]: f for f in path.findings}
    width = len(path.nodes) * BOX_W + (len(path.nodes) - 1) * GAP + 2 * PAD
    most = max((len(f["codes"]) for f in path.findings), default=0)
    height = BOX_H + 2 * PAD + LINE * most + 4
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {FONT} '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(" → ".join(path.captions))}">'
    ]
    for i, caption in enumerate(path.captions):
        x = PAD + i * (BOX_W + GAP)
        finding = flagged.get(i)
        codes = finding["codes"] if finding else []
        title = caption + ("\n" + "\n".join(finding["reasons"].values()) if finding else "")
        out.append(_node_svg(x, caption, kinds[i], codes, title))
        if i + 1 < len(path.captions):
            edges = path.steps[i]
            x1, x2, y = x + BOX_W, x + BOX_W + GAP, PAD + BOX_H / 2
            label, detail = _edge_label(edges) if edges else ("", "")
            out.append(
                f"<g><title>{_e(_edge_title(edges))}</title>"
                f'<line x1="{x1}" y1="{y}" x2="{x2 - 2}" y2="{y}" stroke="#555" stroke-width="1.5" '
                f'marker-end="url(#arrow)"/>'
                f'<text font-size="10" x="{(x1 + x2) / 2}" y="{y - 6}" text-anchor="middle">'
                f"{_e(_short(label))}</text>"
                f'<text font-size="10" x="{(x1 + x2) / 2}" y="{y + 14}" text-anchor="middle" fill="#666">'
                f"{_e(_short(detail))}</text></g>"
            )
    out.append("</svg>")
    return "".join(out)


def ownership_svg(caption: str, finding: dict[str, Any]) -> str:
    """The owners of one ``owned_by_listed`` company, each arrow labelled with its share."""
    owners = finding["owners"]
    row_h = BOX_H + 12
    height = max(len(owners) * row_h, BOX_H + 2 * LINE) + 2 * PAD
    width = 2 * BOX_W + GAP + 2 * PAD
    target_y = (height - BOX_H - LINE) / 2
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {FONT} '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="owners of {_e(caption)}">'
    ]
    for i, owner in enumerate(owners):
        y = PAD + i * row_h
        colour = COLOURS["restricted_party"] if owner["lists"] else COLOURS["owned_by_listed"]
        out.append(
            f"<g><title>{_e(owner['owner'])}: {_e(owner['basis'])} {_e(', '.join(owner['lists']))}; "
            f'{_e(owner["source"])}</title><rect x="{PAD}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
            f'fill="#fff5f5" stroke="{colour}" stroke-width="2"/>'
        )
        for j, line in enumerate(_lines(owner["owner"])):
            out.append(
                f'<text x="{PAD + BOX_W / 2}" y="{y + 20 + j * 14}" text-anchor="middle">{_e(line)}</text>'
            )
        x1, y1, x2, y2 = PAD + BOX_W, y + BOX_H / 2, PAD + BOX_W + GAP, target_y + BOX_H / 2
        out.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2 - 2}" y2="{y2}" stroke="#555" marker-end="url(#arrow)"/>'
            f'<text x="{x1 + 12}" y="{y1 - 5}">owns {owner["share"]:g}%</text></g>'
        )
    x = PAD + BOX_W + GAP
    out.append(
        f'<rect x="{x}" y="{target_y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#fff5f5" '
        f'stroke="{COLOURS["owned_by_listed"]}" stroke-width="3"/>'
    )
    for j, line in enumerate(_lines(caption)):
        out.append(
            f'<text x="{x + BOX_W / 2}" y="{target_y + 20 + j * 14}" text-anchor="middle">{_e(line)}</text>'
        )
    total = f"{finding['aggregate_share']:g}% in aggregate (threshold {finding['threshold']:g}%)"
    out.append(
        f'<text font-size="10" x="{x + BOX_W / 2}" y="{target_y + BOX_H + LINE}" text-anchor="middle" '
        f'fill="{COLOURS["owned_by_listed"]}">{_e(total)}</text>'
    )
    out.append("</svg>")
    return "".join(out)


def _evidence_table(path: ExposurePath) -> str:
    rows = [
        "<tr><th>from</th><th>to</th><th>relation</th><th>share</th><th>product</th><th>source</th>"
        "<th>details</th></tr>"
    ]
    for edge in path.edges:
        details = {
            k: v for k, v in edge.items() if k not in ("from", "to", "relation", "share", "product", "source")
        }
        share = "" if edge.get("share") is None else f"{edge['share']:g}%"
        rows.append(
            f"<tr><td>{_e(edge['from'])}</td><td>{_e(edge['to'])}</td><td>{_e(edge['relation'])}</td>"
            f"<td>{share}</td><td>{_e(edge.get('product'))}</td><td>{_e(edge['source'])}</td>"
            f"<td>{_e('; '.join(f'{k}: {v}' for k, v in details.items()))}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _findings(path: ExposurePath) -> str:
    items = []
    for finding in path.findings:
        for code in finding["codes"]:
            reason = finding["reasons"][code]
            links = _source_links(finding["evidence"][code])
            items.append(f"<li>{_badge(code)} {_e(reason)}{links}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _ownership(exposure: Exposure) -> str:
    """One drawing per company on the supplier's paths that is owned by listed parties, and per rule."""
    drawn: dict[tuple[str, str], str] = {}
    for path in exposure.paths:
        for finding in path.findings:
            if "owned_by_listed" not in finding["codes"]:
                continue
            for found in finding["evidence"]["owned_by_listed"]["findings"]:
                key = (finding["node"], found["rule"])
                if key not in drawn:
                    drawn[key] = (
                        f"<h4>{_e(finding['node'])}: owners under the {_e(found['rule_title'])}</h4>"
                        f'<div class="graph">{ownership_svg(finding["node"], found)}</div>'
                    )
    return "".join(drawn.values())


def _source_links(evidence: dict[str, Any]) -> str:
    urls = [m["source_url"] for m in evidence.get("memberships", []) if m.get("source_url")]
    urls += [f["source_url"] for f in evidence.get("findings", []) if f.get("source_url")]
    return "".join(f' <a href="{_e(u)}">[source]</a>' for u in dict.fromkeys(urls))


def _supplier(exposure: Exposure, kinds: dict[str, str]) -> str:
    out = [f'<section class="supplier"><h3>{_e(exposure.supplier)} {_badges(exposure.flags)}</h3>']
    out.append(f'<p class="muted">row {exposure.row}')
    if exposure.resolved:
        matched = ", ".join(f"{r['caption']} ({r.get('score', 0):.2f})" for r in exposure.resolved)
        out.append(f"; the name matches list entity {_e(matched)}")
    out.append("</p>")
    out.extend(f'<p class="info">{_e(text)}</p>' for text in exposure.information)
    for n, path in enumerate(exposure.paths, 1):
        tiers = "tier" if path.tiers == 1 else "tiers"
        out.append(f"<h4>Path {n}: {path.tiers} {tiers} {_badges(path.codes)}</h4>")
        node_kinds = [kinds.get(node, "name") for node in path.nodes]
        out.append(f'<div class="graph">{path_svg(path, node_kinds)}</div>')
        out.append(
            f"<details open><summary>Evidence</summary>{_evidence_table(path)}{_findings(path)}</details>"
        )
    out.append(_ownership(exposure))
    out.append("</section>")
    return "".join(out)


def render_html(result: NetworkResult) -> str:
    """The whole report as one HTML document."""
    summary = result.summary()
    kinds = {n: k for n, k in result.network.graph.nodes(data="kind")}
    exposed = [e for e in result.exposures if e.paths or e.information]
    clear = [e for e in result.exposures if not e.paths and not e.information]
    head = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Supply network exposure'
        f"</title><style>{CSS}</style></head><body>{_DEFS}<h1>Supply network exposure</h1>"
        f"<p>Screened for {_e(summary['as_of'])} against list snapshot <code>{_e(summary['list_snapshot'])}"
        f"</code>, up to {summary['max_tier']} tiers; graph of {summary['nodes']:,} nodes and "
        f"{summary['edges']:,} edges.</p>"
    )
    counts = "".join(
        f"<tr><td>{_badge(code)}</td><td>{summary['by_flag'].get(code, 0)}</td></tr>"
        for code in NETWORK_FLAGS
    )
    totals = (
        f"<table><tr><th>suppliers</th><td>{summary['suppliers']}</td></tr><tr><th>exposed</th>"
        f"<td>{summary['exposed']}</td></tr>{counts}</table>"
    )
    rules = "".join(
        f'<li><span class="{"on" if r.active else "off"}">{"applied" if r.active else "not applied"}</span>: '
        f'{_e(r.rule.title)} — {_e(r.reason)}. <span class="muted">{_e(r.rule.authority)}</span></li>'
        for r in result.rules
    )
    body = [head, totals, f"<h2>Ownership rules</h2><ul>{rules}</ul>", "<h2>Exposed suppliers</h2>"]
    body.extend(_supplier(e, kinds) for e in exposed)
    if not exposed:
        body.append("<p>No supplier reaches a flagged node within the tier limit.</p>")
    body.append("<h2>No exposure found</h2><ul>")
    body.extend(f'<li>{_e(e.supplier)} <span class="muted">(row {e.row})</span></li>' for e in clear)
    body.append("</ul></body></html>")
    return "".join(body)
