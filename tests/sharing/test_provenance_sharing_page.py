"""The sharing page says in words what the organisation shares and with whom (from its
networks and the peers that push its records, changing when they change), and lists the
records received from elsewhere that the viewer may read, with provenance, TLP and a likely
duplicate; another organisation's member sees none of them, in no list and no export."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from tests.html import Node, html, sign_in
from tests.orgs.factories import make_network, make_person
from tests.sharing.import_world import PARTNER
from tests.sharing.provenance_world import PEER_NAME, POLICE, make_peer, receive
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import Network
from vigil.sharing.peer_models import Peer, peer_organisations


def _sentences(page: Node) -> dict[str, str]:
    section = page.find("section", id="in-words")
    return {li.attrs["data-tlp"]: li.text for li in section.find_all("li")}


def test_in_words_names_the_networks_and_peers_each_level_goes_to(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    world = received.world
    network_id = make_network(committed, world.importer, world.outsider)
    committed.commit()
    network = committed.get(Network, network_id)
    assert network is not None
    sign_in(client, world.coordinator.email)

    said = _sentences(html(client.get("/sharing")))

    assert said["green"] == f"GREEN incidents go to {network.name} and to {PEER_NAME}."
    assert said["amber"].endswith(f"and to {PEER_NAME}.")
    assert PEER_NAME not in said["amber+strict"]
    assert said["red"].startswith("RED never leaves")
    assert PEER_NAME in said["clear"]
    assert html(client.get("/sharing")).find("p", id="pulled-from").text == (
        f"Records come in from {PEER_NAME}."
    )


def test_in_words_changes_when_the_networks_and_peers_change(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    world = received.world
    sign_in(client, world.coordinator.email)
    before = _sentences(html(client.get("/sharing")))
    first = committed.get(Network, make_network(committed, world.importer))
    second = committed.get(Network, make_network(committed, world.importer))
    committed.execute(update(Peer).where(Peer.id == received.peer_id).values(max_push_tlp="green"))
    pull_only = make_peer(committed, world, name="Pull only", direction="pull")
    committed.commit()
    assert first is not None and second is not None and pull_only

    after = _sentences(html(client.get("/sharing")))
    committed.execute(
        delete(peer_organisations).where(peer_organisations.c.org_id == world.importer.id)
    )
    committed.commit()
    alone = _sentences(html(client.get("/sharing")))

    assert (
        before["green"]
        == f"GREEN incidents go to {PEER_NAME}; your organisation belongs to no network."
    )
    assert PEER_NAME in before["amber"]
    names = ", ".join(sorted([first.name, second.name]))
    assert after["green"] == f"GREEN incidents go to {names} and to {PEER_NAME}."
    assert after["amber"] == (
        "AMBER incidents go only to the organisations each one names and their children."
    )
    assert "Pull only" not in " ".join(after.values())
    assert alone["green"] == f"GREEN incidents go to {names}."
    assert alone["clear"] == "CLEAR incidents may go to anyone."


def test_received_records_are_listed_newest_first_with_provenance_and_tlp(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    sign_in(client, received.world.coordinator.email)

    section = html(client.get("/sharing")).find("section", id="received")

    items = section.find_all("li")
    assert [int(li.attrs["data-incident"]) for li in items] == [
        received.from_peer,
        received.from_file,
    ]
    peer, file = items
    assert peer.find("a").attrs["href"] == f"/incidents/{received.from_peer}"
    assert peer.find("span", class_="provenance").text == f"from {PEER_NAME} (peer), {POLICE.name}"
    assert peer.find("span", class_="tlp").text == "TLP:GREEN"
    assert file.find("span", class_="provenance").text == f"from a STIX import, {PARTNER.name}"
    assert file.find("span", class_="tlp").text == "TLP:AMBER"
    assert section.find_all("span", class_="duplicate-flag") == []


def test_a_received_record_the_duplicate_engine_matches_is_flagged(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    headers = received.world.headers
    original = client.get(f"/api/v1/incidents/{received.from_file}", headers=headers).json()
    body = {k: original[k] for k in ("title", "narrative", "occurred_from", "type", "place")}
    report = client.post("/api/v1/reports", headers=headers, json={**body, "tlp": "amber"})
    ours = client.post(
        f"/api/v1/reports/{report.json()['id']}/triage",
        headers=headers,
        json={"action": "new_incident"},
    ).json()["incident_id"]
    adopted = client.post(f"/api/v1/incidents/{received.from_peer}/adopt", headers=headers)
    assert adopted.status_code == 201
    sign_in(client, received.world.coordinator.email)

    section = html(client.get("/sharing")).find("section", id="received")

    flagged = {
        int(li.attrs["data-incident"]): li.find("span", class_="duplicate-flag").find("a").text
        for li in section.find_all("li")
        if li.find_all("span", class_="duplicate-flag")
    }
    # Its own adopted copy is not taken for a duplicate of the police's incident.
    assert flagged == {received.from_file: f"#{ours}"}


def test_another_organisation_never_sees_the_received_amber_records(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    world = received.world
    headers = world.outsider_headers
    person = make_person(committed, settings, org=world.outsider, role=Role.analyst)
    committed.commit()
    sign_in(client, person.email)

    page = html(client.get("/sharing"))
    listed = html(client.get("/incidents"))
    exported = client.get("/api/v1/incidents/export.json", headers=headers).json()["items"]
    bundle = client.get("/api/v1/sharing/stix/bundle", headers=headers).json()

    assert page.find("section", id="received").find_all("li") == []
    assert listed.find_all("span", class_="provenance") == []
    assert [i["id"] for i in exported] == []
    assert [o for o in bundle["objects"] if o["type"] == "incident"] == []
    for incident_id in (received.from_file, received.from_peer):
        assert client.get(f"/incidents/{incident_id}").status_code == 404
