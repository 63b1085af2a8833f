"""Incident pages on SQLite and PostgreSQL: the anonymous form and its receipt, the honeypot,
the member form, the triage queue (with and without htmx), the list's filters, the detail page's
edit and merge forms, and TLP deciding who may open an incident. HTML is parsed, never grepped."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import alerts, csrf_of, db_rows, html, sign_in, submit
from tests.orgs.factories import make_network, make_org, make_person
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.localisation import translations
from vigil.core.policy import TLP, Role
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.models import Incident, Report
from vigil.incidents.schemas import Place, ReportCreate, TriageDecision
from vigil.incidents.typology import Bias, IncidentType, Precision
from vigil.orgs import accounts
from vigil.orgs.models import Organisation, Person

YESTERDAY = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)


@dataclass
class World:
    org: Organisation
    reporter: Person
    analyst: Person
    coordinator: Person
    outsider: Person


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    org = make_org(committed)
    org.accepts_public_reports = True
    outsider_org = make_org(committed)
    make_network(committed, org, outsider_org)  # a shared network is not enough for AMBER+STRICT
    built = World(
        org=org,
        reporter=make_person(committed, settings, org=org, role=Role.reporter),
        analyst=make_person(committed, settings, org=org, role=Role.analyst),
        coordinator=make_person(committed, settings, org=org, role=Role.coordinator),
        outsider=make_person(committed, settings, org=outsider_org, role=Role.org_admin),
    )
    committed.commit()
    return built


def add_report(
    committed: Session, settings: Settings, person: Person, org: Organisation, **fields: Any
) -> int:
    values: dict[str, Any] = {
        "title": "Graffiti on the synagogue wall",
        "narrative": "Swastika sprayed next to the entrance overnight.",
        "occurred_from": YESTERDAY,
        "timezone": "Europe/Berlin",
        "place": Place(
            lat=52.5246, lon=13.3937, city="Berlin", country="DE", precision=Precision.exact
        ),
        "type": IncidentType.damage,
        "bias": [Bias.antisemitism],
        "contact": "witness@example.org",
    }
    values.update(fields)
    principal = replace(accounts.principal_for(committed, person.id), acting_org_id=org.id)
    report = reports_service.submit_report(
        session=committed, principal=principal, data=ReportCreate(**values), settings=settings
    )
    committed.commit()
    return report.id


def add_incident(committed: Session, settings: Settings, world: World, **fields: Any) -> int:
    report_id = add_report(committed, settings, world.reporter, world.org, **fields)
    principal = accounts.principal_for(committed, world.coordinator.id)
    incident = service.triage(
        session=committed,
        principal=principal,
        report_id=report_id,
        decision=TriageDecision(action="new_incident"),
    )
    assert incident is not None
    committed.commit()
    return incident.id


def public_form(world: World, **overrides: str) -> dict[str, str]:
    values = {
        "what_happened": "Two men shouted antisemitic slogans at the kindergarten gate.",
        "when": (dt.datetime.now() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "zone": "Europe/Berlin",
        "where": "Oranienburger Str 30, Berlin",
        "type": "abusive_behaviour",
        "contact": "+49 30 1234567",
        "website": "",
    }
    values.update(overrides)
    return values


# --- the anonymous public form ---------------------------------------------------------------


def test_public_form_submits_and_shows_the_receipt_which_shows_the_status(
    client: TestClient, world: World, settings: Settings
) -> None:
    path = f"/report/{world.org.slug}"
    form = html(client.get(path))
    honeypot = form.find("input", name="website")
    assert honeypot.attrs["tabindex"] == "-1" and honeypot.attrs["autocomplete"] == "off"
    assert honeypot.parent is not None and honeypot.parent.attrs["aria-hidden"] == "true"
    assert "hp-field" in honeypot.parent.attrs["class"].split()
    for field in form.find("form", action=path).find_all("input") + form.find_all("textarea"):
        if field.attrs.get("type") != "hidden":
            assert form.find("label", for_=field.attrs["id"]), field.attrs

    response = submit(client, path, path, public_form(world))

    assert response.status_code == 200, response.text
    page = html(response)
    receipt = page.find("code", id="receipt-code").text
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){2}[0-9A-HJKMNP-TV-Z]{4}", receipt)
    assert "Keep this code" in page.find("section", class_="receipt-box").text
    (report,) = db_rows(settings, select(Report))
    assert (report.source, report.status, report.owner_org_id) == ("public", "new", world.org.id)
    assert report.contact_encrypted and "1234567" not in report.contact_encrypted

    status = submit(client, "/report/status", "/report/status", {"receipt": f" {receipt} "})
    shown = html(status).find("p", class_="receipt-status")
    assert shown.attrs["data-status"] == "received"
    assert "Graffiti" not in html(status).find("main").text


def test_the_time_typed_is_read_in_the_browsers_zone(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    path = f"/report/{world.org.slug}"
    typed = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(second=0, microsecond=0)
    local = typed.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%dT%H:%M")

    response = submit(client, path, path, public_form(world, when=local, zone="Asia/Tokyo"))

    assert response.status_code == 200, response.text
    (report,) = db_rows(settings, select(Report))
    with committed.begin():
        stored = reports_service.latest_version(committed, report.id)["occurred_from"]
    assert dt.datetime.fromisoformat(stored) == typed


def test_honeypot_gets_a_receipt_but_stores_nothing(
    client: TestClient, world: World, settings: Settings
) -> None:
    path = f"/report/{world.org.slug}"

    response = submit(client, path, path, public_form(world, website="http://spam.example"))

    assert response.status_code == 200
    assert html(response).find("code", id="receipt-code").text
    assert db_rows(settings, select(Report)) == []


def test_public_form_errors_name_the_field_and_keep_the_answers(
    client: TestClient, world: World, settings: Settings
) -> None:
    path = f"/report/{world.org.slug}"
    future = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    short = submit(client, path, path, public_form(world, what_happened="Too short"))
    later = submit(client, path, path, public_form(world, when=future))

    assert short.status_code == later.status_code == 422
    assert alerts(html(short))[0].startswith("what_happened:")
    assert html(short).find("p", id="what_happened-error")
    assert html(short).find("input", name="where").attrs["value"] == "Oranienburger Str 30, Berlin"
    assert "future" in html(later).find("p", id="when-error").text
    assert db_rows(settings, select(Report)) == []


def test_receipt_status_of_unknown_and_of_handled_reports(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    path = f"/report/{world.org.slug}"
    receipt = html(submit(client, path, path, public_form(world))).find("code", id="receipt-code")
    (report,) = db_rows(settings, select(Report))
    service.triage(
        session=committed,
        principal=accounts.principal_for(committed, world.coordinator.id),
        report_id=report.id,
        decision=TriageDecision(action="reject", reason="Not an incident"),
    )
    committed.commit()

    unknown = submit(client, "/report/status", "/report/status", {"receipt": "nope" * 5})
    handled = submit(client, "/report/status", "/report/status", {"receipt": receipt.text})

    assert unknown.status_code == 404
    assert alerts(html(unknown)) == ["No report has this receipt code."]
    assert html(handled).find("p", class_="receipt-status").attrs["data-status"] == "closed"
    assert "Not an incident" not in html(handled).text


def test_report_is_the_default_organisations_form_or_a_list(
    world: World, settings: Settings, committed: Session
) -> None:
    closed = make_org(committed)
    committed.commit()
    with TestClient(create_app(settings)) as plain:
        listed = html(plain.get("/report"))
    links = [a.attrs["href"] for a in listed.find("ul", class_="choose-list").find_all("a")]
    assert links == [f"/report/{world.org.slug}"]
    assert closed.slug not in listed.text

    with TestClient(create_app(settings.model_copy(update={"default_org": world.org.slug}))) as c:
        page = html(c.get("/report"))
    assert page.find("form", action=f"/report/{world.org.slug}")
    assert TestClient(create_app(settings)).get(f"/report/{closed.slug}").status_code == 404


def test_a_flood_of_public_reports_gets_a_friendly_429_that_keeps_the_text(
    world: World, settings: Settings
) -> None:
    client = TestClient(create_app(settings.model_copy(update={"public_report_burst": 2})))
    path = f"/report/{world.org.slug}"
    for _ in range(2):
        assert submit(client, path, path, public_form(world)).status_code == 200

    response = submit(client, path, path, public_form(world))

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    page = html(response)
    assert page.find("section", id="throttled").find("h2").text == "Please wait a little"
    assert page.find("textarea", name="what_happened").text == public_form(world)["what_happened"]
    assert len(db_rows(settings, select(Report))) == 2


def test_forms_without_csrf_token_are_refused(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    report_id = add_report(committed, settings, world.reporter, world.org)
    client.get(f"/report/{world.org.slug}")  # the CSRF cookie is set, the field is missing

    public = client.post(f"/report/{world.org.slug}", data=public_form(world))
    sign_in(client, world.coordinator.email)
    triage = client.post(f"/incidents/triage/{report_id}", data={"action": "new_incident"})

    assert public.status_code == triage.status_code == 403
    assert html(public).find("h1").text == "Forbidden"
    (report,) = db_rows(settings, select(Report))
    assert report.status == "new"
    assert db_rows(settings, select(Incident)) == []


# --- the member form -----------------------------------------------------------------------


def member_form(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Person filming the entrance",
        "narrative": "Filmed the guards for twenty minutes.",
        "occurred_from": (dt.datetime.now() - dt.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "Europe/Berlin",
        "address": "Oranienburger Str 30",
        "city": "Berlin",
        "country": "DE",
        "lat": "52.524600",
        "lon": "13.393700",
        "type": "hostile_reconnaissance",
        "bias": ["antisemitism", "unknown"],
        "ihra": ["ihra.9"],
        "severity": "moderate",
        "injuries": "0",
        "tlp": "amber+strict",
        "contact": "guard@example.org",
    }
    values.update(overrides)
    return values


def test_member_report_form_saves_an_exact_point_with_codes(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    sign_in(client, world.reporter.email)
    form = html(client.get("/incidents/report"))
    assert form.find("p", class_="ihra-reminder").text.startswith("Criticism of Israel")
    assert form.find("input", name="timezone").attrs["value"] == "Europe/Berlin"
    assert form.find("div", class_="map").attrs["data-pick-lat"] == "f-lat"

    response = submit(client, "/incidents/report", "/incidents/report", member_form())

    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/incidents"
    (report,) = db_rows(settings, select(Report))
    with committed.begin():
        data = reports_service.latest_version(committed, report.id)
    assert data["place"]["precision"] == "exact" and data["place"]["lat"] == 52.5246
    assert data["bias"] == ["antisemitism", "unknown"] and data["ihra"] == ["ihra.9"]
    assert report.contact_encrypted


def test_member_form_drops_hidden_ihra_ticks_and_uses_a_picked_place(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    sign_in(client, world.reporter.email)
    offered = html(client.get("/incidents/places", params={"address": "Wien"}))
    choice = offered.find("input", name="candidate")
    assert "Vienna" in offered.find("label", for_=choice.attrs["id"]).text

    values = member_form(
        bias=["racism_xenophobia"], lat="", lon="", city="", country="", address="Wien",
        candidate=choice.attrs["value"],
    )  # fmt: skip
    response = submit(client, "/incidents/report", "/incidents/report", values)

    assert response.status_code == 303, response.text
    (report,) = db_rows(settings, select(Report))
    with committed.begin():
        data = reports_service.latest_version(committed, report.id)
    assert data["ihra"] == []
    assert (data["place"]["city"], data["place"]["country"]) == ("Vienna", "AT")
    assert data["place"]["precision"] == "city"


def test_place_candidates_put_the_organisations_country_and_its_neighbours_first(
    client: TestClient, world: World, committed: Session
) -> None:
    """Brest is a port in Brittany and a city on the Polish border: with no country chosen, a
    French organisation is offered its own first, a Polish one the neighbour's."""

    def offered_countries() -> list[str]:
        page = html(client.get("/incidents/places", params={"city": "Brest"}))
        return [label.text.rsplit(",", 1)[-1].strip() for label in page.find_all("label")]

    sign_in(client, world.reporter.email)
    for country, first in (("FR", "France"), ("PL", "Belarus")):
        world.org.country = country
        committed.commit()
        assert offered_countries()[0].startswith(first), offered_countries()


