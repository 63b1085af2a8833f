"""Sustained POST /api/v1/reports through one uvicorn process, with duplicate detection on.

Prepares a throwaway database like bench/incidents_query.py (migrated, demo organisations and
people, extra organisations in a third network) pre-filled with `--incidents` incidents over two
years through the bulk path, so that the duplicate search that runs inside every
POST /api/v1/reports has real candidates to rank. Starts Vigil on loopback with the options of
`vigil serve`, takes an API token for the demo coordinator of JCS Berlin, and drives the server
from a SECOND process (bench/api.py's minimal keep-alive HTTP/1.1 client, N connections, closed
loop) for D seconds after a warm-up. About a third of the reports retell, reworded and a little
moved in time and place, an incident the coordinator can read: the answer's `duplicates` should
suggest it, and the share that did is printed.

Printed: reports/s, p50/p95/p99 latency, the server's and PostgreSQL's CPU time per report, the
SQL statements per report by table (counted in the server process), and then, in this process,
where one report's time goes: validation, principal, storing, duplicate search, commit, audit
sealing, answer. The last line is name=value pairs.

    python bench/reports.py                      # 50,000 incidents, SQLite (the default)
    python bench/reports.py --db postgresql      # a throwaway PostgreSQL database
    python bench/reports.py --db postgresql --workers 2   # `vigil serve --workers 2`
    python bench/reports.py --quick              # smoke run, well under a minute

Traffic goes to 127.0.0.1 only; every wait has a deadline; servers are stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import api as http_bench  # bench/api.py: client, CPU accounting, databases, signals
import httpx
import incidents_query as world  # bench/incidents_query.py: the generated world

HOST = http_bench.HOST
REPORTS_PATH = "/api/v1/reports"
NEAR_COPY_SHARE = 0.33
SOURCES_KEPT = 3000
BODIES = 6000
STATS_SIGNAL = signal.SIGUSR1


# --- the server, counting its SQL statements -------------------------------------------------

_FIRST_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def serve(port: int, workers: int, stats_file: str) -> None:
    """Server process: uvicorn with bench/api.py's options (those of `vigil serve`).

    With one worker, every SQL statement is counted by kind and table, with the time it took;
    SIGUSR1 writes the counts so far to `stats_file` (the benchmark reads them at the start and
    the end of the measured window).
    """
    import uvicorn

    http_bench._die_with_parent()
    if workers == 1:
        _count_statements(Path(stats_file))
    options = {**http_bench.UVICORN_OPTIONS, "workers": workers}
    uvicorn.run("vigil.asgi:app", port=port, **options)


def _count_statements(stats_file: Path) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counts: Counter[str] = Counter()
    seconds: Counter[str] = Counter()

    def label(statement: str) -> str:
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        found = _FIRST_TABLE.search(statement)
        return f"{verb} {found.group(1)}" if found and verb != "BEGIN" else verb

    @event.listens_for(Engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        key = label(statement)
        counts[key] += 1
        seconds[key] += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())

    @event.listens_for(Engine, "commit")
    def committed(conn: Any) -> None:
        counts["COMMIT"] += 1

    def dump(_signum: int, _frame: Any) -> None:
        data = {"counts": dict(counts), "seconds": dict(seconds)}
        tmp = stats_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(stats_file)

    signal.signal(STATS_SIGNAL, dump)


@contextlib.contextmanager
def server(
    env: dict[str, str], log_file: Path, workers: int, stats_file: Path
) -> Iterator[tuple[int, int]]:
    """Start Vigil; yields (port, pid) once /healthz answers; always stops it."""
    port = http_bench._free_port()
    command = [sys.executable, __file__, "--serve", "--port", str(port)]
    command += ["--workers", str(workers), "--stats-file", str(stats_file)]
    with log_file.open("ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=http_bench.ROOT)
    try:
        deadline = time.monotonic() + http_bench.SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                tail = log_file.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"server exited early:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://{HOST}:{port}/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer in time")
            time.sleep(0.1)
        yield port, process.pid
    finally:
        with http_bench._shielded():
            process.terminate()
            try:
                process.wait(timeout=http_bench.SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=http_bench.SERVER_STOP_SECONDS)


def _statement_stats(pid: int, stats_file: Path) -> dict[str, Any]:
    """Ask the server for its statement counts; {} when it does not count (several workers)."""
    stats_file.unlink(missing_ok=True)
    os.kill(pid, STATS_SIGNAL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with contextlib.suppress(FileNotFoundError, ValueError):
            data: dict[str, Any] = json.loads(stats_file.read_text())
            return data
        time.sleep(0.02)
    return {}


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (uvicorn's workers)."""
    total = http_bench._process_cpu_seconds(pid)
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            with contextlib.suppress(OSError):
                total += http_bench._process_cpu_seconds(int(child))
    return total


