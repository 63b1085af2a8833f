"""HTTP throughput of Vigil on one uvicorn process, beside an empty ASGI app (the ceiling).

Starts Vigil on loopback in a subprocess (fresh data directory and database, migrated, demo data,
a real API token obtained through POST /api/v1/auth/token), drives it from a SECOND process with N
keep-alive connections for D seconds after a warm-up, and prints requests/s, p50/p95/p99 latency
and the server's CPU time per request for GET /healthz and an authenticated
GET /api/v1/organisations, then the same for an empty ASGI app served with the same uvicorn
options. CPU time per request does not depend on what else the machine runs; requests/s does, so
the cores other processes used meanwhile are printed too. The last line is name=value pairs.

    python bench/api.py                  # full size, SQLite (the embedded default)
    python bench/api.py --db postgresql  # a throwaway PostgreSQL database, created and dropped
    python bench/api.py --quick          # smoke run, well under a minute

Traffic goes to 127.0.0.1 only; every wait has a deadline; servers are stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEMO_USER = "coordinator@jcs-berlin.example"
BENCH_USER = "bench@vigil.example"
SERVER_START_SECONDS = 60.0
SERVER_STOP_SECONDS = 10.0
ROOT = Path(__file__).resolve().parents[1]

# The options `vigil serve` gives uvicorn; both the empty app and Vigil run with exactly these.
UVICORN_OPTIONS: dict[str, Any] = {
    "host": HOST,
    "workers": 1,
    "proxy_headers": True,
    "log_config": None,
}


# --- the empty ASGI app: the ceiling of this server on this machine -------------------------


async def empty_app(
    scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any
) -> None:
    """Answers every request with 200 and a two-byte JSON body, doing nothing else."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b"{}"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def serve(app: str, port: int) -> None:
    """Server process: uvicorn with UVICORN_OPTIONS, exiting when the benchmark dies."""
    import uvicorn

    _die_with_parent()
    target: Any = empty_app if app == "empty" else "vigil.asgi:app"
    uvicorn.run(target, port=port, **UVICORN_OPTIONS)


def _die_with_parent() -> None:
    """Linux: get SIGTERM when the parent process dies, even by SIGKILL."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


# --- the load generator (runs in its own process) --------------------------------------------


@dataclass
class Load:
    port: int
    path: str
    headers: dict[str, str]
    connections: int
    warmup_seconds: float
    duration_seconds: float
    client: str


@dataclass
class Figures:
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    client_cpu: float  # cores the load generator used in the measured window
    server_cpu: float = 0.0  # cores the server process used in the measured window
    database_cpu: float = 0.0  # cores PostgreSQL's backends serving the server used meanwhile
    database_sessions: float = 0.0  # new PostgreSQL connections per second
    other_cpu: float = 0.0  # cores every other process on the machine used meanwhile

    @property
    def server_cpu_ms(self) -> float:
        """Server CPU time per request: what the code costs, whatever else the machine runs."""
        return self.server_cpu * 1000 / self.rps if self.rps else 0.0

    @property
    def database_cpu_ms(self) -> float:
        """PostgreSQL's CPU time per request (SQLite's is inside the server's)."""
        return self.database_cpu * 1000 / self.rps if self.rps else 0.0


def _raw_request(load: Load) -> bytes:
    lines = [f"GET {load.path} HTTP/1.1", f"Host: {HOST}:{load.port}", "Accept: */*"]
    lines += [f"{k}: {v}" for k, v in load.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Reads one HTTP/1.1 response; returns (status, whether the server keeps the connection)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection") != "close"


async def _raw_connection(
    load: Load, start: float, stop: float, latencies: list[float], errors: list[int]
) -> None:
    """One keep-alive connection sending requests back to back (a minimal HTTP/1.1 client)."""
    request = _raw_request(load)
    reader, writer = await asyncio.open_connection(HOST, load.port)
    try:
        while (sent := time.monotonic()) < stop:
            writer.write(request)
            status, keep = await _read_response(reader)
            done = time.monotonic()
            if start <= done < stop:
                latencies.append(done - sent)
                if status != 200:
                    errors[0] += 1
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, load.port)
    finally:
        writer.close()


