"""Live incident room under load: N people watch one room while changes arrive at R per second.

Starts Vigil on loopback in a subprocess (fresh data directory and database, migrated, with one
organisation, a coordinator, the watchers and an incident with an active playbook), then, from a
SECOND process, runs the watchers and one writer:

- each watcher listens exactly as the room page does: an event stream on
  GET /incidents/{id}/room/stream?since=<marker> with its own signed-in browser session, each
  `room` event carrying the fragment and its marker (the event id); a stream that ends is
  reopened with Last-Event-ID, as EventSource does;
- the writer makes R changes per second through the API, alternating a log entry and a task
  change (a stabilise task moved between "in progress" and "to do"), one after the other.

Every change is one timeline entry, so its marker is the entry's id (a log entry's answer names
it; a task change's is the one after). The delay of a change for a watcher is the time from
sending the change to the watcher's first fragment carrying that marker or a later one; the
p95 over every (change, watcher) pair is the figure (target < 1 s). The server's CPU time over
the measured window is divided by the watchers. The last line is name=value pairs.

    python bench/incident_room.py                 # 50 watchers, 20 changes/s, 30 s, SQLite
    python bench/incident_room.py --db postgresql # a throwaway PostgreSQL database
    python bench/incident_room.py --quick         # smoke run, well under a minute

Traffic goes to 127.0.0.1 only; every wait has a deadline; the server is stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import api as http_bench
import httpx

HOST = http_bench.HOST
ROOT = http_bench.ROOT
MARKER = re.compile(r'data-marker="(\d+)"')
SESSION_COOKIE = "vigil_session"  # vigil.core.deps.SESSION_COOKIE, without importing Vigil here
DRAIN_SECONDS = 20.0
RECONNECT_SECONDS = 1.0  # the stream's `retry:`


@dataclass
class Room:
    """What the load generator needs: where the room is and who may see it."""

    port: int
    incident_id: int
    task_ids: list[int]
    writer_token: str
    watcher_cookies: list[str]
    first_marker: int


@dataclass
class Plan:
    room: Room
    rate: float
    warmup: float
    duration: float


@dataclass
class Outcome:
    changes: list[tuple[float, int]] = field(default_factory=list)  # (sent at, marker)
    seen: list[list[tuple[float, int]]] = field(default_factory=list)  # per watcher
    streams: int = 0  # opened, including reopened
    fragments: int = 0
    fragments_measured: int = 0  # inside the measured window
    fragment_bytes: int = 0
    errors: int = 0
    write_errors: int = 0
    marker_gaps: int = 0
    window: tuple[float, float] = (0.0, 0.0)
    last_marker: int = 1 << 62  # the writer's last marker, once it has stopped
    client_cpu: float = 0.0


# --- data ------------------------------------------------------------------------------------


def prepare(values: dict[str, str], watchers: int) -> dict[str, Any]:
    """Migrate, then make the organisation, its people, their sessions and the active room."""
    from sqlalchemy import func, select

    from vigil.core.config import Settings
    from vigil.core.db import get_engine, transaction, utcnow
    from vigil.core.migrate import upgrade
    from vigil.core.policy import SYSTEM, Role
    from vigil.incidents.models import Incident
    from vigil.orgs import accounts
    from vigil.orgs import service as orgs_service
    from vigil.orgs.models import Membership, OrgKind, Person
    from vigil.orgs.principals import issue_api_token, load_principal
    from vigil.orgs.schemas import OrganisationCreate
    from vigil.playbooks import service as playbooks
    from vigil.playbooks.models import Task, TimelineEntry
    from vigil.playbooks.schemas import ActivationCreate

    settings = Settings(**values)  # type: ignore[arg-type]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url)
    try:
        with transaction(settings.sqlalchemy_url) as session:
            org = orgs_service.create_organisation(
                session=session,
                principal=SYSTEM,
                data=OrganisationCreate(
                    slug="room", name="Room bench", kind=OrgKind.community_security, country="DE"
                ),
            )
            # Watchers sign in by a session made here: no password hashing for 50 people.
            people = [
                Person(email=f"watcher{i}@vigil.example", name=f"Watcher {i}", password_hash="!")
                for i in range(watchers)
            ]
            coordinator = Person(email="coordinator@vigil.example", name="Coordinator")
            coordinator.password_hash = "!"
            session.add_all([*people, coordinator])
            session.flush()
            session.add_all(
                Membership(person_id=p.id, org_id=org.id, role=Role.reporter.value) for p in people
            )
            session.add(
                Membership(person_id=coordinator.id, org_id=org.id, role=Role.coordinator.value)
            )
            incident = Incident(
                owner_org_id=org.id,
                author_id=coordinator.id,
                tlp="amber+strict",
                title="Attack at the synagogue entrance",
                type="extreme_violence",
                severity="extreme",
                source="member",
                status="verified",
                occurred_from=utcnow(),
                city="Berlin",
                country="DE",
            )
            session.add(incident)
            session.flush()
            cookies = [
                accounts.begin_login(session=session, settings=settings, person=p) for p in people
            ]
            _, token = issue_api_token(session, person_id=coordinator.id, name="bench")
            principal = load_principal(session, person_id=coordinator.id, acting_org_id=org.id)
            assert principal is not None
            activation = playbooks.activate(
                session=session,
                principal=principal,
                incident_id=incident.id,
                data=ActivationCreate(template_code="armed_attack"),
            )
            tasks = session.scalars(
                select(Task).where(Task.activation_id == activation.id).order_by(Task.id)
            ).all()
            # First-minutes tasks done, so no escalation adds entries during the run.
            for task in tasks:
                if task.stage == "immediate":
                    task.status, task.completed_at, task.completed_by = "done", utcnow(), None
            marker = session.scalar(
                select(func.max(TimelineEntry.id)).where(TimelineEntry.incident_id == incident.id)
            )
            return {
                "incident_id": incident.id,
                "task_ids": [t.id for t in tasks if t.stage == "stabilise"],
                "token": token,
                "cookies": cookies,
                "org_id": org.id,
                "marker": int(marker or 0),
            }
    finally:
        get_engine(settings.sqlalchemy_url).dispose()


# --- the load generator (its own process) ----------------------------------------------------


async def _events(response: httpx.Response) -> AsyncIterator[tuple[str, str, str]]:
    """(event, id, data) of a server-sent event stream."""
    name, event_id, data = "message", "", list[str]()
    async for line in response.aiter_lines():
        if line == "":
            if data:
                yield name, event_id, "\n".join(data)
            name, event_id, data = "message", "", []
        elif line.startswith("event: "):
            name = line[7:]
        elif line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            data.append(line[6:])


async def _watch(plan: Plan, index: int, outcome: Outcome, seen: list[tuple[float, int]]) -> None:
    """One open room page, until cancelled: its stream, reopened after a second if it ends."""
    room = plan.room
    cookies = {SESSION_COOKIE: room.watcher_cookies[index]}
    marker = room.first_marker
    path = f"/incidents/{room.incident_id}/room/stream"
    # Quiet streams send a keepalive every 15 s: a read waiting longer means a stuck server.
    timeout = httpx.Timeout(30.0)
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{room.port}", cookies=cookies, timeout=timeout
    ) as client:
        # Pages open at different moments: spread the first connections over a second.
        await asyncio.sleep(random.uniform(0, 1))
        while True:
            outcome.streams += 1
            headers = {"Accept": "text/event-stream", "Last-Event-ID": str(marker)}
            try:
                async with client.stream(
                    "GET", path, params={"since": marker}, headers=headers
                ) as response:
                    response.raise_for_status()
                    async for name, event_id, data in _events(response):
                        arrived = time.monotonic()
                        found = MARKER.search(data)
                        if name != "room" or not found or found.group(1) != event_id:
                            outcome.errors += 1
                            continue
                        marker = int(event_id)
                        seen.append((arrived, marker))
                        outcome.fragments += 1
                        outcome.fragment_bytes += len(data)
                        if outcome.window[0] <= arrived < outcome.window[1]:
                            outcome.fragments_measured += 1
            except httpx.HTTPError:
                outcome.errors += 1
            await asyncio.sleep(RECONNECT_SECONDS)


async def _write(plan: Plan, start_at: float, stop_at: float, outcome: Outcome) -> None:
    room = plan.room
    headers = {"Authorization": f"Bearer {room.writer_token}"}
    url = f"/api/v1/incidents/{room.incident_id}"
    versions = dict.fromkeys(room.task_ids, 1)
    statuses = dict.fromkeys(room.task_ids, "todo")
    last = room.first_marker
    count = 0
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{room.port}", headers=headers, timeout=30
    ) as client:
        next_at = start_at
        while True:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() >= stop_at:
                outcome.last_marker = last
                return
            sent = time.monotonic()
            try:
                if count % 2 == 0:
                    response = await client.post(
                        url + "/timeline", json={"text": f"{count}: police on site"}
                    )
                    response.raise_for_status()
                    marker = int(response.json()["id"].removeprefix("entry-"))
                    if marker != last + 1:
                        outcome.marker_gaps += 1
                else:
                    task_id = room.task_ids[(count // 2) % len(room.task_ids)]
                    status = "doing" if statuses[task_id] == "todo" else "todo"
                    response = await client.patch(
                        f"{url}/playbook/tasks/{task_id}",
                        json={"version": versions[task_id], "status": status},
                    )
                    response.raise_for_status()
                    versions[task_id] = response.json()["version"]
                    statuses[task_id] = status
                    marker = last + 1
            except httpx.HTTPError:
                outcome.write_errors += 1
            else:
                last = marker
                outcome.changes.append((sent, marker))
            count += 1
            next_at += 1 / plan.rate


async def _drive(plan: Plan, now: float) -> Outcome:
    outcome = Outcome(seen=[[] for _ in plan.room.watcher_cookies])
    start_at = now + plan.warmup
    stop_at = start_at + plan.duration
    outcome.window = (start_at, stop_at)
    cpu_before = time.process_time()
    watchers = [
        asyncio.create_task(_watch(plan, i, outcome, outcome.seen[i]))
        for i in range(len(plan.room.watcher_cookies))
    ]
    await _write(plan, start_at, stop_at, outcome)
    # Past the last change, listen until every watcher has seen it (or the deadline).
    deadline = stop_at + DRAIN_SECONDS
    while time.monotonic() < deadline and any(
        not seen or seen[-1][1] < outcome.last_marker for seen in outcome.seen
    ):
        await asyncio.sleep(0.05)
    for watcher in watchers:
        watcher.cancel()
    await asyncio.gather(*watchers, return_exceptions=True)
    outcome.client_cpu = (time.process_time() - cpu_before) / (time.monotonic() - now)
    return outcome


def generate(plan: Plan, window: Any, result: Any) -> None:
    """Runs in the load process: tells the parent the measured window, then the outcome."""
    try:
        now = time.monotonic()
        window.put((now + plan.warmup, now + plan.warmup + plan.duration))
        result.put(asyncio.run(_drive(plan, now)))
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        result.put({"error": f"{type(exc).__name__}: {exc}"})


def run(plan: Plan, server_pid: int, database: http_bench.DatabaseProbe) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    window, result = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=generate, args=(plan, window, result), daemon=True)
    child.start()
    deadline = plan.warmup + plan.duration + DRAIN_SECONDS + 120
    try:
        start, stop = window.get(timeout=60)
        time.sleep(max(0.0, start - time.monotonic()))
        before = http_bench._process_cpu_seconds(server_pid)
        machine_before = http_bench._machine_busy_seconds()
        pids, _ = database()
        database_before = http_bench._cpu_seconds(pids)
        time.sleep(max(0.0, stop - time.monotonic()))
        server_cores = (http_bench._process_cpu_seconds(server_pid) - before) / plan.duration
        machine_cores = (http_bench._machine_busy_seconds() - machine_before) / plan.duration
        database_after = http_bench._cpu_seconds(list(database_before))
        database_cores = (
            sum(database_after[p] - database_before[p] for p in database_after) / plan.duration
        )
        outcome = result.get(timeout=deadline)
        child.join(timeout=10)
    finally:
        if child.is_alive():
            child.kill()
    if isinstance(outcome, dict):
        raise RuntimeError(f"load generator failed: {outcome['error']}")
    return {
        "outcome": outcome,
        "server_cores": server_cores,
        "database_cores": database_cores,
        "machine_cores": machine_cores,
    }


def delays(outcome: Outcome) -> tuple[list[float], int]:
    """Seconds from each change to each watcher seeing it; and how many pairs were never seen."""
    found: list[float] = []
    missed = 0
    for seen in outcome.seen:
        times = [t for t, _ in seen]
        markers = [m for _, m in seen]
        # markers only grow per watcher; for each change, the first fragment at or past it
        position = 0
        for sent, marker in sorted(outcome.changes, key=lambda c: c[1]):
            while position < len(markers) and markers[position] < marker:
                position += 1
            if position == len(markers):
                missed += 1
                continue
            found.append(max(0.0, times[position] - sent))
    return found, missed


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- main ------------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="vigil-room-bench-"))
    log_file = work / "server.log"
    try:
        with http_bench.database(args.db, work / "data", args.pg_url) as (url, probe):
            values = http_bench.server_values(work, url)
            env = http_bench.server_env(values)
            made = prepare(values, args.watchers)
            load_before = os.getloadavg()[0]
            print(
                f"Incident room on {args.db}: {args.watchers} watchers on the event stream, "
                f"{args.rate:g} changes/s for {args.duration:g} s after "
                f"{args.warmup:g} s warm-up; {os.cpu_count()} CPUs, load average "
                f"{load_before:.2f} before",
                flush=True,
            )
            with http_bench.server("vigil", env, log_file) as (port, pid):
                room = Room(
                    port=port,
                    incident_id=made["incident_id"],
                    task_ids=made["task_ids"],
                    writer_token=made["token"],
                    watcher_cookies=made["cookies"],
                    first_marker=made["marker"],
                )
                plan = Plan(room, args.rate, args.warmup, args.duration)
                measured = run(plan, pid, probe)
        server_log = log_file.read_text(errors="replace")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    outcome: Outcome = measured["outcome"]
    if outcome.errors or outcome.write_errors:
        print(f"  the server's log ends:\n{server_log[-3000:]}", flush=True)
    found, missed = delays(outcome)
    cores = measured["server_cores"]
    pushed_per_s = outcome.fragments_measured / args.duration
    fragment_kb = outcome.fragment_bytes / max(1, outcome.fragments) / 1024
    p50, p95, p99 = (percentile(found, q) for q in (0.5, 0.95, 0.99))
    print(
        f"  changes {len(outcome.changes)} (write errors {outcome.write_errors}), "
        f"{len(found)} change-watcher pairs seen, {missed} not seen\n"
        f"  delay change -> every watcher sees it: p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {max(found, default=0) * 1000:.0f} ms\n"
        f"  streams opened {outcome.streams}, fragments pushed {outcome.fragments} "
        f"({pushed_per_s:.0f}/s in the window, {fragment_kb:.0f} KiB each), "
        f"errors {outcome.errors}\n"
        f"  server CPU {cores:.2f} cores = {cores / args.watchers * 1000:.1f} ms per second "
        f"per watcher; database {measured['database_cores']:.2f} cores; machine busy "
        f"{measured['machine_cores']:.2f} of {os.cpu_count()} cores (load generator "
        f"{outcome.client_cpu:.2f}); load average {os.getloadavg()[0]:.2f} after",
        flush=True,
    )
    return {
        "p95_ms": f"{p95 * 1000:.0f}",
        "p50_ms": f"{p50 * 1000:.0f}",
        "p99_ms": f"{p99 * 1000:.0f}",
        "unseen": str(missed),
        "server_cores": f"{cores:.2f}",
        "cpu_ms_per_watcher_s": f"{cores / args.watchers * 1000:.1f}",
        "pushes_per_s": f"{pushed_per_s:.0f}",
        "errors": str(outcome.errors + outcome.write_errors),
        "marker_gaps": str(outcome.marker_gaps),
        "watchers": str(args.watchers),
        "rate": f"{args.rate:g}",
        "db": args.db,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=http_bench.DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="smoke run: 10 watchers, 5 s")
    parser.add_argument("--watchers", type=int, default=None, help="default 50 (quick: 10)")
    parser.add_argument("--rate", type=float, default=20.0, help="changes per second")
    parser.add_argument("--duration", type=float, default=None, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=None, help="seconds before measuring")
    args = parser.parse_args()
    args.watchers = args.watchers or (10 if args.quick else 50)
    args.duration = args.duration or (5.0 if args.quick else 30.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 3.0)
    http_bench._stop_on_signals()
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 1 if pairs["errors"] != "0" or pairs["unseen"] != "0" else 0


if __name__ == "__main__":
    sys.exit(main())
