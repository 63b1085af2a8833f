"""bench/analytics.py and bench/annual_report.py run in CI (`--quick`): month counts from the
stored figures against the same counts from the incidents, and a 40-page annual report rendered
to PDF. Speed is not asserted here; docs/performance.md records it. The last line carries every
figure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _last_line(script: str, *args: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    return dict(pair.split("=", 1) for pair in last.split())


@pytest.mark.slow
def test_analytics_bench_quick_prints_its_figures() -> None:
    pairs = _last_line("analytics.py")
    for name in ("month_counts_p95_ms", "live_p95_ms", "ratio", "rebuild_s", "refresh_1000_s"):
        assert float(pairs[name]) > 0, pairs
    assert pairs["db"] == "postgresql" and int(pairs["incidents"]) == 50_000


@pytest.mark.slow
def test_annual_report_bench_quick_renders_its_pages() -> None:
    pairs = _last_line("annual_report.py")
    assert int(pairs["pages"]) > 1 and int(pairs["charts"]) >= 15, pairs  # quick: fewer pages
    assert float(pairs["seconds"]) > 0
