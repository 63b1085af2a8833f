"""Vigil instances as their own processes, each with its own database, for the federation tests
and bench/federation.py: `vigil db upgrade`, people and tokens through the real command line,
records through the real API, `vigil serve` listening on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

VIGIL = [sys.executable, "-m", "vigil"]
PASSWORD = "a long enough passphrase"
START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    """One running Vigil: its base URL, the environment its command line runs with, and the
    API tokens of the people made in it (by e-mail)."""

    name: str
    url: str
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)

    @property
    def taxii_root(self) -> str:
        return f"{self.url}/taxii2/vigil/"

    def cli(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        done = subprocess.run(
            [*VIGIL, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{self.name}: vigil {' '.join(args)}: {done.stderr}")
        return done.stdout

    def api(self, email: str, org: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[email]}"}
        if org is not None:
            headers["X-Vigil-Org"] = str(self.orgs[org])
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def org(self, slug: str, name: str, kind: str = "community_security", **kw: str) -> int:
        args = ["org", "create", slug, name, "--kind", kind, "--country", kw.get("country", "DE")]
        if "parent" in kw:
            args += ["--parent", kw["parent"]]
        out = self.cli(*args)
        self.orgs[slug] = int(out.rsplit("(id ", 1)[1].rstrip(")\n"))
        return self.orgs[slug]

    def person(self, email: str, org: str | None = None, role: str = "coordinator") -> str:
        args = ["user", "create", email, email.split("@")[0], "--password", PASSWORD]
        if org is None:
            args.append("--platform-admin")
        else:
            args += ["--org", org, "--role", role]
        self.cli(*args)
        self.tokens[email] = self.cli("user", "token", email, "--name", "tests").strip()
        return self.tokens[email]

    def network(self, admin: str, slug: str, members: list[str]) -> int:
        with self.api(admin) as client:
            made = client.post("/api/v1/networks", json={"slug": slug, "name": slug})
            assert made.status_code == 201, made.text
            network_id = int(made.json()["id"])
            for member in members:
                added = client.post(
                    f"/api/v1/networks/{network_id}/organisations",
                    json={"org_id": self.orgs[member]},
                )
                assert added.status_code == 204, added.text
        return network_id

    def incident(self, email: str, org: str, tlp: str, title: str, **extra: Any) -> int:
        """An incident of `org`, reported and triaged through the API as a member would."""
        body = {
            "title": title,
            "narrative": f"{title}: what was seen.",
            "occurred_from": "2026-11-20T18:30:00+01:00",
            "type": "literature",
            "bias": ["antisemitism"],
            "severity": "minor",
            "place": {"city": "Berlin", "country": "DE", "precision": "city"},
            "tlp": tlp,
            **extra,
        }
        with self.api(email, org) as client:
            report = client.post("/api/v1/reports", json=body)
            assert report.status_code == 201, report.text
            triaged = client.post(
                f"/api/v1/reports/{report.json()['id']}/triage", json={"action": "new_incident"}
            )
        assert triaged.status_code == 200, triaged.text
        return int(triaged.json()["incident_id"])

    def worker_once(self) -> None:
        """One pass of the worker: due periodic tasks (store refresh, pulls), then the jobs."""
        self.cli("worker", "--once")


def instance_env(name: str, database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")},
        "VIGIL_ENV": "test",
        "VIGIL_DATABASE_URL": database_url,
        "VIGIL_DATA_DIR": str(data_dir),
        # Each instance its own keys: its own STIX namespace, as separate deployments have.
        "VIGIL_SECRET_KEY": f"{name}-secret-key-which-is-long-enough-{uuid.uuid4().hex}",
        "VIGIL_AUDIT_KEY": f"{name}-audit-key-which-is-long-enough-{uuid.uuid4().hex}",
        "VIGIL_ARGON2_TIME_COST": "1",
        "VIGIL_ARGON2_MEMORY_KIB": "8",
        "VIGIL_EMBEDDED_WORKER": "false",
        "VIGIL_LOG_LEVEL": "WARNING",
        "VIGIL_WEBHOOK_ALLOW_PRIVATE": "true",
        "VIGIL_HOST": "127.0.0.1",
        "VIGIL_PORT": str(port),
        "VIGIL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "VIGIL_NODE_MODULES": str(Path(__file__).resolve().parents[2] / "node_modules"),
    }


@contextmanager
def running(name: str, database_url: str, data_dir: Path) -> Iterator[Instance]:
    """A migrated, empty Vigil serving on loopback until the block ends."""
    port = free_port()
    env = instance_env(name, database_url, data_dir, port)
    instance = Instance(name=name, url=f"http://127.0.0.1:{port}", env=env)
    instance.cli("db", "upgrade")
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen([*VIGIL, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if httpx.get(f"{instance.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                said = (data_dir / "serve.log").read_text()
                raise AssertionError(f"{name} did not start: {said}")
            time.sleep(0.2)
        yield instance
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
