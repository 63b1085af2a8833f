"""Peer pages as a browser meets them, on SQLite and PostgreSQL: a coordinator adds, changes
and removes a link (the removal counts the records it brought and asks keep or withdraw);
another organisation's coordinator gets 404; the secret is never in a page; and the sharing
page's peers table draws the traffic from PeerTraffic rows, with the numbers for screen
readers, health and lag, without inline scripts or styles."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.html import Node, alerts, db_rows, flash_after, html, sign_in, submit
from tests.sharing.peer_links_world import (
    API_ROOT,
    SECRET,
    World,
    add_traffic,
    bring,
    make_peer,
    make_world,
)
from vigil.core.config import Settings
from vigil.core.policy import TLP
from vigil.incidents.models import Incident
from vigil.sharing.peer_models import Peer


def form_data(world: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Police Berlin",
        "api_root": API_ROOT,
        "collection_id": "c-1",
        "username": "vigil",
        "secret": SECRET,
        "direction": "pull",
        "max_push_tlp": "green",
        "every_seconds": "300",
        "organisations": [str(world.a.id)],
        "networks": [str(world.network_id)],
    }
    data.update(changes)
    return data


def no_inline_code(page: Node) -> None:
    """CSP without inline scripts: scripts come from files, no element carries a style."""
    assert all(n.attrs.get("src") for n in page.find_all("script"))
    assert not page.find_all("style")
    assert not [n for n in page.walk() if "style" in n.attrs]


def test_a_coordinator_adds_changes_and_removes_a_peer_on_the_pages(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    sign_in(client, world.people["coordinator"].email)
    empty = html(client.get("/sharing/peers"))
    assert empty.find("label", for_="f-api_root").text == "TAXII API root"
    no_inline_code(empty)

    added = submit(client, "/sharing/peers", "/sharing/peers", form_data(world))

    listing = flash_after(client, added)
    assert "The peer Police Berlin is added." in listing.text
    [peer_id] = db_rows(settings, select(Peer.id))
    assert listing.find("tr", data_peer=str(peer_id)).find("a").text == "Police Berlin"
    edit = client.get(f"/sharing/peers/{peer_id}")
    assert SECRET not in listing.text and SECRET not in edit.text
    assert html(edit).find("input", id="f-secret").attrs.get("value") is None

    changed = submit(
        client,
        f"/sharing/peers/{peer_id}",
        f"/sharing/peers/{peer_id}",
        form_data(world, secret="", every_seconds="900", enabled="yes"),
    )

    assert "The peer Police Berlin is saved." in flash_after(client, changed).text
    [every] = db_rows(settings, select(Peer.every_seconds))
    assert every == 900

    incident_id, _ = bring(committed, world, peer_id, tlp=TLP.amber, to=[world.a])
    confirm = html(client.get(f"/sharing/peers/{peer_id}/remove"))
    assert confirm.find("label", id="withdraw-count").text == (
        "Withdraw them: 1 record this peer brought will be withdrawn"
    )
    no_inline_code(confirm)
    unchosen = submit(
        client, f"/sharing/peers/{peer_id}/remove", f"/sharing/peers/{peer_id}/remove", {}
    )
    assert unchosen.status_code == 422 and "records" in " ".join(alerts(html(unchosen)))

    removed = submit(
        client,
        f"/sharing/peers/{peer_id}/remove",
        f"/sharing/peers/{peer_id}/remove",
        {"records": "withdraw"},
    )

    assert "1 records withdrawn." in flash_after(client, removed).text
    assert db_rows(settings, select(Peer.id)) == []
    table = Incident.__recipients__
    assert db_rows(settings, select(table.c.org_id).where(table.c.record_id == incident_id)) == []


def test_another_organisations_coordinator_gets_404_on_the_pages(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    peer_id = make_peer(committed, settings, world, name="Hamburg Link")
    sign_in(client, world.people["coordinator_b"].email)

    listing = html(client.get("/sharing/peers"))
    token = listing.find("input", name="csrf_token").attrs["value"]

    assert "Hamburg Link" not in listing.text
    assert "Hamburg Link" not in html(client.get("/sharing")).text
    assert client.get(f"/sharing/peers/{peer_id}").status_code == 404
    assert client.get(f"/sharing/peers/{peer_id}/remove").status_code == 404
    for action, data in (
        (f"/sharing/peers/{peer_id}", form_data(world, name="Hijacked")),
        (f"/sharing/peers/{peer_id}/remove", {"records": "withdraw"}),
    ):
        response = client.post(action, data={"csrf_token": token, **data})
        assert response.status_code == 404, action
    assert db_rows(settings, select(Peer.name)) == ["Hamburg Link"]


def test_a_wrong_field_comes_back_named_and_the_secret_is_not_echoed(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    sign_in(client, world.people["coordinator"].email)

    response = submit(
        client, "/sharing/peers", "/sharing/peers", form_data(world, every_seconds="5")
    )

    assert response.status_code == 422
    page = html(response)
    assert any("every_seconds" in a for a in alerts(page))
    assert page.find("input", id="f-name").attrs["value"] == "Police Berlin"
    assert SECRET not in response.text
    assert db_rows(settings, select(Peer.id)) == []


def test_the_sharing_page_shows_each_peers_health_and_traffic_chart(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    peer_id = make_peer(committed, settings, world, name="Police Berlin")
    add_traffic(committed, peer_id, {0: (7, 2), 3: (12, 0), 13: (1, 4), 20: (99, 99)})
    committed.execute(
        update(Peer)
        .where(Peer.id == peer_id)
        .values(
            last_success_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3),
            last_error="timed out after 10 s",
        )
    )
    committed.commit()
    sign_in(client, world.people["coordinator"].email)

    page = html(client.get("/sharing"))

    row = page.find("table", id="peer-health").find("tr", data_peer=str(peer_id))
    assert row.find("a").text == "Police Berlin"
    assert "timed out after 10 s" in row.find("td", class_="peer-error").text
    assert row.find("td", data_field="lag").text == "3 hours"
    chart = row.find("svg")
    ins = [0] * 14
    outs = [0] * 14
    for ago, (i, o) in {0: (7, 2), 3: (12, 0), 13: (1, 4)}.items():
        ins[13 - ago], outs[13 - ago] = i, o
    expected = (
        "Objects per day over the last 14 days, oldest first: in "
        f"{', '.join(map(str, ins))}; out {', '.join(map(str, outs))}"
    )
    assert chart.attrs["role"] == "img" and chart.attrs["aria-label"] == expected
    assert chart.find("title").text == expected
    bars = chart.find_all("rect")
    assert len(bars) == 5  # the five non-zero counts of the last 14 days; day 20 is left out
    tallest = max(bars, key=lambda b: int(b.attrs["height"]))
    assert tallest.attrs["class"] == "bar-in" and int(tallest.attrs["height"]) == 24
    no_inline_code(page)
    assert SECRET not in client.get("/sharing").text
