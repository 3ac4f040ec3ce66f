"""The HTML report: self-contained, escaped, with list dates and gaps, charts and the flagged rows."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_report_rows import (
    EL_URL,
    FCC_URL,
    SNAPSHOT,
    UFLPA_GAP,
    UFLPA_URL,
    cotton_row,
    dahua_row,
    script_row,
    write_sample,
    xinjiang_row,
)

from supplyscreen.report import ReportContext, write_results


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("html")
    out = folder / "po.report.html"
    summary = write_sample(out, error_count=1, errors_path=folder / "po.report.errors.csv")
    assert (summary.format, summary.rows_total, summary.rows_flagged) == ("html", 7, 3)
    return out.read_text(encoding="utf-8")


class _Tags(HTMLParser):
    """Collects tag names and attribute values, to check what the page would load or run."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def test_report_names_the_input_the_time_and_the_list_snapshot(report: str) -> None:
    assert "<title>Screening report: purchase_orders.csv</title>" in report
    assert "2026-04-01 09:30:00+00:00 to 2026-04-01 09:31:00+00:00" in report
    assert f"<dd>{SNAPSHOT}</dd>" in report


def test_report_lists_every_source_with_its_snapshot_date_age_and_known_gaps(report: str) -> None:
    lists = report[report.index('<section id="lists">') : report.index('<section id="totals">')]
    assert "<td>2026-03-23</td><td>9 days</td>" in lists
    assert "<td>2025-01-15</td>" in lists and "441 days: older than 30 days" in lists
    assert UFLPA_GAP in lists
    assert "<td>us_dhs_uflpa</td><td>research snapshot</td>" in lists


def test_report_draws_its_charts_as_inline_svg(report: str) -> None:
    tags = _parse(report).tags
    assert tags.count("svg") == 5  # rows by risk, by flag; amount by vendor, buyer, flag
    assert re.search(r'<title id="chart-[0-9a-f]{10}t">Rows by risk</title>', report)
    ids = re.findall(r'<svg [^>]*aria-labelledby="([^"]+)"', report)
    assert len(ids) == len(set(ids))  # every chart has its own id
    assert "Amount at risk by buyer (USD)" in report and "Springfield Public Schools: USD 48,355.00" in report


