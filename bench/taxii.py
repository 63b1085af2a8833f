"""Vigil's TAXII 2.1 server beside medallion (the reference server, memory backend), one run.

Prepares a throwaway database (migrated; one organisation and one analyst, bench/api.py's
`prepare`), starts Vigil on loopback (bench/api.py's server, the options of `vigil serve`) and
medallion in a process of its own (tests/sharing/taxii_servers.py, its werkzeug server), and
drives each from this process with one keep-alive connection, as a TAXII client would:

1. POST `--objects` generated STIX 2.1 objects (indicators, malware, notes, identities,
   attack patterns, marked TLP:GREEN or AMBER) to the organisation's collection in envelopes
   of 500, each answered with a status: objects/s;
2. page through the whole collection with `limit=1000`, following `next`: objects/s, and each
   page's latency (p50/p95 of all pages, and the median of the first and of the deepest tenth,
   which keyset paging should make equal);
3. filter: `match[type]=malware` (a tenth of the objects; its first page) and `added_after` the
   next-to-last envelope (the last 500): median and p95 ms over up to 20 repeats (3 s at most).

medallion keeps its collection in Python lists and filters it with nested loops (its cost per
request grows with the square of the collection), so it gets `--medallion-objects` objects
(default 2,000; quick: 1,000). Both figures and the ratios (Vigil / medallion) are printed,
the POST ratio against Vigil's rate over its first objects of medallion's number; the last
line is name=value pairs.

    python bench/taxii.py                  # 100,000 objects, PostgreSQL (the default)
    python bench/taxii.py --db sqlite      # the same on SQLite
    python bench/taxii.py --quick          # smoke run: 5,000 objects, well under a minute

Traffic goes to 127.0.0.1 only; every wait has a deadline; servers are stopped on exit.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import api as http_bench  # bench/api.py: servers, databases, signals
import httpx

HOST = http_bench.HOST
TAXII_MEDIA = "application/taxii+json;version=2.1"
ENVELOPE = 500
PAGE = 1000
FILTER_TYPE = "malware"
FILTER_REPEATS = 20
FILTER_SECONDS = 3.0  # repeats stop after this (at least one is made): medallion is slow
MEDALLION_USER = "bench"
REQUEST_TIMEOUT = 600.0
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
TYPES = ["indicator"] * 5 + ["note"] * 2 + ["identity", "attack-pattern", FILTER_TYPE]


# --- the objects -----------------------------------------------------------------------------


def stix_objects(count: int, seed: int = 13) -> list[dict[str, Any]]:
    """`count` STIX 2.1 objects of a few common types, 400-900 bytes of JSON each."""
    rng = random.Random(seed)
    author = f"identity--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    found = []
    for i in range(count):
        kind = TYPES[i % len(TYPES)]
        created = start + dt.timedelta(seconds=i * 7, microseconds=rng.randrange(1000) * 1000)
        stamp = created.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        obj: dict[str, Any] = {
            "type": kind,
            "spec_version": "2.1",
            "id": f"{kind}--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            "created": stamp,
            "modified": stamp,
            "created_by_ref": author,
            "object_marking_refs": [GREEN if i % 3 else AMBER],
        }
        if kind == "indicator":
            host = f"{rng.getrandbits(32):08x}.example.net"
            obj |= {
                "name": f"Hostile host {i}",
                "description": "Seen sending threats to a community's contact address.",
                "indicator_types": ["malicious-activity"],
                "pattern": f"[domain-name:value = '{host}']",
                "pattern_type": "stix",
                "valid_from": stamp,
                "labels": ["harassment", "threat"],
            }
        elif kind == "note":
            obj |= {
                "abstract": f"Observation {i}",
                "content": "Leaflets with antisemitic slogans found near the entrance. " * 4,
                "object_refs": [author],
            }
        elif kind == "identity":
            obj |= {"name": f"Organisation {i}", "identity_class": "organization"}
        elif kind == "attack-pattern":
            obj |= {"name": f"Pattern {i}", "description": "Doxxing of staff members. " * 3}
        else:
            obj |= {"name": f"Tool {i}", "is_family": False, "malware_types": ["spyware"]}
        found.append(obj)
    return found


# --- medallion in a process of its own -------------------------------------------------------


def serve_medallion(url_file: Path, password: str) -> None:
    """Server process: medallion with an empty collection; writes its discovery URL."""
    http_bench._die_with_parent()
    sys.path.insert(0, str(http_bench.ROOT))
    from tests.sharing.taxii_servers import medallion

    with medallion([], user=MEDALLION_USER, password=password, page_size=PAGE) as url:
        url_file.write_text(url)
        while True:
            time.sleep(3600)


@contextlib.contextmanager
def medallion_server(work: Path, password: str, log_file: Path) -> Iterator[str]:
    """Start medallion; yields its discovery URL once it answers; always stops it."""
    url_file = work / "medallion.url"
    command = [sys.executable, __file__, "--serve-medallion", str(url_file), "--password", password]
    with log_file.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, cwd=http_bench.ROOT)
    try:
        deadline = time.monotonic() + http_bench.SERVER_START_SECONDS
        while not url_file.exists() or not url_file.read_text():
            if process.poll() is not None:
                raise RuntimeError(f"medallion exited early:\n{log_file.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("medallion did not start in time")
            time.sleep(0.1)
        yield url_file.read_text()
    finally:
        with http_bench._shielded():
            process.terminate()
            try:
                process.wait(timeout=http_bench.SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=http_bench.SERVER_STOP_SECONDS)


# --- the workload (the same for both servers) ------------------------------------------------


@dataclass
class Figures:
    objects: int
    post_per_s: float = 0.0
    envelopes: list[float] = field(default_factory=list)  # seconds per POST, in order
    page_per_s: float = 0.0
    pages: list[float] = field(default_factory=list)  # seconds per page, in paging order
    paged: int = 0
    type_ms: list[float] = field(default_factory=list)
    type_found: int = 0
    after_ms: list[float] = field(default_factory=list)
    after_found: int = 0

    def p(self, values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def post_rate_of_first(self, count: int) -> float:
        """Objects/s over the first `count` objects posted (to compare at medallion's size)."""
        spent = sum(self.envelopes[: -(-count // ENVELOPE)])
        return min(count, self.objects) / spent if spent else 0.0

    def post_tenth_per_s(self, deepest: bool) -> float:
        """Objects/s over the first (or the last) tenth of the envelopes."""
        tenth = max(1, len(self.envelopes) // 10)
        part = self.envelopes[-tenth:] if deepest else self.envelopes[:tenth]
        return tenth * ENVELOPE / sum(part) if sum(part) else 0.0

    def page_ms(self, q: float) -> float:
        return 1000 * self.p(self.pages, q)

    def tenth_ms(self, deepest: bool) -> float:
        """The median page time of the first (or the deepest) tenth of the pages."""
        tenth = max(1, len(self.pages) // 10)
        part = self.pages[-tenth:] if deepest else self.pages[:tenth]
        return 1000 * statistics.median(part)


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:500]}")
    return response


def run_workload(client: httpx.Client, objects_url: str, objects: list[dict[str, Any]]) -> Figures:
    """POST `objects` in envelopes, page through them, filter; the same for every server."""
    figures = Figures(objects=len(objects))
    headers = {"Accept": TAXII_MEDIA, "Content-Type": TAXII_MEDIA}
    stamps: list[str] = []
    started = time.perf_counter()
    for start in range(0, len(objects), ENVELOPE):
        envelope = json.dumps({"objects": objects[start : start + ENVELOPE]}).encode()
        asked = time.perf_counter()
        status = _ok(client.post(objects_url, content=envelope, headers=headers)).json()
        figures.envelopes.append(time.perf_counter() - asked)
        if status["success_count"] != len(objects[start : start + ENVELOPE]):
            raise RuntimeError(f"POST refused objects: {json.dumps(status)[:1000]}")
        stamps.append(status["request_timestamp"])
    figures.post_per_s = len(objects) / (time.perf_counter() - started)

    params: dict[str, str] = {"limit": str(PAGE)}
    _ok(client.get(objects_url, params={"limit": "1"}))  # warm-up: connection, caches
    started = time.perf_counter()
    while True:
        asked = time.perf_counter()
        response = _ok(client.get(objects_url, params=params))
        figures.pages.append(time.perf_counter() - asked)
        envelope = response.json()
        figures.paged += len(envelope.get("objects", []))
        if not envelope.get("more"):
            break
        params = {"limit": str(PAGE), "next": envelope["next"]}
    figures.page_per_s = figures.paged / (time.perf_counter() - started)
    if figures.paged != len(objects):
        raise RuntimeError(f"paging gave {figures.paged} objects, not {len(objects)}")

    queries = [
        ("type", {"match[type]": FILTER_TYPE, "limit": str(PAGE)}),
        ("after", {"added_after": stamps[-2] if len(stamps) > 1 else stamps[0]}),
    ]
    for name, query in queries:
        begun = time.perf_counter()
        for repeat in range(FILTER_REPEATS):
            if repeat and time.perf_counter() - begun > FILTER_SECONDS:
                break
            asked = time.perf_counter()
            response = _ok(client.get(objects_url, params=query))
            getattr(figures, f"{name}_ms").append(1000 * (time.perf_counter() - asked))
            setattr(figures, f"{name}_found", len(response.json().get("objects", [])))
    return figures


def _print(name: str, f: Figures) -> None:
    print(
        f"{name}, {f.objects:,} objects:\n"
        f"  POST      {f.post_per_s:8,.0f} objects/s (first tenth of the envelopes "
        f"{f.post_tenth_per_s(False):,.0f}/s, last tenth {f.post_tenth_per_s(True):,.0f}/s)\n"
        f"  paging    {f.page_per_s:8,.0f} objects/s, {len(f.pages)} pages: p50 "
        f"{f.page_ms(0.5):.1f} ms, p95 {f.page_ms(0.95):.1f} ms; median of the first tenth "
        f"{f.tenth_ms(False):.1f} ms, of the deepest tenth {f.tenth_ms(True):.1f} ms\n"
        f"  match[type]={FILTER_TYPE}: {f.type_found} objects, p50 {f.p(f.type_ms, 0.5):.1f} ms, "
        f"p95 {f.p(f.type_ms, 0.95):.1f} ms ({len(f.type_ms)} requests)\n"
        f"  added_after: {f.after_found} objects, p50 {f.p(f.after_ms, 0.5):.1f} ms, "
        f"p95 {f.p(f.after_ms, 0.95):.1f} ms ({len(f.after_ms)} requests)",
        flush=True,
    )


# --- main ------------------------------------------------------------------------------------


def _vigil_collection(client: httpx.Client, base: str) -> str:
    """The objects URL of the analyst's own organisation's collection (the writable one)."""
    found = _ok(client.get(f"{base}/taxii2/vigil/collections/")).json()["collections"]
    mine = [c for c in found if c["can_write"]]
    return f"{base}/taxii2/vigil/collections/{mine[0]['id']}/objects/"


def bench(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-taxii-"))
    log_file = work / "servers.log"
    pairs: dict[str, str] = {}
    objects = stix_objects(args.objects)
    try:
        with http_bench.database(args.db, work / "data", args.pg_url) as (url, _probe):
            values = http_bench.server_values(work, url, embedded_worker="false")
            email, password = http_bench.prepare(values, demo=False)
            print(
                f"TAXII on {args.db}: {args.objects:,} objects for Vigil, "
                f"{args.medallion_objects:,} for medallion; {os.cpu_count()} CPUs, load "
                f"average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            env = http_bench.server_env(values)
            with http_bench.server("vigil", env, log_file) as (port, _pid):
                token = http_bench._api_token(port, email, password)
                auth = {"Authorization": f"Bearer {token}", "Accept": TAXII_MEDIA}
                with httpx.Client(headers=auth, timeout=REQUEST_TIMEOUT) as client:
                    objects_url = _vigil_collection(client, f"http://{HOST}:{port}")
                    vigil = run_workload(client, objects_url, objects)
            _print("Vigil", vigil)
        secret = uuid.uuid4().hex
        with (
            medallion_server(work, secret, log_file) as discovery,
            httpx.Client(
                auth=(MEDALLION_USER, secret),
                headers={"Accept": TAXII_MEDIA},
                timeout=REQUEST_TIMEOUT,
            ) as client,
        ):
            from tests.sharing.taxii_servers import MEDALLION_COLLECTION, MEDALLION_ROOT

            root = discovery.removesuffix("/taxii2/")
            objects_url = f"{root}/{MEDALLION_ROOT}/collections/{MEDALLION_COLLECTION}/objects/"
            reference = run_workload(client, objects_url, objects[: args.medallion_objects])
        _print("medallion", reference)

        def ratio(ours: float, theirs: float) -> str:
            return f"{ours / theirs:.1f}" if theirs else "inf"

        same_size = vigil.post_rate_of_first(reference.objects)
        print(
            f"    Vigil's POST over its first {reference.objects:,} objects (medallion's size): "
            f"{same_size:,.0f} objects/s",
            flush=True,
        )
        rows = {
            "post_per_s": (same_size, reference.post_per_s),
            "page_per_s": (vigil.page_per_s, reference.page_per_s),
        }
        times = {
            "page_p95_ms": (vigil.page_ms(0.95), reference.page_ms(0.95)),
            "type_ms": (vigil.p(vigil.type_ms, 0.5), reference.p(reference.type_ms, 0.5)),
            "after_ms": (vigil.p(vigil.after_ms, 0.5), reference.p(reference.after_ms, 0.5)),
        }
        print(
            "Vigil / medallion: "
            + ", ".join(f"{k} x{ratio(a, b)}" for k, (a, b) in rows.items())
            + "; medallion / Vigil: "
            + ", ".join(f"{k} x{ratio(b, a)}" for k, (a, b) in times.items()),
            flush=True,
        )
        pairs.update(
            db=args.db,
            objects=str(vigil.objects),
            post_per_s=f"{vigil.post_per_s:.0f}",
            post_first_per_s=f"{vigil.post_tenth_per_s(False):.0f}",
            post_last_per_s=f"{vigil.post_tenth_per_s(True):.0f}",
            page_per_s=f"{vigil.page_per_s:.0f}",
            page_p95_ms=f"{vigil.page_ms(0.95):.1f}",
            page_first_ms=f"{vigil.tenth_ms(False):.1f}",
            page_deep_ms=f"{vigil.tenth_ms(True):.1f}",
            type_ms=f"{vigil.p(vigil.type_ms, 0.5):.1f}",
            type_p95_ms=f"{vigil.p(vigil.type_ms, 0.95):.1f}",
            after_ms=f"{vigil.p(vigil.after_ms, 0.5):.1f}",
            after_p95_ms=f"{vigil.p(vigil.after_ms, 0.95):.1f}",
            medallion_objects=str(reference.objects),
            medallion_post_per_s=f"{reference.post_per_s:.0f}",
            medallion_page_per_s=f"{reference.page_per_s:.0f}",
            medallion_page_p95_ms=f"{reference.page_ms(0.95):.1f}",
            medallion_type_ms=f"{reference.p(reference.type_ms, 0.5):.1f}",
            medallion_after_ms=f"{reference.p(reference.after_ms, 0.5):.1f}",
            post_same_size_per_s=f"{same_size:.0f}",
            post_ratio=ratio(*rows["post_per_s"]),
            page_ratio=ratio(*rows["page_per_s"]),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--pg-url", default=http_bench.DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 objects")
    parser.add_argument("--objects", type=int, default=None, help="default 100,000 (quick: 5,000)")
    parser.add_argument(
        "--medallion-objects", type=int, default=None, help="default 2,000 (quick: 1,000)"
    )
    parser.add_argument("--serve-medallion", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--password", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_medallion:
        serve_medallion(args.serve_medallion, args.password)
        return 0
    args.objects = args.objects or (5_000 if args.quick else 100_000)
    args.medallion_objects = min(
        args.objects, args.medallion_objects or (1_000 if args.quick else 2_000)
    )
    sys.path.insert(0, str(http_bench.ROOT))
    http_bench._stop_on_signals()
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
