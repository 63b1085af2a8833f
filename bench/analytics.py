"""Month counts from the stored figures against the same counts from the incidents, on
1,000,000 generated incidents (PostgreSQL; issue 16: p95 under 50 ms).

Creates a throwaway database (`vigil_bench_analytics`), migrates it, adds one organisation per
country of bench/incidents_query.py's generated world and writes incidents spread over four
years through the bulk path CSV import uses (`incidents.transfer.bulk_insert_incidents`: COPY
of incidents and their codes; the figures' triggers fire as on any import). Then it times:

- `rebuild_figures` over all of them (`rebuild_s`);
- `reports.counting.counts(by=("month",))` for the organisation with the most incidents over
  the last two whole years, also with a type filter and by bias (the cube path), `--repeat`
  times each after a warm-up: p50 and p95 over all runs;
- the peer, in the same run: the same month counts computed live from the incidents table with
  plain SQL (GROUP BY the month of occurred_from in the incident's zone; on SQLite, which has
  no zones, the UTC month), timed the same way; `ratio` = live p95 / cube p95;
- `refresh_figures` after 1,000 incidents changed (status and time moved) in one commit.

    python bench/analytics.py                 # 1,000,000 incidents on PostgreSQL
    python bench/analytics.py --quick         # 50,000 incidents, well under a minute
    python bench/analytics.py --db sqlite --quick

Only 127.0.0.1 is contacted; the database is dropped on exit. The last line is name=value pairs.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import incidents_query as world  # bench/incidents_query.py: the generated incidents

DB_NAME = "vigil_bench_analytics"
PG_URL = os.environ.get("VIGIL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
BATCH = 50_000
YEARS = 4


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a PostgreSQL one dropped afterwards."""
    from vigil.core.db import get_engine
    from vigil.core.migrate import upgrade

    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as work:
            url = f"sqlite:///{Path(work) / 'vigil.db'}"
            upgrade(url)
            yield url
            get_engine(url).dispose()
        return
    import psycopg

    admin = f"{PG_URL.replace('postgresql+psycopg://', 'postgresql://')}/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = f"{PG_URL}/{DB_NAME}"
    try:
        upgrade(url)
        yield url
        get_engine(url).dispose()
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def organisations(url: str) -> dict[str, int]:
    """One organisation per country of the generated world, by country."""
    from vigil.core.db import transaction
    from vigil.core.policy import SYSTEM
    from vigil.orgs import service as orgs_service
    from vigil.orgs.models import OrgKind
    from vigil.orgs.schemas import OrganisationCreate

    ids: dict[str, int] = {}
    with transaction(url) as session:
        for country in world.OWNERS:
            org = orgs_service.create_organisation(
                session=session,
                principal=SYSTEM,
                data=OrganisationCreate(
                    slug=f"security-{country.lower()}",
                    name=f"Community Security {country}",
                    kind=OrgKind.community_security,
                    country=country,
                ),
            )
            ids[country] = org.id
    return ids


def generate(url: str, org_ids: dict[str, int], count: int, now: dt.datetime) -> float:
    """Write `count` incidents over the last YEARS years; rows per second."""
    from vigil.core.db import transaction
    from vigil.incidents.transfer import bulk_insert_incidents

    rng = random.Random(16)
    start = now - dt.timedelta(days=365 * YEARS)
    t0 = time.perf_counter()
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        rows = []
        for _ in range(size):
            values = world.incident_fields(rng, start=start, end=now)
            values.update(
                owner_org_id=org_ids[values["country"]],
                tlp=world._pick(rng, world.TLPS),
                status=world._pick(rng, world.STATUSES),
                source=world._pick(rng, world.SOURCES),
                created_at=now,
                updated_at=now,
            )
            rows.append(values)
        with transaction(url) as session:
            bulk_insert_incidents(session=session, rows=rows)
        done += size
        print(f"  {done:,} incidents written", file=sys.stderr)
    analyse(url)
    return count / (time.perf_counter() - t0)


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of `repeat` runs after one warm-up run."""
    run()
    found = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        found.append((time.perf_counter() - t0) * 1000)
    return found


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def live_month_counts(
    session: Any, org_id: int, low: dt.datetime, high: dt.datetime, kind: str | None
) -> dict[str, int]:
    """The peer: month counts straight from the incidents, in the incident's own zone."""
    from sqlalchemy import bindparam, text

    from vigil.reports.facts import COUNTED, ZONE_SLACK

    postgres = session.get_bind().dialect.name == "postgresql"
    month = (
        "to_char(occurred_from AT TIME ZONE timezone, 'YYYY-MM')"
        if postgres
        else "strftime('%Y-%m', occurred_from)"
    )
    sql = (
        f"SELECT {month} AS m, count(*) FROM incidents "  # noqa: S608 (a constant expression)
        "WHERE owner_org_id = :org AND status IN :statuses "
        "AND occurred_from >= :low AND occurred_from < :high"
        + (" AND type = :kind" if kind else "")
        + " GROUP BY m"
    )
    # Every zone is within 14 hours of UTC: this window holds every incident of the months.
    after, before = low - ZONE_SLACK, high + ZONE_SLACK
    params: dict[str, Any] = {"org": org_id, "low": after, "high": before, "kind": kind}
    params["statuses"] = list(COUNTED)
    if not postgres:  # SQLite stores the moments as text without a zone
        params |= {"low": f"{after:%Y-%m-%d %H:%M:%S}", "high": f"{before:%Y-%m-%d %H:%M:%S}"}
    rows = session.execute(text(sql).bindparams(bindparam("statuses", expanding=True)), params)
    return {m: n for m, n in rows if low.strftime("%Y-%m") <= m < high.strftime("%Y-%m")}


