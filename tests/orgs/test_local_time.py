"""Times in the reader's zone: a member sees every time in their own zone, else their
organisation's, with the locale's formats (24-hour in Czech) and the UTC instant on hover; a
time typed in a form means that zone's wall clock, also across a change of summer time; and the
language comes from the link, the person, the browser, then the organisation. HTML is parsed."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import Node, db_rows, flash_after, html, sign_in, submit
from tests.incidents.test_pages import member_form
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents import reports as reports_service
from vigil.incidents.models import Report
from vigil.orgs.models import Organisation, Person
from vigil.orgs.principals import issue_api_token

# 16:05 UTC on 1 July is 18:05 in Prague (summer time) and 12:05 in New York.
CREATED = dt.datetime(2026, 7, 1, 16, 5, tzinfo=dt.UTC)


def _czech_member(committed: Session, settings: Settings, *, role: Role = Role.analyst) -> Person:
    """A Czech-speaking member of an organisation in Czechia with an API token made at CREATED."""
    org = make_org(committed, country="CZ")
    person = make_person(committed, settings, org=org, role=role)
    person.locale = "cs"
    token, _secret = issue_api_token(committed, person_id=person.id, name="SIEM")
    token.created_at = CREATED
    committed.commit()
    return person


def _token_created(page: Node) -> Node:
    (cell,) = [td for td in page.find_all("td") if td.attrs.get("data-label") == "Vytvořeno"]
    return cell.find("time")


def test_a_czech_viewer_in_prague_sees_local_24_hour_times_with_utc_on_hover(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = _czech_member(committed, settings)
    sign_in(client, person.email)

    shown = _token_created(html(client.get("/account")))

    assert shown.text == "1. 7. 2026 18:05"
    assert shown.attrs["datetime"] == "2026-07-01T16:05:00Z"
    assert shown.attrs["title"] == "1. 7. 2026 16:05 UTC"


def test_a_persons_own_zone_wins_over_the_organisations(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = _czech_member(committed, settings)
    sign_in(client, person.email)
    values = {"name": person.name, "locale": "cs", "time_zone": "America/New_York"}

    flash_after(client, submit(client, "/account", "/account/profile", values))

    page = html(client.get("/account"))
    assert _token_created(page).text == "1. 7. 2026 12:05"
    assert page.find("input", name="time_zone").attrs["value"] == "America/New_York"
    (entry,) = db_rows(settings, select(AuditEntry).where(AuditEntry.action == "profile.update"))
    assert json.loads(entry.detail) == {"fields": ["time_zone"]} and entry.actor_id == person.id

    # Emptied, the organisation's zone (its country's) applies again.
    values["time_zone"] = ""
    flash_after(client, submit(client, "/account", "/account/profile", values))
    assert _token_created(html(client.get("/account"))).text == "1. 7. 2026 18:05"


def test_an_unknown_zone_on_the_profile_is_refused_on_its_field(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = _czech_member(committed, settings)
    sign_in(client, person.email)
    values = {"name": person.name, "locale": "cs", "time_zone": "Mars/Olympus_Mons"}

    response = submit(client, "/account", "/account/profile", values)

    assert response.status_code == 422
    page = html(response)
    error = page.find("p", id="time_zone-error")
    assert "Mars/Olympus_Mons" in error.text and "Europe/Prague" in error.text
    assert page.find("input", name="time_zone").attrs["value"] == "Mars/Olympus_Mons"
    assert db_rows(settings, select(Person.time_zone).where(Person.id == person.id)) == [""]


def test_a_time_typed_in_a_form_is_the_readers_wall_clock_across_summer_time(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    """Prague moves its clocks from 02:00 to 03:00 on 29 March 2026: 01:30 is still winter
    time (UTC+1), 03:30 already summer time (UTC+2)."""
    person = _czech_member(committed, settings, role=Role.reporter)
    sign_in(client, person.email)
    form = html(client.get("/incidents/report"))
    assert form.find("input", name="timezone").attrs["value"] == "Europe/Prague"

    for typed in ("2026-03-29T01:30", "2026-03-29T03:30"):
        # The zone field left empty (typed over): the reader's zone is meant.
        values = member_form(occurred_from=typed, timezone="", country="CZ")
        response = submit(client, "/incidents/report", "/incidents/report", values)
        assert response.status_code == 303, response.text

    stored = []
    for report_id in db_rows(settings, select(Report.id).order_by(Report.id)):
        with committed.begin():
            data = reports_service.latest_version(committed, report_id)
        stored.append((dt.datetime.fromisoformat(data["occurred_from"]), data["timezone"]))
    instants = [moment.astimezone(dt.UTC) for moment, _zone in stored]
    assert instants == [
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),
    ]
    assert {zone for _moment, zone in stored} == {"Europe/Prague"}


def test_the_public_form_reads_a_time_in_its_organisations_zone_without_script(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed, country="DE")
    org.accepts_public_reports, org.time_zone = True, "Europe/Sofia"
    committed.commit()
    page = html(client.get(f"/report/{org.slug}"))
    assert page.find("input", name="zone").attrs["value"] == "Europe/Sofia"

    values = {
        "what_happened": "Someone sprayed a swastika on the door of the community centre.",
        # Sofia is UTC+2 in winter: 12:00 there is 10:00 UTC.
        "when": "2026-01-15T12:00",
        "zone": "",
        "where": "Sofia",
        "type": "damage",
        "website": "",
    }
    response = submit(client, f"/report/{org.slug}", f"/report/{org.slug}", values)

    assert response.status_code == 200, response.text
    (report_id,) = db_rows(settings, select(Report.id))
    with committed.begin():
        data = reports_service.latest_version(committed, report_id)
    when = dt.datetime.fromisoformat(data["occurred_from"])
    assert when.astimezone(dt.UTC) == dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)


# --- the language chain ---------------------------------------------------------------------


def _language(response_page: Node) -> str:
    return response_page.find("html").attrs["lang"]


def test_the_public_form_speaks_its_organisations_language_when_the_browser_asks_for_none(
    client: TestClient, committed: Session
) -> None:
    org = make_org(committed)
    org.accepts_public_reports, org.default_locale = True, "cs"
    committed.commit()
    path = f"/report/{org.slug}"

    assert _language(html(client.get(path))) == "cs"
    assert _language(html(client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9"}))) == "de"
    # A language Vigil does not have falls through to the organisation's.
    assert _language(html(client.get(path, headers={"Accept-Language": "ja"}))) == "cs"
    assert _language(html(client.get(path + "?lang=fr", headers={"Accept-Language": "de"}))) == "fr"


def test_a_member_who_chose_no_language_gets_the_browsers_else_the_organisations(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    org.default_locale = "pl"
    person = make_person(committed, settings, org=org)
    committed.commit()
    assert person.locale == ""  # a new account has not chosen
    sign_in(client, person.email)

    assert _language(html(client.get("/account"))) == "pl"
    assert _language(html(client.get("/account", headers={"Accept-Language": "nl"}))) == "nl"

    person_row = committed.get(Person, person.id)
    assert person_row is not None
    person_row.locale = "bg"
    committed.commit()
    assert _language(html(client.get("/account", headers={"Accept-Language": "nl"}))) == "bg"
    assert _language(html(client.get("/account?lang=he"))) == "he"


# --- the organisation's settings ------------------------------------------------------------


def _admin_of(committed: Session, settings: Settings) -> tuple[Organisation, Person]:
    org = make_org(committed, country="BE")
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    committed.commit()
    return org, admin


def test_an_admin_sets_the_organisations_language_zone_and_precision_audited(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org, admin = _admin_of(committed, settings)
    sign_in(client, admin.email)
    page = html(client.get(f"/orgs/{org.slug}/admin"))
    assert "Europe/Brussels" in page.find("p", id="s-time_zone-hint").text
    values = {
        "default_locale": "fr",
        "time_zone": "Europe/Paris",
        "public_location_precision_m": "500",
    }

    response = submit(client, f"/orgs/{org.slug}/admin", f"/orgs/{org.slug}/admin/settings", values)

    assert response.status_code == 303, response.text
    (saved,) = db_rows(settings, select(Organisation).where(Organisation.id == org.id))
    assert (saved.default_locale, saved.time_zone) == ("fr", "Europe/Paris")
    assert saved.public_location_precision_m == 500
    (entry,) = db_rows(settings, select(AuditEntry).where(AuditEntry.action == "org.settings"))
    assert entry.org_id == org.id and entry.actor_id == admin.id
    assert json.loads(entry.detail) == {
        "default_locale": {"from": "", "to": "fr"},
        "time_zone": {"from": "", "to": "Europe/Paris"},
        "public_location_precision_m": {"from": 1000, "to": 500},
    }
    # Saving the same values again changes nothing and writes no second entry.
    submit(client, f"/orgs/{org.slug}/admin", f"/orgs/{org.slug}/admin/settings", values)
    assert (
        len(db_rows(settings, select(AuditEntry).where(AuditEntry.action == "org.settings"))) == 1
    )


def test_wrong_organisation_settings_are_refused_on_their_field(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org, admin = _admin_of(committed, settings)
    sign_in(client, admin.email)
    good = {"default_locale": "fr", "time_zone": "", "public_location_precision_m": "1000"}
    wrong = [
        ("default_locale", "xx", "must be one of en, de, fr, cs, pl, nl, bg, he"),
        ("time_zone", "Europe/Atlantis", "'Europe/Atlantis' is not an IANA time zone"),
        # A folder of the zone database, not a zone (it was a server error once).
        ("time_zone", "Africa", "'Africa' is not an IANA time zone"),
        ("public_location_precision_m", "123", "must be one of 100, 500, 1000, 5000 metres"),
    ]
    for field, value, reason in wrong:
        action = f"/orgs/{org.slug}/admin/settings"
        response = submit(client, f"/orgs/{org.slug}/admin", action, good | {field: value})
        assert response.status_code == 422, field
        error = html(response).find("p", id=f"{field}-error")
        assert reason in error.text, (field, error.text)
    (saved,) = db_rows(settings, select(Organisation).where(Organisation.id == org.id))
    assert (saved.default_locale, saved.time_zone, saved.public_location_precision_m) == (
        "",
        "",
        1000,
    )


def test_only_an_admin_changes_the_organisations_settings(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org, _admin = _admin_of(committed, settings)
    analyst = make_person(committed, settings, org=org, role=Role.coordinator)
    committed.commit()
    sign_in(client, analyst.email)
    values = {"default_locale": "fr", "time_zone": "", "public_location_precision_m": "100"}

    response = submit(client, f"/orgs/{org.slug}", f"/orgs/{org.slug}/admin/settings", values)

    assert response.status_code == 403
    assert db_rows(
        settings, select(Organisation.default_locale).where(Organisation.id == org.id)
    ) == [""]


def test_the_api_reads_and_sets_the_organisations_settings(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org, admin = _admin_of(committed, settings)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    headers = token_headers(committed, admin, org)
    coordinator_headers = token_headers(committed, coordinator, org)
    committed.commit()
    path = f"/api/v1/organisations/{org.id}"
    before = client.get(path, headers=headers).json()
    assert before["shown_time_zone"] == "Europe/Brussels" and before["time_zone"] == ""

    refused = client.patch(path, json={"time_zone": "Nowhere/City"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "time_zone"
    body = {"time_zone": "Europe/Prague", "default_locale": "cs"}
    assert client.patch(path, json=body, headers=coordinator_headers).status_code == 403
    done = client.patch(path, json=body | {"public_location_precision_m": 5000}, headers=headers)

    assert done.status_code == 200, done.text
    read = done.json()
    assert (read["time_zone"], read["shown_time_zone"], read["default_locale"]) == (
        "Europe/Prague",
        "Europe/Prague",
        "cs",
    )
    assert read["public_location_precision_m"] == 5000
    assert db_rows(settings, select(AuditEntry.action).where(AuditEntry.action == "org.settings"))
    assert client.get("/api/v1/me", headers=headers).json()["time_zone"] == ""
