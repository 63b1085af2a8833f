"""A world for the peer-link tests: two organisations (A in a network, with a second local
organisation beside it; B apart), their coordinators, a viewer of A and the platform admin;
a peer link made through the service, and the records a pull of that peer would have left
(an import with the peer's id, its objects naming incidents of a remote organisation shared
with the link's organisations)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tests.html import db_rows
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from tests.sharing.taxii_world import add_incident, share_with
from vigil.core.config import Settings
from vigil.core.policy import SYSTEM, TLP, Role
from vigil.orgs import remote
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Organisation, Person, network_members
from vigil.sharing import peers
from vigil.sharing.import_models import StixImport, StixImportObject
from vigil.sharing.peer_models import PeerTraffic
from vigil.sharing.peer_schemas import PeerCreate

# Never to be seen again once given: every answer, page, audit entry and log is searched for it.
SECRET = "peer-secret-7f3a9c-do-not-show"  # noqa: S105 - a test value
API_ROOT = "https://taxii.example.org/taxii2/vigil/"
PEERS = "/api/v1/sharing/peers"


@dataclass
class World:
    a: Organisation
    a2: Organisation
    b: Organisation
    network_id: int
    people: dict[str, Person] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


def make_world(committed: Session, settings: Settings) -> World:
    a, a2, b = make_org(committed), make_org(committed), make_org(committed)
    world = World(a=a, a2=a2, b=b, network_id=make_network(committed, a, a2))
    for key, org, role in (
        ("coordinator", a, Role.coordinator),
        ("coordinator_b", b, Role.coordinator),
        ("viewer", a, Role.viewer),
        ("viewer_a2", a2, Role.viewer),
    ):
        person = make_person(committed, settings, org=org, role=role)
        world.people[key] = person
        world.headers[key] = token_headers(committed, person, org)
    # The coordinator of A coordinates A2 too, so a link may speak for both.
    orgs_service.add_member(
        session=committed,
        principal=SYSTEM,
        org_id=a2.id,
        person=world.people["coordinator"],
        role=Role.coordinator,
    )
    admin = make_person(committed, settings, platform_admin=True)
    world.people["admin"] = admin
    world.headers["admin"] = token_headers(committed, admin)
    committed.commit()
    return world


def peer_payload(world: World, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": f"Partner {uuid.uuid4().hex[:6]}",
        "api_root": API_ROOT,
        "collection_id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
        "username": "vigil-berlin",
        "secret": SECRET,
        "direction": "both",
        "max_push_tlp": "amber",
        "every_seconds": 300,
        "organisations": [world.a.id],
        "networks": [world.network_id],
    }
    payload.update(changes)
    return payload


def make_peer(committed: Session, settings: Settings, world: World, **changes: Any) -> int:
    data = peer_payload(world, **changes)
    data["secret"] = SecretStr(data["secret"])
    made = peers.create_peer(
        session=committed,
        principal=SYSTEM,
        settings=settings,
        data=PeerCreate.model_validate(data),
    )
    committed.commit()
    return made.id


def bring(
    committed: Session, world: World, peer_id: int, *, tlp: TLP, to: list[Organisation]
) -> tuple[int, int]:
    """An incident of a remote organisation as the peer's pull leaves it: shared with `to`,
    the sender a member of the link's network, its import naming the peer. Returns the
    incident's id and the sender's."""
    committed.rollback()  # a read begun before the app's last write could not write on SQLite
    sender = remote.remote_organisation(
        session=committed,
        principal=SYSTEM,
        identity_id=f"identity--{uuid.uuid4()}",
        name="Police Partner",
    )
    owner = committed.get(Organisation, sender)
    assert owner is not None
    incident = add_incident(committed, owner, tlp, f"Brought ({tlp.value})")
    for org in to:
        share_with(committed, incident, org)
    member = {"network_id": world.network_id, "org_id": sender}
    committed.execute(insert(network_members), [member])
    brought = StixImport(
        org_id=world.a.id,
        peer_id=peer_id,
        peer_name="the peer",
        bundle_id=f"bundle--{uuid.uuid4()}",
        sha256="0" * 64,
        object_count=1,
    )
    committed.add(brought)
    committed.flush()
    committed.add(
        StixImportObject(
            import_id=brought.id,
            position=0,
            stix_id=f"incident--{uuid.uuid4()}",
            stix_type="incident",
            version=dt.datetime(2026, 5, 4, tzinfo=dt.UTC),
            outcome="created",
            tlp=tlp.value,
            sender_org_id=sender,
            record_type="incidents",
            record_id=incident.id,
        )
    )
    committed.commit()
    return incident.id, sender


def in_network(settings: Settings, world: World, org_id: int) -> bool:
    """Whether the organisation is in the world's network, as the app committed it."""
    members = select(network_members.c.org_id).where(
        network_members.c.network_id == world.network_id, network_members.c.org_id == org_id
    )
    return bool(db_rows(settings, members))


def add_traffic(committed: Session, peer_id: int, counts: dict[int, tuple[int, int]]) -> None:
    """PeerTraffic rows: days ago -> (objects in, objects out)."""
    today = dt.datetime.now(dt.UTC).date()
    for ago, (ins, outs) in counts.items():
        day = today - dt.timedelta(days=ago)
        for direction, n in (("in", ins), ("out", outs)):
            committed.add(PeerTraffic(peer_id=peer_id, day=day, direction=direction, objects=n))
    committed.commit()
