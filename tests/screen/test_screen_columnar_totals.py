"""The columnar path's report totals (`_Totals`) are exactly the row path's: rows by risk, flag and
list, amounts at risk per currency, and the amount tables by vendor and by flag with their exact
float sums and row counts, over several batches, after starting afresh and after a resume."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from supplyscreen.io.dates import parse_amount
from supplyscreen.report.summary import NO_NAME, _amount_key
from supplyscreen.screen.columnar import reader
from supplyscreen.screen.columnar import screener as columnar_screener
from supplyscreen.screen.columnar import writer as columnar_writer
from supplyscreen.screen.run import screen_file

HEADER = ["po_number", "vendor", "vendor_address", "country", "description", "amount", "currency",
          "funding_source"]  # fmt: skip

# (vendor, address, country, description, funding): each one's risk was checked against the lists
HIKVISION_CAMERA = ("Valley Security Systems Inc", "455 Market St, Fresno, CA", "US",
                    "Hikvision DS-2CD2143G2-I camera", "General fund")  # fmt: skip
DAHUA_CAMERA = ("Campus Tech Supply Co", "19 Elm St, Stockton, CA", "US", "Dahua IPC-HFW2431S camera",
                "ESSER III federal funds")  # fmt: skip
HIKVISION_VENDOR = ("Hangzhou Hikvision Digital Technology Co., Ltd.", "Hangzhou, Zhejiang", "CN",
                    "network cameras", "")  # fmt: skip
AKSU = ("Acme Trading Co", "Aksu, Xinjiang, China", "CN", "combed cotton yarn", "")
HIGH = (HIKVISION_CAMERA, DAHUA_CAMERA, HIKVISION_VENDOR, AKSU)
# a clear row with the informational sector flag
POLYSILICON = ("Springfield Energy Supply", "1 Main St, Springfield, IL", "US", "polysilicon wafers", "")
CLEAR = (
    ("Office Depot", "6600 N Military Trl, Boca Raton, FL", "US", "copy paper", "General fund"),
    ("Riverside Stationers", "12 Oak Ave, Riverside, CA", "US", "pencils and notebooks", ""),
)
TEMPLATES = (*HIGH, POLYSILICON, *CLEAR)

CURRENCIES = ("USD", "EUR", "CNY", "usd", " USD ", "")
ODD_AMOUNTS = ("", "n/a", "TBD", "$1,200.50", "-75.25", "(300.00)", "1,234", " 42 ", "€99", "1e3", "-0.00")


def _write(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _totals(summary: Any) -> dict[str, Any]:
    totals = summary.to_dict()
    for key in ("output", "format"):
        totals.pop(key, None)
    return totals


def _assert_same(fast: dict[str, Any], slow: dict[str, Any]) -> None:
    """Equal, key by key first so that a failure names the total that differs."""
    assert fast.keys() == slow.keys()
    for key in slow:
        assert fast[key] == slow[key], key
    assert fast == slow
    # and in the same order (the lists' counts, ties kept in the order rows first show them)
    assert json.dumps(fast) == json.dumps(slow)


def _both(
    screener: Any, source: Path, tmp_path: Path, **options: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The totals of the columnar path (with ``options``) and of the row path, which must be equal."""
    fast = tmp_path / f"{source.stem}.fast.csv"
    slow = tmp_path / f"{source.stem}.slow.csv"
    fast_totals = _totals(screen_file(screener, source, fast, **options).summary)
    slow_totals = _totals(screen_file(screener, source, slow, force_rows=True).summary)
    _assert_same(fast_totals, slow_totals)
    assert _rows(fast) == _rows(slow)
    return fast_totals, slow_totals


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 16 KB: a test file of a few thousand rows is screened in several."""
    monkeypatch.setattr(reader, "BATCH_BYTES", 16 * 1024)


# (vendor, address, country, description) of the templates at high risk
HIGH_KEYS = {t[:4] for t in HIGH}


def _amount(rng: random.Random) -> str:
    # cents that do not add up exactly in binary: the sums depend on the order they are made in
    return f"{rng.randint(1, 9_999_999) / 100:.2f}"


def _row(i: int, template: Sequence[str], amount: str, currency: str) -> list[str]:
    """Purchase order ``i`` of a template (vendor, address, country, description, funding)."""
    vendor, address, country, description, funding = template
    return [f"PO-{i}", vendor, address, country, description, amount, currency, funding]


def _mixed_rows(n: int, seed: int) -> list[list[str]]:
    """Rows of every template with every currency spelling, readable and odd amounts."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        template = rng.choice(TEMPLATES)
        amount = rng.choice(ODD_AMOUNTS) if rng.random() < 0.2 else _amount(rng)
        rows.append(_row(i, template, amount, rng.choice(CURRENCIES)))
    return rows


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("workers", [1, 2])
def test_amounts_in_several_currencies_are_totalled_apart_as_the_row_path_does(
    screener, tmp_path: Path, workers: int
) -> None:
    rng = random.Random(11)
    rows = [
        _row(i, TEMPLATES[i % len(TEMPLATES)], _amount(rng), CURRENCIES[rng.randrange(len(CURRENCIES))])
        for i in range(2400)
    ]
    source = _write(tmp_path / "currencies.csv", rows)
    assert source.stat().st_size > 8 * 16 * 1024  # several batches
    fast, _ = _both(screener, source, tmp_path, workers=workers)

    at_risk = [r for r in rows if tuple(r[1:5]) in HIGH_KEYS]
    information = [r for r in rows if r[4] == POLYSILICON[3]]
    assert fast["rows_total"] == 2400
    assert fast["by_risk"] == {"high": len(at_risk), "review": 0, "clear": 2400 - len(at_risk)}
    assert fast["rows_flagged"] == len(at_risk) and fast["rows_information"] == len(information)
    assert fast["by_flag"]["high_priority_sector"] == len(information) + sum(r[1] == AKSU[0] for r in rows)
    # "usd" and " USD " are USD; EUR, CNY and no currency are totalled apart
    assert list(fast["amount_at_risk"]) == ["", "CNY", "EUR", "USD"]
    expected: dict[str, float] = {}
    for r in at_risk:
        currency = r[6].strip().upper()
        expected[currency] = expected.get(currency, 0.0) + float(r[5])
    assert fast["amount_at_risk"] == pytest.approx(expected, rel=1e-12)
    vendors = {(a["label"], a["currency"]) for a in fast["amount_by_vendor"]}
    assert vendors == {(t[0], c) for t in HIGH for c in ("", "CNY", "EUR", "USD")}
    assert sum(a["rows"] for a in fast["amount_by_vendor"]) == len(at_risk)
    flags = {(a["label"], a["currency"]) for a in fast["amount_by_flag"]}
    assert ("covered_equipment", "EUR") in flags and ("covered_equipment", "USD") in flags
    assert ("xinjiang_location", "") in flags and not any(c in ("usd", " USD ") for _, c in flags)


