"""The annual report as a browser meets it: the builder (sections saved one by one, with and
without htmx), publishing, the public page and PDF at a stable URL, the frameable widget."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pypdfium2 as pdfium
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import csrf_of, html, sign_in, submit
from tests.orgs.factories import make_org, make_person
from tests.reports.annual_world import incident
from vigil.core.config import Settings
from vigil.core.policy import Principal, Role
from vigil.incidents.typology import Bias, IncidentType, Status
from vigil.orgs.models import Organisation, Person
from vigil.orgs.principals import load_principal


@dataclass
class Team:
    org: Organisation
    coordinator: Person
    analyst: Person
    principal: Principal


def make_team(committed: Session, settings: Settings) -> Team:
    org = make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    analyst = make_person(committed, settings, org=org, role=Role.analyst)
    principal = load_principal(committed, person_id=coordinator.id)
    assert principal is not None
    return Team(org, coordinator, analyst, principal)


def create(client: TestClient, title: str = "Incidents 2025") -> str:
    made = submit(
        client,
        "/annual-reports",
        "/annual-reports",
        {"title": title, "period_start": "2025-01-01", "period_end": "2026-01-01"},
    )
    assert made.status_code == 303, made.text
    return str(made.headers["location"])


def test_sections_save_one_by_one_with_and_without_htmx(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    committed.commit()
    sign_in(client, team.analyst.email)
    builder = create(client)
    page = html(client.get(builder))
    own_form = page.find("form", id="section-foreword")
    token = own_form.find("input", name="csrf_token").attrs["value"]
    assert token == csrf_of(page)
    fragment = client.post(
        builder + "/sections/foreword",
        data={"csrf_token": token, "text": "A year of more threats."},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert "Saved as version 1" in fragment.text
    assert "<html" not in fragment.text
    plain = submit(client, builder, builder + "/sections/outlook", {"text": "Next year"})
    assert plain.status_code == 303
    page = html(client.get(builder))
    assert page.find("textarea", id="s-foreword").text == "A year of more threats."
    assert page.find("textarea", id="s-outlook").text == "Next year"
    assert "Version 2" in page.text
    # analysts write but do not publish
    assert page.find_all("form", action=builder + "/publish") == []
    refused = submit(client, builder, builder + "/publish", {})
    assert refused.status_code == 403


def test_published_page_is_public_frozen_and_drafts_are_not(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    outsider = make_person(committed, settings, org=make_org(committed), role=Role.org_admin)
    clear = incident(
        committed,
        settings,
        team.principal,
        local=dt.datetime(2025, 2, 3, 10),
        tlp="clear",
        title="Stickers at the station",
        type=IncidentType.literature,
        bias=(Bias.antisemitism,),
    )
    incident(
        committed, settings, team.principal, local=dt.datetime(2025, 6, 3, 10), status=Status.closed
    )
    committed.commit()
    sign_in(client, team.coordinator.email)
    builder = create(client)
    report_id = builder.rsplit("/", 1)[1]
    submit(client, builder, builder + "/sections/summary", {"text": "Two incidents this year."})
    picked = submit(client, builder, builder + "/notable", {"add_incident": str(clear)})
    assert picked.status_code == 303
    assert (
        "Stickers at the station"
        in html(client.get(builder)).find("textarea", id=f"n-{clear}").text
    )
    public = f"/published/{team.org.slug}/incidents-2025"

    client.cookies.clear()
    assert client.get(public).status_code == 404
    assert client.get(builder, follow_redirects=False).status_code == 303  # to the login
    sign_in(client, outsider.email)
    assert client.get(builder).status_code == 404
    assert client.get(builder + "/preview").status_code == 404
    assert client.get(f"/annual-reports/{report_id}.pdf").status_code == 404
    client.cookies.clear()

    sign_in(client, team.coordinator.email)
    assert submit(client, builder, builder + "/publish", {}).status_code == 303
    client.cookies.clear()
    page = html(client.get(public))
    assert "TLP:CLEAR" in page.text
    assert page.find("strong", **{"data-figure": "total"}).text == "2"
    assert "Two incidents this year." in page.text
    assert "Stickers at the station" in page.text

    incident(committed, settings, team.principal, local=dt.datetime(2025, 9, 3, 10))
    committed.commit()
    assert html(client.get(public)).find("strong", **{"data-figure": "total"}).text == "2"

    pdf = client.get(public + ".pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    document = pdfium.PdfDocument(pdf.content)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Incidents 2025" in text and "Methodology" in text
    assert len(document) >= 3


def test_widget_may_be_framed_and_other_pages_may_not(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    incident(committed, settings, team.principal, local=dt.datetime(2025, 2, 3, 10))
    committed.commit()
    sign_in(client, team.coordinator.email)
    builder = create(client)
    submit(client, builder, builder + "/publish", {})
    client.cookies.clear()
    widget = client.get(f"/published/{team.org.slug}/widget")
    assert widget.status_code == 200
    assert "frame-ancestors *" in widget.headers["content-security-policy"]
    assert "frame-ancestors 'none'" not in widget.headers["content-security-policy"]
    assert "x-frame-options" not in widget.headers
    assert html(widget).find("strong", **{"data-figure": "total"}).text == "1"
    page = client.get(f"/published/{team.org.slug}/incidents-2025")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert client.get(f"/published/{make_org_slug(committed)}/widget").status_code == 404


def make_org_slug(committed: Session) -> str:
    org = make_org(committed)
    committed.commit()
    return org.slug


def test_draft_pdf_renders_for_the_organisation(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    committed.commit()
    sign_in(client, team.analyst.email)
    builder = create(client)
    pdf = client.get(builder + ".pdf")
    assert pdf.status_code == 200
    text = pdfium.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "Draft" in text
