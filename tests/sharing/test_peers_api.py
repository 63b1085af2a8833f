"""Peer links through the API, on SQLite and PostgreSQL: a coordinator registers, lists,
changes and removes the links of their organisations; another organisation's coordinator gets
404, a viewer 403; bad input is a 422 naming its field; the secret goes in encrypted and never
comes out (answers, audit log, logs); removal and narrowing keep or withdraw what the peer
brought, counted first."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import db_rows
from tests.sharing.peer_links_world import (
    PEERS,
    SECRET,
    bring,
    in_network,
    make_peer,
    make_world,
    peer_payload,
)
from vigil.app import create_app
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.crypto import decrypt
from vigil.core.logs import JsonFormatter
from vigil.core.policy import TLP
from vigil.sharing.import_models import StixImport
from vigil.sharing.peer_models import Peer

WITHDRAWALS = select(AuditEntry).where(AuditEntry.action == "sharing.peer.withdraw")


def audit_text(settings: Settings, action_prefix: str = "sharing.peer") -> str:
    """What the audit log says of peers, read in a transaction of its own."""
    entries = db_rows(
        settings, select(AuditEntry).where(AuditEntry.action.startswith(action_prefix))
    )
    return json.dumps([[e.action, e.detail, e.target_id] for e in entries], default=str)


def test_a_coordinator_registers_lists_changes_and_removes_a_peer_and_the_secret_stays_in(
    client: TestClient,
    committed: Session,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = make_world(committed, settings)
    headers = world.headers["coordinator"]
    answers = []

    created = client.post(PEERS, headers=headers, json=peer_payload(world, name="Police Berlin"))

    assert created.status_code == 201, created.text
    answers.append(created.text)
    peer = created.json()
    assert peer["name"] == "Police Berlin" and peer["has_secret"] is True
    assert peer["organisations"] == [world.a.id] and peer["networks"] == [world.network_id]
    assert peer["profile_org_id"] == world.a.id and peer["direction"] == "both"
    assert "secret" not in peer
    stored = committed.get(Peer, peer["id"])
    assert stored is not None and stored.secret_encrypted and SECRET not in stored.secret_encrypted
    assert decrypt(stored.secret_encrypted, keys="", secret_key=settings.secret_key) == SECRET
    committed.rollback()

    listed = client.get(PEERS, headers=headers)
    one = client.get(f"{PEERS}/{peer['id']}", headers=headers)
    answers += [listed.text, one.text]
    assert [p["name"] for p in listed.json()] == ["Police Berlin"]
    assert one.json() == peer

    changed = client.patch(
        f"{PEERS}/{peer['id']}",
        headers=headers,
        json={
            "every_seconds": 600,
            "secret": "a-new-secret-0001",
            "organisations": [world.a.id, world.a2.id],
            "collection_id": "another-collection",
        },
    )

    assert changed.status_code == 200, changed.text
    answers.append(changed.text)
    assert changed.json()["every_seconds"] == 600
    assert changed.json()["organisations"] == [world.a.id, world.a2.id]
    assert "a-new-secret-0001" not in changed.text
    assert client.get(f"{PEERS}/{peer['id']}/brought", headers=headers).json()["records"] == 0

    removed = client.delete(f"{PEERS}/{peer['id']}?records=keep", headers=headers)

    assert removed.status_code == 204, removed.text
    assert client.get(f"{PEERS}/{peer['id']}", headers=headers).status_code == 404
    assert client.get(PEERS, headers=headers).json() == []
    trail = audit_text(settings)
    for action in ("sharing.peer.create", "sharing.peer.update", "sharing.peer.remove"):
        assert action in trail
    for text in [*answers, trail]:
        assert SECRET not in text and "a-new-secret-0001" not in text
    logged = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert SECRET not in logged and "a-new-secret-0001" not in logged


def test_another_organisations_coordinator_neither_sees_nor_changes_a_peer(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    peer_id = make_peer(committed, settings, world)
    other = world.headers["coordinator_b"]

    assert client.get(PEERS, headers=other).json() == []
    for method, path in (
        ("GET", f"{PEERS}/{peer_id}"),
        ("GET", f"{PEERS}/{peer_id}/brought"),
        ("PATCH", f"{PEERS}/{peer_id}"),
        ("DELETE", f"{PEERS}/{peer_id}?records=withdraw"),
    ):
        body = {"json": {"every_seconds": 60}} if method == "PATCH" else {}
        response = client.request(method, path, headers=other, **body)
        assert response.status_code == 404, (method, path, response.text)
    # Nor may B's coordinator speak for A in a new link.
    refused = client.post(PEERS, headers=other, json=peer_payload(world, networks=[]))
    assert refused.status_code == 403, refused.text
    assert client.get(PEERS, headers=world.headers["admin"]).json()[0]["id"] == peer_id
    assert client.get(f"{PEERS}/{peer_id}", headers=world.headers["coordinator"]).status_code == 200


def test_a_viewer_may_not_register_a_peer(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)

    response = client.post(PEERS, headers=world.headers["viewer"], json=peer_payload(world))

    assert response.status_code == 403, response.text
    assert client.get(PEERS, headers=world.headers["viewer"]).json() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"api_root": "ftp://taxii.example.org/root/"}, "api_root"),
        ({"api_root": "not a url"}, "api_root"),
        ({"organisations": [999_999]}, "organisations"),
        ({"organisations": []}, "organisations"),
        ({"networks": [999_999]}, "networks"),
        ({"collection_id": "  "}, "collection_id"),
        ({"every_seconds": 10}, "every_seconds"),
        ({"every_seconds": 86_401}, "every_seconds"),
        ({"max_push_tlp": "red"}, "max_push_tlp"),
        ({"direction": "sideways"}, "direction"),
        ({"profile_org_id": 999_999}, "profile_org_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    client: TestClient,
    committed: Session,
    settings: Settings,
    changes: dict[str, object],
    field: str,
) -> None:
    world = make_world(committed, settings)

    response = client.post(
        PEERS, headers=world.headers["coordinator"], json=peer_payload(world, **changes)
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field, response.text
    assert SECRET not in response.text


def test_a_private_address_is_refused_unless_the_operator_allows_it(
    committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    strict = settings.model_copy(update={"webhook_allow_private": False})
    private = peer_payload(world, api_root="http://127.0.0.1:9000/taxii2/root/")

    with TestClient(create_app(strict)) as client:
        refused = client.post(PEERS, headers=world.headers["coordinator"], json=private)
    with TestClient(create_app(settings)) as client:
        allowed = client.post(PEERS, headers=world.headers["coordinator"], json=private)

    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "api_root" and "127.0.0.1" in error["message"]
    assert allowed.status_code == 201, allowed.text


def test_removal_needs_the_choice_and_withdraw_takes_back_the_readers_it_gave(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    peer_id = make_peer(committed, settings, world)
    incident_id, sender = bring(committed, world, peer_id, tlp=TLP.amber, to=[world.a])
    headers = world.headers["coordinator"]
    reader = world.headers["viewer"]
    assert client.get(f"/api/v1/incidents/{incident_id}", headers=reader).status_code == 200
    assert in_network(settings, world, sender)

    unchosen = client.delete(f"{PEERS}/{peer_id}", headers=headers)
    count = client.get(f"{PEERS}/{peer_id}/brought", headers=headers)
    removed = client.delete(f"{PEERS}/{peer_id}?records=withdraw", headers=headers)

    assert unchosen.status_code == 422 and unchosen.json()["errors"][0]["field"] == "records"
    assert count.json() == {"peer_id": peer_id, "records": 1}
    assert removed.status_code == 204, removed.text
    assert client.get(f"/api/v1/incidents/{incident_id}", headers=reader).status_code == 404
    assert not in_network(settings, world, sender)
    # The record stays, with its provenance (the peer's name), readable by its owner's rule.
    brought = committed.scalar(select(StixImport).where(StixImport.peer_name == "the peer"))
    assert brought is not None and brought.peer_id is None
    committed.rollback()
    [withdrawal] = [json.loads(e.detail) for e in db_rows(settings, WITHDRAWALS)]
    assert withdrawal["records"] == 1 and withdrawal["organisations"] == [world.a.id]


def test_removal_that_keeps_leaves_the_readers(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    peer_id = make_peer(committed, settings, world)
    incident_id, sender = bring(committed, world, peer_id, tlp=TLP.amber, to=[world.a])

    removed = client.delete(f"{PEERS}/{peer_id}?records=keep", headers=world.headers["admin"])

    assert removed.status_code == 204, removed.text
    reader = world.headers["viewer"]
    assert client.get(f"/api/v1/incidents/{incident_id}", headers=reader).status_code == 200
    assert in_network(settings, world, sender)


def test_narrowing_asks_what_becomes_of_the_records_and_withdraws_only_from_those_taken_off(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    peer_id = make_peer(committed, settings, world, organisations=[world.a.id, world.a2.id])
    incident_id, _ = bring(committed, world, peer_id, tlp=TLP.amber, to=[world.a, world.a2])
    headers = world.headers["coordinator"]
    path = f"{PEERS}/{peer_id}"

    unchosen = client.patch(path, headers=headers, json={"organisations": [world.a.id]})
    narrowed = client.patch(
        path, headers=headers, json={"organisations": [world.a.id], "records": "withdraw"}
    )

    assert unchosen.status_code == 422 and unchosen.json()["errors"][0]["field"] == "records"
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["organisations"] == [world.a.id]
    incident = f"/api/v1/incidents/{incident_id}"
    assert client.get(incident, headers=world.headers["viewer"]).status_code == 200
    assert client.get(incident, headers=world.headers["viewer_a2"]).status_code == 404
