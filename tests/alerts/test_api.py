"""The alerts API: compose with preview, send, CAP documents and the Atom feed, Update and
Cancel, acknowledgements and the board, CAP import, and bad input refused with field names."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.alerts.factories import VIENNA, World, build_world
from tests.alerts.test_cap import cap_bytes
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.alerts.cap_xml import parse_cap, validate_generated
from vigil.alerts.models import Alert, Delivery
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import Role
from vigil.orgs.models import Organisation, Person

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Heads:
    coordinator: dict[str, str]
    member: dict[str, str]
    stranger: dict[str, str]


@pytest.fixture
def world(settings: Settings) -> World:
    return build_world(settings, sites=3, contacts=2)


@pytest.fixture
def heads(settings: Settings, world: World) -> Heads:
    with transaction(settings.sqlalchemy_url) as session:
        coordinator = session.get(Person, world.coordinator_id)
        member = session.get(Person, world.member_id)
        assert coordinator and member
        org = session.get(Organisation, world.org_id)
        stranger_org = make_org(session)
        stranger = make_person(session, settings, org=stranger_org, role=Role.coordinator)
        return Heads(
            token_headers(session, coordinator, org),
            token_headers(session, member),
            token_headers(session, stranger, stranger_org),
        )


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": "Armed attack",
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Observed",
        "response_types": ["Shelter"],
        "headline": "Shots fired near Stephansplatz",
        "instruction": "Lock the doors and keep everyone inside.",
        "area_desc": "Vienna centre",
        "circle": {"lat": VIENNA[0], "lon": VIENNA[1], "radius_km": 2},
    }
    data.update(overrides)
    return data


def test_preview_then_send_then_cap_document(
    client: TestClient, heads: Heads, settings: Settings
) -> None:
    preview = client.post("/api/v1/alerts/preview", json=body(), headers=heads.coordinator)
    assert preview.status_code == 200, preview.text
    # 3 sites inside (2 of the coordinator's organisation and network peer), first contacts
    # of each + the peer's subscribed member; the site in Graz is outside.
    assert preview.json() == {"sites": 3, "people": 4, "webhooks": 0}
    sent = client.post("/api/v1/alerts?send=true", json=body(), headers=heads.coordinator)
    assert sent.status_code == 201, sent.text
    assert sent.json()["deliveries"] == 4
    alert_id = sent.json()["alert"]["id"]
    assert sent.json()["alert"]["state"] == "sent"

    doc = client.get(f"/api/v1/alerts/{alert_id}.cap.xml", headers=heads.member)
    assert doc.status_code == 200
    assert doc.headers["content-type"].startswith("application/cap+xml")
    validate_generated(doc.content)
    cap = parse_cap(doc.content)
    assert cap.info[0].area[0].circles[0].radius_km == 2
    assert cap.scope.value == "Restricted" and cap.restriction == "TLP:AMBER+STRICT"
    assert (
        client.get(f"/api/v1/alerts/{alert_id}.cap.xml", headers=heads.stranger).status_code == 404
    )
    assert client.get(f"/api/v1/alerts/{alert_id}.cap.xml").status_code == 404


def test_atom_feed_is_policy_scoped_and_clear_alerts_are_public(
    client: TestClient, heads: Heads
) -> None:
    restricted = client.post("/api/v1/alerts?send=true", json=body(), headers=heads.coordinator)
    public = client.post(
        "/api/v1/alerts?send=true",
        json=body(tlp="clear", headline="Road closed around the cathedral"),
        headers=heads.coordinator,
    )
    draft = client.post("/api/v1/alerts", json=body(headline="Draft"), headers=heads.coordinator)
    assert {restricted.status_code, public.status_code, draft.status_code} == {201}

    def titles(headers: dict[str, str] | None) -> list[str]:
        response = client.get("/api/v1/alerts/feed.atom", headers=headers)
        assert response.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(response.content)  # noqa: S314 - our own output
        return [e.findtext(f"{ATOM}title") or "" for e in root.iter(f"{ATOM}entry")]

    assert titles(None) == ["Road closed around the cathedral"]
    assert sorted(titles(heads.member)) == [
        "Road closed around the cathedral",
        "Shots fired near Stephansplatz",
    ]
    cap = client.get(f"/api/v1/alerts/{public.json()['alert']['id']}.cap.xml")
    assert cap.status_code == 200 and parse_cap(cap.content).scope.value == "Public"


def test_update_and_cancel_reference_the_original(
    client: TestClient, heads: Heads, settings: Settings
) -> None:
    sent = client.post("/api/v1/alerts?send=true", json=body(), headers=heads.coordinator).json()
    original = parse_cap(
        client.get(
            f"/api/v1/alerts/{sent['alert']['id']}.cap.xml", headers=heads.coordinator
        ).content
    )
    update = client.post(
        f"/api/v1/alerts/{sent['alert']['id']}/update",
        json={"severity": "Severe", "instruction": "Stay inside; police are on site."},
        headers=heads.coordinator,
    )
    assert update.status_code == 201, update.text
    assert update.json()["deliveries"] == 4
    update_id = update.json()["alert"]["id"]
    doc = client.get(f"/api/v1/alerts/{update_id}.cap.xml", headers=heads.coordinator).content
    validate_generated(doc)
    cap = parse_cap(doc)
    assert cap.msg_type.value == "Update"
    assert cap.references == [original.reference()]
    assert cap.info[0].severity.value == "Severe"
    again = client.post(
        f"/api/v1/alerts/{sent['alert']['id']}/update", json={}, headers=heads.coordinator
    )
    assert again.status_code == 409  # replaced: update the newest message

    cancel = client.post(f"/api/v1/alerts/{update_id}/cancel", headers=heads.coordinator)
    assert cancel.status_code == 201
    cancel_doc = parse_cap(
        client.get(
            f"/api/v1/alerts/{cancel.json()['alert']['id']}.cap.xml", headers=heads.coordinator
        ).content
    )
    assert cancel_doc.msg_type.value == "Cancel"
    assert len(cancel_doc.references) == 2
    states = {
        a["id"]: a["state"]
        for a in client.get("/api/v1/alerts", headers=heads.coordinator).json()["items"]
    }
    assert states[sent["alert"]["id"]] == "updated" and states[update_id] == "cancelled"
    current = client.get("/api/v1/alerts?current=true", headers=heads.coordinator).json()
    assert [a["msg_type"] for a in current["items"]] == ["Cancel"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"polygons": [[[48.1, 16.3], [48.1, 16.5], [48.3, 16.5], [48.3, 16.3]]]},
            "polygons.0",
            "not closed",
        ),
        (
            {"polygons": [[[48.1, 16.3], [48.3, 16.5], [48.1, 16.5], [48.3, 16.3], [48.1, 16.3]]]},
            "polygons.0",
            "intersects itself",
        ),
        (
            {
                "effective": "2026-11-23T12:00:00+00:00",
                "expires": "2026-11-23T11:00:00+00:00",
            },
            "expires",
            "after effective",
        ),
        ({"urgency": "Now"}, "urgency", "Immediate"),
        ({"circle": None}, "circle", "give the area"),
        ({"event": "Bomb\x08threat"}, "event", "XML cannot carry"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_saved(
    client: TestClient,
    heads: Heads,
    settings: Settings,
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    response = client.post(
        "/api/v1/alerts?send=true", json=body(**change), headers=heads.coordinator
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert errors[0]["field"] == field
    assert words in errors[0]["message"]
    with transaction(settings.sqlalchemy_url) as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_only_coordinators_compose(client: TestClient, heads: Heads) -> None:
    assert client.post("/api/v1/alerts", json=body(), headers=heads.member).status_code in (
        403,
        422,
    )


def test_acknowledgements_and_the_board(
    client: TestClient, heads: Heads, world: World, settings: Settings
) -> None:
    sent = client.post("/api/v1/alerts?send=true", json=body(), headers=heads.coordinator).json()
    alert_id = sent["alert"]["id"]
    # the member's organisation (the peer) has one site inside the circle
    ack = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledgements",
        json={"answer": "need_help"},
        headers=heads.member,
    )
    assert ack.status_code == 201, ack.text
    assert ack.json()["site_id"] == world.site_ids[1]
    wrong = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledgements",
        json={"answer": "received", "site_id": world.site_ids[0]},
        headers=heads.member,
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "site_id"
    coordinator_ack = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledgements",
        json={"answer": "acting"},
        headers=heads.coordinator,
    )
    assert coordinator_ack.status_code == 422  # two sites of theirs: which one?
    assert (
        client.post(
            f"/api/v1/alerts/{alert_id}/acknowledgements",
            json={"answer": "acting", "site_id": world.site_ids[2]},
            headers=heads.coordinator,
        ).status_code
        == 201
    )
    board = client.get(f"/api/v1/alerts/{alert_id}/board", headers=heads.coordinator)
    assert board.status_code == 200, board.text
    data = board.json()
    assert (data["sites"], data["acknowledged_sites"], data["need_help_sites"]) == (3, 2, 1)
    answers = [r["answer"] for r in data["rows"]]
    # the peer's site is amber+strict: the coordinator may not read it, so it is only counted
    assert data["other_sites"] == 1 and answers == [None, "acting"]  # unanswered before acting
    assert client.get(f"/api/v1/alerts/{alert_id}/board", headers=heads.member).status_code == 403


def test_cap_import_then_retarget_then_send(
    client: TestClient, heads: Heads, settings: Settings
) -> None:
    document = cap_bytes(
        info=[
            {
                "category": ["Safety"],
                "event": "Bomb threat",
                "urgency": "Expected",
                "severity": "Severe",
                "certainty": "Likely",
                "headline": "Threat against places of worship in Vienna",
                "area": [
                    {
                        "areaDesc": "Vienna",
                        "circle": [f"{VIENNA[0]},{VIENNA[1]} 5"],
                        "geocode": [{"valueName": "ISO3166-1", "value": "AT"}],
                    }
                ],
            }
        ]
    )
    headers = {**heads.coordinator, "Content-Type": "application/cap+xml"}
    imported = client.post("/api/v1/alerts/import", content=document, headers=headers)
    assert imported.status_code == 201, imported.text
    draft = imported.json()
    assert (draft["state"], draft["origin"], draft["countries"]) == ("draft", "imported", ["AT"])
    twice = client.post("/api/v1/alerts/import", content=document, headers=headers)
    assert twice.status_code == 409
    retargeted = client.post(
        f"/api/v1/alerts/{draft['id']}/retarget",
        json={"site_types": ["school"]},
        headers=heads.coordinator,
    )
    assert retargeted.json()["site_types"] == ["school"]
    sent = client.post(f"/api/v1/alerts/{draft['id']}/send", headers=heads.coordinator)
    assert sent.status_code == 200 and sent.json()["deliveries"] == 0  # no schools nearby
    cap = parse_cap(
        client.get(f"/api/v1/alerts/{draft['id']}.cap.xml", headers=heads.coordinator).content
    )
    assert cap.references[0].startswith("coordinator@vigil.example,vigil-1,")


@pytest.mark.parametrize(
    ("document", "status", "words"),
    [
        (b"this is not XML at all", 422, "not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&x;</alert>',
            422,
            "DTD",
        ),
        (b"<x>" + b" " * (50 * 1024 * 1024) + b"</x>", 413, "larger than the limit"),
    ],
)
def test_cap_import_refuses_bad_documents(
    client: TestClient, heads: Heads, settings: Settings, document: bytes, status: int, words: str
) -> None:
    response = client.post("/api/v1/alerts/import", content=document, headers=heads.coordinator)
    assert response.status_code == status
    assert words in response.json()["detail"]
    with transaction(settings.sqlalchemy_url) as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 0


def test_webhooks_are_managed_by_org_admins(client: TestClient, heads: Heads) -> None:
    refused = client.post(
        "/api/v1/alert-webhooks",
        json={"url": "https://example.org/hook"},
        headers=heads.coordinator,
    )
    assert refused.status_code == 403
    bad = client.post("/api/v1/alert-webhooks", json={"url": "ftp://x"}, headers=heads.coordinator)
    assert bad.status_code in (403, 422)
