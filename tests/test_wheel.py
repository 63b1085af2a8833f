"""The wheel is all a server needs: installed into a fresh virtual environment and run from a
folder with no checkout, `vigil db upgrade`, `vigil demo load`, `vigil serve` and `vigil worker`
work (on PostgreSQL the upgrade alone: the rest is the same code), the pages get their styles,
scripts, maps and translations, and PDFs their fonts (issue 22; docs/deploy.md). One build and
install serve both databases; the group keeps this slow test on one worker."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

import vigil
from tests.conftest import BACKENDS, _drop_pg, _pg_exec, _pg_reachable, _pg_url_for
from tests.wheel_env import ROOT, build_wheel, clean_environment, fresh_environment, run

pytestmark = pytest.mark.xdist_group("wheel")

# Assets pages link from scripts or only on pages behind a sign-in (the maps, live alerts).
VENDOR_ASSETS = (
    "/vendor/htmx-ext-sse/sse.min.js",
    "/vendor/leaflet/leaflet.css",
    "/vendor/leaflet/leaflet.js",
    "/vendor/leaflet/images/marker-icon.png",
    "/vendor/leaflet.markercluster/leaflet.markercluster.js",
    "/vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "/vendor/leaflet-geoman/leaflet-geoman.min.js",
    "/vendor/leaflet-geoman/leaflet-geoman.css",
    "/vendor/topojson-client/topojson-client.min.js",
    "/vendor/world-atlas/countries-50m.json",
    "/vendor/world-atlas/countries-110m.json",
    "/static/boundaries.js",
)
# Run by the installed Python: the data files a server reads outside the pages.
DATA_CHECKS = """
import vigil
from vigil.alerts.cap_xml import schema
from vigil.core.config import get_settings
from vigil.core.pdf import render_pdf
from vigil.geo.boundaries import region_names

assert "Bayern" in region_names("DE"), region_names("DE")
assert schema().target_namespace.endswith("cap:1.2")
html = "<html><body style=\\"font-family: 'Vigil Sans'\\">Привет שלום</body></html>"
assert render_pdf(html, settings=get_settings()).startswith(b"%PDF")
print(vigil.__file__)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh virtual environment holding the wheel built from this checkout."""
    work = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(work)
    assert wheel.name == f"vigil-{vigil.__version__}-py3-none-any.whl"
    return fresh_environment(work / "venv", wheel)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """An empty database: SQLite by default in the data folder, or a new PostgreSQL one."""
    if request.param == "sqlite":
        yield {}
        return
    problem = _pg_reachable()
    if problem is not None:
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    name = f"vigil_wheel_{uuid.uuid4().hex[:12]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    yield {"VIGIL_DATABASE_URL": _pg_url_for(name)}
    _drop_pg(name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_installed_wheel_runs_a_server(
    installed: Path, database: dict[str, str], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    env = clean_environment(
        VIGIL_ENV="production",
        VIGIL_DATA_DIR=str(tmp_path / "data"),
        VIGIL_SECRET_KEY="wheel-test-secret-key-" + uuid.uuid4().hex,
        VIGIL_AUDIT_KEY="wheel-test-audit-key-" + uuid.uuid4().hex,
        VIGIL_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        VIGIL_ARGON2_TIME_COST="1",
        VIGIL_ARGON2_MEMORY_KIB="8",
        VIGIL_MAIL_BACKEND="directory",
        VIGIL_EMBEDDED_WORKER="false",
        VIGIL_LOG_LEVEL="WARNING",
        **database,
    )

    def vigil_command(*args: str) -> str:
        return run([str(installed / "vigil"), *args], cwd=elsewhere, env=env)

    assert vigil_command("--version").strip() == f"vigil {vigil.__version__}"
    assert "database at head" in vigil_command("db", "upgrade")
    if database:
        return  # PostgreSQL: its driver and the migrations came with the wheel; the rest is shared
    # The worker before the demo: its run through the demo's queued jobs would cost a minute.
    assert re.search(r"\d+ job\(s\) done", vigil_command("worker", "--once"))
    assert "Demo logins" in vigil_command("demo", "load")
    module = run([str(installed / "python"), "-c", DATA_CHECKS], cwd=elsewhere, env=env)
    assert Path(module.strip()).is_relative_to(installed.parent), module
    assert not Path(module.strip()).resolve().is_relative_to(ROOT)

    server = subprocess.Popen(  # noqa: S603 - the installed vigil
        [str(installed / "vigil"), "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            wait_until_up(http, server)
            assert http.get("/readyz").status_code == 200
            login = http.get("/login")
            assert login.status_code == 200
            linked = re.findall(r'(?:href|src)="(/(?:static|vendor)/[^"]+)"', login.text)
            assert any(path.startswith("/vendor/htmx/") for path in linked), linked
            for path in (*linked, *VENDOR_ASSETS):
                asset = http.get(path)
                assert asset.status_code == 200 and asset.content, path
            german = http.get("/login", headers={"Accept-Language": "de"})
            assert "Anmelden" in german.text
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    # uvicorn stops gracefully on SIGTERM, then ends by the signal it was sent
    assert server.returncode in (0, -signal.SIGTERM), output


def wait_until_up(http: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"vigil serve exited: {server.communicate()[0].decode()}")
        try:
            if http.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("vigil serve did not answer /healthz within 60 s")
