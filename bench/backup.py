"""Backup and restore of N incidents: `vigil backup`'s and `vigil restore`'s own code, against
the raw pg_dump / pg_restore of the same database in the same run (their ceiling).

Creates a throwaway database (PostgreSQL by default), migrates it, makes one organisation and
fills it with N generated incidents through the bulk path (bench/incidents_query.py's
generator: COPY per table and batch). Then times:

- backup: `vigil.ops.service.make_backup` (audit sealing, the snapshot's counts, pg_dump on the
  exported snapshot, the archive with its checksums, reading it back);
- restore: `vigil.ops.service.restore_backup` into a second, empty database (checksums,
  pg_restore in one transaction, counts, the audit chain's verification);
- the ceiling: plain `pg_dump --format=custom` of the source, and `pg_restore
  --single-transaction` of that dump into a third empty database.

    python bench/backup.py                 # 1,000,000 incidents on PostgreSQL
    python bench/backup.py --quick         # 5,000 incidents, under a minute
    python bench/backup.py --rows 200000
    python bench/backup.py --db sqlite --quick

Only 127.0.0.1 is contacted; the databases and files are removed on exit. The last line is
name=value pairs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import api as http_bench  # bench/api.py: throwaway databases, settings, signals
import incidents_query as generated  # bench/incidents_query.py: the incident generator


def _world(url: str) -> generated.World:
    """The generator's owners, all of them the one benchmark organisation."""
    from sqlalchemy import select

    from vigil.core.db import transaction
    from vigil.orgs.models import Organisation

    with transaction(url) as session:
        org_id = session.scalar(select(Organisation.id).where(Organisation.slug == "bench"))
    slugs = {slug for shares in generated.OWNERS.values() for slug, _ in shares}
    slugs |= {"berlin-police-liaison", "uk-police-liaison"}
    return generated.World({slug: int(org_id or 0) for slug in slugs})


def _timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def bench(args: argparse.Namespace) -> dict[str, str]:
    from vigil.core.config import Settings
    from vigil.core.db import get_engine
    from vigil.ops import service

    work = Path(tempfile.mkdtemp(prefix="vigil-bench-backup-"))
    pairs: dict[str, str] = {}
    try:
        with (
            http_bench.database(args.db, work / "data", args.pg_url) as (url, _),
            http_bench.database(args.db, work / "restored", args.pg_url) as (restore_url, _),
            http_bench.database(args.db, work / "ceiling", args.pg_url) as (ceiling_url, _),
        ):
            values = http_bench.server_values(work, url)
            http_bench.prepare(values, demo=False)
            source = Settings(**values)  # type: ignore[arg-type]
            end = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
            started = time.perf_counter()
            generated.generate(
                source.sqlalchemy_url,
                _world(source.sqlalchemy_url),
                args.rows,
                seed=args.seed,
                start=end - dt.timedelta(days=3650),
                end=end,
            )
            print(f"generated {args.rows:,} incidents in {time.perf_counter() - started:.1f} s")
            get_engine(source.sqlalchemy_url).dispose()

            started = time.perf_counter()
            made = service.make_backup(source, target=work / "backup.tar")
            backup_s = time.perf_counter() - started
            incidents = made.manifest["database"]["tables"]["incidents"]
            target = source.model_copy(
                update={"database_url": restore_url, "data_dir": work / "restored"}
            )
            started = time.perf_counter()
            service.restore_backup(target, made.path)
            restore_s = time.perf_counter() - started
            pairs = {
                "backup_s": f"{backup_s:.1f}",
                "restore_s": f"{restore_s:.1f}",
                "incidents": str(incidents),
                "archive_mb": f"{made.size_bytes / 1e6:.1f}",
                "db": args.db,
            }
            print(f"vigil backup: {backup_s:.1f} s, {made.size_bytes / 1e6:.1f} MB, verified")
            print(f"vigil restore: {restore_s:.1f} s (checksums, counts, audit chain)")
            if args.db == "postgresql":
                pairs |= _ceiling(source.sqlalchemy_url, ceiling_url, work, backup_s, restore_s)
            get_engine(target.sqlalchemy_url).dispose()
            get_engine(source.sqlalchemy_url).dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return pairs


def _ceiling(
    source_url: str, ceiling_url: str, work: Path, backup_s: float, restore_s: float
) -> dict[str, str]:
    from vigil.ops.snapshot import libpq

    dump = work / "raw.pgdump"
    conninfo, env = libpq(source_url)
    dump_s = _timed(["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={conninfo}"], env)
    conninfo, env = libpq(ceiling_url)
    args = ["pg_restore", "--single-transaction", "--no-owner", f"--dbname={conninfo}"]
    restore_raw_s = _timed([*args, str(dump)], env)
    print(
        f"ceiling: pg_dump {dump_s:.1f} s, pg_restore {restore_raw_s:.1f} s; "
        f"vigil backup {backup_s / dump_s:.2f}x, vigil restore {restore_s / restore_raw_s:.2f}x"
    )
    return {
        "pg_dump_s": f"{dump_s:.1f}",
        "pg_restore_s": f"{restore_raw_s:.1f}",
        "backup_ratio": f"{backup_s / dump_s:.2f}",
        "restore_ratio": f"{restore_s / restore_raw_s:.2f}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pg-url", default=http_bench.DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 incidents")
    parser.add_argument("--rows", type=int, default=None, help="default 1,000,000 (quick: 5,000)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    args.rows = args.rows or (5_000 if args.quick else 1_000_000)
    http_bench._stop_on_signals()
    pairs = bench(args)
    # The last line: the brief's figures first, then the ceiling and the ratios to it.
    order = ["backup_s", "restore_s", "incidents", "archive_mb", "db"]
    print(" ".join(f"{k}={pairs[k]}" for k in [*order, *(k for k in pairs if k not in order)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
