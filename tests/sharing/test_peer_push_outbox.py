"""The push outbox and command: one waiting job per peer, objects younger than the settle time
left for a later job, and `vigil peers push NAME`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.sharing.peer_world import make_push_world
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
from vigil.sharing import DOMAIN, peer_outbox, peer_push

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


def test_vigil_peers_push_sends_and_says_what(
    settings: Settings, committed: Session, served: tuple[str, Any]
) -> None:
    root, backend = served
    make_push_world(
        committed,
        settings,
        api_root=root,
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
    pushed = vigil("peers", "push", "target")
    assert pushed.exit_code == 0, pushed.output
    sent = len(held_objects(backend))
    assert sent > 0 and f"{sent} objects pushed to target in 1 posts" in pushed.output
    again = vigil("peers", "push", "target")
    assert again.exit_code == 0 and "0 objects pushed to target in 0 posts" in again.output
    unknown = vigil("peers", "push", "nobody")
    assert unknown.exit_code == 2 and "No peer is called 'nobody'" in unknown.output
