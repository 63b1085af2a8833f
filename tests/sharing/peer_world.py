"""What the push tests share: an organisation a link speaks for, with incidents at every TLP; a
neighbour the link does not speak for; records received from a peer A (GREEN, AMBER named,
AMBER+STRICT named, its sender named in the link too) and from the peer pushed to itself
(GREEN); and the STIX store filled."""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import stix2
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person, token_headers
from tests.sharing.taxii_world import add_incident
from vigil.core import crypto
from vigil.core.config import Settings
from vigil.core.policy import SYSTEM, TLP, Role
from vigil.incidents.models import Incident
from vigil.orgs.models import Organisation
from vigil.sharing import imports, store
from vigil.sharing.import_models import StixImport
from vigil.sharing.markings import TLP2_MARKING_IDS
from vigil.sharing.models import StixObject
from vigil.sharing.peer_models import Peer, peer_organisations


@dataclass
class PushWorld:
    link_org: Organisation
    neighbour: Organisation
    target: Peer  # pushed to
    origin: Peer  # peer A, which brought records
    headers: dict[str, str]  # the link organisation's coordinator, acting for it
    own: dict[TLP, int] = field(default_factory=dict)  # incident id per TLP
    neighbours: int = 0  # the neighbour's GREEN incident
    # Received incidents: label -> (incident id, the STIX incident as sent)
    received: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)


def add_peer(
    session: Session,
    settings: Settings,
    *,
    name: str,
    api_root: str,
    collection_id: str,
    orgs: list[Organisation],
    username: str = "",
    secret: str = "",
    direction: str = "push",
    max_push_tlp: str = "amber",
) -> Peer:
    peer = Peer(
        name=name,
        api_root=api_root,
        collection_id=collection_id,
        username=username,
        secret_encrypted=crypto.encrypt(
            secret, keys=settings.encryption_keys, secret_key=settings.secret_key
        )
        if secret
        else None,
        direction=direction,
        max_push_tlp=max_push_tlp,
        profile_org_id=orgs[0].id,
    )
    session.add(peer)
    session.flush()
    session.execute(
        insert(peer_organisations), [{"peer_id": peer.id, "org_id": o.id} for o in orgs]
    )
    return peer


def receive(
    session: Session, settings: Settings, org: Organisation, peer: Peer, tlp: TLP, label: str
) -> tuple[int, dict[str, Any]]:
    """An incident of a remote sender, brought by `peer` into `org` (as a pull leaves it: an
    import naming the peer, the record shared with the organisation)."""
    sender = stix2.Identity(
        id=f"identity--{uuid.uuid4()}", name=f"Sender {label}", identity_class="organization"
    )
    incident = stix2.Incident(
        id=f"incident--{uuid.uuid4()}",
        created_by_ref=sender.id,
        created="2026-03-14T02:30:00.000Z",
        modified="2026-03-14T02:30:00.000Z",
        name=f"Received {label}",
        object_marking_refs=[TLP2_MARKING_IDS[tlp]],
    )
    raw = stix2.Bundle(sender, incident).serialize().encode()
    operator = dataclasses.replace(SYSTEM, acting_org_id=org.id)
    result = imports.import_bundle(
        session=session, settings=settings, principal=operator, raw=raw, filename=label
    )
    session.execute(
        update(StixImport)
        .where(StixImport.id == result.id)
        .values(peer_id=peer.id, peer_name=peer.name)
    )
    return result.incident_ids[0], json.loads(incident.serialize())


def make_push_world(
    session: Session, settings: Settings, *, api_root: str, collection_id: str, **link: Any
) -> PushWorld:
    link_org, neighbour = make_org(session), make_org(session)
    coordinator = make_person(session, settings, org=link_org, role=Role.coordinator)
    target = add_peer(
        session,
        settings,
        name="target",
        api_root=api_root,
        collection_id=collection_id,
        orgs=[link_org],
        **link,
    )
    origin = add_peer(
        session,
        settings,
        name="peer-a",
        api_root="http://127.0.0.1:9/taxii2/",
        collection_id="unused",
        orgs=[link_org],
        direction="pull",
    )
    world = PushWorld(link_org, neighbour, target, origin, token_headers(session, coordinator))
    world.headers["X-Vigil-Org"] = str(link_org.id)
    for tlp in TLP:
        world.own[tlp] = add_incident(session, link_org, tlp, f"Own {tlp.value}").id
    world.neighbours = add_incident(session, neighbour, TLP.green, "Neighbour green").id
    for label, peer, tlp in [
        ("green-from-a", origin, TLP.green),
        ("amber-from-a", origin, TLP.amber),
        ("strict-from-a", origin, TLP.amber_strict),
        ("green-from-target", target, TLP.green),
    ]:
        world.received[label] = receive(session, settings, link_org, peer, tlp, label)
    # A link naming a remote organisation still pushes its records by the received rules.
    strict_sender = session.get(Incident, world.received["strict-from-a"][0])
    assert strict_sender is not None
    session.execute(
        insert(peer_organisations),
        [{"peer_id": target.id, "org_id": strict_sender.owner_org_id}],
    )
    store.refresh(session, settings, since=None)
    session.commit()
    return world


def store_ids(session: Session, record_ids: list[int]) -> dict[int, str]:
    """The STIX id under which the store holds each incident."""
    rows = session.execute(
        select(StixObject.record_id, StixObject.stix_id).where(
            StixObject.record_kind == "incident",
            StixObject.record_id.in_(record_ids),
            StixObject.stix_type == "incident",
        )
    )
    return {record_id: stix_id for record_id, stix_id in rows if record_id is not None}


def store_rows(session: Session) -> dict[tuple[str, str], dict[str, Any]]:
    """Every object of the store, by (id, version): its TLP and its body."""
    return {
        (r.stix_id, r.version): {"tlp": r.tlp, "body": json.loads(r.body), "owner": r.owner_org_id}
        for r in session.scalars(select(StixObject))
    }