# --- the reports sent ------------------------------------------------------------------------


def report_body(values: dict[str, Any], tlp: str) -> dict[str, Any]:
    """A POST /api/v1/reports body from generated incident values."""
    place = {k: values[k] for k in ("address", "city", "country", "precision")}
    if values["lat"] is not None:
        place.update(lat=values["lat"], lon=values["lon"])
    occurred_to = values["occurred_to"]
    return {
        "title": values["title"],
        "narrative": values["narrative"],
        "occurred_from": values["occurred_from"].isoformat(),
        "occurred_to": occurred_to.isoformat() if occurred_to else None,
        "timezone": values["timezone"],
        "place": place,
        "type": values["type"],
        "bias": values["bias"],
        "ihra": values["ihra"],
        "target_kind": values["target_kind"],
        "injuries": values["injuries"],
        "damage": values["damage"],
        "police_reported": values["police_reported"],
        "severity": values["severity"],
        "tlp": tlp,
    }


def reworded(rng: random.Random, text: str) -> str:
    """What a second witness says: most of the words, a few left out, one detail added."""
    words = text.split()
    kept = [w for w in words if rng.random() > 0.15] or words
    return " ".join(kept) + rng.choice(
        [" I saw it myself.", " A neighbour told us.", " Seen from the bus stop.", ""]
    )


def near_copy(rng: random.Random, source: dict[str, Any], latest: dt.datetime) -> dict[str, Any]:
    """The same event told again: reworded, up to 3 h and about 150 m off."""
    values = dict(source)
    shift = dt.timedelta(minutes=rng.uniform(-180, 180))
    values["occurred_from"] = min(latest, source["occurred_from"] + shift)
    values["occurred_to"] = None
    values["title"] = reworded(rng, source["title"])
    values["narrative"] = reworded(rng, source["narrative"])
    if source["lat"] is not None and source["precision"] in ("street", "exact"):
        values["lat"] = round(source["lat"] + rng.uniform(-0.0013, 0.0013), 5)
        values["lon"] = round(source["lon"] + rng.uniform(-0.002, 0.002), 5)
    return values


def bodies(
    seed: int, sources: list[dict[str, Any]], start: dt.datetime, end: dt.datetime, count: int
) -> list[tuple[bool, bytes]]:
    """(is a near-copy, JSON body) of the reports to send, cycled through by the generator."""
    rng = random.Random(seed + 1)
    german = [c for c in world.CITIES if c[1] == "DE"]
    found = []
    for _ in range(count):
        tlp = world._pick(rng, world.TLPS)
        if sources and rng.random() < NEAR_COPY_SHARE:
            values = near_copy(rng, rng.choice(sources), end)
            found.append((True, report_body(values, tlp)))
            continue
        city = rng.choice(german) if rng.random() < 0.8 else None
        values = world.incident_fields(rng, start=start, end=end, city=city)
        found.append((False, report_body(values, tlp)))
    return [(copy, json.dumps(body).encode()) for copy, body in found]


# --- the load generator (runs in its own process) --------------------------------------------


@dataclass
class ReportLoad:
    port: int
    token: str
    connections: int
    warmup_seconds: float
    duration_seconds: float
    bodies: list[tuple[bool, bytes]]


