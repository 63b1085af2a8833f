"""/metrics: two real `vigil serve` processes and a worker of one instance add up; only the
configured scraper reads it; the figures the operators watch are there."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.sharing.instances import VIGIL, Instance, free_port, instance_env
from vigil.core.config import Settings

pytestmark = pytest.mark.xdist_group("metrics")

TOKEN = "the-scraper's-token-0123456789"
EMAIL = "coordinator@example.org"
# Starting takes seconds alone, a minute and more on a loaded CI machine.
START_SECONDS = 240.0
HTTP = httpx.Client(timeout=120)
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def instance_of(db_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """One instance's environment (the processes of an instance share their keys)."""
    env = instance_env("metrics", db_url, data_dir, 0)
    env.update(
        VIGIL_SECRET_KEY="metrics-secret-key-which-is-long-enough-0123456789",
        VIGIL_AUDIT_KEY="metrics-audit-key-which-is-long-enough-0123456789",
        VIGIL_METRICS_TOKEN=TOKEN,
        VIGIL_METRICS_ALLOW="127.0.0.0/8,::1/128",
        VIGIL_MAIL_BACKEND="directory",
        **extra,
    )
    return env


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """`vigil serve` on a free loopback port until the block ends."""
    port = free_port()
    env = {**env, "VIGIL_PORT": str(port)}
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen([*VIGIL, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:  # /readyz, so that the requests counted on /healthz are the test's
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=15)


def scrape(url: str) -> Samples:
    answer = HTTP.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    assert EMAIL not in answer.text and "12345" not in answer.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# Several app processes are the PostgreSQL deployment (docs/deploy.md); one database suffices
# for each of these end-to-end runs, which start real servers (a minute or more each).
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_app_processes_and_a_worker_add_up(db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = instance_of(db_url, data)
    instance = Instance(name="metrics", url="", env=env)
    instance.org("watch", "Watch")
    instance.person(EMAIL, "watch")
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    with serving(env, tmp_path / "a.log") as a, serving(env, tmp_path / "b.log") as b:
        for url, times in ((a, 3), (b, 2)):
            for _ in range(times):
                assert HTTP.get(f"{url}/healthz").status_code == 200
        # A path with an id is counted under its route's template.
        assert HTTP.get(f"{b}/api/v1/incidents/12345").status_code == 401
        wrong = {"email": EMAIL, "password": "not the password at all"}
        assert HTTP.post(f"{b}/api/v1/auth/token", json=wrong).status_code == 401
        reset = HTTP.post(f"{a}/api/v1/password-reset", json={"email": EMAIL})
        assert reset.status_code == 202
        # A source nobody answers at: the worker's poll of it fails.
        headers = {"Authorization": f"Bearer {instance.tokens[EMAIL]}"}
        source = {"name": "Closed", "url": f"http://127.0.0.1:{free_port()}/feed.xml"}
        added = HTTP.post(f"{a}/api/v1/monitoring/sources", json=source, headers=headers)
        assert added.status_code == 201, added.text

        first, second = scrape(a), scrape(b)
        for samples in (first, second):
            assert value(samples, "vigil_http_requests_total", **healthz) == 5
            assert value(samples, "vigil_signin_failures_total") == 1
        template = {"method": "GET", "route": "/api/v1/incidents/{incident_id}"}
        assert value(first, "vigil_http_request_duration_seconds_count", **template) == 1
        assert value(first, "vigil_http_request_duration_seconds_bucket", le="+Inf", **template)
        assert value(first, "vigil_jobs_queued", kind="send_email") == 1
        assert 0 <= value(first, "vigil_jobs_oldest_age_seconds", kind="send_email") < 60

        instance.worker_once()
        after = scrape(b)
        assert value(after, "vigil_monitoring_fetch_errors_total", kind="feed") == 1
        assert value(after, "vigil_jobs_queued", kind="send_email") == 0
        assert value(after, "vigil_http_requests_total", **healthz) == 5
    # With every process of the instance gone, the next one starts counting afresh.
    left = set((data / "metrics").glob("*.db"))
    assert left
    with serving(env, tmp_path / "c.log") as c:
        assert value(scrape(c), "vigil_http_requests_total", **healthz) == 0
        assert not left & set((data / "metrics").glob("*.db"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_only_the_configured_scraper_reads_the_metrics(db_url: str, tmp_path: Path) -> None:
    env = instance_of(db_url, tmp_path / "data")
    with serving(env, tmp_path / "serve.log") as url:
        unsigned = HTTP.get(f"{url}/metrics")
        assert unsigned.status_code == 401
        assert unsigned.headers["www-authenticate"] == "Bearer"
        wrong = HTTP.get(f"{url}/metrics", headers={"Authorization": "Bearer guessed"})
        assert wrong.status_code == 401
        assert "vigil_" not in unsigned.text + wrong.text
        # The right token from outside the allowed networks (as the proxy forwards it).
        outside = {"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "203.0.113.9"}
        refused = HTTP.get(f"{url}/metrics", headers=outside)
        assert refused.status_code == 403
        assert "vigil_" not in refused.text
        assert scrape(url)


def test_without_a_scraper_there_is_no_metrics_page(client: TestClient) -> None:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    missing = client.get("/no-such-page-at-all")
    assert (answer.status_code, answer.headers["content-type"]) == (
        404,
        missing.headers["content-type"],
    )
    assert "vigil_" not in answer.text


def test_a_network_that_is_not_one_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="VIGIL_METRICS_ALLOW: '10.0.0.0/33' is not a network"):
        Settings(metrics_allow="127.0.0.0/8, 10.0.0.0/33")
