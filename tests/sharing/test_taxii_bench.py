"""bench/taxii.py runs in CI (`--quick`): both servers answer the whole workload and the last
line carries every figure. Speed is not asserted here; docs/performance.md records it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL, _pg_reachable

BENCH = Path(__file__).resolve().parents[2] / "bench" / "taxii.py"
FIGURES = (
    "db",
    "objects",
    "post_per_s",
    "page_per_s",
    "page_p95_ms",
    "page_first_ms",
    "page_deep_ms",
    "type_ms",
    "after_ms",
    "medallion_objects",
    "medallion_post_per_s",
    "medallion_page_per_s",
    "post_ratio",
    "page_ratio",
)


@pytest.mark.slow
def test_taxii_bench_quick_prints_its_figures() -> None:
    database = ["--pg-url", PG_URL] if _pg_reachable() is None else ["--db", "sqlite"]
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", *database],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    pairs = dict(pair.split("=", 1) for pair in last.split())
    assert set(FIGURES) <= set(pairs), last
    assert pairs["objects"] == "5000"
    for name in FIGURES[1:]:
        assert float(pairs[name]) > 0, last
