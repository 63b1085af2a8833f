"""Pulling a peer that is another Vigil: a second instance, with its own database and keys,
served by uvicorn on loopback, whose owner organisation shares incidents at every TLP with a
partner; this instance pulls the owner's collection as that partner does."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.conftest import base_settings
from tests.e2e.conftest import serve
from tests.sharing.pull_world import (
    Local,
    add_peer,
    counts,
    incidents_by_title,
    make_local,
    readable_titles,
)
from tests.sharing.taxii_world import World, make_world
from vigil.core.config import Settings
from vigil.core.db import get_engine, get_sessionmaker, transaction
from vigil.core.policy import TLP
from vigil.incidents.models import Incident
from vigil.sharing import store
from vigil.sharing.peer_pull import pull_peer
from vigil.sharing.taxii import collection_id

SHARED = {tlp: f"Stickers ({tlp.value}, True)" for tlp in (TLP.green, TLP.amber, TLP.amber_strict)}


@pytest.fixture
def remote_settings(_templates: dict[str, str], tmp_path: Path) -> Iterator[Settings]:
    """The other instance: its own SQLite database, secret key (so its STIX ids) and audit key."""
    target = tmp_path / "remote.db"
    shutil.copyfile(_templates["sqlite"], target)
    url = f"sqlite:///{target}"
    yield base_settings(
        url,
        tmp_path / "remote-data",
        secret_key="remote-secret-key-which-is-long-enough-9876543210",
        audit_key="remote-audit-key-which-is-long-enough-9876543210",
    )
    get_engine(url).dispose()


@pytest.fixture
def remote(remote_settings: Settings) -> Iterator[World]:
    with get_sessionmaker(remote_settings.sqlalchemy_url)() as session:
        yield make_world(session, remote_settings)


@pytest.fixture
def local(settings: Settings, committed: Session) -> Local:
    return make_local(committed, settings)


def link_to(
    settings: Settings, committed: Session, local: Local, url: str, remote: World, rs: Settings
) -> int:
    """A peer reading the owner's collection of the other instance as its partner does."""
    return add_peer(
        committed,
        settings,
        local,
        f"{url}/taxii2/vigil/",
        collection_id(rs, f"organisation:{remote.owner.id}"),
        user="client",
        secret=remote.tokens["partner"],
    )


def change_remote(rs: Settings, titled: str, **values: str) -> None:
    """Edit an incident of the other instance, and let its store follow."""
    with transaction(rs.sqlalchemy_url) as session:
        session.execute(update(Incident).where(Incident.title == titled).values(**values))
        store.refresh(session, rs, since=None)


def test_a_vigil_peer_is_pulled_whole_then_incrementally_with_the_link_rule(
    settings: Settings,
    committed: Session,
    local: Local,
    remote: World,
    remote_settings: Settings,
) -> None:
    with serve(remote_settings) as url:
        peer_id = link_to(settings, committed, local, url, remote, remote_settings)
        full = pull_peer(settings.model_copy(update={"peer_page_objects": 5}), peer_id)
        assert full.error == "" and full.pages > 1 and full.refused == 0
        before = counts(settings)
        again = pull_peer(settings, peer_id)
    assert (again.objects, again.error) == (0, "")  # its time: bench/federation.py
    assert counts(settings) == before
    assert set(incidents_by_title(settings)) == set(SHARED.values())
    owners = {i.owner_org_id for i in incidents_by_title(settings).values()}
    assert len(owners) == 1 and local.link_org.id not in owners
    expected = {
        "link_org": set(SHARED.values()),
        "child": {SHARED[TLP.amber]},
        "network_member": {SHARED[TLP.green]},
        "stranger": set(),
    }
    for key, titles in expected.items():
        assert readable_titles(settings, local.people[key]) == titles, key


def test_a_vigil_peer_s_changes_and_revocations_follow(
    settings: Settings,
    committed: Session,
    local: Local,
    remote: World,
    remote_settings: Settings,
) -> None:
    with serve(remote_settings) as url:
        peer_id = link_to(settings, committed, local, url, remote, remote_settings)
        pull_peer(settings, peer_id)
        held = incidents_by_title(settings)
        change_remote(remote_settings, SHARED[TLP.amber], title="Stickers, and a threat")
        change_remote(remote_settings, SHARED[TLP.amber_strict], status="rejected")
        changed = pull_peer(settings, peer_id)
    assert changed.error == "" and changed.objects > 0
    after = incidents_by_title(settings)
    assert after["Stickers, and a threat"].id == held[SHARED[TLP.amber]].id
    assert len(after) == len(held)
    assert readable_titles(settings, local.people["link_org"]) == {
        SHARED[TLP.green],
        "Stickers, and a threat",
    }
    assert after[SHARED[TLP.amber_strict]].status == "rejected"