@dataclass
class Outcome:
    figures: dict[str, Any]
    statuses: dict[int, int] = field(default_factory=dict)
    copies: int = 0
    copies_suggested: int = 0
    fresh: int = 0
    fresh_suggested: int = 0
    candidates: int = 0


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """One HTTP/1.1 answer with a Content-Length: (status, keep-alive, body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection") != "close", body


async def _connection(
    load: ReportLoad,
    start: float,
    stop: float,
    latencies: list[float],
    outcome: Outcome,
    counter: list[int],
) -> None:
    head = (
        f"POST {REPORTS_PATH} HTTP/1.1\r\nHost: {HOST}:{load.port}\r\nAccept: */*\r\n"
        f"Authorization: Bearer {load.token}\r\nContent-Type: application/json\r\n"
    )
    reader, writer = await asyncio.open_connection(HOST, load.port)
    try:
        while (sent := time.monotonic()) < stop:
            copy, body = load.bodies[counter[0] % len(load.bodies)]
            counter[0] += 1
            writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            status, keep, answer = await _read_answer(reader)
            done = time.monotonic()
            if start <= done < stop:
                latencies.append(done - sent)
                outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
                suggested = b'"suggested":true' in answer
                outcome.candidates += answer.count(b'"incident_id":')
                if copy:
                    outcome.copies += 1
                    outcome.copies_suggested += suggested
                else:
                    outcome.fresh += 1
                    outcome.fresh_suggested += suggested
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, load.port)
    finally:
        writer.close()


async def _drive(load: ReportLoad, window: Any) -> Outcome:
    latencies: list[float] = []
    outcome = Outcome(figures={})
    start = time.monotonic() + load.warmup_seconds
    stop = start + load.duration_seconds
    window.put((start, stop))
    cpu: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    loop.call_at(start, lambda: cpu.__setitem__("start", time.process_time()))
    loop.call_at(stop, lambda: cpu.__setitem__("stop", time.process_time()))
    counter = [0]
    await asyncio.gather(
        *(
            _connection(load, start, stop, latencies, outcome, counter)
            for _ in range(load.connections)
        )
    )
    errors = sum(n for status, n in outcome.statuses.items() if status != 201)
    outcome.figures = asdict(http_bench._figures(latencies, errors, load.duration_seconds, cpu))
    return outcome


def generate(load: ReportLoad, window: Any, result: Any) -> None:
    """Load-generator process: drive the server, put the outcome on the `result` queue."""
    http_bench._die_with_parent()
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    try:
        result.put(asdict(asyncio.run(_drive(load, window))))
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        window.put(None)
        result.put({"error": f"{type(exc).__name__}: {exc}"})


@dataclass
class Run:
    figures: http_bench.Figures
    outcome: Outcome
    statements: dict[str, float]  # per report, by kind and table
    statement_ms: dict[str, float]  # wall time per report, by kind and table


def run_load(
    load: ReportLoad, server_pid: int, probe: http_bench.DatabaseProbe, stats_file: Path
) -> Run:
    """bench/api.py's run_load for POSTs: the generator in a second process, CPU over its window."""
    ctx = multiprocessing.get_context("spawn")
    window, result = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=generate, args=(load, window, result), daemon=True)
    child.start()
    deadline = load.warmup_seconds + load.duration_seconds + 60
    before_stats: dict[str, Any] = {}
    after_stats: dict[str, Any] = {}
    try:
        times = window.get(timeout=deadline)
        server_cpu = machine_cpu = database_cpu = sessions = 0.0
        if times is not None:
            start, stop = times
            time.sleep(max(0.0, start - time.monotonic()))
            before = _tree_cpu_seconds(server_pid)
            machine_before = http_bench._machine_busy_seconds()
            pids, sessions_before = probe()
            database_before = http_bench._cpu_seconds(pids)
            before_stats = _statement_stats(server_pid, stats_file)
            time.sleep(max(0.0, stop - time.monotonic()))
            seconds = load.duration_seconds
            server_cpu = (_tree_cpu_seconds(server_pid) - before) / seconds
            machine_cpu = (http_bench._machine_busy_seconds() - machine_before) / seconds
            after_stats = _statement_stats(server_pid, stats_file)
            database_after = http_bench._cpu_seconds(list(database_before))
            sessions = (probe()[1] - sessions_before) / seconds
            database_cpu = (
                sum(database_after[p] - database_before[p] for p in database_after) / seconds
            )
        found = result.get(timeout=deadline)
        child.join(timeout=10)
    finally:
        if child.is_alive():
            child.kill()
    if "error" in found:
        raise RuntimeError(f"load generator failed: {found['error']}")
    outcome = Outcome(**found)
    outcome.statuses = {int(k): v for k, v in outcome.statuses.items()}
    figures = http_bench.Figures(**outcome.figures)
    figures.server_cpu = server_cpu
    figures.database_cpu = database_cpu
    figures.database_sessions = sessions
    figures.other_cpu = max(0.0, machine_cpu - server_cpu - database_cpu - figures.client_cpu)
    statements: dict[str, float] = {}
    statement_ms: dict[str, float] = {}
    # Answers finished in the window approximate the requests the server handled in it.
    handled = max(1, figures.requests)
    if before_stats and after_stats:
        for key, n in after_stats["counts"].items():
            statements[key] = (n - before_stats["counts"].get(key, 0)) / handled
        for key, s in after_stats["seconds"].items():
            statement_ms[key] = (s - before_stats["seconds"].get(key, 0.0)) * 1000 / handled
    return Run(figures, outcome, statements, statement_ms)


