"""Places (issue 18): how often geocoding resolves a labelled place query to the right place, how
often to another country, and how long one lookup takes.

The labelled set is tests/data/places/queries.csv (query, the organisation's country passed as
`near`, the expected city and country, and the district when the query names one): cities and
towns, districts, other-language names, addresses, inflected forms and typos, in Czech, German,
French, Dutch, Polish, English, Bulgarian and Hebrew. A query is right when the best candidate
is the expected city (and district); wrong-country when the best candidate is in another
country than the expected one.

Timing: the gazetteer is loaded (index already built) and every query run once to warm the
per-country tables; then each query is timed alone with the name cache cleared, over `--passes`
passes (5; --quick: 1), and p95 is taken over all timings. Lookups are timed in CPU time of
this process (time.process_time), so that other processes on a busy machine do not count; the
wall-clock p95 is printed beside it. Load time and the resident memory the gazetteer adds
(VmRSS before and after) are measured first, in this fresh process. The last line is name=value
pairs.

    python bench/places.py            # the figures of docs/performance.md
    python bench/places.py --quick    # one timed pass
"""

from __future__ import annotations

import argparse
import csv
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).resolve().parents[1] / "tests" / "data" / "places" / "queries.csv"


@dataclass(frozen=True)
class Labelled:
    query: str
    near: str
    city: str
    country: str
    district: str


@dataclass
class Outcome:
    right: int
    wrong_country: list[str]
    misses: list[str]
    total: int

    @property
    def accuracy(self) -> float:
        return self.right / self.total


def load_queries(path: Path = QUERIES) -> list[Labelled]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [Labelled(**row) for row in csv.DictReader(handle, delimiter="|")]


def evaluate(labelled: list[Labelled]) -> Outcome:
    from vigil.geo.folding import fold
    from vigil.geo.geocoding import geocode

    outcome = Outcome(0, [], [], len(labelled))
    for item in labelled:
        found = geocode(item.query, near=item.near or None, limit=3)
        best = found[0] if found else None
        if (
            best is not None
            and best.country == item.country
            and fold(best.city or "") == fold(item.city)
            and (not item.district or fold(best.district or "") == fold(item.district))
        ):
            outcome.right += 1
            continue
        got = f"{best.name} ({best.country}, {best.match})" if best else "nothing"
        outcome.misses.append(f"{item.query} [{item.near}] -> {got}")
        if best is not None and best.country != item.country:
            outcome.wrong_country.append(outcome.misses[-1])
    return outcome


def _rss_mb() -> float:
    """The resident memory now (not the peak: building the index peaks far higher)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timed pass")
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    passes = 1 if args.quick else args.passes

    from vigil.geo import geocoding
    from vigil.geo.countries import countries
    from vigil.geo.gazetteer import gazetteer

    # Built (if missing) in another process, so that its peak does not hide the load's memory.
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from vigil.geo.places_index import ensure_index; ensure_index()"],
        check=True,
    )
    countries()
    before = _rss_mb()
    started = time.perf_counter()
    places = gazetteer()
    load_s = time.perf_counter() - started
    memory_mb = _rss_mb() - before

    labelled = load_queries()
    outcome = evaluate(labelled)  # also warms the per-country tables
    timings: list[float] = []
    walls: list[float] = []
    for _ in range(passes):
        for item in labelled:
            geocoding._named.cache_clear()
            started, wall = time.process_time(), time.perf_counter()
            geocoding.geocode(item.query, near=item.near or None, limit=3)
            timings.append((time.process_time() - started) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
    timings.sort()
    walls.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    wall_p95 = walls[int(len(walls) * 0.95) - 1]
    for miss in outcome.misses:
        print("miss:", miss)
    print(
        f"{len(places.cities)} places; {outcome.total} queries, {outcome.right} right, "
        f"{len(outcome.wrong_country)} in another country; lookup median "
        f"{statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, max {timings[-1]:.1f} ms"
    )
    print(
        f"queries={outcome.total} accuracy={outcome.accuracy:.4f} "
        f"wrong_country={len(outcome.wrong_country)} p95_ms={p95:.2f} "
        f"median_ms={statistics.median(timings):.2f} wall_p95_ms={wall_p95:.2f} "
        f"load_s={load_s:.2f} "
        f"memory_mb={memory_mb:.0f} places={len(places.cities)}"
    )


if __name__ == "__main__":
    main()
