"""bench/federation.py runs in CI (`--quick`): two instances, a full pull that B's reader reads
whole (the bench asserts it), a pull with nothing new, 1,000 changes, the ceiling; the last line
carries every figure. Speed is not asserted here; docs/performance.md records it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL, _pg_reachable

BENCH = Path(__file__).resolve().parents[2] / "bench" / "federation.py"
FIGURES = (
    "db",
    "incidents",
    "objects",
    "full_pull_objects_per_s",
    "full_pull_s",
    "incremental_s",
    "store_refresh_1000_s",
    "changes_1000_s",
    "unchanged_objects_per_s",
    "ceiling_objects_per_s",
    "ratio",
)


@pytest.mark.slow
def test_federation_bench_quick_prints_its_figures() -> None:
    database = ["--pg-url", PG_URL] if _pg_reachable() is None else ["--db", "sqlite"]
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", *database],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    pairs = dict(pair.split("=", 1) for pair in last.split())
    assert set(FIGURES) <= set(pairs), last
    assert pairs["incidents"] == "5000"
    # Each incident leaves as itself and its location; every one arrived.
    assert int(pairs["objects"]) >= 5000
    for name in FIGURES[3:]:
        assert float(pairs[name]) > 0, last
