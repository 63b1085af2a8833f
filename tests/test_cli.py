"""The `vigil` command line, run in-process against a real database of each backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from tests.conftest import BACKENDS, _drop_pg, _pg_exec, _pg_url_for
from vigil import __version__
from vigil.app import create_app
from vigil.cli import app as cli_app
from vigil.core import jobs
from vigil.core.auth import verify_password
from vigil.core.config import Settings, get_settings
from vigil.core.db import get_engine, transaction
from vigil.core.migrate import current_revision, head_revision
from vigil.demo import DEMO_PASSWORD
from vigil.orgs import accounts
from vigil.orgs.models import Membership, Organisation

PASSWORD = "a long enough passphrase"


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        "VIGIL_ENV": "test",
        "VIGIL_DATABASE_URL": url,
        "VIGIL_DATA_DIR": str(data_dir),
        "VIGIL_SECRET_KEY": "test-secret-key-which-is-long-enough-0123456789",
        "VIGIL_AUDIT_KEY": "test-audit-key-which-is-long-enough-0123456789",
        "VIGIL_ARGON2_TIME_COST": "1",
        "VIGIL_ARGON2_MEMORY_KIB": "8",
        "VIGIL_EMBEDDED_WORKER": "false",
        "VIGIL_LOG_LEVEL": "WARNING",
    }


class Vigil:
    """Runs `vigil ...` with the test database's settings (get_settings() is cached)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, *args: str, **kwargs: Any) -> Result:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(cli_app, list(args), env=self.env, **kwargs)
        finally:
            get_settings.cache_clear()


@pytest.fixture
def vigil(settings: Settings) -> Vigil:
    return Vigil(_env(settings.sqlalchemy_url, settings.data_dir))


