"""What the pull tests share: a local world around a peer's link (its organisation and that
one's child, a network the link is attached to with another member, and strangers), the peer
row itself, a remote sender's STIX objects at each TLP, and who may read what was pulled."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person
from vigil.core import crypto
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker
from vigil.core.policy import TLP, Role, scope
from vigil.incidents.models import Incident
from vigil.orgs import accounts
from vigil.orgs.models import Organisation, Person
from vigil.sharing.import_models import StixImport
from vigil.sharing.markings import TLP2_MARKING_IDS
from vigil.sharing.peer_models import Peer, peer_networks, peer_organisations

SENDER = "identity--7d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a"
CREATED = "2026-02-01T10:00:00.000Z"
NAMESPACE = uuid.UUID("0b6f6a6e-8a52-4b8f-9a51-3f5a1c2b7e90")
PEER_USER, PEER_SECRET = "puller", "s3cret-of-the-link"


@dataclass
class Local:
    """This instance, the one that pulls."""

    link_org: Organisation
    child: Organisation  # of the link organisation: AMBER reaches it, AMBER+STRICT does not
    network_member: Organisation  # in the network the link is attached to
    stranger: Organisation  # in no network of the link, not under its organisation
    network_id: int
    people: dict[str, Person] = field(default_factory=dict)


def make_local(session: Session, settings: Settings) -> Local:
    link_org = make_org(session)
    local = Local(
        link_org=link_org,
        child=make_org(session, parent=link_org),
        network_member=make_org(session),
        stranger=make_org(session),
        network_id=0,
    )
    local.network_id = make_network(session, link_org, local.network_member)
    for key in ("link_org", "child", "network_member", "stranger"):
        org = getattr(local, key)
        local.people[key] = make_person(session, settings, org=org, role=Role.coordinator)
    session.commit()
    return local


def add_peer(
    session: Session,
    settings: Settings,
    local: Local,
    api_root: str,
    collection_id: str,
    *,
    user: str = PEER_USER,
    secret: str = PEER_SECRET,
    name: str = "remote-watch",
) -> int:
    """A peer that pulls, for the link organisation, attached to the local network."""
    peer = Peer(
        name=name,
        api_root=api_root,
        collection_id=collection_id,
        username=user,
        secret_encrypted=crypto.encrypt(
            secret, keys=settings.encryption_keys, secret_key=settings.secret_key
        ),
        direction="pull",
        profile_org_id=local.link_org.id,
        every_seconds=300,
    )
    session.add(peer)
    session.flush()
    session.execute(insert(peer_organisations), [{"peer_id": peer.id, "org_id": local.link_org.id}])
    session.execute(insert(peer_networks), [{"peer_id": peer.id, "network_id": local.network_id}])
    session.commit()
    return peer.id


def sender_identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": SENDER,
        "created": CREATED,
        "modified": CREATED,
        "name": "Remote Watch e.V.",
        "identity_class": "organization",
        "sectors": ["non-profit"],
    }


def incident_id(n: int) -> str:
    return f"incident--{uuid.uuid5(NAMESPACE, str(n))}"


def stix_incident(
    n: int, tlp: TLP, *, modified: str = CREATED, revoked: bool = False, title: str = ""
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "incident",
        "spec_version": "2.1",
        "id": incident_id(n),
        "created": CREATED,
        "modified": modified,
        "name": title or f"Remote incident {n} ({tlp.value})",
        "description": "Leaflets with threats left at the entrance.",
        "created_by_ref": SENDER,
        "object_marking_refs": [TLP2_MARKING_IDS[tlp]],
    }
    if revoked:
        obj["revoked"] = True
    return obj


def remote_objects(count: int, tlps: tuple[TLP, ...] = (TLP.amber,)) -> list[dict[str, Any]]:
    """The sender's identity and `count` incidents, cycling through `tlps`."""
    return [sender_identity(), *(stix_incident(n, tlps[n % len(tlps)]) for n in range(count))]


def readable_titles(settings: Settings, person: Person) -> set[str]:
    """Titles of the incidents a person may read, through the access policy."""
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        principal = accounts.principal_for(session, person.id)
        return set(session.scalars(scope(select(Incident.title), Incident, principal)))


def counts(settings: Settings) -> dict[str, int]:
    """Incidents, imports and audit entries committed: what a pull with nothing new keeps."""
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        return {
            name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (
                ("incidents", Incident),
                ("imports", StixImport),
                ("audit", AuditEntry),
            )
        }


def peer_row(settings: Settings, peer_id: int) -> Peer:
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        peer = session.get(Peer, peer_id)
        assert peer is not None
        session.expunge(peer)
        return peer


def incidents_by_title(settings: Settings) -> dict[str, Incident]:
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        found = {i.title: i for i in session.scalars(select(Incident))}
        session.expunge_all()
        return found
