"""Screened rows as the report writers receive them, built by hand, and the totals they add up to.

The other report tests import `sample_results`, `COLUMNS`, `HEADER`, `sample_context` and `write_sample`
from here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from supplyscreen.model import Flag, Hit, Record, RowResult
from supplyscreen.report import (
    ReportAggregator,
    ReportContext,
    ReportSummary,
    sources_from_snapshot,
    summarise,
    write_results,
)

SNAPSHOT = "embedded-20261126"
COLUMNS = [
    "PO Number",
    "Vendor",
    "Address",
    "Description",
    "HS Code",
    "Amount",
    "Currency",
    "Funding",
    "Buyer",
]
#: The header of a CSV or XLSX report of the sample rows: their columns, then those screening adds.
HEADER = [*COLUMNS, "risk", "flags", "reasons", "top_match", "top_score", "lists", "list_snapshot"]
FCC_URL = "https://www.fcc.gov/supplychain/coveredlist"
EL_URL = "https://www.federalregister.gov/d/2019-22210"
UFLPA_URL = "https://www.dhs.gov/uflpa-entity-list"
FORMULA_VENDOR = "=cmd|' /C calc'!A0"
SCRIPT_VENDOR = "<script>alert(1)</script> Hoshine Silicon"
UFLPA_GAP = "UFLPA list partial: 94 of the 144 entries of January 2025"
DAHUA_REASONS = (
    "Dahua model number IPC-HFW2431S-S in the description: Dahua Technology is a covered entity; covered "
    "telecommunications or video surveillance equipment under NDAA FY2019 s.889 and the FCC Covered List. "
    "Bought with federal funds: NDAA FY2019 s.889(b) (funding: ESSER III ALN 84.425U)",
    "'Zhejiang Dahua Technology Co., Ltd.' is Dahua Technology Company (curated_covered:4), listed on: "
    "NDAA FY2019 s.889 covered entities; FCC Covered List; BIS Entity List",
)


def _fields(**values: Any) -> dict[str, Any]:
    return {column: values.get(column.replace(" ", "_").lower(), "") for column in COLUMNS}


def _record(row: int, **values: Any) -> Record:
    fields = _fields(**values)
    amount = values.get("amount")
    return Record(
        row=row,
        fields=fields,
        id=values.get("po_number"),
        name=values.get("vendor"),
        address=values.get("address"),
        description=values.get("description"),
        hs_code=values.get("hs_code"),
        amount=float(str(amount).replace(",", "")) if amount not in (None, "") else None,
        currency=values.get("currency") or None,
        funding=values.get("funding") or None,
        buyer=values.get("buyer") or None,
    )


def dahua_hit() -> Hit:
    return Hit(
        entity_id="curated_covered:4",
        caption="Dahua Technology Company",
        schema="Organization",
        names=["Dahua Technology Company", "Zhejiang Dahua Technology Co., Ltd."],
        source_ids=["curated_covered:4"],
        lists=["us_ndaa_889", "us_fcc_covered", "us_bis_entity_list"],
        score=0.97,
        match=True,
        review=True,
        matched_name="Zhejiang Dahua Technology Co., Ltd.",
        explanation="same name after removing the place word 'Zhejiang' and the legal form",
    )


def dahua_row() -> RowResult:
    record = _record(
        1,
        po_number="PO-2024-0117",
        vendor="Zhejiang Dahua Technology Co., Ltd.",
        address="1399 Binxing Road, Hangzhou, Zhejiang, China",
        description="57 camera kits: Dahua IPC-HFW2431S-S 4MP bullet cameras for school buses",
        hs_code="8525.89",
        amount=48355.0,
        currency="USD",
        funding="ESSER III ALN 84.425U",
        buyer="Springfield Public Schools",
    )
    covered = Flag(
        "covered_equipment",
        "high",
        DAHUA_REASONS[0],
        {
            "field": "description",
            "text": "IPC-HFW2431S-S",
            "start": 23,
            "end": 37,
            "kind": "model",
            "brand": "Dahua",
            "covered_parent": "Dahua Technology Company",
            "legal_basis": "NDAA FY2019 s.889 and the FCC Covered List",
            "federal_funding": True,
            "funding": "ESSER III ALN 84.425U",
            "source": "https://ipvm.com/reports/dahua-public-safety (research source)",
        },
    )
    memberships = [
        {
            "list": "us_fcc_covered",
            "legal_basis": "47 CFR 1.50002",
            "listed_on": "2021-03-12",
            "source_url": FCC_URL,
        },
        {
            "list": "us_bis_entity_list",
            "legal_basis": "Export Administration Regulations, 15 CFR 744.11",
            "listed_on": "2019-10-09",
            "federal_register": "84 FR 54002",
            "source_url": EL_URL,
        },
    ]
    party = Flag(
        "restricted_party",
        "high",
        DAHUA_REASONS[1],
        {
            "field": "name",
            "text": record.name,
            "entity_id": "curated_covered:4",
            "caption": "Dahua Technology Company",
            "matched_name": "Zhejiang Dahua Technology Co., Ltd.",
            "score": 0.97,
            "lists": ["us_ndaa_889", "us_fcc_covered", "us_bis_entity_list"],
            "memberships": memberships,
            "federal_funding": True,
        },
    )
    return RowResult(1, record, "high", [covered, party], [dahua_hit()], SNAPSHOT)


def xinjiang_row() -> RowResult:
    record = _record(
        2,
        po_number="PO-2024-0118",
        vendor="Aksu Huafu Textiles Co., Ltd.",
        address="阿克苏市纺织工业城, 新疆, China",
        description="Combed cotton yarn 40s",
        amount="120,000.00",
        currency="USD",
    )
    place = Flag(
        "xinjiang_location",
        "high",
        "Xinjiang location: Aksu (阿克苏, Aksu Prefecture) in the address ('阿克苏市'); goods made there are "
        "presumed made with forced labour (UFLPA).",
        {"field": "address", "text": "阿克苏市", "place": {"name_en": "Aksu", "chinese": "阿克苏市"}},
    )
    sector = Flag(
        "high_priority_sector",
        "info",
        "UFLPA high-priority sector: Cotton and cotton products; information, not a hit by itself.",
        {"field": "description", "text": "cotton yarn", "sector": "Cotton and cotton products"},
    )
    return RowResult(2, record, "high", [place, sector], [], SNAPSHOT)


def cotton_row() -> RowResult:
    record = _record(
        3,
        po_number="PO-2024-0119",
        vendor="Pacific Apparel Sourcing Ltd",
        description="Cotton yarn, carded",
        hs_code="5205.12",
        amount="8,400.00",
        currency="USD",
    )
    sector = Flag(
        "high_priority_sector",
        "info",
        "UFLPA high-priority sector: Cotton and cotton products (designated 2022); information, not a hit "
        "by itself. Matched: HS 5205.12.",
        {"field": "hs_code", "text": "5205.12", "sector": "Cotton and cotton products"},
    )
    return RowResult(3, record, "clear", [sector], [], SNAPSHOT)


def clean_row() -> RowResult:
    record = _record(
        4, po_number="PO-2024-0120", vendor="Office Depot", description="Copy paper", amount="250.00"
    )
    return RowResult(4, record, "clear", [], [], SNAPSHOT)


def formula_row() -> RowResult:
    record = _record(
        5,
        po_number="-1200.50",
        vendor=FORMULA_VENDOR,
        address="@SUM(1+1)*cmd|' /C calc'!A0",
        description="+SUM(A1:A9)",
        hs_code="\t=1+1",
        amount="-1200.50",
        funding="-2+3",
    )
    return RowResult(5, record, "clear", [], [], SNAPSHOT)


def huge_row() -> RowResult:
    text = ("Surveillance camera mounting brackets, stainless steel, assorted sizes. " * 14_000)[:1_000_000]
    record = _record(6, po_number="PO-2024-0121", vendor="Bulk Text Supplies", description=text)
    return RowResult(6, record, "clear", [], [], SNAPSHOT)


def script_row() -> RowResult:
    record = _record(
        7,
        po_number="PO-2024-0122",
        vendor=SCRIPT_VENDOR,
        description="Silicon metal 553 <b>bold</b>",
        amount="5,000.00",
        currency="USD",
    )
    hit = Hit(
        entity_id="curated_uflpa:5",
        caption="Hoshine Silicon Industry (Shanshan) Co., Ltd.",
        schema="Organization",
        names=["Hoshine Silicon Industry (Shanshan) Co., Ltd.", "Hoshine"],
        source_ids=["curated_uflpa:5"],
        lists=["us_dhs_uflpa"],
        score=0.71,
        match=False,
        review=True,
        matched_name="Hoshine",
        explanation="shares the rare word 'Hoshine'; other words differ",
    )
    flag = Flag(
        "restricted_party",
        "review",
        f"'{SCRIPT_VENDOR}' resembles Hoshine Silicon Industry (Shanshan) Co., Ltd. (curated_uflpa:5, score "
        "0.71): a possible match, for a reviewer to check; lists: us_dhs_uflpa",
        {
            "field": "name",
            "entity_id": "curated_uflpa:5",
            "caption": hit.caption,
            "lists": ["us_dhs_uflpa"],
            "memberships": [{"list": "us_dhs_uflpa", "listed_on": "2022-06-21", "source_url": UFLPA_URL}],
        },
    )
    return RowResult(7, record, "review", [flag], [hit], SNAPSHOT)


def sample_results() -> list[RowResult]:
    """Seven rows: Dahua cameras (high), Xinjiang supplier (high), cotton HS code (clear with info),
    a clean row, a formula-injection row, a 1 MB description and a script-named vendor (review)."""
    return [dahua_row(), xinjiang_row(), cotton_row(), clean_row(), formula_row(), huge_row(), script_row()]


def sample_context(tmp_path: Path, **extra: Any) -> ReportContext:
    sources = sources_from_snapshot(
        [
            {
                "code": "us_fcc_covered",
                "title": "FCC Covered List",
                "official": True,
                "snapshot_date": "2026-03-23",
            },
            {
                "code": "curated_uflpa",
                "title": "Curated UFLPA Entity List entries (research snapshot)",
                "official": False,
                "snapshot_date": "2025-01-15",
                "lists": {"us_dhs_uflpa": 83},
            },
        ],
        gaps={"us_dhs_uflpa": UFLPA_GAP},
        today=date(2026, 4, 1),
    )
    values: dict[str, Any] = {
        "input_path": tmp_path / "purchase_orders.csv",
        "mapping": {"name": "Vendor", "description": "Description", "amount": "Amount"},
        "list_snapshot": SNAPSHOT,
        "sources": sources,
        "started": datetime(2026, 4, 1, 9, 30, tzinfo=UTC),
        "finished": datetime(2026, 4, 1, 9, 31, tzinfo=UTC),
        "profile": "buyer",
    }
    values.update(extra)
    return ReportContext(**values)


def write_sample(out: Path, results: list[RowResult] | None = None, **context: Any) -> ReportSummary:
    """Write ``results`` (default: the sample rows) to ``out``, in the format its extension names, with
    the sample context of its folder (``context`` added) and the sample columns; their totals."""
    rows = sample_results() if results is None else results
    return write_results(rows, out, fmt=None, context=sample_context(out.parent, **context), columns=COLUMNS)


def test_aggregator_counts_rows_by_risk_and_by_flag() -> None:
    summary = summarise(sample_results())
    assert summary.rows_total == 7
    assert summary.by_risk == {"high": 2, "review": 1, "clear": 4}
    assert summary.rows_flagged == 3
    assert summary.rows_information == 1
    assert summary.by_flag == {
        "restricted_party": 2,
        "uflpa_entity": 0,
        "covered_equipment": 1,
        "xinjiang_location": 1,
        "high_priority_sector": 2,
    }
    assert summary.by_list == {
        "us_ndaa_889": 1,
        "us_fcc_covered": 1,
        "us_bis_entity_list": 1,
        "us_dhs_uflpa": 1,
    }
    assert summary.list_snapshot == SNAPSHOT


def test_amount_at_risk_counts_only_high_and_review_rows_by_vendor_buyer_and_flag() -> None:
    summary = summarise(sample_results())
    assert summary.amount_at_risk == {"USD": 173_355.0}
    assert [(a.label, a.amount) for a in summary.amount_by_vendor] == [
        ("Aksu Huafu Textiles Co., Ltd.", 120_000.0),
        ("Zhejiang Dahua Technology Co., Ltd.", 48_355.0),
        (SCRIPT_VENDOR, 5_000.0),
    ]
    assert [(a.label, a.amount, a.rows) for a in summary.amount_by_buyer] == [
        ("Springfield Public Schools", 48_355.0, 1)
    ]
    by_flag = {a.label: a.amount for a in summary.amount_by_flag}
    assert by_flag == {
        "xinjiang_location": 120_000.0,
        "high_priority_sector": 120_000.0,
        "covered_equipment": 48_355.0,
        "restricted_party": 53_355.0,
    }


def test_amounts_in_different_currencies_are_never_added() -> None:
    euro = dahua_row()
    euro.record.currency = "eur"
    summary = summarise([euro, xinjiang_row()])
    assert summary.amount_at_risk == {"EUR": 48_355.0, "USD": 120_000.0}
    assert {(a.label, a.currency) for a in summary.amount_by_flag} >= {
        ("xinjiang_location", "USD"),
        ("covered_equipment", "EUR"),
    }


def test_aggregator_counts_changes_and_incrementally() -> None:
    agg = ReportAggregator()
    first, second = dahua_row(), clean_row()
    first.change, second.change = "new", "unchanged"
    agg.add(first)
    assert agg.summary().rows_total == 1
    agg.add(second)
    assert agg.summary().by_change == {"new": 1, "unchanged": 1}


def test_summary_table_names_the_totals_for_the_cli() -> None:
    summary = summarise(sample_results())
    summary.errors = 2
    table = dict(summary.table_rows())
    assert table["Rows screened"] == "7"
    assert table["  high"] == "2"
    assert table["Flag covered_equipment"] == "1"
    assert table["Amount at risk"] == "USD 173,355.00"
    assert table["Rows with errors"] == "2"
    assert table["Largest vendor at risk"] == "Aksu Huafu Textiles Co., Ltd. (USD 120,000.00)"
    assert "\nRows with errors           2\n" in summary.format_table()


def test_sources_from_snapshot_computes_age_and_attaches_list_gaps() -> None:
    context = sample_context(Path("/tmp"))
    fcc, uflpa = context.sources
    assert fcc["age_days"] == 9 and fcc["official"] is True and fcc["gaps"] == []
    assert uflpa["age_days"] == 441 and uflpa["gaps"] == [UFLPA_GAP] and uflpa["lists"] == ["us_dhs_uflpa"]


@pytest.mark.parametrize(("value", "days"), [("2022-05", 30), ("2022", 150), ("", None), ("May 2022", None)])
def test_age_of_month_and_year_dates_counts_from_their_first_day(value: str, days: int | None) -> None:
    from supplyscreen.report import age_in_days

    assert age_in_days(value, date(2022, 5, 31)) == days


def test_amount_tables_keep_the_largest_ties_by_label_then_first_seen() -> None:
    import random

    from supplyscreen.report.summary import AmountRow, ReportAggregator

    agg = ReportAggregator(amount_rows=7)
    rng = random.Random(3)
    for _ in range(3000):
        label = rng.choice(["Acme", "Bolt", "Cobalt Co", "Delta", "Echo", "Fox"]) + str(rng.randrange(40))
        slot = agg.amount_slot("vendor", label, rng.choice(["USD", "EUR"]))
        slot[0] += 100.0  # many equal totals: ties
        slot[1] += 1
    everything = [
        AmountRow(label, cur, total, int(n)) for (label, cur), (total, n) in agg._amounts["vendor"].items()
    ]
    expected = sorted(everything, key=lambda a: (-a.amount, a.label))[:7]
    assert agg.summary().amount_by_vendor == expected
    assert len({a.amount for a in expected}) < 7  # ties were decided
