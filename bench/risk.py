"""Recompute the whole portfolio's risk: 100,000 assessed sites and 1,000,000 incidents.

Prepares a throwaway database like bench/incidents_query.py (migrated, demo organisations, the
incidents generated through the bulk path over two years in the same European cities), then adds
`--sites` sites scattered around those cities, each with a completed assessment against a shipped
methodology and a current-risk row, written with executemany. Then it times, in this process,
`vigil.assessments.recompute.recompute_risks` in one transaction, as `vigil risk recompute` runs
it: one grid pass over the last year's incidents per methodology version, the threat, likelihood
and risk of every site from the methodology's parameters, and one executemany back.

    python bench/risk.py                      # 100,000 sites, 1,000,000 incidents, PostgreSQL
    python bench/risk.py --quick              # 5,000 sites, 50,000 incidents: a smoke run
    python bench/risk.py --db sqlite

Printed last: sites_per_s, seconds, changed sites, db, as name=value pairs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import api as http_bench  # bench/api.py: databases, signals
import incidents_query as world  # bench/incidents_query.py: the generated incidents

WRITE_BATCH = 5_000
# Site types per shipped methodology.
FAMILIES = {
    "places_of_worship": ["place_of_worship", "community_centre", "school", "kindergarten"],
    "crowded_venues": ["shopping_centre", "stadium", "concert_hall", "theatre", "restaurant"],
}
SCATTER_DEGREES = 0.15  # about 10-15 km around a city centre


def add_sites(url: str, count: int, org_ids: list[int], seed: int) -> dict[str, float]:
    """`count` sites with a completed assessment and a risk row each; returns timings."""
    from sqlalchemy import insert, select

    from vigil.assessments import versions
    from vigil.assessments.models import Assessment, SiteRisk
    from vigil.core.db import transaction
    from vigil.sites.models import Site

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    with transaction(url) as session:
        shipped = {v.code: v.id for v in versions.ensure_shipped(session)}
        families = {code: types for code, types in FAMILIES.items() if code in shipped}
        first_site = (session.scalar(select(Site.id).order_by(Site.id.desc()).limit(1)) or 0) + 1
        first_assessment = (
            session.scalar(select(Assessment.id).order_by(Assessment.id.desc()).limit(1)) or 0
        ) + 1
        sites, assessments, risks = [], [], []
        for n in range(count):
            city, country, lat, lon, _zone, _weight = rng.choice(world.CITIES)
            code = rng.choice(list(families))
            site_id, assessment_id = first_site + n, first_assessment + n
            owner = rng.choice(org_ids)
            sites.append(
                {
                    "id": site_id,
                    "owner_org_id": owner,
                    "tlp": "amber+strict",
                    "name": f"Site {n} ({city})",
                    "type": rng.choice(families[code]),
                    "city": city,
                    "country": country,
                    "lat": lat + rng.uniform(-SCATTER_DEGREES, SCATTER_DEGREES),
                    "lon": lon + rng.uniform(-SCATTER_DEGREES, SCATTER_DEGREES),
                    "capacity": rng.choice([80, 150, 400, 900, 2500, 20000]),
                    "typical_attendance": rng.choice([30, 120, 300, 700]),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            assessments.append(
                {
                    "id": assessment_id,
                    "site_id": site_id,
                    "owner_org_id": owner,
                    "tlp": "amber+strict",
                    "methodology_version_id": shipped[code],
                    "status": "completed",
                    "completed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            risks.append(
                {
                    "site_id": site_id,
                    "assessment_id": assessment_id,
                    "vulnerability": rng.uniform(10, 90),
                    "threat": 1.0,
                    "likelihood": 1,
                    "impact": 1,
                    "risk": 1,
                    "band": "low",
                    "nearby_incidents": 0,
                    "explanation_json": "{}",
                    "computed_at": now,
                }
            )
        for table, rows in ((Site, sites), (Assessment, assessments), (SiteRisk, risks)):
            for start in range(0, len(rows), WRITE_BATCH):
                session.execute(insert(table), rows[start : start + WRITE_BATCH])
    return {"write": time.perf_counter() - t0}


def recompute(url: str) -> tuple[float, float, Any]:
    """Wall and CPU seconds of one recompute transaction, and its stats."""
    from vigil.assessments.recompute import recompute_risks
    from vigil.core.db import transaction

    wall, cpu = time.perf_counter(), time.process_time()
    with transaction(url) as session:
        stats = recompute_risks(session=session)
    return time.perf_counter() - wall, time.process_time() - cpu, stats


def bench(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-risk-"))
    try:
        print(
            f"{args.sites:,} sites and {args.incidents:,} incidents on {args.db}; "
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        with world.prepared_database(args, work, args.incidents, years=2.0) as (setup, _):
            world.print_generation(setup)
            org_ids = sorted(setup.world.org_ids.values())
            spent = add_sites(setup.url, args.sites, org_ids, args.seed)
            print(f"wrote {args.sites:,} sites with assessments in {spent['write']:.1f} s")
            wall, cpu, stats = recompute(setup.url)
            print(
                f"recomputed {stats.sites:,} sites in {wall:.1f} s ({cpu:.1f} s CPU in this "
                f"process), {stats.changed:,} changed; load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "sites_per_s": f"{stats.sites / wall:.0f}",
        "seconds": f"{wall:.1f}",
        "cpu_s": f"{cpu:.1f}",
        "sites": str(stats.sites),
        "incidents": str(args.incidents),
        "db": args.db,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pg-url", default=http_bench.DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="5,000 sites, 50,000 incidents")
    parser.add_argument("--sites", type=int, default=None, help="default 100,000")
    parser.add_argument("--incidents", type=int, default=None, help="default 1,000,000")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    args.sites = args.sites or (5_000 if args.quick else 100_000)
    args.incidents = args.incidents or (50_000 if args.quick else 1_000_000)
    http_bench._stop_on_signals()
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
