"""What the provenance tests share: the import world (tests.sharing.import_world) with two
received incidents, one a person imported as a file (AMBER, from the partner) and one a peer's
pull brought (GREEN, from a police instance: an import whose row names the peer, as the pull
engine leaves it), and a peer row made directly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import stix2
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tests.sharing.import_world import IMPORT, PARTNER, World, make_world, partner_bundle
from vigil.core.config import Settings
from vigil.sharing.import_models import StixImport
from vigil.sharing.peer_models import Peer, peer_organisations

POLICE = stix2.Identity(
    id="identity--7a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d",
    name="State Police Hate Crime Unit",
    identity_class="organization",
    sectors=["law-enforcement"],
)
PEER_NAME = "Police instance"
PARTNER_INCIDENT = "incident--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
POLICE_INCIDENT = "incident--8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e"
POLICE_MODIFIED = "2026-03-20T08:15:00.250Z"


@dataclass
class Received:
    world: World
    peer_id: int
    from_file: int  # the partner's AMBER incident, imported by the coordinator as a file
    from_peer: int  # the police's GREEN incident, brought by the peer


def police_bundle(**incident: Any) -> dict[str, Any]:
    """The police instance's GREEN incident at a place, as its pull would bring it."""
    location = stix2.Location(
        id="location--9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
        created_by_ref=POLICE.id,
        city="Graz",
        country="AT",
        object_marking_refs=[stix2.TLP_GREEN],
    )
    values: dict[str, Any] = {
        "id": POLICE_INCIDENT,
        "created_by_ref": POLICE.id,
        "created": "2026-03-19T21:00:00.000Z",
        "modified": POLICE_MODIFIED,
        "name": "Threatening letter sent to the synagogue",
        "description": "A letter with threats arrived by post.",
        "object_marking_refs": [stix2.TLP_GREEN],
        **incident,
    }
    made = stix2.Incident(**values)
    located = stix2.Relationship(
        id="relationship--0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f3a",
        created_by_ref=POLICE.id,
        relationship_type="located-at",
        source_ref=made.id,
        target_ref=location.id,
        object_marking_refs=[stix2.TLP_GREEN],
    )
    loaded: dict[str, Any] = json.loads(stix2.Bundle(POLICE, location, made, located).serialize())
    return loaded


def make_peer(
    committed: Session,
    world: World,
    *,
    name: str = PEER_NAME,
    direction: str = "both",
    max_push_tlp: str = "amber",
) -> int:
    """A peer speaking for the importing organisation (made directly: no peers service here)."""
    peer = Peer(
        name=name,
        api_root=f"https://{name.lower().replace(' ', '-')}.example.org/taxii2/vigil/",
        collection_id="6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        direction=direction,
        max_push_tlp=max_push_tlp,
        profile_org_id=world.importer.id,
    )
    committed.add(peer)
    committed.flush()
    committed.execute(
        insert(peer_organisations), [{"peer_id": peer.id, "org_id": world.importer.id}]
    )
    committed.commit()
    return peer.id


def imported(client: TestClient, headers: dict[str, str], bundle: dict[str, Any]) -> int:
    response = client.post(IMPORT, headers=headers, json=bundle)
    assert response.status_code == 201, response.text
    [incident_id] = response.json()["incident_ids"]
    return int(incident_id)


def receive(client: TestClient, committed: Session, settings: Settings) -> Received:
    """The world, its file import of the partner's incident and its peer's pull of the
    police's."""
    world = make_world(committed, settings)
    from_file = imported(client, world.headers, partner_bundle())
    peer_id = make_peer(committed, world)
    from_peer = imported(client, world.headers, police_bundle())
    brought = committed.scalars(select(StixImport).order_by(StixImport.id.desc())).first()
    assert brought is not None
    brought.peer_id, brought.peer_name = peer_id, PEER_NAME
    committed.commit()
    return Received(world=world, peer_id=peer_id, from_file=from_file, from_peer=from_peer)


__all__ = ["PARTNER", "Received", "make_peer", "police_bundle", "receive"]
