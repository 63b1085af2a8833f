"""A pull that fails: a peer that dies mid-pull (the committed pages stay, the next pull
resumes from the cursor with nothing doubled), errors kept with a backoff, a page over the
size cap refused; and how pulls are started: the periodic task's jobs and `vigil peers pull`."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.sharing.paged_server import COLLECTION, DATE_ADDED, Pages, paged_server
from tests.sharing.pull_world import (
    Local,
    add_peer,
    counts,
    make_local,
    peer_row,
    remote_objects,
)
from tests.test_cli import Vigil, _env
from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker, transaction
from vigil.incidents.models import Incident
from vigil.sharing import peer_pull
from vigil.sharing.import_models import StixImportObject
from vigil.sharing.peer_models import Peer
from vigil.sharing.peer_pull import pull_peer

PER_PAGE = 3


@pytest.fixture
def local(settings: Settings, committed: Session) -> Local:
    return make_local(committed, settings)


def five_pages() -> Pages:
    objects = remote_objects(14)  # the identity and 14 incidents: 15 objects, 5 pages
    return Pages([objects[i : i + PER_PAGE] for i in range(0, len(objects), PER_PAGE)])


def incidents_per_stix_id(settings: Settings) -> Counter[str]:
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        rows = session.execute(
            select(StixImportObject.stix_id, func.count(func.distinct(StixImportObject.record_id)))
            .where(StixImportObject.record_id.is_not(None))
            .group_by(StixImportObject.stix_id)
        )
        found = Counter({stix_id: n for stix_id, n in rows})
        found["incidents"] = session.scalar(select(func.count()).select_from(Incident)) or 0
        return found


def test_a_peer_dying_mid_pull_keeps_the_pages_committed_and_the_next_pull_resumes(
    settings: Settings, committed: Session, local: Local
) -> None:
    pages = five_pages()
    pages.failing = {2}
    with paged_server(pages) as root:
        peer_id = add_peer(committed, settings, local, root, COLLECTION)
        failed = pull_peer(settings, peer_id)
        assert (failed.objects, failed.pages) == (6, 2) and "500" in failed.error
        peer = peer_row(settings, peer_id)
        assert (peer.pull_next, peer.pull_added_after, peer.failures) == ("2", "", 1)
        assert "page 2 failed" in peer.last_error and peer.last_error_at is not None
        assert incidents_per_stix_id(settings)["incidents"] == 5
        pages.failing = set()
        pages.asked.clear()
        resumed = pull_peer(settings, peer_id)
    assert (resumed.objects, resumed.pages, resumed.error) == (9, 3, "")
    assert [q.get("next") for q in pages.asked] == ["2", "3", "4"]
    found = incidents_per_stix_id(settings)
    assert found.pop("incidents") == 14
    assert set(found.values()) == {1} and len(found) == 14  # each incident once
    peer = peer_row(settings, peer_id)
    assert (peer.pull_next, peer.pull_added_after) == ("", DATE_ADDED)
    assert (peer.failures, peer.last_error) == (0, "") and peer.last_success_at is not None


def test_errors_are_kept_and_the_next_pull_backs_off(
    settings: Settings, committed: Session, local: Local
) -> None:
    pages = five_pages()
    pages.failing = {0}
    with paged_server(pages) as root:
        peer_id = add_peer(committed, settings, local, root, COLLECTION)
        for failures in (1, 2, 3):
            result = pull_peer(settings, peer_id)
            assert result.objects == 0 and "500" in result.error
            peer = peer_row(settings, peer_id)
            assert peer.failures == failures and peer.last_error_at is not None
            wait = (peer.next_pull_at - peer.last_error_at).total_seconds()
            ceiling = jobs.BACKOFF_BASE_SECONDS * 2 ** (failures - 1)
            assert ceiling / 2 <= wait <= ceiling
    assert counts(settings)["incidents"] == 0


def test_a_page_over_the_size_cap_is_refused_before_it_is_read_whole(
    settings: Settings, committed: Session, local: Local
) -> None:
    pages = five_pages()
    pages.padding = 50_000
    capped = settings.model_copy(update={"peer_max_page_bytes": 20_000})
    with paged_server(pages) as root:
        peer_id = add_peer(committed, settings, local, root, COLLECTION)
        before = counts(settings)
        result = pull_peer(capped, peer_id)
    assert result.objects == 0 and "more than 20000 bytes" in result.error
    assert counts(settings)["incidents"] == before["incidents"] == 0
    assert peer_row(settings, peer_id).failures == 1


def test_the_periodic_task_claims_each_due_peer_once_and_its_job_pulls_it(
    settings: Settings, committed: Session, local: Local
) -> None:
    with paged_server(five_pages()) as root:
        peer_id = add_peer(committed, settings, local, root, COLLECTION)
        ran = jobs.run_periodic(settings, peer_pull.PERIODIC_TASKS, worker="one", force=True)
        again = jobs.run_periodic(settings, peer_pull.PERIODIC_TASKS, worker="two", force=True)
        assert ran == again == 1
        with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
            queued = list(
                session.scalars(
                    select(jobs.Job.payload).where(jobs.Job.kind == "sharing.pull_peer")
                )
            )
        assert queued == [f'{{"peer_id": {peer_id}}}']  # the second tick found it not due
        peer = peer_row(settings, peer_id)
        assert peer.next_pull_at > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=290)
        jobs.register_handlers({peer_pull.PULL_JOB: peer_pull.pull_job})
        assert jobs.run_due(settings) == 1
    assert counts(settings)["incidents"] == 14


def test_a_disabled_peer_is_not_due(settings: Settings, committed: Session, local: Local) -> None:
    peer_id = add_peer(committed, settings, local, "http://127.0.0.1:9/taxii2/x/", COLLECTION)
    with transaction(settings.sqlalchemy_url) as session:
        session.get_one(Peer, peer_id).enabled = False
    jobs.run_periodic(settings, peer_pull.PERIODIC_TASKS, worker="one", force=True)
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        assert session.scalar(select(func.count()).select_from(jobs.Job)) == 0


def test_vigil_peers_pull_pulls_the_peer_named(
    settings: Settings, committed: Session, local: Local
) -> None:
    vigil = Vigil(
        {**_env(settings.sqlalchemy_url, settings.data_dir), "VIGIL_WEBHOOK_ALLOW_PRIVATE": "true"}
    )
    with paged_server(five_pages()) as root:
        add_peer(committed, settings, local, root, COLLECTION, name="north")
        result = vigil("peers", "pull", "north")
        missing = vigil("peers", "pull", "south")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("north: 15 objects in 5 pages, 0 refused")
    assert missing.exit_code == 2 and "No peer called 'south'" in missing.output
    assert counts(settings)["incidents"] == 14


def test_two_pulls_of_one_peer_at_once_write_each_page_once(
    settings: Settings, committed: Session, local: Local
) -> None:
    pages = five_pages()
    pages.release = threading.Event()
    with paged_server(pages) as root:
        peer_id = add_peer(committed, settings, local, root, COLLECTION)
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(pull_peer, settings, peer_id)  # waits for its first page
            assert pages.arrived.wait(timeout=30)
            fast = pull_peer(settings, peer_id)
            pages.release.set()
            late = slow.result(timeout=60)
    assert (fast.objects, fast.error) == (15, "")
    assert (late.objects, late.pages, late.error) == (0, 0, "")  # found the cursor moved
    found = incidents_per_stix_id(settings)
    assert found.pop("incidents") == 14 and set(found.values()) == {1}


def test_a_next_token_the_peer_forgot_is_dropped_and_the_pull_starts_again_without_doubles(
    settings: Settings, committed: Session, local: Local
) -> None:
    pages = five_pages()
    pages.failing = {2}
    with paged_server(pages) as root:
        peer_id = add_peer(committed, settings, local, root, COLLECTION)
        pull_peer(settings, peer_id)
        assert peer_row(settings, peer_id).pull_next == "2"
        pages.failing, pages.forgot_tokens = set(), True  # the peer restarted
        refused = pull_peer(settings, peer_id)
        assert "400" in refused.error and peer_row(settings, peer_id).pull_next == ""
        pages.forgot_tokens = False
        again = pull_peer(settings, peer_id)
    assert (again.objects, again.error) == (15, "")
    found = incidents_per_stix_id(settings)
    assert found.pop("incidents") == 14 and set(found.values()) == {1}
