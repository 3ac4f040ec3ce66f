"""Build the list snapshot embedded in the package from the dated files in ../shared/data.

    python scripts/build_snapshot.py [--shared ../shared/data] [--out src/supplyscreen/data/snapshot]

The result is committed: the package then screens offline on first run. Every source keeps the
date its data is as of (from the file itself where it says, else from PROVENANCE.md).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from supplyscreen.sources.registry import source_spec
from supplyscreen.store.build import SourceData, build_snapshot, read_source

ROOT = Path(__file__).resolve().parents[1]
CURATED = ROOT / "src" / "supplyscreen" / "data" / "curated"

# source code → (role → file relative to shared/data, snapshot date from PROVENANCE.md or None)
SHARED_FILES: dict[str, tuple[dict[str, str], str | None]] = {
    "us_ofac_sdn": (
        {
            "sdn": "lists/us_ofac_sdn/sdn_2024-05-03.csv",
            "alt": "lists/us_ofac_sdn/alt_2025-12.csv",
            "add": "lists/us_ofac_sdn/add_2025-12.csv",
            "comments": "lists/us_ofac_sdn/sdn_comments_2025-12.csv",
        },
        "2024-05-03",
    ),
    "us_ofac_nonsdn": (
        {"zip": "lists/us_ofac_consolidated_nonsdn/CONS_ENHANCED_2025-01-14.ZIP"},
        "2025-01-10",
    ),
    "us_trade_csl": ({"csv": "lists/us_trade_csl/consolidated_2022-05.csv.gz"}, "2022-05"),
    "un_sc": ({"xml": "lists/un_sc_consolidated/UN_consolidated_2026-02-27.xml"}, "2026-02-27"),
    "us_fcc_covered": (
        {"html": "lists/us_fcc_covered_list/fcc_covered_list_table_verbatim.html"},
        "2026-03-23",
    ),
}
CURATED_FILES = {
    "curated_uflpa": "uflpa_entities.csv",
    "curated_covered": "covered_telecom_video.csv",
    "curated_el_xinjiang": "entity_list_xinjiang.csv",
}


def newest_listing(data: SourceData) -> str | None:
    """For curated files without a publication date: the newest listing date they record."""
    dates = [m.listed_on for e in data.entities for m in e.memberships if m.listed_on]
    dates += [r.listed_on for r in data.rules if r.listed_on]
    return max(dates) if dates else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "supplyscreen" / "data" / "snapshot")
    args = parser.parse_args()
    started = time.perf_counter()
    sources: dict[str, SourceData] = {}
    for code, (files, date) in SHARED_FILES.items():
        spec = source_spec(code)
        sources[code] = read_source(
            spec, {role: args.shared / rel for role, rel in files.items()}, snapshot_date=date
        )
    for code, filename in CURATED_FILES.items():
        spec = source_spec(code)
        data = read_source(spec, {spec.files[0].role: CURATED / filename})
        data.info.snapshot_date = data.info.snapshot_date or newest_listing(data)
        sources[code] = data
    for code, data in sources.items():
        print(
            f"{code:22s} records={data.info.records:6d} entities={data.info.entities:6d} "
            f"date={data.info.snapshot_date} skipped={data.info.skipped}"
        )
    tmp_out = args.out.with_name(args.out.name + ".new")
    if tmp_out.exists():
        shutil.rmtree(tmp_out)
    snapshot = build_snapshot(tmp_out, sources, version="embedded-" + time.strftime("%Y%m%d"))
    if args.out.exists():
        shutil.rmtree(args.out)
    tmp_out.rename(args.out)
    print(f"linked entities: {snapshot.manifest['entities']}; lists: {snapshot.manifest['lists']}")
    print(f"built {args.out} in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
