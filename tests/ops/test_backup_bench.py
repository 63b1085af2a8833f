"""bench/backup.py runs in CI (`--quick`): incidents backed up and restored on PostgreSQL, with
pg_dump and pg_restore timed in the same run as the ceiling. Speed is not asserted here;
docs/performance.md records it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "backup.py"


@pytest.mark.slow
def test_backup_bench_quick_backs_up_and_restores_its_incidents() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    pairs = dict(p.split("=", 1) for p in done.stdout.strip().splitlines()[-1].split())
    assert pairs["db"] == "postgresql" and int(pairs["incidents"]) == 5_000, pairs
    for name in ("backup_s", "restore_s", "archive_mb", "pg_dump_s", "pg_restore_s"):
        assert float(pairs[name]) > 0, pairs
