"""The alert's board as cards (issue 19): need help first; filters for need help, not answered
and failed deliveries that keep themselves through the board's reloads; a call and a write link
to the first contacts of the sites whose contacts the viewer may see, and none for the others."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.alerts.test_pages import FORM, _email, _world
from tests.html import Node, html, sign_in, submit
from vigil.alerts.models import Delivery
from vigil.core.config import Settings
from vigil.core.crypto import encrypt
from vigil.core.db import transaction
from vigil.sites.models import SiteContact


def _cards(page: Node) -> dict[str, Node]:
    return {card.find("h3").text: card for card in page.find_all("li", class_="board-card")}


def test_filters_and_the_contacts_each_viewer_may_use(
    client: TestClient, settings: Settings
) -> None:
    world = _world(settings, site_tlp="green")  # the coordinator reads the peer's site too
    own, peer = world.site_ids[0], world.site_ids[1]
    with transaction(settings.sqlalchemy_url) as session:
        phone = encrypt(
            "+43 1 234 5678", keys=settings.encryption_keys, secret_key=settings.secret_key
        )
        session.execute(
            update(SiteContact)
            .where(SiteContact.site_id.in_([own, peer]), SiteContact.priority == 1)
            .values(phone_encrypted=phone)
        )
    sign_in(client, _email(settings, world.coordinator_id))
    alert_path = submit(client, "/alerts/new", "/alerts/new", FORM).headers["location"]
    alert_id = int(alert_path.rsplit("/", 1)[1])
    with transaction(settings.sqlalchemy_url) as session:  # one site's deliveries failed
        session.execute(
            update(Delivery).where(Delivery.alert_id == alert_id, Delivery.site_id == peer)
            .values(status="dead")
        )  # fmt: skip

    page = html(client.get(alert_path))
    cards = _cards(page)
    assert len(cards) == 3
    by_site = {int(c.attrs["data-site"]): c for c in cards.values()}
    own_links = [a.attrs["href"] for a in by_site[own].find_all("a")]
    assert "tel:+4312345678" in own_links
    assert any(href.startswith("mailto:") for href in own_links)
    assert by_site[peer].find_all("a") == []  # the peer's contacts are for the peer only

    filters = {a.attrs["id"]: a for a in page.find("nav", class_="board-filters").find_all("a")}
    assert filters["board-show-all"].attrs["aria-current"] == "page"
    assert "(3)" in filters["board-show-unanswered"].text
    assert "(1)" in filters["board-show-failed"].text
    assert "(0)" in filters["board-show-need_help"].text

    failed = html(client.get(f"{alert_path}?show=failed"))
    assert [int(c.attrs["data-site"]) for c in failed.find_all("li", class_="board-card")] == [peer]
    board = failed.find("div", id="board")
    assert board.attrs["hx-get"] == f"/alerts/{alert_id}/board?show=failed"  # kept on reload
    fragment = html(client.get(f"/alerts/{alert_id}/board?show=need_help"))
    assert fragment.find_all("li", class_="board-card") == []
    assert "No site on the board matches this filter." in fragment.text
    unknown = html(client.get(f"/alerts/{alert_id}/board?show=everything"))
    assert len(unknown.find_all("li", class_="board-card")) == 3  # an unknown filter shows all
