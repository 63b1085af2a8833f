"""A received incident is never rewritten here (DECISIONS 30): nobody may edit it, and "Adopt as
ours" makes a new incident of the acting organisation with its fields, linked to the original
(which stays as it came), whose STIX names the original's STIX id by `derived-from`; audited.
A bundle with such a relationship to an original the receiver never had still imports."""

from __future__ import annotations

import stix2
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import csrf_of, html, sign_in
from tests.orgs.factories import make_person
from tests.sharing.import_world import IMPORT, PARTNER, partner_bundle
from tests.sharing.provenance_world import POLICE_INCIDENT, receive
from tests.sharing.stix_checks import assert_strictly_valid, objects_of
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import Role

FIELDS = ("title", "narrative", "type", "tlp", "place", "occurred_from", "bias", "severity")


def test_nobody_may_edit_a_received_incident_in_place(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)

    response = client.patch(
        f"/api/v1/incidents/{received.from_peer}",
        headers=received.world.headers,
        json={"title": "Rewritten here"},
    )

    assert response.status_code == 403
    assert "adopt it" in response.json()["detail"]


def test_adopting_makes_a_local_incident_and_leaves_the_original_as_it_came(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    world = received.world
    url = f"/api/v1/incidents/{received.from_peer}"
    before = client.get(url, headers=world.analyst_headers).json()

    response = client.post(f"{url}/adopt", headers=world.analyst_headers)

    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["id"] != received.from_peer
    assert copy["owner_org_id"] == world.importer.id
    assert copy["status"] == "triaged"
    assert {f: copy[f] for f in FIELDS} == {f: before[f] for f in FIELDS}
    assert client.get(url, headers=world.analyst_headers).json() == before
    edited = client.patch(
        f"/api/v1/incidents/{copy['id']}",
        headers=world.analyst_headers,
        json={"title": "Threatening letter (our account)"},
    )
    assert edited.status_code == 200, edited.text
    assert client.get(url, headers=world.analyst_headers).json() == before
    actions = {
        (e.action, e.target_id)
        for e in committed.scalars(
            select(AuditEntry).where(AuditEntry.action.like("incident.adopt%"))
        )
    }
    assert actions == {
        ("incident.adopt", str(copy["id"])),
        ("incident.adopted", str(received.from_peer)),
    }


def test_the_adopted_incident_names_the_original_by_derived_from(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    headers = received.world.analyst_headers
    copy = client.post(f"/api/v1/incidents/{received.from_peer}/adopt", headers=headers).json()

    bundle = client.get(f"/api/v1/sharing/stix/incidents/{copy['id']}", headers=headers).json()

    assert_strictly_valid(bundle)
    [incident] = objects_of(bundle, "incident")
    assert incident["id"] != POLICE_INCIDENT
    assert incident["created_by_ref"] != received.world.importer.id
    [derived] = [
        r for r in objects_of(bundle, "relationship") if r["relationship_type"] == "derived-from"
    ]
    assert derived["source_ref"] == incident["id"]
    assert derived["target_ref"] == POLICE_INCIDENT
    assert derived["created_by_ref"] == incident["created_by_ref"]
    assert derived["object_marking_refs"] == incident["object_marking_refs"]


def test_an_organisation_adopts_an_incident_once_and_only_a_received_one(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    headers = received.world.analyst_headers
    first = client.post(f"/api/v1/incidents/{received.from_file}/adopt", headers=headers)

    again = client.post(f"/api/v1/incidents/{received.from_file}/adopt", headers=headers)
    own = client.post(f"/api/v1/incidents/{first.json()['id']}/adopt", headers=headers)
    by_viewer = client.post(
        f"/api/v1/incidents/{received.from_peer}/adopt", headers=received.world.viewer_headers
    )
    by_outsider = client.post(
        f"/api/v1/incidents/{received.from_peer}/adopt", headers=received.world.outsider_headers
    )

    assert first.status_code == 201
    assert again.status_code == 409 and f"#{first.json()['id']}" in again.json()["detail"]
    assert own.status_code == 409
    assert by_viewer.status_code == 403
    assert by_outsider.status_code == 404


def test_the_page_offers_adoption_to_an_analyst_and_links_both_ways(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    sign_in(client, received.world.coordinator.email)
    page = html(client.get(f"/incidents/{received.from_file}"))
    form = page.find("form", id="adopt-form")
    assert form.attrs["action"] == f"/incidents/{received.from_file}/adopt"

    response = client.post(
        form.attrs["action"], data={"csrf_token": csrf_of(page)}, follow_redirects=False
    )

    assert response.status_code == 303, response.text
    copy_url = response.headers["location"]
    copy = html(client.get(copy_url))
    assert copy.find("p", id="derived-from").find("a").attrs["href"] == (
        f"/incidents/{received.from_file}"
    )
    assert copy.find_all("p", id="provenance") == []
    original = html(client.get(f"/incidents/{received.from_file}"))
    assert original.find("p", id="copies").find("a").attrs["href"] == copy_url
    assert original.find_all("form", id="adopt-form") == []


def test_a_viewer_is_not_offered_adoption(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    viewer = received.world.viewer_headers
    assert client.get(f"/api/v1/incidents/{received.from_file}", headers=viewer).status_code == 200
    person = make_person(committed, settings, org=received.world.importer, role=Role.viewer)
    committed.commit()
    sign_in(client, person.email)

    page = html(client.get(f"/incidents/{received.from_file}"))

    assert page.find("p", id="provenance")
    assert page.find_all("form", id="adopt-form") == []


def test_a_derived_from_to_an_original_never_received_still_imports(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    derived = stix2.Relationship(
        id="relationship--4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b",
        created_by_ref=PARTNER.id,
        relationship_type="derived-from",
        source_ref="incident--5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
        target_ref="incident--6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c",
        object_marking_refs=[stix2.TLP_AMBER],
    )
    bundle = partner_bundle(derived, id="incident--5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b")

    response = client.post(IMPORT, headers=received.world.headers, json=bundle)

    assert response.status_code == 201, response.text
    kept = [o["stix_id"] for o in response.json()["kept"]]
    assert derived.id in kept