async def _httpx_connections(
    load: Load, start: float, stop: float, latencies: list[float], errors: list[int]
) -> None:
    """The same load through httpx.AsyncClient (slower client; for comparison)."""
    limits = httpx.Limits(
        max_connections=load.connections, max_keepalive_connections=load.connections
    )
    url = f"http://{HOST}:{load.port}{load.path}"
    async with httpx.AsyncClient(limits=limits, headers=load.headers) as client:

        async def one() -> None:
            while (sent := time.monotonic()) < stop:
                response = await client.get(url)
                done = time.monotonic()
                if start <= done < stop:
                    latencies.append(done - sent)
                    if response.status_code != 200:
                        errors[0] += 1

        await asyncio.gather(*(one() for _ in range(load.connections)))


async def _drive(load: Load, window: Any) -> Figures:
    latencies: list[float] = []
    errors = [0]
    start = time.monotonic() + load.warmup_seconds
    stop = start + load.duration_seconds
    window.put((start, stop))
    cpu: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    loop.call_at(start, lambda: cpu.__setitem__("start", time.process_time()))
    loop.call_at(stop, lambda: cpu.__setitem__("stop", time.process_time()))
    if load.client == "httpx":
        await _httpx_connections(load, start, stop, latencies, errors)
    else:
        await asyncio.gather(
            *(
                _raw_connection(load, start, stop, latencies, errors)
                for _ in range(load.connections)
            )
        )
    return _figures(latencies, errors[0], load.duration_seconds, cpu)


def _figures(latencies: list[float], errors: int, seconds: float, cpu: dict[str, float]) -> Figures:
    if len(latencies) < 2:
        return Figures(len(latencies), errors, len(latencies) / seconds, 0, 0, 0, 0)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    used = cpu.get("stop", time.process_time()) - cpu.get("start", 0.0)
    return Figures(
        requests=len(latencies),
        errors=errors,
        rps=len(latencies) / seconds,
        p50_ms=cuts[49] * 1000,
        p95_ms=cuts[94] * 1000,
        p99_ms=cuts[98] * 1000,
        client_cpu=used / seconds,
    )


def generate(load: Load, window: Any, result: Any) -> None:
    """Load-generator process: drive the server, put the figures on the `result` queue."""
    _die_with_parent()
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    try:
        result.put(asdict(asyncio.run(_drive(load, window))))
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        window.put(None)
        result.put({"error": f"{type(exc).__name__}: {exc}"})


def _process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU time every process on the machine used so far (user, nice, system, irq, softirq)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            found[pid] = _process_cpu_seconds(pid)
    return found


DatabaseProbe = Callable[[], tuple[list[int], int]]


def _no_database() -> tuple[list[int], int]:
    return [], 0


def run_load(load: Load, server_pid: int, database: DatabaseProbe) -> Figures:
    """Run the generator in a second process; measure CPU use over the same window."""
    ctx = multiprocessing.get_context("spawn")
    window, result = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=generate, args=(load, window, result), daemon=True)
    child.start()
    deadline = load.warmup_seconds + load.duration_seconds + 60
    try:
        times = window.get(timeout=deadline)
        server_cpu = machine_cpu = database_cpu = sessions = 0.0
        if times is not None:
            start, stop = times
            time.sleep(max(0.0, start - time.monotonic()))
            before, machine_before = _process_cpu_seconds(server_pid), _machine_busy_seconds()
            pids, sessions_before = database()
            database_before = _cpu_seconds(pids)
            time.sleep(max(0.0, stop - time.monotonic()))
            seconds = load.duration_seconds
            server_cpu = (_process_cpu_seconds(server_pid) - before) / seconds
            machine_cpu = (_machine_busy_seconds() - machine_before) / seconds
            database_after = _cpu_seconds(list(database_before))
            sessions = (database()[1] - sessions_before) / seconds
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
    figures = Figures(**found)
    figures.server_cpu = server_cpu
    figures.database_cpu = database_cpu
    figures.database_sessions = sessions
    figures.other_cpu = max(0.0, machine_cpu - server_cpu - database_cpu - figures.client_cpu)
    return figures


# --- servers and data ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(app: str, env: dict[str, str], log_file: Path) -> Iterator[tuple[int, int]]:
    """Start a server process; yields (port, pid) once /healthz answers; always stops it."""
    port = _free_port()
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve", app, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=log,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                tail = log_file.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{app} server exited early:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://{HOST}:{port}/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app} server did not answer within {SERVER_START_SECONDS}s")
            time.sleep(0.1)
        yield port, process.pid
    finally:
        with _shielded():
            process.terminate()
            try:
                process.wait(timeout=SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=SERVER_STOP_SECONDS)


