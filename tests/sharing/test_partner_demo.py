"""The tour's second instance (`make partner`): this instance with its demo data, served on
loopback, and the Berlin police's own Vigil set up beside it (its own SQLite database, keys and
people), linked by a pull peer. At the partner, JCS Berlin's AMBER incident for the police is
there with its provenance and the RED one is not; setting it up again (the second time through
the real command line, as `make partner` does) duplicates nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.e2e.conftest import serve
from tests.html import html, sign_in
from vigil.app import create_app
from vigil.core.config import Settings, environment_with
from vigil.core.db import get_engine, get_sessionmaker, transaction
from vigil.core.domains import DEMO_PASSWORD
from vigil.demo import load_demo
from vigil.incidents.demo import AMBER_FOR_POLICE, RED_FOR_POLICE
from vigil.incidents.models import Incident
from vigil.orgs.models import ApiToken, Organisation, Person
from vigil.sharing import store
from vigil.sharing.demo_partner import LINK_LABEL, PEER, PEOPLE, PartnerError, set_up
from vigil.sharing.peer_models import Peer


def _counts(settings: Settings, partner: Settings) -> dict[str, int]:
    """What a second set-up must not add to: the partner's records, the first's link tokens."""
    found = {}
    with get_sessionmaker(partner.sqlalchemy_url, readonly=True)() as session:
        for model in (Incident, Organisation, Person, Peer):
            found[model.__tablename__] = session.scalar(select(func.count()).select_from(model))
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        found["first incidents"] = session.scalar(select(func.count()).select_from(Incident))
        for key, which in (
            ("link tokens", ApiToken.revoked_at.is_(None)),
            ("revoked link tokens", ApiToken.revoked_at.is_not(None)),
        ):
            found[key] = session.scalar(
                select(func.count()).where(ApiToken.name == LINK_LABEL, which)
            )
    return {k: int(v or 0) for k, v in found.items()}


def _first_env(settings: Settings, url: str) -> dict[str, str]:
    """The environment of `vigil` commands run against the first instance."""
    return environment_with(
        {
            "VIGIL_ENV": settings.env,
            "VIGIL_DATABASE_URL": settings.sqlalchemy_url,
            "VIGIL_DATA_DIR": str(settings.data_dir),
            "VIGIL_SECRET_KEY": settings.secret_key,
            "VIGIL_AUDIT_KEY": settings.audit_key,
            "VIGIL_BASE_URL": url,
            "VIGIL_ARGON2_TIME_COST": str(settings.argon2_time_cost),
            "VIGIL_ARGON2_MEMORY_KIB": str(settings.argon2_memory_kib),
            "VIGIL_NODE_MODULES": str(settings.node_modules),
            "VIGIL_LOG_LEVEL": "WARNING",
        }
    )


def _incidents(client: TestClient, words: str) -> list[dict[str, Any]]:
    """The partner's incidents with these words, as its coordinator exports them (its API)."""
    login = {"email": PEOPLE[0][0], "password": DEMO_PASSWORD}
    token = client.post("/api/v1/auth/token", json=login)
    assert token.status_code == 201, token.text
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    found = client.get("/api/v1/incidents/export.json", params={"q": words}, headers=headers)
    assert found.status_code == 200, found.text
    return list(found.json()["items"])


def test_the_partner_gets_berlin_s_amber_incident_not_the_red_and_twice_adds_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    load_demo(settings)
    with transaction(settings.sqlalchemy_url) as session:
        store.refresh(session, settings, since=None)
    directory = tmp_path / "partner"
    with serve(settings) as url:
        partner = set_up(settings, directory, first_url=url)
        assert (partner.pull.error, partner.pull.refused) == ("", 0)
        assert partner.amber is not None and not partner.red_arrived
        before = _counts(settings, partner.settings)
        command = ["demo", "partner", "--no-serve", "--directory", str(directory)]
        again = subprocess.run(
            [sys.executable, "-m", "vigil", *command],
            env=_first_env(settings, url),
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert again.returncode == 0, again.stderr
    assert f'arrived, TLP:AMBER: "{AMBER_FOR_POLICE}"' in again.stdout
    assert f'TLP:RED, never leaves: "{RED_FOR_POLICE}"' in again.stdout
    assert "pulled 0 objects" in again.stdout
    assert _counts(settings, partner.settings) == before
    assert before["link tokens"] == 1 and before["peers"] == 1
    quiet = partner.settings.model_copy(update={"embedded_worker": False})
    with TestClient(create_app(quiet)) as client:
        amber = _incidents(client, "Van circling")
        red = _incidents(client, "summer festival")
        sign_in(client, PEOPLE[0][0], DEMO_PASSWORD)
        shown = html(client.get(f"/incidents/{partner.amber}")).find(id="provenance").text
        sharing = client.get("/sharing")
    assert [(i["title"], i["tlp"]) for i in amber] == [(AMBER_FOR_POLICE, "amber")]
    assert amber[0]["provenance"] == {
        "organisation": "Jewish Community Security Berlin",
        "channel": "peer",
        "peer": PEER,
    }
    assert red == []
    assert f"from {PEER} (peer), Jewish Community Security Berlin" in " ".join(shown.split())
    assert sharing.status_code == 200 and PEER in sharing.text
    assert AMBER_FOR_POLICE in sharing.text and RED_FOR_POLICE not in sharing.text
    # The partner lost (its directory removed): linked afresh, the old token revoked.
    get_engine(partner.settings.sqlalchemy_url).dispose()  # this process's pool holds the file
    shutil.rmtree(directory)
    with serve(settings) as url:
        fresh = set_up(settings, directory, first_url=url)
    assert fresh.amber is not None and not fresh.red_arrived
    tokens = _counts(settings, fresh.settings)
    assert (tokens["link tokens"], tokens["revoked link tokens"]) == (1, 1)


def test_the_partner_is_not_set_up_while_the_first_instance_does_not_serve(
    settings: Settings, tmp_path: Path
) -> None:
    directory = tmp_path / "partner"
    with pytest.raises(PartnerError, match="start the first instance"):
        set_up(settings, directory, first_url="http://127.0.0.1:9")
    assert not directory.exists()
