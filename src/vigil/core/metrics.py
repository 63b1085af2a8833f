"""Prometheus metrics: counters and histograms that every app and worker process of one instance
adds up (prometheus-client's multiprocess mode, files under DATA_DIR/metrics), and gauges read
from the database when /metrics is scraped (queue depth and age, federation lag).

Nothing is counted, and prometheus-client is not even imported, unless a scraper is configured
(VIGIL_METRICS_TOKEN or VIGIL_METRICS_ALLOW): the client picks its multiprocess mode from the
environment when it is first imported, so `start` sets the directory before that.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from vigil.core.config import Settings, export_environment
from vigil.core.db import get_sessionmaker
from vigil.core.errors import problem

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "(unmatched)"
# Seconds: a page or API call is expected well under a second; exports and PDFs take longer.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_PID_FILE = re.compile(r"_(\d+)\.db$")

_lock = threading.Lock()
_directory: Path | None = None


def configured(settings: Settings) -> bool:
    """Whether a scraper is configured; without one /metrics does not exist."""
    return bool(settings.metrics_token or settings.metrics_allow)


def directory(settings: Settings) -> Path:
    return settings.data_dir / "metrics"


def start(settings: Settings) -> None:
    """Count in this process from now on, into the instance's shared directory (once per
    process; app and worker both call it)."""
    global _directory
    if not configured(settings):
        return
    with _lock:
        if _directory is not None:
            return
        path = directory(settings).resolve()
        path.mkdir(parents=True, exist_ok=True)
        export_environment(MULTIPROC_ENV, str(path))
        clear_dead_processes(path)
        _directory = path
    pid = os.getpid()
    atexit.register(_mark_dead, pid, path)


def _mark_dead(pid: int, path: Path) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, str(path))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def clear_dead_processes(path: Path) -> None:
    """The client's bookkeeping for processes that ended (crashed ones included): their live
    gauges go (`mark_process_dead`). When no process of the instance is left, their counters
    go too, as the client's documentation advises between runs; while another still runs they
    stay, so that the instance's totals do not drop at a rolling restart."""
    files: dict[int, list[Path]] = {}
    for file in path.glob("*.db"):
        found = _PID_FILE.search(file.name)
        if found:
            files.setdefault(int(found.group(1)), []).append(file)
    dead = [pid for pid in files if not _alive(pid)]
    for pid in dead:
        _mark_dead(pid, path)
    if dead and len(dead) == len(files):
        for pid in dead:
            for file in files[pid]:
                file.unlink(missing_ok=True)


class _Metric:
    """A counter or histogram declared where it is counted (at import, in any module), made
    in prometheus-client only once this process counts; until then a call does nothing."""

    kind = ""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.documentation, self.labels = name, documentation, labels
        self._made: Any = None

    def _metric(self, **labels: str) -> Any:
        if _directory is None:
            return None
        if self._made is None:
            with _lock:
                if self._made is None:
                    self._made = self._make()
        return self._made.labels(**labels) if labels else self._made

    def _make(self) -> Any:
        raise NotImplementedError


class Counter(_Metric):
    def _make(self) -> Any:
        import prometheus_client

        return prometheus_client.Counter(self.name, self.documentation, self.labels, registry=None)

    def inc(self, amount: float = 1, **labels: str) -> None:
        metric = self._metric(**labels)
        if metric is not None:
            metric.inc(amount)


class Histogram(_Metric):
    buckets: tuple[float, ...] = LATENCY_BUCKETS

    def _make(self) -> Any:
        import prometheus_client

        return prometheus_client.Histogram(
            self.name, self.documentation, self.labels, registry=None, buckets=self.buckets
        )

    def observe(self, value: float, **labels: str) -> None:
        metric = self._metric(**labels)
        if metric is not None:
            metric.observe(value)


REQUEST_SECONDS = Histogram(
    "vigil_http_request_duration_seconds",
    "Time from a request's arrival to its response's end, by route template.",
    ("method", "route"),
)
REQUESTS = Counter(
    "vigil_http_requests_total",
    "Requests answered, by route template and status.",
    ("method", "route", "status"),
)


def observe_request(scope: MutableMapping[str, Any], status: int, seconds: float) -> None:
    """Count one request under its route's template (`/incidents/{incident_id}`), never its
    path: no ids, no personal data, and a bounded number of series."""
    if _directory is None:
        return
    route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
    method = scope.get("method", "")
    REQUEST_SECONDS.observe(seconds, method=method, route=route)
    REQUESTS.inc(method=method, route=route, status=str(status))


# --- gauges read at scrape time -----------------------------------------------------------

Reading = Iterable[tuple[tuple[str, ...], float]]


@dataclass(frozen=True)
class ScrapeGauge:
    """A figure read from the database when /metrics is scraped: the database is shared by all
    processes, so whichever answers the scrape tells the instance's truth. `read` gives
    (label values, value) pairs; a domain declares its gauges in `Domain.scrape_gauges()`."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[Session], Reading]


class _ScrapeCollector:
    def __init__(self, gauges: Iterable[ScrapeGauge], session: Session) -> None:
        self.gauges, self.session = tuple(gauges), session

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        for gauge in self.gauges:
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=gauge.labels)
            for values, value in gauge.read(self.session):
                family.add_metric(list(values), value)
            yield family


def exposition(gauges: Iterable[ScrapeGauge], session: Session) -> tuple[bytes, str]:
    """The instance's figures in the Prometheus text format, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(_directory))
    registry.register(_ScrapeCollector(gauges, session))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def scraper_allowed(settings: Settings, address: str, authorization: str) -> int:
    """200 if this client may scrape, else the status to answer: 404 when no scraper is
    configured (/metrics is not there), 403 from a network not allowed, 401 without the
    right token."""
    import hmac

    if not configured(settings):
        return 404
    networks = settings.metrics_networks
    if networks:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return 403
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not any(ip in network for network in networks):
            return 403
    if settings.metrics_token:
        scheme, _, token = authorization.partition(" ")
        expected = settings.metrics_token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
            return 401
    return 200


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def scrape(request: Request) -> Response:
    """The instance's figures, for its configured Prometheus scraper only."""
    settings: Settings = request.app.state.settings
    address = request.client.host if request.client else ""
    status = scraper_allowed(settings, address, request.headers.get("authorization", ""))
    if status == 404:
        raise HTTPException(404)  # as if there were no such page
    # A plain problem for the scraper, not the sign-in page a browser would be sent to.
    if status == 403:
        return problem(403, "Forbidden", "This address may not read the metrics.")
    if status == 401:
        detail = "Reading the metrics needs the scraper's bearer token."
        return problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})
    gauges: tuple[ScrapeGauge, ...] = getattr(request.app.state, "scrape_gauges", ())
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        body, content_type = exposition(gauges, session)
    return Response(body, media_type=content_type)