# --- where one report's time goes (in this process, one at a time) ---------------------------


def breakdown(
    values: dict[str, str], token: str, payloads: list[bytes], count: int
) -> dict[str, float]:
    """Milliseconds (CPU, this process) per step of POST /api/v1/reports, averaged.

    The same calls as the route and its dependencies make, in the same order and transactions,
    minus HTTP, routing and FastAPI's dependency resolution.
    """
    from sqlalchemy import func, select

    from vigil.core import audit
    from vigil.core.config import Settings
    from vigil.core.db import commit, get_sessionmaker
    from vigil.core.sealing import seal_audit_after_commit
    from vigil.incidents import duplicates
    from vigil.incidents import reports as reports_service
    from vigil.incidents.schemas import ReportCreate, ReportSubmitted
    from vigil.orgs.principals import find_api_token, load_principal

    settings = Settings(**values)  # type: ignore[arg-type]
    audit.use_key(settings.sqlalchemy_url, settings.audit_key)
    maker = get_sessionmaker(settings.sqlalchemy_url)
    spent: defaultdict[str, float] = defaultdict(float)
    wall: defaultdict[str, float] = defaultdict(float)
    candidates = 0

    def step(name: str, t: list[float]) -> None:
        now_cpu, now_wall = time.process_time(), time.perf_counter()
        spent[name] += now_cpu - t[0]
        wall[name] += now_wall - t[1]
        t[0], t[1] = now_cpu, now_wall

    for i in range(count):
        t = [time.process_time(), time.perf_counter()]
        data = ReportCreate.model_validate_json(payloads[i % len(payloads)])
        step("validate body (pydantic)", t)
        session = maker()
        try:
            api_token = find_api_token(session, token)
            assert api_token is not None
            principal = load_principal(session, person_id=api_token.person_id)
            assert principal is not None
            step("principal (token, person, memberships, parents)", t)
            report = reports_service.submit_report(
                session=session, principal=principal, data=data, settings=settings
            )
            step("store report (flush, version, audit entry)", t)
            read = reports_service.report_read(
                session=session,
                principal=principal,
                report=report,
                settings=settings,
                content=reports_service.report_content(data),
            )
            step("answer's report (report_read)", t)
            found = duplicates.candidates(session=session, principal=principal, fields=data)
            candidates += len(found)
            step("duplicate search", t)
            commit(session)
            step("commit", t)
        finally:
            session.close()
        seal_audit_after_commit(settings)
        step("seal the audit log", t)
        ReportSubmitted(**read.model_dump(), duplicates=found).model_dump_json()
        step("answer (model and JSON)", t)
    with maker() as session:
        entries = session.scalar(select(func.count()).select_from(audit.AuditEntry)) or 0
    print(
        f"\nwhere a report's time goes, in this process, one at a time ({count} reports, "
        f"{candidates / count:.1f} candidates each, audit log of {entries:,} entries):",
        flush=True,
    )
    total_cpu, total_wall = sum(spent.values()), sum(wall.values())
    for name in spent:
        print(
            f"  {name:<50} {spent[name] * 1000 / count:7.2f} ms CPU "
            f"{wall[name] * 1000 / count:7.2f} ms wall",
            flush=True,
        )
    print(
        f"  {'total':<50} {total_cpu * 1000 / count:7.2f} ms CPU "
        f"{total_wall * 1000 / count:7.2f} ms wall",
        flush=True,
    )
    return {name: spent[name] * 1000 / count for name in spent}