@pytest.mark.usefixtures("small_batches")
def test_empty_unreadable_and_negative_amounts_are_totalled_as_the_row_path_does(
    screener, tmp_path: Path
) -> None:
    rng = random.Random(5)
    rows = [
        _row(
            i,
            TEMPLATES[i % len(TEMPLATES)],
            ODD_AMOUNTS[i % len(ODD_AMOUNTS)] if i % 3 else _amount(rng),
            "USD",
        )
        for i in range(1800)
    ]
    # a vendor at risk whose every row has no amount that can be read
    no_amount = ("Lakeside Camera Outlet", "7 Shore Rd, Duluth, MN", "US", "Hikvision DS-2CD2143G2-I camera")
    rows += [[f"PO-X{i}", *no_amount, ["", "n/a", "TBD", " "][i % 4], "USD", ""] for i in range(40)]
    source = _write(tmp_path / "amounts.csv", rows)
    fast, _ = _both(screener, source, tmp_path)

    high = [r for r in rows if tuple(r[1:5]) in HIGH_KEYS or r[1] == no_amount[0]]
    assert fast["by_risk"]["high"] == len(high)
    readable = [r for r in high if parse_amount(r[5]) is not None]
    assert len(readable) < len(high) - 40  # rows at risk without an amount are counted, not totalled
    assert sum(a["rows"] for a in fast["amount_by_vendor"]) == len(readable)
    assert no_amount[0] not in {a["label"] for a in fast["amount_by_vendor"]}
    assert fast["amount_at_risk"]["USD"] == pytest.approx(
        sum(parse_amount(r[5]) for r in readable), rel=1e-12
    )
    # negative amounts, and those with a sign or thousands separators, are totalled as they read
    mine = [parse_amount(r[5]) for r in readable if r[1] == HIKVISION_CAMERA[0]]
    assert min(mine) < 0 and 1200.5 in mine and 1234.0 in mine
    by_vendor = {(a["label"], a["currency"]): a for a in fast["amount_by_vendor"]}
    assert by_vendor[(HIKVISION_CAMERA[0], "USD")]["rows"] == len(mine)
    assert by_vendor[(HIKVISION_CAMERA[0], "USD")]["amount"] == pytest.approx(sum(mine), rel=1e-12)


