"""Pushing to another Vigil: its own app and database under uvicorn, taking the objects through
its TAXII POST into the collection of the organisation whose account the link uses. What it
stores is what the link may get, at the markings they left with; an edit made through the API
reaches it as a new version by way of the store refresh and the outbox."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import stix2
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.conftest import base_settings
from tests.e2e.conftest import serve
from tests.orgs.factories import make_org, make_person, token_headers
from tests.sharing.peer_world import PushWorld, make_push_world, store_ids, store_rows
from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import get_engine, get_sessionmaker, transaction
from vigil.core.policy import TLP, Role
from vigil.sharing import DOMAIN, peer_push, store
from vigil.sharing.models import StixObject
from vigil.sharing.peer_models import Peer, PeerPush
from vigil.sharing.taxii import collection_id


@dataclass
class Receiver:
    url: str
    settings: Settings
    org_id: int
    token: str


@pytest.fixture
def push_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"peer_push_settle_seconds": 0.0})


@pytest.fixture
def receiver(_templates: dict[str, str], tmp_path: Path) -> Iterator[Receiver]:
    """A second Vigil (SQLite) with an organisation whose analyst's token the link uses."""
    target = tmp_path / "receiver.db"
    shutil.copyfile(_templates["sqlite"], target)
    settings = base_settings(f"sqlite:///{target}", tmp_path / "receiver-data")
    with transaction(settings.sqlalchemy_url) as session:
        org = make_org(session)
        analyst = make_person(session, settings, org=org, role=Role.analyst)
        token = token_headers(session, analyst)["Authorization"].split(" ")[1]
        org_id = org.id
    with serve(settings) as url:
        yield Receiver(url, settings, org_id, token)
    get_engine(settings.sqlalchemy_url).dispose()


def world_to(committed: Session, settings: Settings, receiver: Receiver) -> PushWorld:
    return make_push_world(
        committed,
        settings,
        api_root=f"{receiver.url}/taxii2/vigil/",
        collection_id=collection_id(receiver.settings, f"organisation:{receiver.org_id}"),
        secret=receiver.token,
    )


def received_there(receiver: Receiver) -> dict[tuple[str, str], tuple[str, int, dict[str, object]]]:
    """What the receiver's store holds: (id, version) -> (TLP, owner, object)."""
    with get_sessionmaker(receiver.settings.sqlalchemy_url, readonly=True)() as session:
        return {
            (r.stix_id, r.version): (r.tlp, r.owner_org_id, json.loads(r.body))
            for r in session.scalars(select(StixObject))
        }


def test_another_vigil_stores_what_the_link_may_get_at_its_markings(
    push_settings: Settings, committed: Session, receiver: Receiver
) -> None:
    world = world_to(committed, push_settings, receiver)
    sent = store_rows(committed)
    result = peer_push.push_peer(push_settings, world.target.id)

    there = received_there(receiver)
    assert there and result.objects >= len(there)
    for key, (tlp, owner, obj) in there.items():
        assert owner == receiver.org_id
        assert obj == sent[key]["body"], "stored there as it left here"
        assert tlp == sent[key]["tlp"], "the same marking there as here: never lower"
        stix2.parse(obj, allow_custom=True)
    incidents = {stix_id for stix_id, _ in there if stix_id.startswith("incident--")}
    ids = store_ids(committed, [*world.own.values(), *(r for r, _ in world.received.values())])
    assert incidents == {
        ids[world.own[TLP.clear]],
        ids[world.own[TLP.green]],
        ids[world.own[TLP.amber]],
        ids[world.received["green-from-a"][0]],
        ids[world.received["amber-from-a"][0]],
    }
    assert ids[world.received["strict-from-a"][0]] not in incidents, "no second hop"
    assert ids[world.received["green-from-target"][0]] not in incidents, "nothing goes back"
    committed.rollback()
    pushes = committed.scalars(select(PeerPush)).all()
    assert [(p.state, p.failure_count) for p in pushes] == [("complete", 0)]


def test_an_edit_through_the_api_reaches_the_peer_as_a_new_version(
    push_settings: Settings, committed: Session, client: TestClient, receiver: Receiver
) -> None:
    world = world_to(committed, push_settings, receiver)
    jobs.register_handlers(DOMAIN.job_handlers())
    assert jobs.run_due(push_settings) == 1, "the store refresh enqueued the first push"
    incident_id = world.own[TLP.green]
    stix_id = store_ids(committed, [incident_id])[incident_id]
    before = {v for i, v in received_there(receiver) if i == stix_id}

    edited = client.patch(
        f"/api/v1/incidents/{incident_id}",
        json={"title": "Stickers and graffiti at the tram stop"},
        headers=world.headers,
    )
    assert edited.status_code == 200, edited.text
    with transaction(push_settings.sqlalchemy_url) as session:
        assert store.refresh_changed(session, push_settings) > 0
        waiting = session.scalars(
            select(jobs.Job).where(
                jobs.Job.kind == peer_push.PUSH_JOB, jobs.Job.status == "pending"
            )
        ).all()
        assert [json.loads(j.payload) for j in waiting] == [{"peer_id": world.target.id}]
    assert jobs.run_due(push_settings) == 1

    versions = {v: obj for (i, v), (_, _, obj) in received_there(receiver).items() if i == stix_id}
    assert len(versions) == len(before) + 1
    newest = versions[max(versions)]
    assert newest["name"] == "Stickers and graffiti at the tram stop"
    committed.rollback()
    assert {p.state for p in committed.scalars(select(PeerPush))} == {"complete"}


def test_a_worker_killed_after_its_post_sends_the_batch_again_taken_once(
    push_settings: Settings, committed: Session, receiver: Receiver
) -> None:
    world = world_to(committed, push_settings, receiver)
    first = peer_push.push_peer(push_settings, world.target.id)
    held = received_there(receiver)
    # Killed between the POST and its commit: the objects are there, the cursor never moved.
    with transaction(push_settings.sqlalchemy_url) as session:
        session.execute(
            update(Peer).where(Peer.id == world.target.id).values(push_after=None, push_after_id=0)
        )
    again = peer_push.push_peer(push_settings, world.target.id)
    assert again.objects == first.objects > 0, "resumed from the cursor: nothing lost"
    assert received_there(receiver) == held, "each id and version held once"
    committed.rollback()
    pushes = committed.scalars(select(PeerPush).order_by(PeerPush.id)).all()
    assert [(p.state, p.success_count) for p in pushes] == [("complete", first.objects)] * 2
