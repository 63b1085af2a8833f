"""What the import tests share: a sender organisation whose incidents are exported, an importing
organisation with people of every role, an outsider, and a partner's bundle made with `stix2`
the way a MISP-like tool would make it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import stix2
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents.models import Incident
from vigil.orgs import accounts
from vigil.orgs.models import Organisation, Person
from vigil.sharing import export
from vigil.sharing.import_models import StixImport

IMPORT = "/api/v1/sharing/stix/import"
# The namespace of "another instance": its ids are not this instance's.
OTHER_INSTANCE = "6f1c0f0e-5a1b-4c2d-9e3f-0a1b2c3d4e5f"
PARTNER = stix2.Identity(
    id="identity--5f8d7c3e-1b2a-4c6d-9e0f-a1b2c3d4e5f6",
    name="Community Security Org (partner)",
    identity_class="organization",
    sectors=["non-profit"],
)


@dataclass
class World:
    sender: Organisation
    importer: Organisation
    outsider: Organisation
    sender_coordinator: Person
    coordinator: Person
    headers: dict[str, str]  # the importing organisation's coordinator
    sender_headers: dict[str, str]
    analyst_headers: dict[str, str]
    viewer_headers: dict[str, str]
    outsider_headers: dict[str, str]


def make_world(committed: Session, settings: Settings) -> World:
    sender, importer, outsider = make_org(committed), make_org(committed), make_org(committed)
    sender_coordinator = make_person(committed, settings, org=sender, role=Role.coordinator)
    coordinator = make_person(committed, settings, org=importer, role=Role.coordinator)
    analyst = make_person(committed, settings, org=importer, role=Role.analyst)
    viewer = make_person(committed, settings, org=importer, role=Role.viewer)
    stranger = make_person(committed, settings, org=outsider, role=Role.coordinator)
    world = World(
        sender=sender,
        importer=importer,
        outsider=outsider,
        sender_coordinator=sender_coordinator,
        coordinator=coordinator,
        headers=token_headers(committed, coordinator, importer),
        sender_headers=token_headers(committed, sender_coordinator, sender),
        analyst_headers=token_headers(committed, analyst, importer),
        viewer_headers=token_headers(committed, viewer, importer),
        outsider_headers=token_headers(committed, stranger, outsider),
    )
    committed.commit()
    return world


def new_incident(client: TestClient, world: World, tlp: str, **fields: Any) -> int:
    """An incident of the sender organisation, reported and triaged through the API."""
    body = {
        "title": f"Stickers at the tram stop ({tlp})",
        "narrative": "Two men put up stickers at night.",
        "occurred_from": (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(),
        "type": "literature",
        "bias": ["antisemitism"],
        "ihra": ["ihra.2"],
        "severity": "minor",
        "target_kind": "property",
        "place": {"city": "Berlin", "country": "DE", "precision": "city"},
        "tlp": tlp,
        **fields,
    }
    report = client.post("/api/v1/reports", headers=world.sender_headers, json=body)
    assert report.status_code == 201, report.text
    triaged = client.post(
        f"/api/v1/reports/{report.json()['id']}/triage",
        headers=world.sender_headers,
        json={"action": "new_incident"},
    )
    assert triaged.status_code == 200, triaged.text
    incident_id: int = triaged.json()["incident_id"]
    return incident_id


def exported_bundle(
    committed: Session, settings: Settings, world: World, *, namespace: str = OTHER_INSTANCE
) -> dict[str, Any]:
    """The sender's incidents exported as STIX, by default as another instance would (another
    namespace, so its ids are not this instance's)."""
    principal = dataclasses.replace(
        accounts.principal_for(committed, world.sender_coordinator.id),
        acting_org_id=world.sender.id,
    )
    elsewhere = settings.model_copy(update={"stix_namespace": namespace})
    bundle = export.export_bundle(
        session=committed, settings=elsewhere, principal=principal, limit=100
    )
    committed.rollback()
    return bundle


def partner_bundle(*extra: Any, marking: Any = stix2.TLP_AMBER, **incident: Any) -> dict[str, Any]:
    """A partner's bundle: its identity, an incident at a place (by a located-at relationship),
    and an indicator, which Vigil does not map."""
    location = stix2.Location(
        id="location--0a6b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
        created_by_ref=PARTNER.id,
        city="Vienna",
        country="AT",
        object_marking_refs=[marking],
    )
    values: dict[str, Any] = {
        "id": "incident--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
        "created_by_ref": PARTNER.id,
        "created": "2026-03-14T02:30:00.000Z",
        "modified": "2026-03-14T02:30:00.000Z",
        "name": "Graffiti and broken windows at the community centre",
        "description": "Swastika sprayed on the entrance; two windows broken overnight.",
        "object_marking_refs": [marking],
        **incident,
    }
    made = stix2.Incident(**values)
    located = stix2.Relationship(
        id="relationship--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
        created_by_ref=PARTNER.id,
        relationship_type="located-at",
        source_ref=made.id,
        target_ref=location.id,
        object_marking_refs=[marking],
    )
    indicator = stix2.Indicator(
        id="indicator--3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a",
        created_by_ref=PARTNER.id,
        pattern="[url:value = 'https://hate.example.net/leaflet']",
        pattern_type="stix",
        valid_from="2026-03-14T00:00:00Z",
        object_marking_refs=[marking],
    )
    markings = [marking] if isinstance(marking, stix2.MarkingDefinition) else []
    bundle = stix2.Bundle(PARTNER, location, made, located, indicator, *markings, *extra)
    loaded: dict[str, Any] = json.loads(bundle.serialize())
    return loaded


def counts(settings: Settings) -> tuple[int, int]:
    """(incidents, imports) committed: what a refused bundle must leave as it was."""
    from vigil.core.db import get_sessionmaker

    with get_sessionmaker(settings.sqlalchemy_url)() as session:
        incidents = session.scalar(select(func.count()).select_from(Incident)) or 0
        imports = session.scalar(select(func.count()).select_from(StixImport)) or 0
    return incidents, imports
