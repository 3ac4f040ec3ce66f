"""Generate realistic purchase files for tests and benchmarks (deterministic, seeded).

    python tests/support/generate.py OUT.csv --rows 1000000 --vendors 50000 --descriptions 20000

Vendors are mostly invented company names, with a share of real list names (so the matcher finds
hits), Chinese-style names and addresses in Xinjiang; descriptions are mostly ordinary goods, with a
share naming covered equipment by brand or model number and UFLPA high-priority sectors.
``--flag-share`` sets the share of rows carrying each kind of flag (0.05: at least 5% each);
``--uflpa-share`` adds that share of vendors named as UFLPA Entity List entities (0 by default, which
leaves the files of earlier runs unchanged).

The columnar, prefilter and Spark tests import it (``from support.generate import generate``), and so do
the screening and Spark benchmarks.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supplyscreen.model import Entity

WORDS = (
    "Acme Apex Atlas Beacon Blue Bright Cedar Coastal Crest Delta Eagle Echo Evergreen Falcon First "
    "Frontier Global Golden Granite Harbor Horizon Iron Keystone Lake Liberty Lincoln Meridian Metro "
    "Midwest Mountain North Oak Omega Pacific Peak Pine Pioneer Prairie Prime Quest Redwood River "
    "Rock Sierra Silver Summit Sun Tri Union United Valley Vista West Willow"
).split()
TRADES = (
    "Office Supply|Electronics|Facility Services|Janitorial|Print|Logistics|Construction|Auto Parts|"
    "Furniture|Food Service|Medical Supply|Lab Equipment|IT Solutions|Security Systems|Textiles|"
    "Packaging|Solar|Hardware|Paper|Uniforms"
).split("|")
FORMS = ("Inc", "LLC", "Co.", "Corp.", "Ltd", "GmbH", "Co., Ltd.")
CN_PLACES = ("Shenzhen", "Ningbo", "Suzhou", "Hangzhou", "Guangzhou", "Xiamen", "Qingdao", "Dongguan")
CN_BRANDS = (
    "Meitai Huaxin Tailian Lianyi Zhirui Yifeng Jinda Hongyuan Xinyuan Tianrui Kaida Boyuan "
    "Shengtai Haoxin Ruida Yongxin"
).split()
CN_TRADES = ("Electronics", "Digital Technology", "Textile", "Trading", "New Materials", "Import and Export")
XJ_ADDRESSES = (
    "No. 18 Renmin Road, Aksu, Xinjiang, China",
    "Kashgar Economic Development Zone, Kashi, Xinjiang",
    "88 Beijing Road, Urumqi, Xinjiang Uyghur Autonomous Region",
    "Shihezi, Xinjiang, China",
    "新疆维吾尔自治区乌鲁木齐市天山区人民路1号",
    "Hotan, Xinjiang, China",
)
US_ADDRESSES = (
    "{n} Main St, Springfield, IL 62701",
    "{n} Market St, Denver, CO 80202",
    "{n} Commerce Dr, Austin, TX 78701",
    "{n} Industrial Way, Oakland, CA 94607",
)
GOODS = (
    "copy paper, 10 reams",
    "toner cartridge black",
    "office chairs",
    "LED light tubes",
    "floor cleaner",
    "safety gloves",
    "laptop docking station",
    "network cable cat6",
    "whiteboard markers",
    "paper towels",
    "bus tyres",
    "printer maintenance",
    "lab reagents",
    "student desks",
    "projector bulbs",
    "janitorial service",
    "catering lunch",
    "HVAC filters",
    "classroom tablets",
    "security guard service",
)
COVERED = (
    "Hikvision DS-2CD2143G0-I dome camera",
    "Dahua IPC-HFW2431S-S bullet camera",
    "EZVIZ C6N camera kit",
    "HiLook 8-channel NVR",
    "Hytera PD782 portable radio",
    "Huawei AR6120 router",
)
SECTORS = (
    ("cotton yarn 40s", "520512"),
    ("polysilicon chunks", "280461"),
    ("tomato paste drums", "200290"),
    ("aluminium extrusions", "760429"),
    ("PVC resin SG-5", "390410"),
    ("frozen seafood", "030389"),
)
#: ``extra_columns``: where the goods went, and a free-text note (neither has a role: the detectors
#: read them all the same)
SITES = ("Central Warehouse", "Bus Depot", "North High School", "City Hall Annex", "Water Plant")
CITIES = ("Springfield, IL", "Denver, CO", "Austin, TX", "Oakland, CA", "Phoenix, AZ")
XJ_SITES = ("Aksu bonded warehouse", "Kashgar free trade zone", "乌鲁木齐仓库", "Hotan, Xinjiang depot")
NOTES = (
    "Delivered {date}, dock {n}; signed by receiving",
    "Partial shipment, balance due {date}",
    "Invoice {n} matched to PO, three-way match ok",
    "Replacement under warranty, RMA {n}",
    "Quote {n} accepted; net 30",
)
FLAGGED_NOTES = (
    "Replaces failed DS-2CD2143G0-I units, RMA {n}",
    "Federal funds: ESSER III, invoice {n}",
    "Made from Xinjiang cotton per mill certificate {n}",
    "Includes Hikvision NVR licence {n}",
)
FUNDING = ("General fund", "ESSER III federal funds", "Title I", "Local bond", "General fund", "General fund")


def list_entities() -> list[Entity]:
    """The entities of the active list snapshot (the embedded one unless ``$SUPPLYSCREEN_HOME`` has one)."""
    from supplyscreen.store import Store

    return Store.open().entities()


def list_names(entities: list[Entity], limit: int) -> list[str]:
    """Real organisation names from the list snapshot (vendors that should be hits)."""
    names = [e.caption for e in entities if e.schema != "Person" and e.memberships]
    random.Random(7).shuffle(names)
    return names[:limit]


def uflpa_names(entities: list[Entity]) -> list[str]:
    """Names of the UFLPA Entity List entities in the list snapshot (each matches itself as a hit)."""
    return sorted(e.caption for e in entities if any(m.list_code == "us_dhs_uflpa" for m in e.memberships))


def vendors(
    n: int, rng: random.Random, flag_share: float, uflpa_share: float = 0.0
) -> list[tuple[str, str, str]]:
    entities = list_entities()
    real = list_names(entities, max(1, int(n * flag_share)))
    uflpa = uflpa_names(entities) if uflpa_share > 0 else []
    out: list[tuple[str, str, str]] = []
    for i in range(n):
        r = rng.random()
        if r < flag_share:
            out.append((real[i % len(real)], "Beijing, China", "CN"))
        elif r < 2 * flag_share:
            name = f"{rng.choice(CN_PLACES)} {rng.choice(CN_BRANDS)} {rng.choice(CN_TRADES)} Co., Ltd. {i}"
            out.append((name, rng.choice(XJ_ADDRESSES), "CN"))
        elif uflpa and r < 2 * flag_share + uflpa_share:
            out.append((uflpa[i % len(uflpa)], "Beijing, China", "CN"))
        elif r < 0.3:
            name = f"{rng.choice(CN_PLACES)} {rng.choice(CN_BRANDS)} {rng.choice(CN_TRADES)} Co., Ltd. {i}"
            out.append((name, f"{rng.choice(CN_PLACES)}, Guangdong, China", "CN"))
        else:
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} {rng.choice(FORMS)} {i}"
            out.append((name, rng.choice(US_ADDRESSES).format(n=100 + i % 9000), "US"))
    return out


def descriptions(n: int, rng: random.Random, flag_share: float) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i in range(n):
        r = rng.random()
        if r < flag_share:
            out.append((f"{rng.choice(COVERED)} (lot {i})", "852589"))
        elif r < 2 * flag_share:
            text, hs = rng.choice(SECTORS)
            out.append((f"{text}, batch {i}", hs))
        else:
            out.append((f"{rng.choice(GOODS)} #{i}", ""))
    return out


def generate(
    path: Path,
    rows: int,
    n_vendors: int,
    n_descriptions: int,
    flag_share: float = 0.05,
    seed: int = 1,
    uflpa_share: float = 0.0,
    extra_columns: bool = False,
) -> None:
    """A purchase file of ``rows`` rows drawn from ``n_vendors`` vendors and ``n_descriptions`` items;
    ``extra_columns`` adds a ``location`` (a few hundred sites) and a ``note`` (mostly one of its own
    per row), ``flag_share`` of each naming a Xinjiang place or covered equipment, a sector or federal
    funds (drawn apart: the other columns are those of the same file without them)."""
    rng = random.Random(seed)
    extra = random.Random(seed + 1)
    sites = [f"{s} {k}, {c}" for k in range(1, 60) for s in SITES for c in CITIES][:300]
    vs = vendors(n_vendors, rng, flag_share, uflpa_share)
    ds = descriptions(n_descriptions, rng, flag_share)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "po_number",
                "order_date",
                "vendor",
                "vendor_address",
                "country",
                "description",
                "hs_code",
                "amount",
                "currency",
                "funding_source",
                *(("location", "note") if extra_columns else ()),
            ]
        )
        for i in range(rows):
            v = vs[i % n_vendors] if i < n_vendors else vs[rng.randrange(n_vendors)]
            d = ds[i % n_descriptions] if i < n_descriptions else ds[rng.randrange(n_descriptions)]
            w.writerow(
                [
                    f"PO-{i:07d}",
                    f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    v[0],
                    v[1],
                    v[2],
                    d[0],
                    d[1],
                    f"{rng.uniform(10, 50000):.2f}",
                    "USD",
                    rng.choice(FUNDING),
                    *(_extra_cells(extra, i, sites, flag_share) if extra_columns else ()),
                ]
            )


def _extra_cells(rng: random.Random, i: int, sites: list[str], flag_share: float) -> tuple[str, str]:
    site = rng.choice(XJ_SITES) if rng.random() < flag_share else rng.choice(sites)
    date = f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}"
    notes = FLAGGED_NOTES if rng.random() < flag_share else NOTES
    note = "" if rng.random() < 0.2 else rng.choice(notes).format(date=date, n=i)
    return site, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--vendors", type=int, default=50_000)
    parser.add_argument("--descriptions", type=int, default=20_000)
    parser.add_argument("--flag-share", type=float, default=0.05)
    parser.add_argument("--uflpa-share", type=float, default=0.0)
    parser.add_argument("--extra-columns", action="store_true", help="add a location and a note column")
    args = parser.parse_args()
    generate(
        args.out,
        args.rows,
        args.vendors,
        args.descriptions,
        args.flag_share,
        uflpa_share=args.uflpa_share,
        extra_columns=args.extra_columns,
    )


if __name__ == "__main__":
    main()
