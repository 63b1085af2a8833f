"""Received incidents in triage (issue 14): a partner's incident that the duplicate engine takes
for one of the acting organisation's is offered in the triage page's "Received from partners"
section and the API, with provenance and reasons; its coordinators link the two as the same
event (neither is rewritten), dismiss it, or adopt it, and it leaves the section; audited.
Another organisation sees nothing of it, and a decision is its organisation's alone."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import Node, html, sign_in, submit
from tests.orgs.factories import make_org, make_person, token_headers
from tests.sharing.import_world import PARTNER
from tests.sharing.provenance_world import Received, receive
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import SYSTEM, Role
from vigil.orgs import service as orgs_service

QUEUE = "/api/v1/incidents/received/duplicates"


def _local(client: TestClient, headers: dict[str, str], like: int, **changes: Any) -> int:
    """An incident of the headers' organisation, reported and triaged, made from the received
    incident `like`'s fields with `changes`."""
    original = client.get(f"/api/v1/incidents/{like}", headers=headers).json()
    body = {k: original[k] for k in ("title", "narrative", "occurred_from", "type", "place")}
    body.update(changes, tlp="amber")
    report = client.post("/api/v1/reports", headers=headers, json=body)
    assert report.status_code == 201, report.text
    triaged = client.post(
        f"/api/v1/reports/{report.json()['id']}/triage",
        headers=headers,
        json={"action": "new_incident"},
    )
    assert triaged.status_code == 200, triaged.text
    return int(triaged.json()["incident_id"])


def _near(client: TestClient, headers: dict[str, str], like: int) -> int:
    """Our account of the event: 90 minutes later, the same place, in other words."""
    original = client.get(f"/api/v1/incidents/{like}", headers=headers).json()
    later = dt.datetime.fromisoformat(original["occurred_from"]) + dt.timedelta(minutes=90)
    return _local(
        client,
        headers,
        like,
        title="Graffiti and broken windows at the community centre",
        narrative="A swastika sprayed on the entrance, and two windows broken in the night.",
        occurred_from=later.isoformat(),
    )


def _section(client: TestClient) -> Node:
    return html(client.get("/incidents/triage")).find("section", id="received")


def _cards(section: Node) -> dict[int, Node]:
    return {int(a.attrs["data-incident"]): a for a in section.find_all("article")}


def _decisions(committed: Session) -> list[tuple[str, str, str, int | None, dict[str, Any]]]:
    committed.rollback()
    entries = committed.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.in_(["received.same_event", "received.not_same"]))
        .order_by(AuditEntry.id)
    )
    linked = committed.scalars(select(AuditEntry).where(AuditEntry.action == "incident.same_event"))
    return [
        (e.action, e.target_type, e.target_id, e.org_id, json.loads(e.detail))
        for e in [*entries, *linked]
    ]


