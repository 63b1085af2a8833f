"""Pushing to a peer, here medallion (the reference TAXII 2.1 server): only what the link may
get, marked as stored, from the cursor on; the statuses followed; a peer down recorded and
retried with backoff, nothing lost."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import stix2
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.sharing.peer_world import PushWorld, make_push_world, store_ids, store_rows
from tests.sharing.taxii_servers import (
    MEDALLION_COLLECTION,
    MEDALLION_ROOT,
    held_objects,
    medallion_served,
)
from vigil.core import jobs
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.policy import TLP
from vigil.sharing import DOMAIN, peer_push
from vigil.sharing.markings import tlp_of_marking
from vigil.sharing.peer_client import PeerError
from vigil.sharing.peer_models import Peer, PeerPush, PeerTraffic

USER, PASSWORD = "pusher", "pusher-password"
CLOSED_PORT_ROOT = "http://127.0.0.1:9/api1/"


@pytest.fixture
def push_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"peer_push_settle_seconds": 0.0})


@pytest.fixture
def served() -> Iterator[tuple[str, Any]]:
    with medallion_served([], user=USER, password=PASSWORD) as (discovery, backend):
        yield discovery.replace("/taxii2/", f"/{MEDALLION_ROOT}/"), backend


def world_at(committed: Session, settings: Settings, api_root: str, **link: Any) -> PushWorld:
    return make_push_world(
        committed,
        settings,
        api_root=api_root,
        collection_id=MEDALLION_COLLECTION,
        username=USER,
        secret=PASSWORD,
        **link,
    )


def tlp_on_arrival(obj: dict[str, Any]) -> TLP | None:
    found = [t for t in map(tlp_of_marking, obj.get("object_marking_refs", [])) if t]
    order = [TLP.clear, TLP.green, TLP.amber, TLP.amber_strict, TLP.red]
    return max(found, key=order.index) if found else None


def expected_incidents(committed: Session, world: PushWorld) -> tuple[set[str], set[str]]:
    """(incident STIX ids the link may get, those it may not)."""
    ids = store_ids(
        committed,
        [*world.own.values(), world.neighbours, *(r for r, _ in world.received.values())],
    )
    allowed = {world.own[t] for t in (TLP.clear, TLP.green, TLP.amber)}
    allowed |= {world.received[k][0] for k in ("green-from-a", "amber-from-a")}
    return {ids[r] for r in allowed}, {s for r, s in ids.items() if r not in allowed}


def test_push_sends_only_what_the_link_may_get_marked_as_stored(
    push_settings: Settings, committed: Session, served: tuple[str, Any]
) -> None:
    root, backend = served
    world = world_at(committed, push_settings, root)
    held = store_rows(committed)
    assert all(row["tlp"] != TLP.red.value for row in held.values()), "RED is never stored"
    allowed, refused = expected_incidents(committed, world)
    assert len(allowed) == 5 and len(refused) == 4  # own STRICT, neighbour, A's STRICT, target's

    result = peer_push.push_peer(push_settings, world.target.id)

    arrived = held_objects(backend)
    incidents = {o["id"] for o in arrived if o["type"] == "incident"}
    assert incidents == allowed
    assert result.objects == len(arrived) and result.posts == 1
    for obj in arrived:
        stix2.parse(obj, allow_custom=True)
        original = held[(obj["id"], _version(obj))]
        assert obj == original["body"], "objects leave exactly as stored"
        if obj["type"] != "marking-definition":
            assert tlp_on_arrival(obj) == TLP(original["tlp"]), "never marked lower"
        assert original["tlp"] in ("clear", "green", "amber"), "never above max_push_tlp"
        assert original["owner"] in (None, world.link_org.id) or original["tlp"] != "amber+strict"
    owners = {held[(o["id"], _version(o))]["owner"] for o in arrived}
    assert world.neighbour.id not in owners, "only the link's organisations' own objects"

    reread(committed)
    peer = committed.get(Peer, world.target.id)
    assert peer is not None and peer.push_after is not None and not peer.last_error
    pushes = list(committed.scalars(select(PeerPush).where(PeerPush.peer_id == peer.id)))
    assert [(p.state, p.total_count, p.success_count) for p in pushes] == [
        ("complete", len(arrived), len(arrived))
    ]
    assert pushes[0].status_id
    traffic = committed.scalars(select(PeerTraffic).where(PeerTraffic.peer_id == peer.id)).one()
    assert (traffic.direction, traffic.objects) == ("out", len(arrived))
    audited = committed.scalars(
        select(AuditEntry).where(AuditEntry.action == "sharing.peer.push")
    ).all()
    named = {key for entry in audited for key in json.loads(entry.detail)["objects"]}
    assert {k.partition("@")[0] for k in named} == {o["id"] for o in arrived}
    assert all(json.loads(e.detail)["peer"] == "target" for e in audited)

    again = peer_push.push_peer(push_settings, world.target.id)
    assert (again.objects, again.posts) == (0, 0), "the cursor: nothing new, nothing sent"
    assert len(held_objects(backend)) == len(arrived)


def test_a_received_green_object_goes_on_with_its_original_id_and_author(
    push_settings: Settings, committed: Session, served: tuple[str, Any]
) -> None:
    root, backend = served
    world = world_at(committed, push_settings, root)
    peer_push.push_peer(push_settings, world.target.id)
    _, sent = world.received["green-from-a"]
    arrived = {o["id"]: o for o in held_objects(backend)}
    assert arrived[sent["id"]]["created_by_ref"] == sent["created_by_ref"]


def test_a_link_at_most_green_pushes_no_amber(
    push_settings: Settings, committed: Session, served: tuple[str, Any]
) -> None:
    root, backend = served
    world = world_at(committed, push_settings, root, max_push_tlp="green")
    peer_push.push_peer(push_settings, world.target.id)
    arrived = held_objects(backend)
    assert {tlp_on_arrival(o) for o in arrived} <= {TLP.clear, TLP.green, None}
    ids = store_ids(committed, [world.own[TLP.green], world.received["green-from-a"][0]])
    assert set(ids.values()) <= {o["id"] for o in arrived}


def test_a_pending_status_is_followed_until_complete(
    push_settings: Settings, committed: Session, served: tuple[str, Any]
) -> None:
    root, _backend = served
    world = world_at(committed, push_settings, root)
    peer_push.push_peer(push_settings, world.target.id)
    with transaction(push_settings.sqlalchemy_url) as session:
        session.execute(update(PeerPush).values(state="pending", success_count=0))
    assert peer_push.follow_pushes(push_settings) == 1
    reread(committed)
    push = committed.scalars(select(PeerPush)).one()
    assert push.state == "complete" and push.success_count == push.total_count > 0
    assert push.checked_at is not None


def test_a_peer_down_is_recorded_and_retried_with_backoff_losing_nothing(
    push_settings: Settings, committed: Session, served: tuple[str, Any]
) -> None:
    root, backend = served
    world = world_at(committed, push_settings, CLOSED_PORT_ROOT)
    jobs.register_handlers(DOMAIN.job_handlers())
    with transaction(push_settings.sqlalchemy_url) as session:
        job = session.scalars(select(jobs.Job).where(jobs.Job.kind == peer_push.PUSH_JOB)).one()
        job_id = job.id
    assert jobs.run_due(push_settings) == 1

    reread(committed)
    job = committed.get(jobs.Job, job_id)
    assert job is not None and job.status == jobs.PENDING and "PeerError" in job.last_error
    assert job.run_after > utcnow(), "retried later, with backoff"
    peer = committed.get(Peer, world.target.id)
    assert peer is not None and peer.failures == 1 and "127.0.0.1:9" in peer.last_error
    assert peer.push_after is None, "the cursor stays: nothing is lost"
    failed = committed.scalars(select(PeerPush)).one()
    assert failed.state == "failed" and "127.0.0.1:9" in failed.detail
    with pytest.raises(PeerError):
        peer_push.push_peer(push_settings, world.target.id)

    with transaction(push_settings.sqlalchemy_url) as session:
        session.execute(update(Peer).where(Peer.id == world.target.id).values(api_root=root))
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(run_after=utcnow() - dt.timedelta(seconds=1))
        )
    assert jobs.run_due(push_settings) == 1
    reread(committed)
    assert committed.get(jobs.Job, job_id).status == jobs.DONE  # type: ignore[union-attr]
    allowed, _ = expected_incidents(committed, world)
    assert allowed <= {o["id"] for o in held_objects(backend)}
    peer = committed.get(Peer, world.target.id)
    assert peer is not None and peer.failures == 0 and peer.last_error == ""


def reread(session: Session) -> None:
    """End the session's snapshot and forget what it loaded: read what others committed."""
    session.rollback()
    session.expire_all()


def _version(obj: dict[str, Any]) -> str:
    from vigil.sharing.store import version_of

    return version_of(obj)