def test_report_escapes_user_text(report: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hoshine Silicon" in report
    assert "<script" not in report
    assert "Silicon metal 553 &lt;b&gt;bold&lt;/b&gt;" in report
    assert "script" not in _parse(report).tags


def test_report_links_only_the_official_sources_of_the_evidence(report: str) -> None:
    parsed = _parse(report)
    links = {value for _, name, value in parsed.attrs if name in ("href", "src", "action", "srcset")}
    assert links == {FCC_URL, EL_URL, UFLPA_URL}
    assert not [tag for tag in parsed.tags if tag in ("link", "img", "iframe", "object", "embed")]
    # every "http" in the page is one of those links (as href or as its visible text)
    addresses = re.findall(r"https?://[^\s\"<>)]+", report)
    assert set(addresses) == {FCC_URL, EL_URL, UFLPA_URL}
    assert "ipvm.com" not in report  # research citations stay in the JSONL output


def test_flagged_rows_come_high_first_with_reasons_and_evidence(report: str) -> None:
    flagged = report[report.index('<section id="flagged">') : report.index('<section id="information">')]
    order = [int(n) for n in re.findall(r'<tr class="risk-\w+"><td class="num">(\d+)', flagged)]
    assert order == [1, 2, 7]
    assert "<code>covered_equipment</code>" in flagged and "<code>restricted_party</code>" in flagged
    assert "NDAA FY2019 s.889(b)" in flagged
    assert "<dt>list entity</dt><dd>Dahua Technology Company</dd>" in flagged
    assert "<dt>listed on</dt><dd>2019-10-09</dd>" in flagged
    assert "<dt>federal register</dt><dd>84 FR 54002</dd>" in flagged
    assert "<dt>matched text</dt><dd>阿克苏市</dd>" in flagged
    assert "Office Depot" not in report  # clear rows are counted, not listed
    assert "Bulk Text Supplies" not in report


def test_clear_rows_with_a_high_priority_sector_are_listed_as_information(report: str) -> None:
    information = report[report.index('<section id="information">') : report.index("</main>")]
    assert "Pacific Apparel Sourcing Ltd" in information
    assert "<code>high_priority_sector</code>" in information
    assert "1 row marked clear" in information


def test_totals_count_rows_errors_and_amount_at_risk(report: str) -> None:
    totals = report[report.index('<section id="totals">') : report.index('<section id="amounts">')]
    assert "<tr><td>Rows screened</td><td>7</td></tr>" in totals
    assert "<tr><td>High risk</td><td>2</td></tr>" in totals
    assert "<td>1 (listed in po.report.errors.csv)</td>" in totals
    assert "<tr><td>Amount at risk</td><td>USD 173,355.00</td></tr>" in totals


def test_flagged_rows_are_capped_with_a_note(tmp_path: Path) -> None:
    out = tmp_path / "capped.html"
    results = [script_row(), dahua_row(), xinjiang_row(), cotton_row()]
    write_results(results, out, fmt=None, context=ReportContext(), html_rows=2)
    html = out.read_text(encoding="utf-8")
    assert "lists the first 2 of 3 flagged rows (high before review); 1 more is in the full results" in html
    flagged = html[html.index('<section id="flagged">') : html.index('<section id="information">')]
    assert re.findall(r'<tr class="risk-(\w+)"><td class="num">(\d+)', flagged) == [
        ("high", "1"),
        ("high", "2"),
    ]


def test_a_report_without_flags_or_amounts_says_so(tmp_path: Path) -> None:
    out = tmp_path / "clean.html"
    write_results([], out, fmt="html", context=ReportContext())
    html = out.read_text(encoding="utf-8")
    assert "No row needs action" in html
    assert "No amount at risk" in html
    assert "No list information given" in html


def test_errors_note_names_the_errors_file_beside_the_output(tmp_path: Path) -> None:
    out = tmp_path / "po.screened.html"
    write_results([cotton_row()], out, fmt=None, context=ReportContext(error_count=3))
    assert "<td>3 (listed in po.screened.errors.csv)</td>" in out.read_text(encoding="utf-8")


def test_a_research_membership_is_labelled_so_and_links_its_official_list(tmp_path: Path) -> None:
    result = script_row()
    result.flags[0].evidence["memberships"] = [
        {
            "list": "us_dhs_uflpa",
            "listed_on": "2022-06-21",
            "status": "secondary",
            "source_url": "http://hycomm.cn/internation/2021_06_24_595669.shtml",
        }
    ]
    out = tmp_path / "research.html"
    write_results([result], out, fmt=None, context=ReportContext())
    html = out.read_text(encoding="utf-8")
    assert (
        '<dt>research source</dt><dd><a href="http://hycomm.cn/internation/2021_06_24_595669.shtml"' in html
    )
    assert f'<dt>official list</dt><dd><a href="{UFLPA_URL}"' in html
    assert "<dt>official source</dt>" not in html


def test_chart_labels_wrap_instead_of_being_cut() -> None:
    from supplyscreen.report.charts import bar_chart

    long = "Hangzhou Hikvision Digital Technology Co., Ltd. (USD)"
    svg = bar_chart([(long, 12345.0), ("Dell", 5.0)], title="amounts")
    lines = re.findall(r"<tspan [^>]*>([^<]*)</tspan>", svg)
    assert " ".join(lines[:2]) == long and lines[2] == "Dell"  # two lines, nothing left out
    assert "…" not in svg
    huge = bar_chart([("word " * 40, 1.0)], title="t")
    assert len(re.findall(r"<tspan ", huge)) == 3 and "…" in huge  # only past three lines is it shortened
