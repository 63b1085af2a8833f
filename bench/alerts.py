"""Issuing an alert to 20,000 of 100,000 sites, then webhook deliveries/s with 2 workers.

Prepares a throwaway database (migrated; a coordinator's organisation in a network with a peer
whose sites carry a webhook to a local receiver) holding `--sites` sites of the peer, a fifth of
them within 5 km of Vienna's centre and the rest spread over Europe. Starts Vigil on loopback
(bench/api.py's server, no embedded worker) and times the API call that composes and sends an
alert with a circle over Vienna: it answers once the alert and every delivery are committed
(the outbox). Then starts `--workers` `vigil worker` processes and times until every delivery
is sent to the receiver (a minimal keep-alive HTTP/1.1 server in its own process), which gives
deliveries/s. The last line is name=value pairs.

    python bench/alerts.py --db postgresql   # the issue's figures: 100,000 sites, 2 workers
    python bench/alerts.py                   # the same on SQLite (one worker is the rule there)
    python bench/alerts.py --quick           # smoke run: 5,000 sites

Traffic goes to 127.0.0.1 only; every wait has a deadline; processes are stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import api as http_bench  # bench/api.py: servers, databases, signals
import httpx

HOST = http_bench.HOST
VIENNA = (48.2082, 16.3738)
SHARE_INSIDE = 0.2
DELIVERY_DEADLINE_SECONDS = 600.0


# --- the webhook receiver (its own process) --------------------------------------------------


def receive(port: int, counter: Any) -> None:
    """Answer 200 to every POST on keep-alive connections, counting them."""
    http_bench._die_with_parent()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                with counter.get_lock():
                    counter.value += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, HOST, port, backlog=1024)
        async with server:
            await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        asyncio.run(main())


@contextlib.contextmanager
def receiver() -> Iterator[tuple[int, Any]]:
    port = http_bench._free_port()
    counter = multiprocessing.Value("q", 0)
    process = multiprocessing.Process(target=receive, args=(port, counter), daemon=True)
    process.start()
    deadline = time.monotonic() + 10
    while True:
        with contextlib.suppress(OSError), httpx.Client() as client:
            client.post(f"http://{HOST}:{port}/probe", content=b"{}")
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the webhook receiver did not start")
        time.sleep(0.05)
    try:
        yield port, counter
    finally:
        process.terminate()
        process.join(5)


# --- data --------------------------------------------------------------------------------------


def prepare(values: dict[str, str], *, sites: int, hook_url: str) -> tuple[str, str]:
    """Coordinator's organisation and a network peer with `sites` sites and one webhook."""
    from sqlalchemy import insert

    from vigil.alerts import endpoints
    from vigil.core.config import Settings
    from vigil.core.db import get_engine, transaction
    from vigil.core.migrate import upgrade
    from vigil.core.policy import SYSTEM, Role
    from vigil.orgs import accounts
    from vigil.orgs import service as orgs_service
    from vigil.orgs.models import OrgKind
    from vigil.orgs.schemas import NetworkCreate, OrganisationCreate
    from vigil.sites.models import Site

    settings = Settings(**values)  # type: ignore[arg-type]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url)
    password = uuid.uuid4().hex
    rng = random.Random(7)
    try:
        with transaction(settings.sqlalchemy_url) as session:
            orgs = [
                orgs_service.create_organisation(
                    session=session,
                    principal=SYSTEM,
                    data=OrganisationCreate(
                        slug=slug, name=slug.title(), kind=OrgKind.community_security, country="AT"
                    ),
                )
                for slug in ("bench-coordination", "bench-operators")
            ]
            network = orgs_service.create_network(
                session=session, principal=SYSTEM, data=NetworkCreate(slug="bench", name="Bench")
            )
            for org in orgs:
                orgs_service.add_to_network(
                    session=session, principal=SYSTEM, network_id=network.id, org_id=org.id
                )
            people = []
            for email, org, role in (
                ("coordinator@bench.example", orgs[0], Role.coordinator),
                ("admin@bench.example", orgs[1], Role.org_admin),
            ):
                person = accounts.create_person(
                    session=session, settings=settings, email=email, name=email, password=password
                )
                orgs_service.add_member(
                    session=session, principal=SYSTEM, org_id=org.id, person=person, role=role
                )
                people.append(person)
            admin = accounts.principal_for(session, people[1].id)
            endpoints.add_webhook(session=session, principal=admin, settings=settings, url=hook_url)
            inside = int(sites * SHARE_INSIDE)
            rows = []
            for i in range(sites):
                if i < inside:  # within about 4.5 km of the centre
                    lat = VIENNA[0] + rng.uniform(-0.03, 0.03)
                    lon = VIENNA[1] + rng.uniform(-0.04, 0.04)
                else:  # elsewhere in Europe, at least 20 km away
                    lat, lon = rng.uniform(36, 60), rng.uniform(-9, 30)
                    if abs(lat - VIENNA[0]) < 0.3 and abs(lon - VIENNA[1]) < 0.4:
                        lat += 1.0
                rows.append(
                    {
                        "owner_org_id": orgs[1].id,
                        "name": f"Site {i}",
                        "type": "place_of_worship",
                        "address": "",
                        "city": "",
                        "country": "AT",
                        "lat": lat,
                        "lon": lon,
                        "capacity": 0,
                        "typical_attendance": 0,
                        "opening_pattern": "",
                        "tlp": "green",
                    }
                )
            for start in range(0, len(rows), 5000):
                session.execute(insert(Site), rows[start : start + 5000])
        return "coordinator@bench.example", password
    finally:
        get_engine(settings.sqlalchemy_url).dispose()


