"""bench/monitoring.py runs in CI (`--quick`): text analysis per article and its stages,
extraction, the story index's memory, and feed to signal through the worker (cold and warm); the
last line carries every figure. Speed is not asserted here; docs/performance.md records it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "monitoring.py"
FIGURES = (
    "docs_per_s",
    "tokens_docs_per_s",
    "ratio_to_tokens",
    "language_docs_per_s",
    "lemmas_docs_per_s",
    "minhash_docs_per_s",
    "entities_docs_per_s",
    "scoring_docs_per_s",
    "clustering_docs_per_s",
    "extraction_docs_per_s",
    "lsh_mb",
    "feed_to_signal_s",
    "feed_to_signal_cold_s",
    "feed_to_signal_max_s",
)


@pytest.mark.slow
def test_monitoring_bench_quick_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--db", "sqlite"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    pairs = dict(pair.split("=", 1) for pair in last.split())
    assert set(FIGURES) <= set(pairs), last
    assert pairs["articles"] == "5000"
    for name in FIGURES:
        assert float(pairs[name]) > 0, last
