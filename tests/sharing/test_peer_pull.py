"""Pulling a peer that is the reference TAXII 2.1 server (medallion, on loopback): pages and
cursors, versions, revocation, TLP:RED refused, and who may read what came in."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.sharing.pull_world import (
    PEER_SECRET,
    PEER_USER,
    SENDER,
    Local,
    add_peer,
    counts,
    incident_id,
    incidents_by_title,
    make_local,
    peer_row,
    readable_titles,
    remote_objects,
    sender_identity,
    stix_incident,
)
from tests.sharing.taxii_servers import MEDALLION_COLLECTION, MEDALLION_ROOT, medallion
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker, transaction
from vigil.core.policy import SYSTEM, TLP
from vigil.incidents import duplicates
from vigil.incidents.models import Incident
from vigil.orgs import accounts
from vigil.orgs.models import Organisation
from vigil.sharing import peer_records
from vigil.sharing.import_models import StixImport, StixImportObject
from vigil.sharing.peer_models import Peer, PeerTraffic
from vigil.sharing.peer_pull import pull_peer
from vigil.sharing.taxii import TAXII_MEDIA

NEWER = "2026-03-01T10:00:00.000Z"


@pytest.fixture
def local(settings: Settings, committed: Session) -> Local:
    return make_local(committed, settings)


@contextmanager
def peer_on_medallion(
    settings: Settings, committed: Session, local: Local, objects: list[dict[str, Any]]
) -> Iterator[tuple[str, int]]:
    """medallion serving `objects`, and a peer pulling its collection; yields (root, peer)."""
    with medallion(objects, user=PEER_USER, password=PEER_SECRET, page_size=1000) as discovery:
        root = discovery.replace("/taxii2/", f"/{MEDALLION_ROOT}/")
        yield root, add_peer(committed, settings, local, root, MEDALLION_COLLECTION)


def post(root: str, *objects: dict[str, Any]) -> None:
    """The sender adds objects (new versions) to its collection."""
    response = httpx.post(
        f"{root}collections/{MEDALLION_COLLECTION}/objects/",
        content=json.dumps({"objects": list(objects)}),
        headers={"Content-Type": TAXII_MEDIA, "Accept": TAXII_MEDIA},
        auth=(PEER_USER, PEER_SECRET),
    )
    assert response.status_code == 202, response.text


def pull_audit(settings: Settings) -> list[dict[str, Any]]:
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        rows = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "sharing.peer.pull")
        )
        return [json.loads(r) if isinstance(r, str) else r for r in rows]


def organisation(settings: Settings, org_id: int) -> Organisation:
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        found = session.get_one(Organisation, org_id)
        session.expunge(found)
        return found


def small_pages(settings: Settings, objects: int) -> Settings:
    return settings.model_copy(update={"peer_page_objects": objects})


def test_full_pull_brings_every_object_page_by_page_with_its_cursor(
    settings: Settings, committed: Session, local: Local
) -> None:
    objects = remote_objects(10)
    with peer_on_medallion(settings, committed, local, objects) as (_, peer_id):
        result = pull_peer(small_pages(settings, 4), peer_id)
    assert (result.objects, result.pages, result.error) == (11, 3, "")
    titles = readable_titles(settings, local.people["link_org"])
    assert titles == {f"Remote incident {n} (amber)" for n in range(10)}
    peer = peer_row(settings, peer_id)
    assert peer.pull_added_after == "2026-01-01T00:00:00.000000Z" and peer.pull_next == ""
    assert peer.last_success_at is not None and peer.failures == 0
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        imports = list(session.scalars(select(StixImport).where(StixImport.peer_id == peer_id)))
        traffic = session.scalar(select(PeerTraffic.objects).where(PeerTraffic.peer_id == peer_id))
        assert peer_records.brought_count(session, peer_id) == 10
    assert len(imports) == 3 and {i.peer_name for i in imports} == {"remote-watch"}
    assert {i.org_id for i in imports} == {local.link_org.id}
    assert traffic == 11
    audited = {entry[0]: entry for detail in pull_audit(settings) for entry in detail["objects"]}
    assert set(audited) == {o["id"] for o in objects}
    assert audited[incident_id(3)] == [incident_id(3), "2026-02-01T10:00:00.000Z", "created"]


def test_incremental_pull_with_nothing_new_writes_nothing(
    settings: Settings, committed: Session, local: Local
) -> None:
    with peer_on_medallion(settings, committed, local, remote_objects(20)) as (_, peer_id):
        pull_peer(settings, peer_id)
        before = counts(settings)
        again = pull_peer(settings, peer_id)
    assert (again.objects, again.pages, again.error) == (0, 0, "")
    # How fast (the target is under 1 s) is measured by bench/federation.py, not here.
    assert counts(settings) == before


def test_a_newer_version_updates_and_the_same_version_changes_nothing(
    settings: Settings, committed: Session, local: Local
) -> None:
    with peer_on_medallion(settings, committed, local, remote_objects(3)) as (root, peer_id):
        pull_peer(settings, peer_id)
        first = incidents_by_title(settings)["Remote incident 1 (amber)"]
        post(root, stix_incident(1, TLP.amber, modified=NEWER, title="Renamed by its sender"))
        updated = pull_peer(settings, peer_id)
        assert (updated.objects, updated.error) == (1, "")
        after = incidents_by_title(settings)
        assert "Renamed by its sender" in after and "Remote incident 1 (amber)" not in after
        assert after["Renamed by its sender"].id == first.id
        with transaction(settings.sqlalchemy_url) as session:  # read the whole collection again
            session.get_one(Peer, peer_id).pull_added_after = ""
        before = counts(settings)
        again = pull_peer(settings, peer_id)
    assert again.objects == 4 and counts(settings)["incidents"] == before["incidents"]
    assert incidents_by_title(settings).keys() == after.keys()
    outcomes = [entry[2] for entry in pull_audit(settings)[-1]["objects"]]
    assert outcomes.count("unchanged") == 3


def test_a_revoked_incident_is_withdrawn_from_its_readers(
    settings: Settings, committed: Session, local: Local
) -> None:
    with peer_on_medallion(settings, committed, local, remote_objects(2)) as (root, peer_id):
        pull_peer(settings, peer_id)
        assert "Remote incident 0 (amber)" in readable_titles(settings, local.people["link_org"])
        revoked = stix_incident(0, TLP.amber, modified=NEWER, revoked=True)
        post(root, revoked)
        pull_peer(settings, peer_id)
    assert readable_titles(settings, local.people["link_org"]) == {"Remote incident 1 (amber)"}
    withdrawn = incidents_by_title(settings)["Remote incident 0 (amber)"]
    assert withdrawn.status == "rejected"
    assert pull_audit(settings)[-1]["withdrawn_incident_ids"] == [withdrawn.id]


def test_tlp_red_is_never_accepted_and_is_counted_and_audited(
    settings: Settings, committed: Session, local: Local
) -> None:
    objects = [sender_identity(), stix_incident(1, TLP.red), stix_incident(2, TLP.amber)]
    with peer_on_medallion(settings, committed, local, objects) as (_, peer_id):
        result = pull_peer(settings, peer_id)
    assert (result.objects, result.refused) == (3, 1)
    assert set(incidents_by_title(settings)) == {"Remote incident 2 (amber)"}
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        row = session.scalars(
            select(StixImportObject).where(StixImportObject.stix_id == incident_id(1))
        ).one()
    assert (row.outcome, row.raw, row.record_id) == ("refused", None, None)
    refused = pull_audit(settings)[-1]["refused"]
    assert refused == {incident_id(1): "object_marking_refs is TLP:RED: never accepted from a peer"}


def test_pulled_records_reach_exactly_whom_the_link_rule_says(
    settings: Settings, committed: Session, local: Local
) -> None:
    tlps = (TLP.clear, TLP.green, TLP.amber, TLP.amber_strict)
    with peer_on_medallion(settings, committed, local, remote_objects(4, tlps)) as (_, peer_id):
        pull_peer(settings, peer_id)
    title = {tlp: f"Remote incident {n} ({tlp.value})" for n, tlp in enumerate(tlps)}
    expected = {
        "link_org": {title[TLP.clear], title[TLP.green], title[TLP.amber], title[TLP.amber_strict]},
        "child": {title[TLP.clear], title[TLP.amber]},
        "network_member": {title[TLP.clear], title[TLP.green]},
        "stranger": {title[TLP.clear]},
    }
    for key, titles in expected.items():
        assert readable_titles(settings, local.people[key]) == titles, key


def test_withdrawing_the_link_takes_away_the_readers_it_gave(
    settings: Settings, committed: Session, local: Local
) -> None:
    tlps = (TLP.clear, TLP.green, TLP.amber, TLP.amber_strict)
    with peer_on_medallion(settings, committed, local, remote_objects(4, tlps)) as (_, peer_id):
        pull_peer(settings, peer_id)
    with transaction(settings.sqlalchemy_url) as session:
        withdrawn = peer_records.withdraw(session, SYSTEM, peer_id)
        assert peer_records.brought_count(session, peer_id) == 4
    assert withdrawn == 3  # GREEN, AMBER, AMBER+STRICT; CLEAR never needed the link
    for key in ("link_org", "child", "network_member"):
        assert readable_titles(settings, local.people[key]) == {"Remote incident 0 (clear)"}
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        audited = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "sharing.peer.withdraw")
        ).one()
    assert (json.loads(audited) if isinstance(audited, str) else audited)["records"] == 3


def test_a_sender_known_by_its_id_alone_takes_its_name_when_its_identity_comes(
    settings: Settings, committed: Session, local: Local
) -> None:
    with peer_on_medallion(settings, committed, local, remote_objects(2)[1:]) as (root, peer_id):
        first = pull_peer(settings, peer_id)
        assert (first.objects, first.refused) == (2, 0)
        owner_id = incidents_by_title(settings)["Remote incident 0 (amber)"].owner_org_id
        assert organisation(settings, owner_id).name == SENDER
        post(root, sender_identity())
        pull_peer(settings, peer_id)
    renamed = organisation(settings, owner_id)
    assert (renamed.name, renamed.remote) == ("Remote Watch e.V.", True)


def test_a_pulled_incident_is_offered_as_a_likely_duplicate_of_a_local_one(
    settings: Settings, committed: Session, local: Local
) -> None:
    mine = Incident(
        owner_org_id=local.link_org.id,
        tlp=TLP.amber_strict.value,
        title="Remote incident 1 (amber)",
        narrative="Leaflets with threats left at the entrance.",
        occurred_from=dt.datetime(2026, 2, 1, 10, 30, tzinfo=dt.UTC),
        type="other",
        source="member",
        severity="unknown",
        status="triaged",
    )
    committed.add(mine)
    committed.commit()
    with peer_on_medallion(settings, committed, local, remote_objects(2)) as (_, peer_id):
        pull_peer(settings, peer_id)
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        pulled_id = session.scalars(
            select(StixImportObject.record_id).where(StixImportObject.stix_id == incident_id(1))
        ).one()
        assert pulled_id is not None and pulled_id != mine.id
        coordinator = accounts.principal_for(session, local.people["link_org"].id)
        found = duplicates.incident_candidates(
            session=session, principal=coordinator, incident_id=pulled_id
        )
        back = duplicates.incident_candidates(
            session=session, principal=coordinator, incident_id=mine.id
        )
    assert found[0].incident_id == mine.id and found[0].suggested
    assert back[0].incident_id == pulled_id and back[0].suggested