@pytest.mark.usefixtures("small_batches")
def test_vendor_names_are_totalled_under_the_reports_labels(screener, tmp_path: Path) -> None:
    shared = "Northwind Precision Components International Holdings " * 4  # over 200 characters
    assert len(shared) > 200
    long_names = [shared + "East", shared + "West Trading Co"]
    spellings = [
        "Acme Trading Co",
        "Acme  Trading Co",
        " Acme\tTrading  Co ",
        "ACME TRADING CO",
        "acme trading co",
    ]
    camera = ("12 Oak Ave, Riverside, CA", "US", "Dahua IPC-HFW2431S camera")
    rng = random.Random(3)
    rows = []
    for i in range(1500):
        kind = i % 5
        if kind == 0:
            rows.append([f"PO-{i}", spellings[i % len(spellings)], *AKSU[1:4], _amount(rng), "EUR", ""])
        elif kind == 1:
            rows.append([f"PO-{i}", "", *AKSU[1:4], _amount(rng), "CNY", ""])  # no name: "(no name)"
        elif kind == 2:
            rows.append([f"PO-{i}", long_names[i % 2], *camera, _amount(rng), "USD", ""])
        elif kind == 3:
            rows.append([f"PO-{i}", "   ", *camera, _amount(rng), "usd", ""])  # only spaces: no name
        else:
            rows.append([f"PO-{i}", *CLEAR[i % 2][:4], _amount(rng), "USD", ""])
    source = _write(tmp_path / "names.csv", rows)
    fast, _ = _both(screener, source, tmp_path)

    by_vendor = {(a["label"], a["currency"]): a for a in fast["amount_by_vendor"]}
    expected = {_amount_key(r[1].strip() or NO_NAME, r[6]) for i, r in enumerate(rows) if i % 5 != 4}
    assert set(by_vendor) == expected
    # spaces inside a name do not part its rows; the long names share one label of 200 characters
    assert by_vendor[("Acme Trading Co", "EUR")]["rows"] == sum(
        " ".join(r[1].split()) == "Acme Trading Co" for r in rows
    )
    assert by_vendor[(" ".join(shared.split())[:200], "USD")]["rows"] == 300
    assert by_vendor[(NO_NAME, "CNY")]["rows"] == 300 and by_vendor[(NO_NAME, "USD")]["rows"] == 300
    assert sum(a["rows"] for a in fast["amount_by_vendor"]) == 1200


