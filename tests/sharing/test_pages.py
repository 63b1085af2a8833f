"""The sharing page and the STIX preview on the incident page, on SQLite and PostgreSQL: the
profile as a form for coordinators (CSRF-checked, audited) and read only for the others, the
TAXII address and collections, the menu entry; the preview as exactly the export's bundle,
following the profile, a sentence for RED, and nothing for a reader the TLP keeps out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import Node, alerts, db_rows, flash_after, html, sign_in, submit
from tests.orgs.factories import make_org, make_person, token_headers
from tests.sharing.taxii_world import add_incident, share_with
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import TLP, Role
from vigil.orgs.models import Organisation, Person
from vigil.sharing.ids import instance_namespace, stix_id
from vigil.sharing.models import SharingProfile
from vigil.sharing.taxii import collection_id


@dataclass
class World:
    org: Organisation
    other: Organisation
    coordinator: Person
    analyst: Person
    outsider: Person


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    org, other = make_org(committed), make_org(committed)
    built = World(
        org=org,
        other=other,
        coordinator=make_person(committed, settings, org=org, role=Role.coordinator),
        analyst=make_person(committed, settings, org=org, role=Role.analyst),
        outsider=make_person(committed, settings, org=other, role=Role.org_admin),
    )
    committed.commit()
    return built


def incident_in(committed: Session, world: World, tlp: TLP, *, partner: bool = False) -> int:
    incident = add_incident(committed, world.org, tlp, f"Stickers at the door ({tlp.value})")
    if partner:
        share_with(committed, incident, world.other)
    committed.commit()
    return incident.id


def preview(page: Node) -> dict[str, Any]:
    section = page.find("section", id="stix")
    details = section.find("details")
    assert "open" not in details.attrs  # collapsed until asked for
    code = details.find("pre").find("code")
    # The JSON as written (Node.text would fold the spaces inside its strings).
    parsed: dict[str, Any] = json.loads("".join(c for c in code.children if isinstance(c, str)))
    return parsed


def objects_of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [o for o in bundle["objects"] if o["type"] == kind]


# --- the sharing page ----------------------------------------------------------------------


def test_the_menu_links_the_sharing_page(client: TestClient, world: World) -> None:
    sign_in(client, world.analyst.email)
    page = html(client.get("/sharing"))
    links = [a for a in page.find_all("a", href="/sharing") if a.attrs.get("aria-current")]
    assert links and all(a.text == "Sharing" for a in links)
    assert page.find("a", href="/sharing/import")


def test_a_coordinator_changes_the_profile_audited(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.coordinator.email)
    form = html(client.get("/sharing")).find("form", id="profile-form")
    assert form.find("input", name="place_precision", value="city").attrs.get("checked") == ""
    assert "checked" not in form.find("input", name="share_narrative").attrs

    response = submit(
        client,
        "/sharing",
        "/sharing/profile",
        {
            "share_narrative": "yes",
            "place_precision": "exact",
            "typology_fields": ["severity", "type"],
        },
    )

    page = flash_after(client, response)
    flashes = " ".join(n.text for n in page.find_all(class_="flash"))
    assert "The sharing profile is saved." in flashes
    form = page.find("form", id="profile-form")
    assert "checked" in form.find("input", name="share_narrative").attrs
    assert "checked" in form.find("input", name="place_precision", value="exact").attrs
    checked = [i.attrs["value"] for i in form.find_all("input", name="typology_fields")
               if "checked" in i.attrs]  # fmt: skip
    assert checked == ["type", "severity"]
    (row,) = db_rows(settings, select(SharingProfile))
    assert row.org_id == world.org.id and row.share_narrative and row.place_precision == "exact"
    (detail,) = db_rows(
        settings, select(AuditEntry.detail).where(AuditEntry.action == "sharing.profile.update")
    )
    assert json.loads(detail)["after"]["typology_fields"] == ["type", "severity"]


def test_others_see_the_profile_read_only_and_may_not_change_it(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.analyst.email)
    page = html(client.get("/sharing"))
    assert not page.find_all("form", id="profile-form")
    facts = page.find("dl", id="profile-facts")
    assert facts.find("dd", data_field="share_narrative").text == "Not shared"
    assert facts.find("dd", data_field="place_precision").text == "City and country only"

    refused = submit(client, "/sharing", "/sharing/profile", {"share_narrative": "yes"})

    assert refused.status_code == 403
    assert alerts(html(refused))
    assert db_rows(settings, select(SharingProfile)) == []


def test_the_profile_form_needs_its_csrf_token(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.coordinator.email)
    client.get("/sharing")
    response = client.post("/sharing/profile", data={"share_narrative": "yes"})
    assert response.status_code == 403
    assert db_rows(settings, select(SharingProfile)) == []


def test_the_page_gives_the_taxii_address_and_collections(
    client: TestClient, committed: Session, world: World, settings: Settings
) -> None:
    sign_in(client, world.coordinator.email)
    page = html(client.get("/sharing"))
    discovery = page.find("code", id="taxii-discovery").text
    root = page.find("code", id="taxii-root").text
    own = collection_id(settings, f"organisation:{world.org.id}")
    assert page.find("code", id="taxii-own-collection").text == own
    shown = {c.text for c in page.find("ul", id="collections").find_all("code")}
    assert {collection_id(settings, "clear"), own} <= shown

    # What the page names is what a TAXII client of this person is given.
    headers = {**token_headers(committed, world.coordinator), "Accept": "application/taxii+json"}
    committed.commit()
    assert discovery == "http://testserver/taxii2/"
    found = client.get(discovery, headers=headers).json()
    assert found["api_roots"] == [root]
    listed = client.get(f"{root}collections/", headers=headers).json()
    assert {c["id"] for c in listed["collections"]} == shown


# --- the STIX preview on the incident page -------------------------------------------------


def test_the_incident_page_previews_the_stix_that_would_leave(
    client: TestClient, committed: Session, world: World, settings: Settings
) -> None:
    incident_id = incident_in(committed, world, TLP.amber)
    sign_in(client, world.coordinator.email)

    bundle = preview(html(client.get(f"/incidents/{incident_id}")))

    (incident,) = objects_of(bundle, "incident")
    namespace = instance_namespace(settings)
    assert incident["id"] == stix_id(namespace, "incident", "incident", incident_id)
    assert "description" not in incident  # no narrative by default
    api = client.get(f"/api/v1/sharing/stix/incidents/{incident_id}").json()
    assert api["objects"] == bundle["objects"]

    submit(
        client,
        "/sharing",
        "/sharing/profile",
        {"share_narrative": "yes", "place_precision": "city", "typology_fields": ["type"]},
    )
    (incident,) = objects_of(preview(html(client.get(f"/incidents/{incident_id}"))), "incident")
    assert incident["description"] == "Two men put up stickers at night."


def test_a_red_incident_says_nothing_of_it_leaves(
    client: TestClient, committed: Session, world: World
) -> None:
    incident_id = incident_in(committed, world, TLP.red)
    sign_in(client, world.coordinator.email)
    section = html(client.get(f"/incidents/{incident_id}")).find("section", id="stix")
    assert "nothing of it leaves" in section.text
    assert not section.find_all("pre")


def test_a_member_of_another_organisation_sees_no_preview_of_an_amber_incident(
    client: TestClient, committed: Session, world: World
) -> None:
    hidden = incident_in(committed, world, TLP.amber)
    named = incident_in(committed, world, TLP.amber, partner=True)
    sign_in(client, world.outsider.email)

    page = client.get(f"/incidents/{hidden}")
    assert page.status_code == 404
    assert not html(page).find_all("section", id="stix")
    assert "stix" not in page.text.lower()
    assert client.get(f"/api/v1/sharing/stix/incidents/{hidden}").status_code == 404

    # Named as a recipient, the organisation reads it and the STIX its partners would get.
    (incident,) = objects_of(preview(html(client.get(f"/incidents/{named}"))), "incident")
    assert incident["name"] == "Stickers at the door (amber)"