@pytest.fixture(params=BACKENDS)
def fresh_db_url(
    request: pytest.FixtureRequest, _templates: dict[str, str], tmp_path: Path
) -> Iterator[str]:
    """An empty database, never migrated."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        yield url
        get_engine(url).dispose()
        return
    if "postgresql" not in _templates:
        pytest.skip("PostgreSQL unreachable (see the warning above)")
    name = f"vigil_fresh_{uuid.uuid4().hex[:12]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    url = _pg_url_for(name)
    yield url
    get_engine(url).dispose()
    _drop_pg(name)


def _count(url: str, table: str) -> int:
    with get_engine(url).connect() as conn:
        return int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608


def test_db_upgrade_migrates_a_fresh_database(fresh_db_url: str, tmp_path: Path) -> None:
    vigil = Vigil(_env(fresh_db_url, tmp_path / "data"))

    result = vigil("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert "database at head" in result.output
    assert current_revision(get_engine(fresh_db_url)) == head_revision(fresh_db_url)
    assert vigil("db", "upgrade").exit_code == 0, "upgrading twice is harmless"


def test_org_create_writes_the_organisation(vigil: Vigil, settings: Settings) -> None:
    parent = vigil("org", "create", "jcs-test", "JCS Test", "--kind", "police", "--country", "de")
    child = vigil(
        "org",
        "create",
        "jcs-branch",
        "JCS Branch",
        "--kind",
        "site_operator",
        "--country",
        "AT",
        "--parent",
        "jcs-test",
    )

    assert parent.exit_code == 0, parent.output
    assert child.exit_code == 0, child.output
    assert "organisation jcs-branch created" in child.output
    with transaction(settings.sqlalchemy_url) as session:
        rows = session.execute(
            select(Organisation.slug, Organisation.country, Organisation.parent_id).order_by(
                Organisation.id
            )
        ).all()
        parent_id = session.scalar(select(Organisation.id).where(Organisation.slug == "jcs-test"))
    assert [tuple(r) for r in rows] == [("jcs-test", "DE", None), ("jcs-branch", "AT", parent_id)]


@pytest.mark.parametrize("country", ["Germany", "D1", "XYZ"])
def test_org_create_with_a_bad_country_exits_2_and_writes_nothing(
    vigil: Vigil, settings: Settings, country: str
) -> None:
    audit_before = _count(settings.sqlalchemy_url, "audit_log")

    result = vigil("org", "create", "bad-org", "Bad", "--kind", "police", "--country", country)

    assert result.exit_code == 2
    assert "country" in result.stderr
    assert "two-letter ISO 3166-1 country code" in result.stderr
    assert "Traceback" not in result.output
    assert _count(settings.sqlalchemy_url, "organisations") == 0
    assert _count(settings.sqlalchemy_url, "audit_log") == audit_before


def test_org_create_with_an_unknown_kind_is_refused(vigil: Vigil, settings: Settings) -> None:
    result = vigil("org", "create", "bad-org", "Bad", "--kind", "militia", "--country", "DE")

    assert result.exit_code == 2
    assert "kind" in result.output
    assert _count(settings.sqlalchemy_url, "organisations") == 0


def test_user_create_with_password_org_and_role(vigil: Vigil, settings: Settings) -> None:
    assert vigil("org", "create", "home", "Home", "--kind", "ngo", "--country", "DE").exit_code == 0

    result = vigil(
        "user",
        "create",
        "Miriam@Example.org",
        "Miriam Koch",
        "--password",
        PASSWORD,
        "--org",
        "home",
        "--role",
        "coordinator",
    )

    assert result.exit_code == 0, result.output
    assert "person miriam@example.org created" in result.output
    with transaction(settings.sqlalchemy_url) as session:
        person = accounts.person_by_email(session, "miriam@example.org")
        assert person is not None
        assert verify_password(person.password_hash, PASSWORD, settings)
        role = session.scalar(select(Membership.role).where(Membership.person_id == person.id))
    assert role == "coordinator"


def test_user_create_asks_for_the_password_when_not_given(vigil: Vigil, settings: Settings) -> None:
    result = vigil("user", "create", "ask@example.org", "Asked", input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output, "the password is not echoed"
    with transaction(settings.sqlalchemy_url) as session:
        person = accounts.person_by_email(session, "ask@example.org")
        assert person is not None
        assert verify_password(person.password_hash, PASSWORD, settings)


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "at least 12 characters"), ("password1234", "too common")],
)
def test_user_create_with_a_weak_password_fails_clearly(
    vigil: Vigil, settings: Settings, password: str, reason: str
) -> None:
    result = vigil("user", "create", "weak@example.org", "Weak", "--password", password)

    assert result.exit_code == 2
    assert "error: password: " in result.stderr
    assert reason in result.stderr
    assert _count(settings.sqlalchemy_url, "people") == 0


def test_user_create_for_an_unknown_org_leaves_no_person_behind(
    vigil: Vigil, settings: Settings
) -> None:
    result = vigil(
        "user", "create", "lost@example.org", "Lost", "--password", PASSWORD, "--org", "nowhere"
    )

    assert result.exit_code == 2
    assert "No such organisation" in result.stderr
    assert _count(settings.sqlalchemy_url, "people") == 0


def test_user_token_prints_a_token_that_signs_in_and_an_unknown_person_fails(
    vigil: Vigil, settings: Settings
) -> None:
    assert (
        vigil("user", "create", "peer@example.org", "Peer", "--password", PASSWORD).exit_code == 0
    )

    result = vigil("user", "token", "peer@example.org", "--name", "partner instance")
    missing = vigil("user", "token", "nobody@example.org", "--name", "x")

    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    with TestClient(create_app(settings)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["email"] == "peer@example.org"
    assert (
        missing.exit_code == 2 and "No person with the e-mail nobody@example.org" in missing.stderr
    )


DEMO_TABLES = [
    "organisations",
    "networks",
    "network_members",
    "people",
    "memberships",
    "notices",
    "audit_log",
]


def test_demo_load_twice_is_idempotent_and_its_logins_work(
    vigil: Vigil, settings: Settings
) -> None:
    first = vigil("demo", "load")
    assert first.exit_code == 0, first.output
    counts = {t: _count(settings.sqlalchemy_url, t) for t in DEMO_TABLES}

    second = vigil("demo", "load")

    assert second.exit_code == 0, second.output
    assert {t: _count(settings.sqlalchemy_url, t) for t in DEMO_TABLES} == counts
    assert counts["organisations"] >= 5 and counts["people"] >= 5 and counts["notices"] >= 1
    assert "admin@vigil.example" in second.output
    assert f"password: {DEMO_PASSWORD}" in second.output
    with transaction(settings.sqlalchemy_url) as session:
        person = accounts.person_by_email(session, "coordinator@jcs-berlin.example")
        assert person is not None
        assert verify_password(person.password_hash, DEMO_PASSWORD, settings)


def test_worker_once_runs_due_jobs(vigil: Vigil, settings: Settings) -> None:
    done: list[dict[str, Any]] = []
    kind = f"test.cli.{uuid.uuid4().hex[:8]}"

    @jobs.handler(kind)
    def _record(_session: Session, payload: dict[str, Any], _settings: Settings) -> None:
        done.append(payload)

    with transaction(settings.sqlalchemy_url) as session:
        made = [jobs.enqueue(session, kind=kind, payload={"n": n}) for n in range(2)]
        session.flush()
        ids = [j.id for j in made]

    result = vigil("worker", "--once")

    assert result.exit_code == 0, result.output
    assert "2 job(s) done" in result.output
    assert sorted(p["n"] for p in done) == [0, 1]
    with transaction(settings.sqlalchemy_url) as session:
        statuses = session.scalars(select(jobs.Job.status).where(jobs.Job.id.in_(ids))).all()
    assert statuses == [jobs.DONE, jobs.DONE]


def test_version_option_prints_the_package_version(vigil: Vigil) -> None:
    result = vigil("--version")
    assert result.exit_code == 0, result.output
    assert result.output == f"vigil {__version__}\n"
    assert vigil("db", "--help").exit_code == 0  # the option does not get in the commands' way
