"""Groupings: a set of incidents an analyst shares on purpose, as a STIX `grouping` in the
bundle of those its TLP lets read it; never looser than its strictest incident, never RED, only
of incidents its maker may read."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_person, token_headers
from tests.sharing.stix_checks import assert_strictly_valid, objects_of
from tests.sharing.test_export_api import bundle_of, make_world, new_incident
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import Role

GROUPINGS = "/api/v1/sharing/groupings"


def grouping_names(bundle: dict[str, Any]) -> set[str]:
    return {g["name"] for g in objects_of(bundle, "grouping")}


def test_a_grouping_reaches_those_its_tlp_allows_and_names_its_incidents(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    make_network(committed, world.owner, world.outsider)
    committed.commit()
    green = new_incident(client, world, "green")
    clear = new_incident(client, world, "clear")
    amber = new_incident(client, world, "amber", recipients=[world.recipient.id])

    made = client.post(
        GROUPINGS,
        headers=world.owner_headers,
        json={
            "name": "Sticker wave",
            "description": "The same stickers across town.",
            "incident_ids": [green, clear],
            "tlp": "green",
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["incident_ids"] == [green, clear]
    partners = client.post(
        GROUPINGS,
        headers=world.owner_headers,
        json={
            "name": "For our partner",
            "incident_ids": [amber, green],
            "tlp": "amber",
            "recipients": {"organisation_ids": [world.recipient.id]},
        },
    )
    assert partners.status_code == 201, partners.text

    mine = bundle_of(client, world.owner_headers)
    for bundle in (mine, bundle_of(client, world.recipient_headers)):
        assert_strictly_valid(bundle)
    assert grouping_names(mine) == {"Sticker wave", "For our partner"}
    assert grouping_names(bundle_of(client, world.outsider_headers)) == {"Sticker wave"}
    assert grouping_names(bundle_of(client, world.recipient_headers)) == {"For our partner"}

    wave = next(g for g in objects_of(mine, "grouping") if g["name"] == "Sticker wave")
    ids = {i["name"]: i["id"] for i in objects_of(mine, "incident")}
    assert wave["context"] == "suspicious-activity"
    assert wave["object_refs"] == [
        ids["Stickers at the tram stop (green)"],
        ids["Stickers at the tram stop (clear)"],
    ]
    assert wave["description"] == "The same stickers across town."
    assert world.coordinator.name not in str(wave)
    entries = committed.scalars(
        select(AuditEntry).where(AuditEntry.action == "sharing.grouping.create")
    ).all()
    assert {e.target_id for e in entries} == {str(made.json()["id"]), str(partners.json()["id"])}


def test_groupings_refused(client: TestClient, committed: Session, settings: Settings) -> None:
    world = make_world(committed, settings)
    viewer = make_person(committed, settings, org=world.owner, role=Role.viewer)
    viewer_headers = token_headers(committed, viewer)
    committed.commit()
    green = new_incident(client, world, "green")
    amber = new_incident(client, world, "amber", recipients=[world.recipient.id])
    strict = new_incident(client, world, "amber+strict")

    def post(headers: dict[str, str], ids: list[int], tlp: str) -> Any:
        body = {"name": "Set", "incident_ids": ids, "tlp": tlp}
        return client.post(GROUPINGS, headers=headers, json=body)

    looser = post(world.owner_headers, [green, strict], "amber")
    assert looser.status_code == 422, looser.text
    assert "looser than the strictest" in looser.text and "AMBER+STRICT" in looser.text
    red = post(world.owner_headers, [green], "red")
    assert red.status_code == 422 and "RED" in red.text
    unknown = post(world.owner_headers, [green, 987654], "green")
    assert unknown.status_code == 404 and "987654" in unknown.text
    # The outsider may not read the AMBER incident: it is not found, by its id.
    hidden = post(world.outsider_headers, [amber], "amber+strict")
    assert hidden.status_code == 404 and str(amber) in hidden.text
    assert post(viewer_headers, [green], "green").status_code == 403
    assert post(world.owner_headers, [], "green").status_code == 422
    assert objects_of(bundle_of(client, world.owner_headers), "grouping") == []
