"""The push outbox and command: one waiting job per peer, objects younger than the settle time
left for a later job, `vigil peers push NAME`, and which objects clients POSTed may leave."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.sharing.peer_world import make_push_world, store_ids
from tests.sharing.taxii_servers import (
    MEDALLION_COLLECTION,
    MEDALLION_ROOT,
    held_objects,
    medallion_served,
)
from tests.test_cli import Vigil, _env
from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.policy import TLP
from vigil.sharing import DOMAIN, peer_outbox, peer_push
from vigil.sharing.ids import instance_namespace
from vigil.sharing.mapping import organisation_ref
from vigil.sharing.markings import TLP2_MARKING_IDS
from vigil.sharing.peer_models import Peer
from vigil.sharing.taxii import TAXII_MEDIA, collection_id

USER, PASSWORD = "pusher", "pusher-password"


@pytest.fixture
def served() -> Iterator[tuple[str, Any]]:
    with medallion_served([], user=USER, password=PASSWORD) as (discovery, backend):
        yield discovery.replace("/taxii2/", f"/{MEDALLION_ROOT}/"), backend


def waiting_jobs(session: Session) -> list[jobs.Job]:
    return list(
        session.scalars(
            select(jobs.Job)
            .where(jobs.Job.kind == peer_push.PUSH_JOB, jobs.Job.status == jobs.PENDING)
            .order_by(jobs.Job.id)
        )
    )


def test_one_waiting_job_per_peer_and_young_objects_wait_for_the_next(
    settings: Settings, committed: Session, served: tuple[str, Any]
) -> None:
    root, backend = served
    settle = settings.model_copy(update={"peer_push_settle_seconds": 3600.0})
    world = make_push_world(
        committed,
        settle,
        api_root=root,
        collection_id=MEDALLION_COLLECTION,
        username=USER,
        secret=PASSWORD,
    )
    with transaction(settle.sqlalchemy_url) as session:
        assert len(waiting_jobs(session)) == 1, "the store refresh enqueued one push"
        assert peer_outbox.pushes_after_write(session, [world.link_org.id]) == 0
        assert peer_outbox.pushes_after_write(session, [world.neighbour.id]) == 0
    jobs.register_handlers(DOMAIN.job_handlers())
    assert jobs.run_due(settle) == 1
    assert held_objects(backend) == [], "nothing has been in the store for an hour"
    with transaction(settle.sqlalchemy_url) as session:
        later = waiting_jobs(session)
        assert len(later) == 1, "the next push waits for them to settle"
        assert later[0].run_after > utcnow() + dt.timedelta(minutes=59)
        count = session.scalar(select(func.count()).select_from(jobs.Job))
        assert count == 2


def test_the_backstop_enqueues_a_push_for_each_pushing_peer_without_one(
    settings: Settings, committed: Session
) -> None:
    world = make_push_world(
        committed, settings, api_root="http://127.0.0.1:9/api1/", collection_id="c"
    )
    with transaction(settings.sqlalchemy_url) as session:
        assert peer_outbox.enqueue_every_push(session) == 0, "one is waiting already"
        for job in waiting_jobs(session):
            job.status = jobs.DONE
    with transaction(settings.sqlalchemy_url) as session:
        assert peer_outbox.enqueue_every_push(session) == 1, "the pull-only peer gets none"
        assert [j.payload for j in waiting_jobs(session)] == [f'{{"peer_id": {world.target.id}}}']


def test_vigil_peers_push_sends_says_what_and_shows_failures(
    settings: Settings, committed: Session, served: tuple[str, Any]
) -> None:
    root, backend = served
    world = make_push_world(
        committed,
        settings,
        api_root="http://127.0.0.1:9/api1/",
        collection_id=MEDALLION_COLLECTION,
        username=USER,
        secret=PASSWORD,
    )
    env = {
        **_env(settings.sqlalchemy_url, settings.data_dir),
        "VIGIL_WEBHOOK_ALLOW_PRIVATE": "true",
        "VIGIL_PEER_PUSH_SETTLE_SECONDS": "0",
    }
    vigil = Vigil(env)
    down = vigil("peers", "push", "target")
    assert down.exit_code == 2 and "Connection refused" in down.output, down.output
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(update(Peer).where(Peer.id == world.target.id).values(api_root=root))
    pushed = vigil("peers", "push", "target")
    assert pushed.exit_code == 0, pushed.output
    sent = len(held_objects(backend))
    assert sent > 0 and f"{sent} objects pushed to target in 1 posts" in pushed.output
    assert "failed push 1 (" in pushed.output and "Connection refused" in pushed.output
    again = vigil("peers", "push", "target")
    assert again.exit_code == 0 and "0 objects pushed to target in 0 posts" in again.output
    unknown = vigil("peers", "push", "nobody")
    assert unknown.exit_code == 2 and "No peer called 'nobody'" in unknown.output
    pulling = vigil("peers", "push", "peer-a")
    assert pulling.exit_code == 2 and "only pulls" in pulling.output


def indicator(n: int, created_by: str | None, markings: list[str]) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3{n}",
        "created": "2026-05-01T10:00:00.000Z",
        "modified": "2026-05-01T10:00:00.000Z",
        "name": f"Leaflet site {n}",
        "pattern": "[url:value = 'http://hate.example/leaflets']",
        "pattern_type": "stix",
        "valid_from": "2026-05-01T10:00:00Z",
        "object_marking_refs": markings,
    }
    if created_by:
        obj["created_by_ref"] = created_by
    return obj


def test_posted_objects_leave_only_if_their_owner_made_them_and_marked(
    settings: Settings, committed: Session, client: TestClient, served: tuple[str, Any]
) -> None:
    root, backend = served
    now = settings.model_copy(update={"peer_push_settle_seconds": 0.0})
    world = make_push_world(
        committed,
        now,
        api_root=root,
        collection_id=MEDALLION_COLLECTION,
        username=USER,
        secret=PASSWORD,
        max_push_tlp="amber+strict",
    )
    own_ref = organisation_ref(instance_namespace(settings), world.link_org.id)
    green = [TLP2_MARKING_IDS[TLP.green]]
    posted = [
        indicator(1, own_ref, green),  # its own, marked: leaves
        indicator(2, "identity--5f8d7c3e-1b2a-4c6d-9e0f-a1b2c3d4e5f6", green),  # someone's
        indicator(3, own_ref, []),  # unmarked: AMBER+STRICT here, would leave unmarked
    ]
    collection = collection_id(settings, f"organisation:{world.link_org.id}")
    answer = client.post(
        f"/taxii2/vigil/collections/{collection}/objects/",
        content=json.dumps({"objects": posted}),
        headers={**world.headers, "Content-Type": TAXII_MEDIA, "Accept": TAXII_MEDIA},
    )
    assert answer.status_code == 202 and answer.json()["success_count"] == 3, answer.text
    result = peer_push.push_peer(now, world.target.id)
    arrived = {o["id"] for o in held_objects(backend)}
    assert posted[0]["id"] in arrived
    assert posted[1]["id"] not in arrived and posted[2]["id"] not in arrived
    assert result.skipped >= 2
    strict = world.received["strict-from-a"][0]
    assert store_ids(committed, [strict])[strict] not in arrived, "no second hop, even linked"