def duplicate_search(
    values: dict[str, str], email: str, payloads: list[bytes], count: int
) -> dict[str, float]:
    """CPU ms per report of the duplicate search alone, in this process, one report at a time:
    first with the incidents' text features computed as they come up (`cold`: a fresh process;
    in the full run `breakdown` has already met these reports, so it is warm there too), then
    its SQL statement alone (the floor any search pays, measured in the same run) and the search
    again with the features cached (`warm`: a server's steady state, where the recent incidents
    come up for report after report)."""
    from vigil.core.config import Settings
    from vigil.core.db import get_sessionmaker
    from vigil.incidents import duplicates
    from vigil.incidents.duplicate_scoring import Account
    from vigil.incidents.schemas import ReportCreate
    from vigil.orgs.accounts import person_by_email
    from vigil.orgs.principals import load_principal

    settings = Settings(**values)  # type: ignore[arg-type]
    maker = get_sessionmaker(settings.sqlalchemy_url)
    spent: defaultdict[str, float] = defaultdict(float)
    rows = suggested = 0
    reports = [ReportCreate.model_validate_json(payloads[i % len(payloads)]) for i in range(count)]
    with maker() as session:
        person = person_by_email(session, email)
        assert person is not None
        principal = load_principal(session, person_id=person.id)
        assert principal is not None
        # An older checkout (PYTHONPATH=its src) has no nearby_rows: its floor is not timed.
        for name in ("cold", "sql", "warm") if hasattr(duplicates, "nearby_rows") else ("cold",):
            for data in reports:
                started = time.process_time()
                if name == "sql":
                    account = Account.of_fields(data)
                    rows += len(duplicates.nearby_rows(session, principal, account, None))
                else:
                    found = duplicates.candidates(session=session, principal=principal, fields=data)
                    suggested += name == "warm" and any(c.suggested for c in found)
                spent[name] += time.process_time() - started
        session.rollback()
    figures = {name: spent[name] * 1000 / count for name in spent}
    if "sql" not in figures:
        print(f"\nthe duplicate search alone: {figures['cold']:.2f} ms CPU per report", flush=True)
        return figures
    figures["ratio"] = figures["warm"] / figures["sql"]
    print(
        f"\nthe duplicate search alone, one report at a time ({count} reports, {rows / count:.1f} "
        f"rows read each, a duplicate suggested for {suggested}), CPU ms per report:\n"
        f"  {'features computed as they come (cold)':<50} {figures['cold']:7.2f}\n"
        f"  {'its SQL statement alone (the floor)':<50} {figures['sql']:7.2f}\n"
        f"  {'the search, features cached (warm)':<50} {figures['warm']:7.2f}"
        f"  ({figures['ratio']:.2f} x the floor)",
        flush=True,
    )
    return figures


# --- main ------------------------------------------------------------------------------------


def _print_run(run: Run, db: str) -> None:
    f, o = run.figures, run.outcome
    http_bench._print(f"POST {REPORTS_PATH}", f)
    print(
        f"  answers by status: {dict(sorted(o.statuses.items()))}; "
        f"{o.candidates / max(1, f.requests):.1f} candidates per answer; "
        f"a duplicate was suggested for {o.copies_suggested}/{o.copies} retold incidents "
        f"and {o.fresh_suggested}/{o.fresh} new ones",
        flush=True,
    )
    if run.statements:
        total = sum(v for k, v in run.statements.items() if k != "COMMIT")
        print(
            f"  SQL statements per report: {total:.1f}, "
            f"{run.statements.get('COMMIT', 0):.2f} commits; by kind and table "
            f"(count, wall ms in the driver call){' on SQLite' if db == 'sqlite' else ''}:",
            flush=True,
        )
        ranked = sorted(run.statement_ms.items(), key=lambda kv: -kv[1])
        for key, ms in ranked:
            if run.statements.get(key, 0) >= 0.01:
                print(f"    {key:<36} {run.statements[key]:5.2f} {ms:8.2f} ms", flush=True)