def test_member_form_errors_are_shown_on_the_form(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.reporter.email)

    response = submit(
        client, "/incidents/report", "/incidents/report", member_form(lat="north", title="Kept")
    )

    assert response.status_code == 422
    page = html(response)
    assert alerts(page)[0].startswith("place.lat:")
    assert page.find("p", id="place.lat-error")
    assert page.find("input", name="title").attrs["value"] == "Kept"
    assert db_rows(settings, select(Report)) == []


def test_a_forms_type_error_is_shown_in_the_readers_language(
    client: TestClient, world: World, settings: Settings
) -> None:
    """pydantic's "Input should be a valid number" is no msgid: the page shows Vigil's own
    message for its kind of error, translated, beside the field and in the summary."""
    sign_in(client, world.reporter.email)
    values = member_form(lat="north", title="x" * 301)
    page = "/incidents/report?lang=cs"
    response = submit(client, page, page, values)
    assert response.status_code == 422
    czech = translations("cs").gettext
    assert czech("must be a number") != "must be a number", "compile the catalogues first"
    found = html(response)
    assert found.find("p", id="place.lat-error").text == czech("must be a number")
    assert alerts(found)[0] == f"place.lat: {czech('must be a number')}"
    english = submit(client, "/incidents/report", "/incidents/report", values)
    assert html(english).find("p", id="place.lat-error").text == "must be a number"