def _pg_admin(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def server_values(work: Path, url: str, **extra: str) -> dict[str, str]:
    """The settings of a benchmark's Vigil: a fresh data directory, throwaway keys, production
    mode; `extra` adds or overrides."""
    values = {
        "data_dir": str(work / "data"),
        "database_url": url,
        "env": "production",
        "secret_key": uuid.uuid4().hex * 2,
        "audit_key": uuid.uuid4().hex * 2,
        "log_level": "WARNING",
        "node_modules": str(ROOT / "node_modules"),
    }
    values.update(extra)
    return values


def server_env(values: dict[str, str]) -> dict[str, str]:
    """This process's environment without the caller's own VIGIL_ variables, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update({f"VIGIL_{k.upper()}": v for k, v in values.items()})
    return env


@contextlib.contextmanager
def database(kind: str, data_dir: Path, pg_url: str) -> Iterator[tuple[str, DatabaseProbe]]:
    """A fresh database: a SQLite file in the data dir, or a PostgreSQL one dropped afterwards.

    Yields the URL (empty: SQLite at DATA_DIR/vigil.db, the default) and a probe listing the
    PostgreSQL backend processes connected to it (their CPU is the database's share of the work)
    and counting the sessions ever opened on it.
    """
    if kind == "sqlite":
        yield "", _no_database
        return
    import psycopg

    name = f"vigil_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_pg_admin(pg_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def probe() -> tuple[list[int], int]:
        with psycopg.connect(_pg_admin(pg_url), autocommit=True, connect_timeout=5) as conn:
            pids = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchall()
            sessions = conn.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = %s", (name,)
            ).fetchone()
        return [int(r[0]) for r in pids], int(sessions[0] if sessions else 0)

    try:
        yield f"{pg_url.rpartition('/')[0]}/{name}", probe
    finally:
        with (
            _shielded(),
            psycopg.connect(_pg_admin(pg_url), autocommit=True, connect_timeout=5) as conn,
        ):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(values: dict[str, str], *, demo: bool) -> tuple[str, str]:
    """Migrate the fresh database and add data; returns the e-mail and password to sign in with.

    Full runs load the demo data (several organisations in two networks); quick runs make one
    organisation and one coordinator, which is faster to set up.
    """
    from vigil.core import audit
    from vigil.core.config import Settings
    from vigil.core.db import get_engine, transaction
    from vigil.core.migrate import upgrade
    from vigil.core.policy import SYSTEM, Role
    from vigil.demo import load_demo
    from vigil.orgs import accounts
    from vigil.orgs import service as orgs_service
    from vigil.orgs.models import OrgKind
    from vigil.orgs.schemas import OrganisationCreate

    settings = Settings(**values)  # type: ignore[arg-type]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # What this process writes (organisations, people, the bench's own records) is signed with
    # the server's audit key, or the server's sealing would refuse it as forged.
    audit.use_key(settings.sqlalchemy_url, settings.audit_key)
    upgrade(settings.sqlalchemy_url)
    try:
        if demo:
            return DEMO_USER, load_demo(settings).password
        password = uuid.uuid4().hex
        with transaction(settings.sqlalchemy_url) as session:
            org = orgs_service.create_organisation(
                session=session,
                principal=SYSTEM,
                data=OrganisationCreate(
                    slug="bench", name="Benchmark", kind=OrgKind.community_security, country="DE"
                ),
            )
            person = accounts.create_person(
                session=session,
                settings=settings,
                email=BENCH_USER,
                name="Benchmark",
                password=password,
            )
            orgs_service.add_member(
                session=session, principal=SYSTEM, org_id=org.id, person=person, role=Role.analyst
            )
        return BENCH_USER, password
    finally:
        get_engine(settings.sqlalchemy_url).dispose()


def _api_token(port: int, email: str, password: str) -> str:
    response = httpx.post(
        f"http://{HOST}:{port}/api/v1/auth/token",
        json={"email": email, "password": password, "token_name": "bench"},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


# --- main ------------------------------------------------------------------------------------


def _print(name: str, figures: Figures) -> None:
    print(
        f"  {name:<28} {figures.rps:>9.0f} req/s   p50 {figures.p50_ms:6.2f} ms   "
        f"p95 {figures.p95_ms:6.2f} ms   p99 {figures.p99_ms:6.2f} ms   "
        f"errors {figures.errors}\n"
        f"  {'':<28} CPU per request: server {figures.server_cpu_ms:.3f} ms, database "
        f"{figures.database_cpu_ms:.3f} ms; cores used: server {figures.server_cpu:.2f}, "
        f"database {figures.database_cpu:.2f}, load generator {figures.client_cpu:.2f}, "
        f"other processes {figures.other_cpu:.2f}"
        + (
            f"; new database connections {figures.database_sessions:.0f}/s"
            if figures.database_sessions
            else ""
        ),
        flush=True,
    )


def bench(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    log_file = work / "servers.log"
    results: dict[str, Figures] = {}
    try:
        with database(args.db, work / "data", args.pg_url) as (url, probe):
            values = server_values(work, url, log_level="INFO")
            env = server_env(values)
            email, password = prepare(values, demo=not args.quick)
            print(
                f"Vigil on {args.db}: {args.connections} connections, {args.warmup:g} s warm-up, "
                f"{args.duration:g} s per target, {args.client} client in a second process; "
                f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
                f"load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            with server("vigil", env, log_file) as (port, pid):
                token = _api_token(port, email, password)
                auth = {"Authorization": f"Bearer {token}"}
                check = httpx.get(f"http://{HOST}:{port}/api/v1/organisations", headers=auth)
                check.raise_for_status()
                assert check.json(), "the signed-in user sees no organisation"
                for name, path, headers in (
                    ("healthz", "/healthz", {}),
                    ("orgs", "/api/v1/organisations", auth),
                ):
                    load = Load(
                        port,
                        path,
                        headers,
                        args.connections,
                        args.warmup,
                        args.duration,
                        args.client,
                    )
                    results[name] = run_load(load, pid, probe)
                    _print(f"GET {path}", results[name])
        with server("empty", dict(os.environ), log_file) as (port, pid):
            load = Load(port, "/", {}, args.connections, args.warmup, args.duration, args.client)
            results["empty"] = run_load(load, pid, _no_database)
            _print("empty ASGI app", results["empty"])
    finally:
        with _shielded():
            shutil.rmtree(work, ignore_errors=True)
    pairs: dict[str, str] = {}
    for name, figures in results.items():
        pairs[f"{name}_rps"] = f"{figures.rps:.0f}"
        pairs[f"{name}_p50_ms"] = f"{figures.p50_ms:.2f}"
        pairs[f"{name}_p95_ms"] = f"{figures.p95_ms:.2f}"
        pairs[f"{name}_cpu_ms"] = f"{figures.server_cpu_ms:.3f}"
        if args.db == "postgresql" and name != "empty":
            pairs[f"{name}_db_cpu_ms"] = f"{figures.database_cpu_ms:.3f}"
    pairs["errors"] = str(sum(f.errors for f in results.values()))
    pairs["others_cores"] = f"{max(f.other_cpu for f in results.values()):.2f}"
    pairs["connections"] = str(args.connections)
    pairs["seconds"] = f"{args.duration:g}"
    pairs["db"] = args.db
    return pairs


_STOP = {"cleaning": 0, "pending": 0}


def _stop_on_signals() -> None:
    """SIGTERM and SIGINT end the run through the cleanup code, never in the middle of it."""

    def handle(signum: int, _frame: Any) -> None:
        if _STOP["cleaning"]:
            _STOP["pending"] = 128 + signum
            return
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """Stopping servers and dropping the database run to the end; a signal is acted on after."""
    _STOP["cleaning"] += 1
    try:
        yield
    finally:
        _STOP["cleaning"] -= 1
        if not _STOP["cleaning"] and _STOP["pending"]:
            raise SystemExit(_STOP["pending"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="server to create a database on")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 s per target")
    parser.add_argument("--connections", type=int, default=None, help="default 32 (quick: 8)")
    parser.add_argument("--duration", type=float, default=None, help="seconds measured per target")
    parser.add_argument("--warmup", type=float, default=None, help="seconds before measuring")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    parser.add_argument("--serve", choices=["vigil", "empty"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    args.connections = args.connections or (8 if args.quick else 32)
    args.duration = args.duration or (3.0 if args.quick else 20.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 3.0)
    _stop_on_signals()
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 1 if pairs["errors"] != "0" else 0


if __name__ == "__main__":
    sys.exit(main())
