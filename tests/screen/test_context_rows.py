"""Curated reviewer-context rows (issue 23, point 5): a buyer of a former subsidiary or an OEM
relabeller (``creates_hit=no``) is on no list. A name that resembles one never gets a flag of
consequence by it: where it is the name's only hit, the row stays clear with an ``info`` reason,
listed among the hits checked and not flagged."""

from __future__ import annotations

import csv
from pathlib import Path

from supplyscreen.screen.run import screen_file

ROWS = [
    ("Skywatch Inc.", "monitoring service"),  # buyer of Dahua's former subsidiary
    ("Amcrest Technologies LLC", "cameras"),  # OEM relabel (unverified)
    ("Dahua Technology", "cameras"),  # the listed company itself
    ("Office Depot", "copy paper"),
]


def _screened(screener, tmp_path: Path, suffix: str) -> Path:  # type: ignore[no-untyped-def]
    source = tmp_path / "vendors.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["vendor", "description"])
        out.writerows(ROWS)
    screened = tmp_path / f"vendors.out.{suffix}"
    screen_file(screener, source, screened)
    return screened


def test_a_name_resembling_only_a_context_row_stays_clear_with_an_info_reason(
    screener, tmp_path: Path, both_paths: str
) -> None:
    out = _screened(screener, tmp_path, "csv")
    rows = {r["vendor"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    for name in ("Skywatch Inc.", "Amcrest Technologies LLC"):
        row = rows[name]
        assert row["risk"] == "clear", row
        assert "curated research only as" in row["reasons"] and "on no list" in row["reasons"]
        assert row["top_match"] == "" and row["lists"] == ""  # not a hit
    assert "buyer of former subsidiary of Dahua Technology Company" in rows["Skywatch Inc."]["reasons"]
    assert rows["Dahua Technology"]["risk"] == "high"
    assert "curated research only" not in rows["Dahua Technology"]["reasons"]
    assert rows["Office Depot"]["reasons"] == ""


def test_context_rows_are_never_match_results_and_show_among_the_hits_checked(
    screener, tmp_path: Path
) -> None:
    assert all(not h.reviewer_context for h in screener.match("Skywatch Inc."))
    assert not any(h.match or h.review for h in screener.match("Skywatch Inc."))
    html = _screened(screener, tmp_path, "html").read_text(encoding="utf-8")
    checked = html.split('<section id="checked">', 1)[1].split("</section>", 1)[0]
    assert "Skywatch" in checked and "Amcrest" in checked and "Office Depot" not in checked