def test_a_received_incident_near_a_local_one_is_offered_with_reasons_and_provenance(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    world = received.world
    ours = _near(client, world.headers, received.from_file)
    sign_in(client, world.coordinator.email)

    cards = _cards(_section(client))
    listed = client.get(QUEUE, headers=world.headers)

    # The police's incident (Graz, five days later) is near none of ours.
    assert list(cards) == [received.from_file]
    card = cards[received.from_file]
    assert card.find("span", class_="provenance").text == f"from a STIX import, {PARTNER.name}"
    [candidate] = card.find_all("li", class_="duplicate")
    assert int(candidate.attrs["data-candidate"]) == ours
    reasons = candidate.find("span", class_="reasons").text
    assert "2 h apart" in reasons
    assert "similar wording" in reasons
    assert listed.status_code == 200, listed.text
    [item] = listed.json()
    assert item["incident"]["id"] == received.from_file
    assert item["provenance"] == {"organisation": PARTNER.name, "channel": "import", "peer": ""}
    [found] = item["candidates"]
    assert found["incident_id"] == ours and found["suggested"]
    assert 1.4 < found["hours_apart"] < 1.6
    assert any("wording" in r for r in found["reasons"])


def test_a_received_incident_far_from_every_local_one_is_not_offered(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    headers = received.world.headers
    original = client.get(f"/api/v1/incidents/{received.from_peer}", headers=headers).json()
    ten_days_later = dt.datetime.fromisoformat(original["occurred_from"]) + dt.timedelta(days=10)
    _local(client, headers, received.from_peer, occurred_from=ten_days_later.isoformat())
    elsewhere = {"city": "Hamburg", "country": "DE", "precision": "city"}
    _local(client, headers, received.from_file, place=elsewhere)
    sign_in(client, received.world.coordinator.email)

    assert client.get(QUEUE, headers=headers).json() == []
    assert _cards(_section(client)) == {}


def _linked_world(
    client: TestClient, committed: Session, settings: Settings
) -> tuple[Received, int]:
    received = receive(client, committed, settings)
    return received, _near(client, received.world.headers, received.from_file)


def test_linking_keeps_the_received_incident_as_it_came_and_shows_the_link_on_both_pages(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received, ours = _linked_world(client, committed, settings)
    world = received.world
    url = f"/api/v1/incidents/{received.from_file}"
    before = client.get(url, headers=world.headers).json()

    linked = client.post(
        f"/api/v1/incidents/received/{received.from_file}/same-event",
        headers=world.headers,
        json={"incident_id": ours},
    )
    again = client.post(
        f"/api/v1/incidents/received/{received.from_file}/not-same", headers=world.headers
    )

    assert linked.status_code == 200, linked.text
    assert linked.json() == {
        "received_id": received.from_file,
        "decision": "same_event",
        "incident_id": ours,
    }
    assert again.status_code == 409
    assert client.get(url, headers=world.headers).json() == before
    assert client.get(QUEUE, headers=world.headers).json() == []
    assert _decisions(committed) == [
        (
            "received.same_event",
            "incidents.received",
            str(received.from_file),
            world.importer.id,
            {"incident": ours},
        ),
        (
            "incident.same_event",
            "incidents",
            str(ours),
            world.importer.id,
            {"received": received.from_file},
        ),
    ]
    sign_in(client, world.coordinator.email)
    assert _cards(_section(client)) == {}
    on_received = html(client.get(f"/incidents/{received.from_file}")).find("p", id="same-events")
    on_ours = html(client.get(f"/incidents/{ours}")).find("p", id="same-events")
    assert on_received.find("a").attrs["href"] == f"/incidents/{ours}"
    assert on_ours.find("a").attrs["href"] == f"/incidents/{received.from_file}"
    history = client.get(f"/api/v1/incidents/{ours}/history", headers=world.headers).json()
    assert {"received": received.from_file} in [h["detail"] for h in history]


def test_linking_from_the_triage_page_replaces_the_card_and_is_audited(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received, ours = _linked_world(client, committed, settings)
    sign_in(client, received.world.coordinator.email)

    response = submit(
        client,
        "/incidents/triage",
        f"/incidents/triage/received/{received.from_file}/same-event",
        {"local_incident_id": str(ours)},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200, response.text
    card = html(response).find("article", id=f"received-{received.from_file}")
    assert f"#{ours}" in card.text
    assert [d[0] for d in _decisions(committed)] == ["received.same_event", "incident.same_event"]
    assert _cards(_section(client)) == {}


def test_not_the_same_dismisses_it_from_the_section_audited(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received, _ours = _linked_world(client, committed, settings)
    world = received.world
    sign_in(client, world.coordinator.email)

    response = submit(
        client, "/incidents/triage", f"/incidents/triage/received/{received.from_file}/not-same", {}
    )

    assert response.status_code == 303
    assert _cards(_section(client)) == {}
    assert client.get(QUEUE, headers=world.headers).json() == []
    assert _decisions(committed) == [
        (
            "received.not_same",
            "incidents.received",
            str(received.from_file),
            world.importer.id,
            {},
        )
    ]
    page = html(client.get(f"/incidents/{received.from_file}"))
    assert page.find_all("p", id="same-events") == []


def test_adopting_it_takes_it_out_of_the_section(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received, _ours = _linked_world(client, committed, settings)
    sign_in(client, received.world.coordinator.email)
    assert list(_cards(_section(client))) == [received.from_file]

    response = submit(client, "/incidents/triage", f"/incidents/{received.from_file}/adopt", {})

    assert response.status_code == 303, response.text
    assert _cards(_section(client)) == {}


def test_another_organisation_sees_nothing_of_it_and_a_viewer_cannot_decide(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received, ours = _linked_world(client, committed, settings)
    world = received.world
    viewer = make_person(committed, settings, org=world.importer, role=Role.viewer)
    stranger = make_person(committed, settings, org=world.outsider, role=Role.coordinator)
    committed.commit()
    link = f"/api/v1/incidents/received/{received.from_file}/same-event"

    by_outsider = client.post(link, headers=world.outsider_headers, json={"incident_id": ours})
    by_viewer = client.post(link, headers=world.viewer_headers, json={"incident_id": ours})
    viewer_dismiss = client.post(
        f"/api/v1/incidents/received/{received.from_file}/not-same", headers=world.viewer_headers
    )

    assert client.get(QUEUE, headers=world.outsider_headers).json() == []
    assert client.get(QUEUE, headers=world.viewer_headers).status_code == 403
    assert by_outsider.status_code == 404
    assert by_viewer.status_code == 403 and viewer_dismiss.status_code == 403
    sign_in(client, stranger.email)
    assert _cards(_section(client)) == {}
    sign_in(client, viewer.email)
    assert client.get("/incidents/triage").status_code == 403
    token = html(client.get("/incidents")).find("input", name="csrf_token").attrs["value"]
    page_post = client.post(
        f"/incidents/triage/received/{received.from_file}/not-same",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert page_post.status_code == 403
    assert _decisions(committed) == []


def test_a_decision_is_its_organisations_alone(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    """A child organisation reads the AMBER record too and has its own account of the event:
    each is offered its own incident only, and the parent's link neither takes the record out of
    the child's section nor shows there."""
    received, ours = _linked_world(client, committed, settings)
    world = received.world
    child = make_org(committed, parent=world.importer)
    child_coordinator = make_person(committed, settings, org=child, role=Role.coordinator)
    child_headers = token_headers(committed, child_coordinator, child)
    committed.commit()
    theirs = _near(client, child_headers, received.from_file)
    # The parent's coordinator reads the child's incidents too, but decides for the parent.
    orgs_service.add_member(
        session=committed,
        principal=SYSTEM,
        org_id=child.id,
        person=world.coordinator,
        role=Role.viewer,
    )
    committed.commit()
    [offered] = client.get(QUEUE, headers=world.headers).json()
    assert [c["incident_id"] for c in offered["candidates"]] == [ours]
    everything = client.get(
        f"/api/v1/incidents/{received.from_file}/duplicates", headers=world.headers
    ).json()
    assert {ours, theirs} <= {c["incident_id"] for c in everything}

    linked = client.post(
        f"/api/v1/incidents/received/{received.from_file}/same-event",
        headers=world.headers,
        json={"incident_id": ours},
    )
    foreign = client.post(
        f"/api/v1/incidents/received/{received.from_file}/same-event",
        headers=child_headers,
        json={"incident_id": ours},
    )

    assert linked.status_code == 200
    assert foreign.status_code in (404, 422)
    [item] = client.get(QUEUE, headers=child_headers).json()
    assert item["incident"]["id"] == received.from_file
    assert [c["incident_id"] for c in item["candidates"]] == [theirs]
    sign_in(client, child_coordinator.email)
    assert list(_cards(_section(client))) == [received.from_file]
    page = html(client.get(f"/incidents/{received.from_file}"))
    assert page.find_all("p", id="same-events") == []
    history = client.get(
        f"/api/v1/incidents/{received.from_file}/history", headers=child_headers
    ).json()
    assert [h for h in history if "same_event" in h["action"]] == []