def _sent(url: str) -> int:
    from sqlalchemy import func, select

    from vigil.alerts.models import Delivery
    from vigil.core.db import get_sessionmaker

    with get_sessionmaker(url, readonly=True)() as session:
        return session.scalar(select(func.count()).where(Delivery.status == "sent")) or 0


# --- main --------------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-alerts-"))
    log_file = work / "processes.log"
    pairs: dict[str, str] = {}
    workers: list[subprocess.Popen[bytes]] = []
    try:
        with (
            http_bench.database(args.db, work / "data", args.pg_url) as (url, _probe),
            receiver() as (hook_port, counter),
        ):
            values = http_bench.server_values(
                work,
                url,
                webhook_allow_private="true",  # the receiver is on loopback
                embedded_worker="false",
                alert_delivery_concurrency=str(args.concurrency),
                worker_poll_seconds="0.2",
            )
            env = http_bench.server_env(values)
            started = time.monotonic()
            email, password = prepare(
                values, sites=args.sites, hook_url=f"http://{HOST}:{hook_port}/hook"
            )
            print(
                f"Alerts on {args.db}: {args.sites:,} sites prepared in "
                f"{time.monotonic() - started:.1f} s; {args.workers} worker(s) x "
                f"{args.concurrency} threads; {os.cpu_count()} CPUs, load average "
                f"{os.getloadavg()[0]:.2f}",
                flush=True,
            )
            with http_bench.server("vigil", env, log_file) as (port, _pid):
                token = http_bench._api_token(port, email, password)
                alert = {
                    "event": "Armed attack",
                    "urgency": "Immediate",
                    "severity": "Extreme",
                    "certainty": "Observed",
                    "headline": "Attack in central Vienna",
                    "instruction": "Lock the doors, keep everyone inside.",
                    "area_desc": "Vienna, 5 km around the centre",
                    "circle": {"lat": VIENNA[0], "lon": VIENNA[1], "radius_km": 5},
                }
                issued_at = time.monotonic()
                response = httpx.post(
                    f"http://{HOST}:{port}/api/v1/alerts?send=true",
                    json=alert,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=120,
                )
                issue_seconds = time.monotonic() - issued_at
                response.raise_for_status()
                deliveries = int(response.json()["deliveries"])
                print(
                    f"POST /api/v1/alerts?send=true: {deliveries:,} deliveries committed in "
                    f"{issue_seconds:.2f} s",
                    flush=True,
                )
            before = counter.value
            begun = time.monotonic()
            with log_file.open("ab") as log:
                workers = [
                    subprocess.Popen(
                        [str(Path(sys.executable).with_name("vigil")), "worker"],
                        env=env,
                        stdout=log,
                        stderr=log,
                    )
                    for _ in range(args.workers)
                ]
            deadline = begun + DELIVERY_DEADLINE_SECONDS
            db_url = url or f"sqlite:///{work / 'data' / 'vigil.db'}"
            first_at, first_count = 0.0, 0
            while (done := _sent(db_url)) < deliveries:
                if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                    raise RuntimeError(
                        f"deliveries did not finish:\n{log_file.read_text()[-3000:]}"
                    )
                if done and not first_at:
                    first_at, first_count = time.monotonic(), done
                if os.environ.get("BENCH_TRACE"):
                    print(f"{time.monotonic() - begun:6.2f} s: {done} sent", flush=True)
                time.sleep(0.05)
            ended = time.monotonic()
            seconds = ended - begun
            # Deliveries/s from the first delivery on: the workers' start-up (imports, connecting)
            # is not delivery work; the wall time including it is printed too.
            rate = (deliveries - first_count) / max(ended - (first_at or begun), 1e-9)
            received = counter.value - before
            print(
                f"{deliveries:,} webhook deliveries sent by {args.workers} worker(s): "
                f"{rate:,.0f}/s once started, {seconds:.2f} s from starting the workers "
                f"({received:,} requests received, {received - deliveries} duplicates)",
                flush=True,
            )
            pairs.update(
                db=args.db,
                sites=str(args.sites),
                deliveries=str(deliveries),
                issue_s=f"{issue_seconds:.2f}",
                deliver_s=f"{seconds:.2f}",
                deliveries_per_s=f"{rate:.0f}",
                workers=str(args.workers),
                received=str(received),
            )
    finally:
        with http_bench._shielded():
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=http_bench.SERVER_STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    worker.kill()
            shutil.rmtree(work, ignore_errors=True)
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=http_bench.DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 sites")
    parser.add_argument("--sites", type=int, default=None, help="default 100,000 (quick: 5,000)")
    parser.add_argument("--workers", type=int, default=None, help="default 2 (1 on SQLite)")
    parser.add_argument("--concurrency", type=int, default=32, help="threads per worker")
    args = parser.parse_args()
    args.sites = args.sites or (5_000 if args.quick else 100_000)
    args.workers = args.workers or (2 if args.db == "postgresql" else 1)
    http_bench._stop_on_signals()
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
