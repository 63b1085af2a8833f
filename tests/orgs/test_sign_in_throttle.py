"""Sign-in throttling as an attacker and the account's owner meet it, through the sign-in page
and the API token endpoint alike: an address that keeps failing at one account waits longer
and longer, while the right password from any other address always works; an address that
fails at many accounts is stopped; lock-outs are logged and audited; old attempts go away.

Waiting is simulated by moving every recorded attempt into the past, never by sleeping."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.html import alerts, db_rows, html, sign_in, submit
from tests.orgs.factories import PASSWORD, make_org, make_person
from vigil.app import create_app
from vigil.core.audit import AuditEntry
from vigil.core.auth import LoginAttempt
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Person

TOKEN_URL = "/api/v1/auth/token"
WRONG = "wrong password guess"
HOME = "198.51.100.20"  # the attacker, or a person mistyping
ELSEWHERE = "203.0.113.70"  # the account's owner on another network
VIA = ["api", "page"]


@pytest.fixture
def person(committed: Session, settings: Settings) -> Person:
    made = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    return made


def attempt(app: FastAPI, via: str, address: str, email: str, password: str) -> httpx.Response:
    """One sign-in from `address`, in a fresh browser (or API client) there."""
    client = TestClient(app, client=(address, 50000))
    if via == "api":
        return client.post(TOKEN_URL, json={"email": email, "password": password})
    return submit(client, "/login", "/login", {"email": email, "password": password})


def outcome(response: httpx.Response) -> str:
    codes = {201: "signed in", 303: "signed in", 400: "refused", 401: "refused", 429: "wait"}
    return codes[response.status_code]


def retry_after(response: httpx.Response) -> int:
    assert outcome(response) == "wait", response.text
    return int(response.headers["retry-after"])


def wait(settings: Settings, seconds: float) -> None:
    """Let `seconds` pass for the throttle: every recorded attempt moves that far back."""
    with transaction(settings.sqlalchemy_url) as session:
        for row in session.scalars(select(LoginAttempt)):
            row.at -= dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("via", VIA)
def test_ten_wrong_passwords_from_one_address_do_not_stop_the_right_one_from_another(
    settings: Settings, person: Person, via: str
) -> None:
    app = create_app(settings)
    failed = 0
    while failed < 10:
        response = attempt(app, via, HOME, person.email, WRONG)
        if outcome(response) == "wait":
            wait(settings, retry_after(response))
            continue
        assert outcome(response) == "refused"
        failed += 1

    at_home = attempt(app, via, HOME, person.email, PASSWORD)
    elsewhere = attempt(app, via, ELSEWHERE, person.email, PASSWORD)

    assert outcome(at_home) == "wait"
    assert outcome(elsewhere) == "signed in"


@pytest.mark.parametrize("via", VIA)
def test_an_address_waits_longer_after_each_further_failure_at_the_account(
    settings: Settings, person: Person, via: str
) -> None:
    app = create_app(settings)
    for _ in range(settings.login_max_failures):
        assert outcome(attempt(app, via, HOME, person.email, WRONG)) == "refused"

    waits = []
    for _ in range(3):
        # Even the right password waits: the answer does not tell it apart.
        waits.append(retry_after(attempt(app, via, HOME, person.email, PASSWORD)))
        wait(settings, waits[-1])
        assert outcome(attempt(app, via, HOME, person.email, WRONG)) == "refused"

    first = settings.login_delay_seconds
    for expected, waited in zip((first, 2 * first, 4 * first), waits, strict=True):
        assert expected - 2 <= waited <= expected
    wait(settings, retry_after(attempt(app, via, HOME, person.email, PASSWORD)))
    assert outcome(attempt(app, via, HOME, person.email, PASSWORD)) == "signed in"
    # The success cleared this address's failures: a typo now is just a typo.
    assert outcome(attempt(app, via, HOME, person.email, WRONG)) == "refused"
    assert outcome(attempt(app, via, HOME, person.email, PASSWORD)) == "signed in"


def test_the_waiting_page_says_for_how_long_and_offers_a_reset(
    settings: Settings, person: Person
) -> None:
    app = create_app(settings)
    for _ in range(settings.login_max_failures):
        attempt(app, "page", HOME, person.email, WRONG)

    response = attempt(app, "page", HOME, person.email, PASSWORD)

    assert response.status_code == 429
    page = html(response)
    assert page.find("h1").text == "Too many attempts"
    assert "Try again in 1 minute." in alerts(page)[0]
    assert page.find("a", href="/password-reset")


@pytest.mark.parametrize("via", VIA)
def test_spraying_many_accounts_from_one_address_hits_the_address_limit(
    settings: Settings, person: Person, via: str
) -> None:
    limit = 12
    app = create_app(settings.model_copy(update={"login_address_max_failures": limit}))
    for n in range(limit):
        sprayed = attempt(app, via, HOME, f"sprayed{n}@example.org", "Summer-2026-Summer")
        assert outcome(sprayed) == "refused"

    stopped = attempt(app, via, HOME, person.email, PASSWORD)
    elsewhere = attempt(app, via, ELSEWHERE, person.email, PASSWORD)

    assert 3600 - 60 <= retry_after(stopped) <= 3600
    assert outcome(elsewhere) == "signed in"
    lockouts = db_rows(settings, select(AuditEntry).where(AuditEntry.action.startswith("login.")))
    address = [e for e in lockouts if e.action == "login.address_lockout"]
    assert [(e.ip, e.target_id) for e in address] == [(HOME, "")]


def test_the_default_address_limit_is_far_above_one_persons_mistakes() -> None:
    defaults = Settings()
    assert defaults.login_address_max_failures >= 20 * defaults.login_max_failures


def test_the_waits_are_the_same_whether_or_not_the_account_exists(
    settings: Settings, person: Person
) -> None:
    app = create_app(settings)
    answers: dict[str, list[tuple[int, str, str]]] = {}
    for email, address in ((person.email, HOME), ("nobody@example.org", ELSEWHERE)):
        answers[email] = []
        for _ in range(settings.login_max_failures + 1):
            response = attempt(app, "api", address, email, WRONG)
            answers[email].append(
                (response.status_code, response.text, response.headers.get("retry-after", ""))
            )

    assert answers[person.email] == answers["nobody@example.org"]
    assert answers[person.email][-1][0] == 429


def test_lockouts_are_logged_and_audited_without_the_email(
    settings: Settings, person: Person, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings)  # its JSON log lines go to the stderr captured here
    for _ in range(settings.login_max_failures):
        attempt(app, "api", HOME, person.email, WRONG)
    for _ in range(settings.login_max_failures):
        attempt(app, "api", ELSEWHERE, "nobody@example.org", WRONG)

    lockouts = select(AuditEntry).where(AuditEntry.action == "login.lockout")
    entries = db_rows(settings, lockouts.order_by(AuditEntry.id))  # PostgreSQL keeps no order
    assert [(e.target_type, e.target_id, e.ip) for e in entries] == [
        ("person", str(person.id), HOME),
        ("", "", ELSEWHERE),
    ]
    assert [json.loads(e.detail) for e in entries] == [
        {"failures": settings.login_max_failures, "wait_seconds": settings.login_delay_seconds}
    ] * 2
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    logged = [line for line in lines if line["msg"] == "sign-in lock-out"]
    assert [(line["lockout"], line["wait_seconds"]) for line in logged] == [
        ("login.lockout", settings.login_delay_seconds)
    ] * 2
    assert all(line["request_id"] for line in logged)
    assert not any("example.org" in json.dumps(line) for line in logged)


def test_old_sign_in_attempts_are_deleted_as_new_ones_come(
    settings: Settings, person: Person
) -> None:
    app = create_app(settings)
    for _ in range(3):
        attempt(app, "api", HOME, person.email, WRONG)
    wait(settings, settings.login_failure_memory_hours * 3600 + 1)

    attempt(app, "api", ELSEWHERE, person.email, WRONG)

    assert db_rows(settings, select(func.count()).select_from(LoginAttempt)) == [1]


def test_the_platform_administrator_sees_how_many_lockouts_there_were(
    settings: Settings, person: Person, committed: Session
) -> None:
    admin = make_person(committed, settings, platform_admin=True)
    committed.commit()
    app = create_app(settings.model_copy(update={"login_address_max_failures": 8}))
    for _ in range(settings.login_max_failures):
        attempt(app, "api", HOME, person.email, WRONG)
    for n in range(8 - settings.login_max_failures):
        attempt(app, "api", HOME, f"sprayed{n}@example.org", WRONG)

    browser = TestClient(app, client=(ELSEWHERE, 50000))
    sign_in(browser, admin.email)
    counts = html(browser.get("/admin")).find("dl", id="lockout-counts")

    shown = {dd.attrs["data-action"]: dd.text for dd in counts.find_all("dd")}
    assert shown == {"login.lockout": "1", "login.address_lockout": "1"}