def bench(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    log_file = work / "server.log"
    stats_file = work / "statements.json"
    sources: list[dict[str, Any]] = []
    pairs: dict[str, str] = {}
    rng = random.Random(args.seed)
    seen = [0]

    def keep(rows: list[dict[str, Any]], ids: list[int]) -> None:
        """Reservoir of incidents the reporting coordinator's organisation owns."""
        own = world_org[0]
        for row in rows:
            if row["owner_org_id"] != own or row["status"] == "merged":
                continue
            seen[0] += 1
            if len(sources) < SOURCES_KEPT:
                sources.append(row)
            elif (j := rng.randrange(seen[0])) < SOURCES_KEPT:
                sources[j] = row

    world_org = [0]
    try:
        print(
            f"POST {REPORTS_PATH} on {args.db}, {args.incidents:,} incidents, "
            f"{args.connections} connections, {args.warmup:g} s warm-up, {args.duration:g} s "
            f"measured, {args.workers} server process(es); {os.cpu_count()} CPUs, "
            f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        with _prepared(args, work, keep, world_org) as (setup, probe):
            world.print_generation(setup)
            end = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
            start = end - dt.timedelta(days=365.25 * args.years)
            payloads = bodies(args.seed, sources, start, end, BODIES)
            if args.duplicates_only:
                search = duplicate_search(
                    setup.values, setup.email, [p for _, p in payloads], args.breakdown
                )
                return {f"duplicates_{k}_ms": f"{v:.2f}" for k, v in search.items()}
            env = http_bench.server_env(setup.values)
            with server(env, log_file, args.workers, stats_file) as (port, pid):
                token = http_bench._api_token(port, setup.email, setup.password)
                check = httpx.post(
                    f"http://{HOST}:{port}{REPORTS_PATH}",
                    content=payloads[0][1],
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                    timeout=30,
                )
                assert check.status_code == 201, check.text[:2000]
                assert "duplicates" in check.json()
                load = ReportLoad(
                    port, token, args.connections, args.warmup, args.duration, payloads
                )
                run = run_load(load, pid, probe, stats_file)
            _print_run(run, args.db)
            print(f"  load average now {os.getloadavg()[0]:.2f}", flush=True)
            if args.breakdown:
                breakdown(setup.values, token, [p for _, p in payloads], args.breakdown)
                search = duplicate_search(
                    setup.values, setup.email, [p for _, p in payloads], args.breakdown
                )
                pairs |= {f"duplicates_{k}_ms": f"{v:.2f}" for k, v in search.items()}
    finally:
        with http_bench._shielded():
            if args.keep_work:
                print(f"  kept {work} (server.log is the server's output)", flush=True)
            else:
                shutil.rmtree(work, ignore_errors=True)
    f = run.figures
    pairs["reports_per_s"] = f"{f.rps:.1f}"
    pairs["p50_ms"] = f"{f.p50_ms:.1f}"
    pairs["p95_ms"] = f"{f.p95_ms:.1f}"
    pairs["cpu_ms"] = f"{f.server_cpu_ms:.1f}"
    if args.db == "postgresql":
        pairs["db_cpu_ms"] = f"{f.database_cpu_ms:.1f}"
    if run.statements:
        statements = sum(v for k, v in run.statements.items() if k != "COMMIT")
        pairs["statements"] = f"{statements:.1f}"
    pairs["suggested_copies"] = f"{run.outcome.copies_suggested}/{run.outcome.copies}"
    pairs["errors"] = str(f.errors)
    pairs["others_cores"] = f"{f.other_cpu:.2f}"
    pairs["incidents"] = str(args.incidents)
    pairs["workers"] = str(args.workers)
    pairs["db"] = args.db
    return pairs


@contextlib.contextmanager
def _prepared(
    args: argparse.Namespace, work: Path, keep: Any, world_org: list[int]
) -> Iterator[tuple[world.Setup, http_bench.DatabaseProbe]]:
    """incidents_query's database, telling `keep` which organisation reports."""
    original = world.setup_world

    def setup_and_note(url: str) -> world.World:
        found = original(url)
        world_org[0] = found.org_ids["jcs-berlin"]
        return found

    world.setup_world = setup_and_note
    try:
        with world.prepared_database(
            args, work, args.incidents, years=args.years, keep=keep
        ) as prepared:
            yield prepared
    finally:
        world.setup_world = original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--pg-url", default=http_bench.DEFAULT_PG_URL, help="server to create a database on"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 incidents, 5 s")
    parser.add_argument("--incidents", type=int, default=None, help="default 50,000 (quick: 5,000)")
    parser.add_argument("--years", type=float, default=2.0, help="the incidents' time span")
    parser.add_argument("--connections", type=int, default=None, help="default 32 (quick: 8)")
    parser.add_argument("--duration", type=float, default=None, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=None, help="seconds before measuring")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    parser.add_argument(
        "--breakdown", type=int, default=None, help="reports timed step by step (default 200)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--duplicates-only",
        action="store_true",
        help="no server: only time the duplicate search (--breakdown reports)",
    )
    parser.add_argument(
        "--keep-work", action="store_true", help="keep the data directory and the server log"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stats-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.workers, args.stats_file)
        return 0
    if args.workers > 1 and args.db == "sqlite":
        parser.error("several server processes need --db postgresql (as `vigil serve` says)")
    args.incidents = (
        args.incidents if args.incidents is not None else (5_000 if args.quick else 50_000)
    )
    args.connections = args.connections or (8 if args.quick else 32)
    args.duration = args.duration or (5.0 if args.quick else 30.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 5.0)
    if args.breakdown is None:
        args.breakdown = 30 if args.quick else 200
    http_bench._stop_on_signals()
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 1 if pairs.get("errors", "0") != "0" else 0


if __name__ == "__main__":
    sys.exit(main())