def change_incidents(url: str, count: int, since: dt.datetime) -> None:
    """`count` incidents of those since `since` (what triage and imports touch) change status
    and move by a day, in one commit."""
    from sqlalchemy import bindparam, text

    from vigil.core.db import transaction

    with transaction(url) as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        ids = list(
            session.scalars(
                text(
                    "SELECT id FROM incidents WHERE occurred_from >= :since "
                    "ORDER BY random() LIMIT :n"
                ),
                {"n": count, "since": since if postgres else f"{since:%Y-%m-%d %H:%M:%S}"},
            )
        )
        later = (
            "occurred_from + interval '1 day'" if postgres else "datetime(occurred_from, '+1 day')"
        )
        flip = "CASE WHEN status = 'verified' THEN 'closed' ELSE 'verified' END"
        statement = text(
            f"UPDATE incidents SET status = {flip}, occurred_from = {later} "  # noqa: S608
            "WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        for at in range(0, len(ids), 1000):
            session.execute(statement, {"ids": ids[at : at + 1000]})


def analyse(url: str) -> None:
    """What autovacuum does soon after a bulk write: statistics and the visibility map."""
    from sqlalchemy import text

    from vigil.core.db import get_engine

    engine = get_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()


Shape = tuple[str, dict[str, Any], tuple[Any, ...], str | None]


def time_shapes(
    session: Any, org: int, now: dt.datetime, repeat: int, *, live_too: bool
) -> tuple[list[float], list[float]]:
    """Cube (and live) milliseconds of each shape; asserts both give the same months."""
    from vigil.reports.counting import FigureFilters, counts

    this_month = now.date().replace(day=1)
    start = this_month.replace(year=this_month.year - 2)
    period = {"start": start, "end": this_month}
    low = dt.datetime.combine(start, dt.time(), dt.UTC)
    high = dt.datetime.combine(this_month, dt.time(), dt.UTC)
    shapes: list[Shape] = [
        ("all", period, ("month",), None),
        ("threat", {**period, "type": ["threat"]}, ("month",), "threat"),
        ("by bias", period, ("month", "bias"), None),
    ]
    cube: list[float] = []
    live: list[float] = []
    postgres = session.get_bind().dialect.name == "postgresql"
    for name, values, by, kind in shapes:
        filters = FigureFilters.model_validate(values)
        found = counts(session=session, org_ids=[org], filters=filters, by=by)
        ms = timed(partial(counts, session=session, org_ids=[org], filters=filters, by=by), repeat)
        cube += ms
        line = f"{name}: {len(found)} cells, cube p50 {statistics.median(ms):.1f} ms"
        line += f" p95 {p95(ms):.1f} ms"
        if live_too and name != "by bias":
            peer = live_month_counts(session, org, low, high, kind)
            if postgres:
                assert peer == {k[0]: v for k, v in found.items()}, (peer, found)
            ms = timed(partial(live_month_counts, session, org, low, high, kind), repeat)
            live += ms
            line += f", live p50 {statistics.median(ms):.1f} ms p95 {p95(ms):.1f} ms"
        print(line, file=sys.stderr)
    return cube, live


def bench(args: argparse.Namespace) -> dict[str, str]:
    from sqlalchemy import text

    from vigil.core.db import get_sessionmaker, transaction
    from vigil.reports.figures import rebuild_figures, refresh_figures

    rows = args.rows or (50_000 if args.quick else 1_000_000)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    load = os.getloadavg()[0]
    result: dict[str, str] = {}
    with database(args.db) as url:
        org_ids = organisations(url)
        rate = generate(url, org_ids, rows, now)
        print(f"generated {rows:,} incidents at {rate:,.0f}/s", file=sys.stderr)
        t0 = time.perf_counter()
        with transaction(url) as session:
            rebuild_figures(session)
        rebuild_s = time.perf_counter() - t0
        print(f"rebuild_figures: {rebuild_s:.1f} s", file=sys.stderr)
        analyse(url)

        session = get_sessionmaker(url)()
        org = session.scalar(
            text("SELECT owner_org_id FROM incidents GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        )
        cube, live = time_shapes(session, org, now, args.repeat, live_too=True)
        session.close()
        result |= {
            "month_counts_p50_ms": f"{statistics.median(cube):.1f}",
            "month_counts_p95_ms": f"{p95(cube):.1f}",
            "live_p95_ms": f"{p95(live):.0f}",
            "ratio": f"{p95(live) / p95(cube):.0f}",
        }
        if args.index:
            with transaction(url) as session:
                for statement in args.index:
                    session.execute(text(statement))
            analyse(url)
            print(f"with {' and '.join(args.index)}:", file=sys.stderr)
            session = get_sessionmaker(url)()
            indexed, _ = time_shapes(session, org, now, args.repeat, live_too=False)
            session.close()
            result["indexed_p95_ms"] = f"{p95(indexed):.1f}"

        change_incidents(url, 1000, now - dt.timedelta(days=90))
        t0 = time.perf_counter()
        with transaction(url) as session:
            marks = refresh_figures(session)
        refresh_s = time.perf_counter() - t0
        print(f"refresh after 1,000 changes ({marks} marks): {refresh_s:.2f} s", file=sys.stderr)

    return result | {
        "rebuild_s": f"{rebuild_s:.1f}",
        "refresh_1000_s": f"{refresh_s:.2f}",
        "incidents": str(rows),
        "insert_rows_per_s": f"{rate:.0f}",
        "load": f"{load:.1f}",
        "db": args.db,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 incidents")
    parser.add_argument("--rows", type=int, default=0, help="incidents to generate")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per query shape")
    parser.add_argument(
        "--index", action="append", default=[], help="DDL run after the first timings, then timed"
    )
    args = parser.parse_args()
    result = bench(args)
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