# --- triage ---------------------------------------------------------------------------------


def test_triage_queue_new_incident_attach_and_reject(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    first = add_report(committed, settings, world.reporter, world.org)
    second = add_report(committed, settings, world.reporter, world.org, contact="")
    third = add_report(committed, settings, world.reporter, world.org, title="Spam")
    sign_in(client, world.coordinator.email)

    queue = html(client.get("/incidents/triage"))
    ids = [a.attrs["id"] for a in queue.find_all("article", class_="triage-item")]
    assert ids == [f"report-{first}", f"report-{second}", f"report-{third}"]
    card = queue.find("article", id=f"report-{first}")
    assert "witness@example.org" in card.text

    made = submit(
        client, "/incidents/triage", f"/incidents/triage/{first}", {"action": "new_incident"}
    )
    assert made.status_code == 303
    (incident,) = db_rows(settings, select(Incident))
    flashed = html(client.get(made.headers["location"]))
    assert f"Incident #{incident.id} is made from report #{first}." in flashed.text

    # The second report is the same event: the queue suggests the new incident, with reasons.
    card = html(client.get("/incidents/triage")).find("article", id=f"report-{second}")
    suggestion = card.find("li", class_="duplicate")
    assert suggestion.find("a").attrs["href"] == f"/incidents/{incident.id}"
    assert "apart" in suggestion.text
    token = csrf_of(html(client.get("/incidents/triage")))
    attached = client.post(
        f"/incidents/triage/{second}",
        data={"csrf_token": token, "action": "attach", "incident_id": f"#{incident.id}"},
        headers={"HX-Request": "true"},
    )
    assert attached.status_code == 200
    fragment = html(attached)
    assert fragment.find("article", id=f"report-{second}").find("a").attrs["href"] == (
        f"/incidents/{incident.id}"
    )
    assert "attached to incident" in fragment.find("div", id="live-status").text

    no_reason = client.post(
        f"/incidents/triage/{third}",
        data={"csrf_token": token, "action": "reject", "reason": " "},
        headers={"HX-Request": "true"},
    )
    assert no_reason.status_code == 422
    assert html(no_reason).find("article", id=f"report-{third}").find("p", role="alert")
    rejected = client.post(
        f"/incidents/triage/{third}",
        data={"csrf_token": token, "action": "reject", "reason": "Spam"},
        headers={"HX-Request": "true"},
    )
    assert rejected.status_code == 200

    statuses = {r.id: (r.status, r.incident_id) for r in db_rows(settings, select(Report))}
    assert statuses == {
        first: ("attached", incident.id),
        second: ("attached", incident.id),
        third: ("rejected", None),
    }
    assert html(client.get("/incidents/triage")).find_all("article", class_="triage-item") == []


def test_triage_attach_to_an_unknown_incident_says_so(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    report_id = add_report(committed, settings, world.reporter, world.org)
    sign_in(client, world.coordinator.email)

    response = submit(
        client,
        "/incidents/triage",
        f"/incidents/triage/{report_id}",
        {"action": "attach", "incident_id": "999999"},
    )

    assert response.status_code == 303
    page = html(client.get("/incidents/triage"))
    assert "No such incident" in alerts(page)[0]
    assert page.find("article", id=f"report-{report_id}")


def test_triage_queue_is_for_coordinators(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.analyst.email)

    assert client.get("/incidents/triage").status_code == 403


# --- list and detail -------------------------------------------------------------------------


def test_list_filters_narrow_the_results(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    berlin = add_incident(committed, settings, world)
    prague = add_incident(
        committed,
        settings,
        world,
        title="Threatening e-mail to the school",
        narrative="An anonymous e-mail threatened an attack.",
        type=IncidentType.threat,
        bias=[Bias.anti_muslim],
        place=Place(city="Prague", country="CZ"),
        occurred_from=YESTERDAY - dt.timedelta(days=40),
    )
    sign_in(client, world.analyst.email)

    def listed(**params: Any) -> list[str]:
        response = client.get("/incidents", params=params)
        assert response.status_code == 200, response.text
        table = html(response).find_all("table", class_="incident-table")
        if not table:
            return []
        return [a.attrs["href"] for a in table[0].find("tbody").find_all("a")]

    assert listed() == [f"/incidents/{berlin}", f"/incidents/{prague}"]
    assert listed(type="threat") == [f"/incidents/{prague}"]
    assert listed(bias="antisemitism") == [f"/incidents/{berlin}"]
    assert listed(country="CZ") == [f"/incidents/{prague}"]
    assert listed(city="berlin") == [f"/incidents/{berlin}"]
    assert listed(q="anonymous e-mail") == [f"/incidents/{prague}"]
    since = (YESTERDAY - dt.timedelta(days=5)).date().isoformat()
    assert listed(**{"from": since}) == [f"/incidents/{berlin}"]
    assert listed(tlp="amber+strict", source="member", status="triaged") == [
        f"/incidents/{berlin}",
        f"/incidents/{prague}",
    ]
    assert listed(status="closed") == []
    page = html(client.get("/incidents", params={"country": "DE"}))
    points = page.find("div", id="list-map").attrs["data-points"]
    assert f'"id": {berlin}' in points or f'"id":{berlin}' in points

    bad = client.get("/incidents", params={"type": "picnic"})
    assert bad.status_code == 422
    assert alerts(html(bad))[0].startswith("type.0:")
    for field, day in (("to", "9999-12-31"), ("from", "0001-01-01")):
        outside = client.get("/incidents", params={field: day})
        assert outside.status_code == 422, outside.text
        assert "between 1900 and 2200" in alerts(html(outside))[0]


def test_list_pages_keep_the_filters(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    from vigil.incidents import list_pages

    for n in range(list_pages.PAGE_SIZE + 1):
        add_incident(committed, settings, world, title=f"Sticker {n}")
    sign_in(client, world.analyst.email)

    first = html(client.get("/incidents", params={"q": "sticker"}))
    older = first.find("a", rel="next").attrs["href"]

    assert older == "/incidents?q=sticker&page=2"
    rows = html(client.get(older)).find("table", class_="incident-table").find_all("tr")
    assert len(rows) == 2  # the header and the one left


def test_list_says_more_than_when_the_count_stops(
    client: TestClient,
    world: World,
    settings: Settings,
    committed: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vigil.incidents import list_pages, queries

    for n in range(list_pages.PAGE_SIZE + 1):
        add_incident(committed, settings, world, title=f"Sticker {n}")
    monkeypatch.setattr(queries, "COUNT_LIMIT", 10)
    sign_in(client, world.analyst.email)

    first = html(client.get("/incidents", params={"q": "sticker"}))

    assert first.find(id="result-count").text == f"More than {list_pages.PAGE_SIZE} incidents"
    assert first.find(id="page-range").text == f"1–{list_pages.PAGE_SIZE} of more than 25"
    assert first.find("a", rel="next").attrs["href"] == "/incidents?q=sticker&page=2"
    assert first.find_all("a", class_="page-last") == []  # the last page is not known
    last = html(client.get("/incidents", params={"q": "sticker", "page": 2}))
    assert last.find(id="result-count").text == f"{list_pages.PAGE_SIZE + 1} incidents"
    assert last.find_all("a", rel="next") == []


def test_detail_shows_fields_reports_history_and_contact_to_coordinators_only(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    incident_id = add_incident(committed, settings, world, ihra=["ihra.9"])
    sign_in(client, world.coordinator.email)

    page = html(client.get(f"/incidents/{incident_id}"))

    assert page.find("h1").text == f"#{incident_id} Graffiti on the synagogue wall"
    assert page.find("span", class_="tlp").text == "TLP:AMBER+STRICT"
    facts = page.find("dl", class_="facts").text
    assert "Damage or desecration of property" in facts and "Antisemitism" in facts
    assert "Europe/Berlin" in facts
    assert page.find("p", class_="ihra-reminder")
    assert page.find("dd", class_="contact").text == "witness@example.org"
    assert "Made from report" in page.find("ol", class_="history").text
    assert page.find("div", id="incident-map").attrs["data-points"]
    assert page.find("form", action=f"/incidents/{incident_id}/merge")

    client.cookies.clear()
    sign_in(client, world.analyst.email)
    as_analyst = html(client.get(f"/incidents/{incident_id}"))
    assert as_analyst.find_all("dd", class_="contact") == []
    assert "witness@example.org" not in as_analyst.text
    assert as_analyst.find("form", action=f"/incidents/{incident_id}/edit")
    assert as_analyst.find_all("form", action=f"/incidents/{incident_id}/merge") == []


def test_outsider_gets_404_for_another_orgs_amber_strict_incident(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    incident_id = add_incident(committed, settings, world, title="Suspected reconnaissance")
    sign_in(client, world.outsider.email)

    detail = client.get(f"/incidents/{incident_id}")
    listed = html(client.get("/incidents"))
    edit = submit(client, "/incidents", f"/incidents/{incident_id}/edit", {"title": "Mine now"})

    assert detail.status_code == 404
    assert "Suspected reconnaissance" not in html(detail).text
    assert "Suspected reconnaissance" not in listed.find("main").text
    assert edit.status_code == 404
    assert client.get("/incidents/not-a-number").status_code == 404


def test_edit_saves_and_shows_errors_on_the_form(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    incident_id = add_incident(committed, settings, world)
    sign_in(client, world.analyst.email)
    path = f"/incidents/{incident_id}"
    form = html(client.get(path)).find("form", action=f"{path}/edit")
    values: dict[str, Any] = {
        i.attrs["name"]: i.attrs.get("value", "")
        for i in form.find_all("input")
        if i.attrs.get("type") not in ("checkbox", "radio")
    }
    values.update(
        {
            "narrative": "Repainted on Monday.",
            "type": "damage",
            "severity": "minor",
            "bias": ["antisemitism"],
            "country": "DE",
            "precision": "exact",
            "tlp": "amber+strict",
            "status": "triaged",
        }
    )

    saved = submit(client, path, f"{path}/edit", {**values, "title": "Graffiti, repainted"})
    closing = submit(client, path, f"{path}/edit", {**values, "status": "closed"})
    loosening = submit(client, path, f"{path}/edit", {**values, "tlp": "clear"})

    assert saved.status_code == 303, saved.text
    assert html(client.get(path)).find("h1").text == f"#{incident_id} Graffiti, repainted"
    assert closing.status_code == 422
    page = html(closing)
    assert page.find("details", class_="panel").attrs.get("open") == ""
    assert "cannot go from triaged to closed" in page.find("p", id="status-error").text
    assert loosening.status_code == 403
    assert "coordinator" in alerts(html(loosening))[0]
    (incident,) = db_rows(settings, select(Incident))
    assert (incident.title, incident.status, incident.tlp) == (
        "Graffiti, repainted",
        "triaged",
        TLP.amber_strict.value,
    )
    history = html(client.get(path)).find("ol", class_="history").text
    assert "Edited: narrative, severity, title (Triaged)" in history


def test_merge_and_undo_from_the_detail_page(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    kept = add_incident(committed, settings, world)
    folded = add_incident(committed, settings, world, title="Second account of the graffiti")
    sign_in(client, world.coordinator.email)

    itself = submit(
        client, f"/incidents/{folded}", f"/incidents/{folded}/merge", {"target_id": str(folded)}
    )
    merged = submit(
        client, f"/incidents/{folded}", f"/incidents/{folded}/merge", {"target_id": str(kept)}
    )

    assert itself.status_code == 422
    assert html(itself).find("p", id="target_id-error")
    assert merged.headers["location"] == f"/incidents/{kept}"
    target = html(client.get(f"/incidents/{kept}"))
    assert len(target.find("ul", class_="report-list").find_all("li")) == 2
    assert f"from merged incident #{folded}" in target.find("ul", class_="report-list").text
    source = html(client.get(f"/incidents/{folded}"))
    assert source.find("a", href=f"/incidents/{kept}")
    undone = submit(client, f"/incidents/{folded}", f"/incidents/{folded}/unmerge", {})
    assert undone.status_code == 303
    statuses = {i.id: i.status for i in db_rows(settings, select(Incident))}
    assert statuses == {kept: "triaged", folded: "triaged"}


def test_incidents_is_in_the_navigation(client: TestClient, world: World) -> None:
    sign_in(client, world.reporter.email)

    nav = html(client.get("/")).find("nav", class_="nav-wide")

    assert nav.find("a", href="/incidents").text == "Incidents"
