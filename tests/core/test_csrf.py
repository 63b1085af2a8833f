"""CSRF tokens are bound to the browser's session: a token from another browser is refused
wherever it is planted, signing in rotates the token, and forms, htmx's X-CSRF-Token header
and the API called with a session cookie all keep working with the browser's own token."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import csrf_of, db_rows, html, sign_in
from tests.orgs.factories import make_org, make_person
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.csrf import CSRF_HEADER
from vigil.incidents.models import Report
from vigil.orgs.models import ApiToken, Organisation, Person

# The cookie the double-submit token used to live in: where an attacker would plant one.
OLD_CSRF_COOKIE = "vigil_csrf"


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def org(committed: Session) -> Organisation:
    made = make_org(committed)
    made.accepts_public_reports = True
    committed.commit()
    return made


@pytest.fixture
def people(committed: Session, settings: Settings, org: Organisation) -> tuple[Person, Person]:
    victim = make_person(committed, settings, org=org)
    attacker = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    return victim, attacker


def report_form(token: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "what_happened": "Someone sprayed a swastika on the school gate overnight.",
        "when": (dt.datetime.now() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "zone": "Europe/Berlin",
        "where": "Oranienburger Str 30, Berlin",
        "type": "damage",
    }


def profile(token: str, name: str) -> dict[str, str]:
    return {"csrf_token": token, "name": name, "locale": "en"}


def name_of(settings: Settings, person: Person) -> str:
    (name,) = db_rows(settings, select(Person.name).where(Person.id == person.id))
    return str(name)


def test_a_token_minted_in_another_browser_and_planted_as_the_cookie_is_refused(
    app: FastAPI, settings: Settings, people: tuple[Person, Person], org: Organisation
) -> None:
    victim, attacker = people
    theirs = TestClient(app)
    sign_in(theirs, attacker.email)
    planted = csrf_of(html(theirs.get("/account")))
    mine = TestClient(app)
    sign_in(mine, victim.email)
    mine.cookies.set(OLD_CSRF_COOKIE, planted)

    as_form = mine.post("/account/profile", data=profile(planted, "Pwned"), follow_redirects=False)
    as_header = mine.post(
        "/account/profile",
        data={"name": "Pwned", "locale": "en"},
        headers={CSRF_HEADER: planted},
        follow_redirects=False,
    )

    assert as_form.status_code == as_header.status_code == 403
    assert html(as_form).find("h1").text == "Forbidden"
    assert name_of(settings, victim) != "Pwned"

    # An anonymous visitor's token is bound to that visitor alone, too.
    stranger = TestClient(app)
    minted = csrf_of(html(stranger.get(f"/report/{org.slug}")))
    fresh = TestClient(app)
    fresh.get(f"/report/{org.slug}")
    fresh.cookies.set(OLD_CSRF_COOKIE, minted)
    public = fresh.post(f"/report/{org.slug}", data=report_form(minted))
    assert public.status_code == 403
    assert db_rows(settings, select(Report)) == []


def test_a_token_from_before_sign_in_no_longer_works_after_it(
    app: FastAPI, settings: Settings, people: tuple[Person, Person], org: Organisation
) -> None:
    victim, _ = people
    browser = TestClient(app)
    before = csrf_of(html(browser.get("/login")))
    sign_in(browser, victim.email)

    stale = browser.post("/account/profile", data=profile(before, "Stale"), follow_redirects=False)
    after = csrf_of(html(browser.get("/account")))
    fresh = browser.post("/account/profile", data=profile(after, "Fresh"), follow_redirects=False)

    assert stale.status_code == 403
    assert after != before
    assert fresh.status_code == 303
    assert name_of(settings, victim) == "Fresh"

    # Signing out does not bring the token from before signing in back.
    assert browser.post("/logout", data={"csrf_token": after}).status_code == 200
    old = browser.post(f"/report/{org.slug}", data=report_form(before))
    token = csrf_of(html(browser.get(f"/report/{org.slug}")))
    new = browser.post(f"/report/{org.slug}", data=report_form(token))
    assert old.status_code == 403
    assert token not in (before, after)
    assert new.status_code == 200
    assert len(db_rows(settings, select(Report))) == 1


def test_htmx_and_the_api_with_a_session_send_the_token_as_a_header(
    app: FastAPI, settings: Settings, people: tuple[Person, Person]
) -> None:
    victim, attacker = people
    browser = TestClient(app)
    sign_in(browser, victim.email)
    token = csrf_of(html(browser.get("/account")))
    other = TestClient(app)
    sign_in(other, attacker.email)
    foreign = csrf_of(html(other.get("/account")))

    htmx = browser.post(
        "/account/profile",
        data={"name": "Via htmx", "locale": "en"},
        headers={CSRF_HEADER: token, "HX-Request": "true"},
        follow_redirects=False,
    )
    created = browser.post("/api/v1/tokens", json={"name": "cli"}, headers={CSRF_HEADER: token})
    missing = browser.post("/api/v1/tokens", json={"name": "no header"})
    wrong = browser.post("/api/v1/tokens", json={"name": "foreign"}, headers={CSRF_HEADER: foreign})

    assert htmx.status_code == 303
    assert name_of(settings, victim) == "Via htmx"
    assert created.status_code == 201
    assert missing.status_code == wrong.status_code == 403
    assert missing.headers["content-type"] == "application/problem+json"
    assert db_rows(settings, select(ApiToken.name)) == ["cli"]
