"""The STIX export through the API: what a caller's organisation may read and nothing else,
RED never, stable ids, the owner's profile applied, strict-valid and readable by `stix2`."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person, token_headers
from tests.sharing.stix_checks import assert_strictly_valid, objects_of
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import Organisation, Person
from vigil.sharing.extension import VIGIL_EXTENSION_ID

BUNDLE = "/api/v1/sharing/stix/bundle"
CONTACT = "witness-anna@example.net, +49 170 5550123"


@dataclass
class World:
    owner: Organisation
    recipient: Organisation
    outsider: Organisation
    coordinator: Person
    owner_headers: dict[str, str]
    recipient_headers: dict[str, str]
    outsider_headers: dict[str, str]


def make_world(committed: Session, settings: Settings) -> World:
    owner, recipient, outsider = make_org(committed), make_org(committed), make_org(committed)
    coordinator = make_person(committed, settings, org=owner, role=Role.coordinator)
    analyst_b = make_person(committed, settings, org=recipient, role=Role.analyst)
    analyst_c = make_person(committed, settings, org=outsider, role=Role.analyst)
    world = World(
        owner=owner,
        recipient=recipient,
        outsider=outsider,
        coordinator=coordinator,
        owner_headers=token_headers(committed, coordinator, owner),
        recipient_headers=token_headers(committed, analyst_b),
        outsider_headers=token_headers(committed, analyst_c),
    )
    committed.commit()
    return world


def new_incident(
    client: TestClient,
    world: World,
    tlp: str,
    *,
    recipients: list[int] | None = None,
    **fields: Any,
) -> int:
    """A report of the owner organisation triaged into an incident, through the API."""
    body = {
        "title": f"Stickers at the tram stop ({tlp})",
        "narrative": "The witness saw two men put up stickers at night.",
        "occurred_from": (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(),
        "type": "literature",
        "bias": ["antisemitism"],
        "ihra": ["ihra.2"],
        "severity": "minor",
        "place": {
            "lat": 52.5251,
            "lon": 13.3935,
            "address": "Oranienburger Str. 30",
            "city": "Berlin",
            "country": "DE",
            "precision": "exact",
        },
        "tlp": tlp,
        "recipients": {"organisation_ids": recipients or []},
        "contact": CONTACT,
        **fields,
    }
    report = client.post("/api/v1/reports", headers=world.owner_headers, json=body)
    assert report.status_code == 201, report.text
    triaged = client.post(
        f"/api/v1/reports/{report.json()['id']}/triage",
        headers=world.owner_headers,
        json={"action": "new_incident"},
    )
    assert triaged.status_code == 200, triaged.text
    incident_id: int = triaged.json()["incident_id"]
    return incident_id


def bundle_of(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(BUNDLE, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/stix+json")
    bundle: dict[str, Any] = response.json()
    return bundle


def incident_names(bundle: dict[str, Any]) -> set[str]:
    return {o["name"] for o in objects_of(bundle, "incident")}


def test_each_organisation_gets_what_it_may_read_and_red_never(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    make_network(committed, world.owner, world.outsider)
    committed.commit()
    amber = new_incident(client, world, "amber", recipients=[world.recipient.id])
    new_incident(client, world, "amber+strict", recipients=[world.recipient.id])
    new_incident(client, world, "green")
    new_incident(client, world, "clear")
    red = new_incident(client, world, "red", recipients=[world.recipient.id])

    mine = bundle_of(client, world.owner_headers)
    theirs = bundle_of(client, world.recipient_headers)
    networked = bundle_of(client, world.outsider_headers)
    for bundle in (mine, theirs, networked):
        assert_strictly_valid(bundle)
        assert "(red)" not in json.dumps(bundle)
        assert "TLP:RED" not in json.dumps(bundle)
    every = {
        f"Stickers at the tram stop ({t})" for t in ("amber", "amber+strict", "green", "clear")
    }
    assert incident_names(mine) == every
    # The recipient shares no network with the owner: GREEN does not reach it.
    assert incident_names(theirs) == every - {"Stickers at the tram stop (green)"}
    only = {"Stickers at the tram stop (green)", "Stickers at the tram stop (clear)"}
    assert incident_names(networked) == only

    preview = f"/api/v1/sharing/stix/incidents/{amber}"
    assert client.get(preview, headers=world.outsider_headers).status_code == 404
    assert client.get(preview, headers=world.recipient_headers).status_code == 200
    assert (
        client.get(f"/api/v1/sharing/stix/incidents/{red}", headers=world.owner_headers).status_code
        == 409
    )
    assert (
        client.get(
            f"/api/v1/sharing/stix/incidents/{red}", headers=world.recipient_headers
        ).status_code
        == 404
    )


def test_reporter_contact_and_people_never_leave(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    incident_id = new_incident(client, world, "clear")
    put = client.put(
        "/api/v1/sharing/profile",
        headers=world.owner_headers,
        json={"share_narrative": True, "place_precision": "exact"},
    )
    assert put.status_code == 200, put.text
    for text in (
        client.get(BUNDLE, headers=world.owner_headers).text,
        client.get(
            f"/api/v1/sharing/stix/incidents/{incident_id}", headers=world.owner_headers
        ).text,
    ):
        for never in (
            "witness-anna",
            "5550123",
            world.coordinator.name,
            world.coordinator.email,
            "Oranienburger",
        ):
            assert never not in text, never


def test_ids_stay_and_modified_moves_after_an_edit(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    incident_id = new_incident(client, world, "green")
    url = f"/api/v1/sharing/stix/incidents/{incident_id}"
    first = client.get(url, headers=world.owner_headers).json()
    second = client.get(url, headers=world.owner_headers).json()
    assert [o["id"] for o in first["objects"]] == [o["id"] for o in second["objects"]]
    assert first["id"] != second["id"]  # the bundle is a wrapper made per export
    edited = client.patch(
        f"/api/v1/incidents/{incident_id}",
        headers=world.owner_headers,
        json={"severity": "severe"},
    )
    assert edited.status_code == 200, edited.text
    third = client.get(url, headers=world.owner_headers).json()
    before, after = objects_of(first, "incident")[0], objects_of(third, "incident")[0]
    assert after["id"] == before["id"] and after["modified"] > before["modified"]
    assert after["extensions"][VIGIL_EXTENSION_ID]["severity"] == "severe"
    in_bundle = objects_of(bundle_of(client, world.owner_headers), "incident")
    assert [o["id"] for o in in_bundle] == [before["id"]]


def test_the_owner_profile_switches_narrative_and_precision(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    incident_id = new_incident(client, world, "amber", recipients=[world.recipient.id])
    url = f"/api/v1/sharing/stix/incidents/{incident_id}"

    def shared(headers: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        bundle = client.get(url, headers=headers).json()
        assert_strictly_valid(bundle)
        return objects_of(bundle, "incident")[0], objects_of(bundle, "location")[0]

    incident, location = shared(world.recipient_headers)
    assert "description" not in incident and "latitude" not in location
    assert (location["city"], location["country"]) == ("Berlin", "DE")
    profile = {"share_narrative": True, "place_precision": "exact", "typology_fields": ["type"]}
    assert (
        client.put("/api/v1/sharing/profile", headers=world.owner_headers, json=profile).status_code
        == 200
    )
    incident, location = shared(world.recipient_headers)
    assert incident["description"].startswith("The witness saw")
    assert (location["latitude"], location["longitude"]) == (52.5251, 13.3935)
    extension = incident["extensions"][VIGIL_EXTENSION_ID]
    assert "bias" not in extension and extension["incident_type"] == "literature"
    # The recipient's own profile does not decide what the owner's record shows.
    assert (
        client.put(
            "/api/v1/sharing/profile",
            headers=world.recipient_headers,
            json={"share_narrative": False},
        ).status_code
        == 403
    )


def test_only_analysts_export_and_members_only_preview(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    viewer = make_person(committed, settings, org=world.owner, role=Role.viewer)
    headers = token_headers(committed, viewer)
    committed.commit()
    incident_id = new_incident(client, world, "amber+strict")
    assert client.get(BUNDLE, headers=headers).status_code == 403
    assert (
        client.get(f"/api/v1/sharing/stix/incidents/{incident_id}", headers=headers).status_code
        == 200
    )
    assert client.get(BUNDLE).status_code == 401


def test_each_export_is_audited_with_its_size_and_refusals_are_not(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    viewer = make_person(committed, settings, org=world.owner, role=Role.viewer)
    viewer_headers = token_headers(committed, viewer)
    committed.commit()
    new_incident(client, world, "green")
    assert client.get(BUNDLE, headers=viewer_headers).status_code == 403
    bundle = bundle_of(client, world.owner_headers)
    committed.expire_all()
    entries = committed.execute(
        select(AuditEntry.actor_id, AuditEntry.detail).where(AuditEntry.action == "sharing.export")
    ).all()
    assert [(actor, json.loads(detail)["objects"]) for actor, detail in entries] == [
        (world.coordinator.id, len(bundle["objects"]))
    ]
