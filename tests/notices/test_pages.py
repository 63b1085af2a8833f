"""Notice pages: publishing through the form, and TLP deciding who may open a notice."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import alerts, db_rows, html, sign_in, submit
from tests.orgs.factories import make_network, make_org, make_person
from vigil.core.config import Settings
from vigil.core.policy import TLP, Role
from vigil.notices import service as notices_service
from vigil.notices.models import Notice
from vigil.notices.schemas import NoticeCreate
from vigil.orgs import accounts
from vigil.orgs.recipients import Recipients, get_recipients


def test_create_notice_via_the_form(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    mine, peer = make_org(committed), make_org(committed)
    make_network(committed, mine, peer)
    analyst = make_person(committed, settings, org=mine, role=Role.analyst)
    committed.commit()
    sign_in(client, analyst.email)

    form = html(client.get("/notices/new"))
    options = {
        o.text: o.attrs["value"] for o in form.find("select", name="recipient_org_ids").walk()
    }
    response = submit(
        client,
        "/notices/new",
        "/notices/new",
        {
            "title": "Raised threat over the holidays",
            "body": "Extra patrols from Friday.\nReport anything unusual.",
            "tlp": "amber",
            "recipient_org_ids": [options[peer.name]],
        },
    )

    assert response.status_code == 303
    page = html(client.get(response.headers["location"]))
    assert page.find("h1").text == "Raised threat over the holidays"
    badge = page.find("span", class_="tlp")
    assert badge.text == "TLP:AMBER" and "tlp-amber" in badge.attrs["class"].split()
    assert "Extra patrols from Friday." in page.find("div", class_="notice-body").text
    assert peer.name in page.find("section").text
    with committed.begin():
        notice = committed.scalars(select(Notice)).one()
        assert (notice.owner_org_id, notice.author_id, notice.tlp) == (mine.id, analyst.id, "amber")
        assert get_recipients(committed, notice).organisation_ids == [peer.id]
    listed = html(client.get("/notices"))
    assert [a.text for a in listed.find("ul", class_="notice-list").find_all("a")] == [
        "Raised threat over the holidays"
    ]


def test_invalid_notice_keeps_what_was_typed(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    analyst = make_person(committed, settings, org=make_org(committed), role=Role.analyst)
    committed.commit()
    sign_in(client, analyst.email)

    response = submit(
        client, "/notices/new", "/notices/new", {"title": "  ", "body": "Keep me", "tlp": "red"}
    )

    assert response.status_code == 422
    page = html(response)
    assert alerts(page)[0].startswith("title:")
    assert page.find("textarea", name="body").text == "Keep me"
    assert page.find("option", value="red").attrs.get("selected") == ""
    assert db_rows(settings, select(Notice)) == []


def test_viewer_may_not_publish_and_sees_why(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    viewer = make_person(committed, settings, org=make_org(committed), role=Role.viewer)
    committed.commit()
    sign_in(client, viewer.email)

    response = submit(client, "/notices/new", "/notices/new", {"title": "Hello", "tlp": "green"})

    assert response.status_code == 403
    assert "Analyst or higher" in alerts(html(response))[0]
    assert db_rows(settings, select(Notice)) == []


def test_outsider_gets_404_for_another_orgs_amber_strict_notice(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    owner, outsider_org = make_org(committed), make_org(committed)
    make_network(committed, owner, outsider_org)  # sharing a network is not enough
    author = make_person(committed, settings, org=owner, role=Role.analyst)
    outsider = make_person(committed, settings, org=outsider_org, role=Role.org_admin)
    principal = accounts.principal_for(committed, author.id)
    notice = notices_service.create_notice(
        session=committed,
        principal=principal,
        data=NoticeCreate(
            title="Suspected reconnaissance at the school",
            tlp=TLP.amber_strict,
            recipients=Recipients(),
        ),
    )
    committed.commit()
    sign_in(client, outsider.email)

    detail = client.get(f"/notices/{notice.id}")
    listed = html(client.get("/notices"))
    dashboard = html(client.get("/"))

    assert detail.status_code == 404
    assert "Suspected reconnaissance" not in html(detail).text
    assert "Suspected reconnaissance" not in listed.find("main").text
    assert "Suspected reconnaissance" not in dashboard.find("main").text
    assert client.get("/notices/not-a-number").status_code == 404