@pytest.mark.usefixtures("small_batches")
def test_starting_afresh_between_batches_keeps_the_row_paths_totals(
    screener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columnar_resets: dict[str, int]
) -> None:
    """The remembered values and outcomes are dropped between batches (the rows counted so far are
    handed to the aggregator first); vendors seen before and after are totalled in one slot."""
    monkeypatch.setattr(columnar_screener, "_INTERNED_LIMIT", 5)
    rows = _mixed_rows(2500, seed=21)
    rng = random.Random(22)
    for row in rows[::3]:  # many vendors (more than the tables keep), some at risk, some with odd names
        if row[1] == HIKVISION_CAMERA[0]:
            row[1] = rng.choice(["Vendor", "Vendor  ", "VENDOR", "Vendor\t"]) + f" {rng.randrange(80)}"
    source = _write(tmp_path / "afresh.csv", rows)
    fast, _ = _both(screener, source, tmp_path)
    assert columnar_resets["n"] > 5  # once at the start, then between batches
    assert fast["rows_total"] == 2500 and fast["by_risk"]["high"] > 0
    assert len(fast["amount_by_vendor"]) == 50  # the tables keep the largest 50
    assert {"USD", "EUR", "CNY", ""} == set(fast["amount_at_risk"])


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("limit", [None, 5])
def test_a_resumed_run_has_the_totals_of_an_uninterrupted_one(
    screener,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    interrupt_and_resume,
    limit: int | None,
) -> None:
    monkeypatch.setattr(columnar_writer, "CHECKPOINT_SECONDS", 0.0)  # a checkpoint after every batch
    if limit is not None:
        monkeypatch.setattr(columnar_screener, "_INTERNED_LIMIT", limit)  # and starting afresh before each
    source = _write(tmp_path / "resume.csv", _mixed_rows(3000, seed=31))
    straight = tmp_path / "straight.csv"
    straight_totals = _totals(screen_file(screener, source, straight).summary)
    slow_totals = _totals(screen_file(screener, source, tmp_path / "slow.csv", force_rows=True).summary)
    _assert_same(straight_totals, slow_totals)

    out = tmp_path / "resumed.csv"
    outcome = interrupt_and_resume(source, out, after=1600)  # stopped past half the rows
    assert 0 < outcome.resumed_rows < 3000
    assert _rows(out) == _rows(straight)
    resumed_totals = _totals(outcome.summary)
    _assert_same(resumed_totals, straight_totals)
    _assert_same(resumed_totals, slow_totals)
    assert resumed_totals["rows_total"] == 3000 and resumed_totals["by_risk"]["high"] > 0
    assert len(resumed_totals["amount_at_risk"]) == 4


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("dropped", ["amount", "currency"])
def test_a_file_without_an_amount_or_a_currency_column(screener, tmp_path: Path, dropped: str) -> None:
    at = HEADER.index(dropped)
    header = [c for c in HEADER if c != dropped]
    rows = [[cell for j, cell in enumerate(row) if j != at] for row in _mixed_rows(1500, seed=41)]
    source = _write(tmp_path / f"no-{dropped}.csv", rows, header)
    fast, _ = _both(screener, source, tmp_path)
    high = sum(tuple(r[1:5]) in HIGH_KEYS for r in rows)
    assert fast["by_risk"]["high"] == high > 0
    if dropped == "amount":
        assert fast["amount_at_risk"] == {}
        assert fast["amount_by_vendor"] == [] and fast["amount_by_flag"] == []
    else:
        assert list(fast["amount_at_risk"]) == [""]
        assert {a["currency"] for a in fast["amount_by_vendor"]} == {""}
        assert {a["label"] for a in fast["amount_by_vendor"]} == {t[0] for t in HIGH}


def test_parquet_nulls_in_the_vendor_amount_and_currency_are_totalled_as_the_row_path_does(
    screener, tmp_path: Path
) -> None:
    """Parquet cells can be null (CSV cells are only empty): a null currency is no currency, a null
    name is "(no name)", a null amount is none; typed amounts are read as the row path reads them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(51)
    columns: dict[str, list[Any]] = {c: [] for c in ("vendor", "vendor_address", "country", "description",
                                                      "amount", "currency")}  # fmt: skip
    for i in range(600):
        vendor, address, country, description, _ = TEMPLATES[i % len(TEMPLATES)]
        columns["vendor"].append(None if i % 11 == 0 else vendor)
        columns["vendor_address"].append(address)
        columns["country"].append(country)
        columns["description"].append(description)
        columns["amount"].append(None if i % 13 == 0 else rng.randint(-500, 9_999_999) / 100)
        columns["currency"].append(None if i % 3 == 0 else rng.choice(CURRENCIES))
    source = tmp_path / "nulls.parquet"
    pq.write_table(pa.table(columns), source)
    fast, _ = _both(screener, source, tmp_path)
    assert set(fast["amount_at_risk"]) == {"", "CNY", "EUR", "USD"}
    assert NO_NAME in {a["label"] for a in fast["amount_by_vendor"]}
    # at risk: the high templates, but the listed vendor's row without its name is clear
    at_risk = [
        i for i in range(600)
        if TEMPLATES[i % len(TEMPLATES)] in HIGH
        and not (TEMPLATES[i % len(TEMPLATES)] is HIKVISION_VENDOR and columns["vendor"][i] is None)
    ]  # fmt: skip
    assert fast["by_risk"]["high"] == len(at_risk)
    with_amount = [i for i in at_risk if columns["amount"][i] is not None]
    assert sum(a["rows"] for a in fast["amount_by_vendor"]) == len(with_amount) < len(at_risk)
