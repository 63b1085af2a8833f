"""The limits of the anonymous report form as witnesses and floods meet them: a burst of honest
reporters behind one address (a school's or stadium's Wi-Fi) is heard, one address flooding is
held back, a flood from many addresses meets the organisation's budget, the refused get their
text back with a clear reason, bots fall into the honeypot, and the limits live in the
database, which keeps only the buckets in use.

Waiting is simulated by moving the buckets' moments into the past, never by sleeping."""

from __future__ import annotations

import datetime as dt
import time

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.html import db_rows, html, submit
from tests.orgs.factories import make_org
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.ratelimit import RateBucket
from vigil.incidents.models import Report
from vigil.orgs.models import Organisation

WIFI = "192.0.2.10"  # one address many witnesses share
WITNESS = "An older man shouted threats at the children waiting outside the school gate."


@pytest.fixture
def orgs(committed: Session) -> tuple[Organisation, Organisation]:
    first, second = make_org(committed), make_org(committed)
    first.accepts_public_reports = second.accepts_public_reports = True
    committed.commit()
    return first, second


def body(**overrides: str) -> dict[str, str]:
    values = {
        "what_happened": WITNESS,
        "when": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).isoformat(),
        "where": "Schulstrasse 4, Berlin",
        "website": "",
    }
    values.update(overrides)
    return values


def send(app: FastAPI, org: Organisation, address: str, **overrides: str) -> httpx.Response:
    client = TestClient(app, client=(address, 50000))
    return client.post(f"/api/v1/public/{org.slug}/reports", json=body(**overrides))


def page_form(**overrides: str) -> dict[str, str]:
    values = {
        "what_happened": WITNESS,
        "when": (dt.datetime.now() - dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"),
        "zone": "Europe/Berlin",
        "where": "Schulstrasse 4, Berlin",
        "type": "threat",
        "contact": "+49 30 555 0101",
        "website": "",
    }
    values.update(overrides)
    return values


def stored(settings: Settings) -> int:
    (count,) = db_rows(settings, select(func.count()).select_from(Report))
    return int(count)


def wait(settings: Settings, seconds: float) -> None:
    """Let `seconds` pass for the limits: every bucket's moment moves that far back."""
    with transaction(settings.sqlalchemy_url) as session:
        for row in session.scalars(select(RateBucket)):
            row.full_at -= dt.timedelta(seconds=seconds)


def test_thirty_witnesses_behind_one_address_are_all_heard_within_a_minute(
    settings: Settings, orgs: tuple[Organisation, Organisation]
) -> None:
    app = create_app(settings)
    started = dt.datetime.now(dt.UTC)

    codes = [send(app, orgs[0], WIFI).status_code for _ in range(30)]

    assert dt.datetime.now(dt.UTC) - started < dt.timedelta(minutes=1)
    assert codes == [201] * 30
    assert stored(settings) == 30


def test_a_flood_from_one_address_beyond_its_burst_is_refused_then_refills_steadily(
    settings: Settings, orgs: tuple[Organisation, Organisation]
) -> None:
    app = create_app(settings)
    burst = settings.public_report_burst
    started = time.monotonic()
    assert [send(app, orgs[0], WIFI).status_code for _ in range(burst)] == [201] * burst

    refused = send(app, orgs[0], WIFI)
    elapsed = time.monotonic() - started
    elsewhere = send(app, orgs[0], "198.51.100.99")

    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    interval = 3600 / settings.public_report_refill_per_hour
    # The bucket refilled while the burst was sent (seconds on a busy machine).
    assert interval - elapsed - 2 <= int(refused.headers["retry-after"]) <= interval
    assert "from your connection" in refused.json()["detail"]
    assert elsewhere.status_code == 201
    wait(settings, interval)
    assert [send(app, orgs[0], WIFI).status_code for _ in range(2)] == [201, 429]
    assert stored(settings) == burst + 2


def test_the_form_refused_by_its_address_limit_keeps_what_was_typed(
    settings: Settings, orgs: tuple[Organisation, Organisation]
) -> None:
    app = create_app(settings.model_copy(update={"public_report_burst": 3}))
    browser = TestClient(app, client=(WIFI, 50000))
    path = f"/report/{orgs[0].slug}"
    for _ in range(3):
        assert submit(browser, path, path, page_form()).status_code == 200

    refused = submit(browser, path, path, page_form(what_happened=WITNESS + " (fourth)"))

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    page = html(refused)
    notice = page.find("section", id="throttled")
    assert notice.attrs["role"] == "alert"
    assert notice.find("h2").text == "Please wait a little"
    assert "from your connection" in notice.text and "not been sent yet" in notice.text
    form = page.find("form", action=path)
    assert form.find("textarea", name="what_happened").text == WITNESS + " (fourth)"
    assert form.find("input", name="where").attrs["value"] == "Schulstrasse 4, Berlin"
    assert form.find("input", name="contact").attrs["value"] == "+49 30 555 0101"
    assert stored(settings) == 3


def test_the_organisations_budget_stops_a_flood_from_many_addresses(
    settings: Settings, orgs: tuple[Organisation, Organisation]
) -> None:
    app = create_app(settings.model_copy(update={"public_report_org_burst": 10}))
    first, second = orgs
    addresses = [f"203.0.113.{n}" for n in range(1, 12)]

    codes = [send(app, first, address).status_code for address in addresses]
    refused = send(app, first, addresses[-1])
    other_org = send(app, second, addresses[-1])

    assert codes == [201] * 10 + [429]
    assert refused.status_code == 429
    assert "unusual number of reports" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) > 0
    assert other_org.status_code == 201
    assert stored(settings) == 11

    browser = TestClient(app, client=("203.0.113.200", 50000))
    path = f"/report/{first.slug}"
    page = submit(browser, path, path, page_form())
    assert page.status_code == 429
    notice = html(page).find("section", id="throttled")
    assert first.name in notice.text and "unusual number of reports" in notice.text
    assert html(page).find("textarea", name="what_happened").text == WITNESS


def test_honeypot_bots_are_dropped_and_spend_no_part_of_the_organisations_budget(
    settings: Settings, orgs: tuple[Organisation, Organisation]
) -> None:
    app = create_app(settings.model_copy(update={"public_report_org_burst": 3}))
    bots = [
        send(app, orgs[0], f"198.51.100.{n}", website="http://cheap-watches.example")
        for n in range(1, 7)
    ]

    honest = send(app, orgs[0], "192.0.2.77")

    assert [b.status_code for b in bots] == [201] * 6
    assert all(b.json()["receipt"] for b in bots)
    assert honest.status_code == 201
    assert stored(settings) == 1


def test_the_limits_are_shared_by_every_app_on_the_database(
    settings: Settings, orgs: tuple[Organisation, Organisation]
) -> None:
    """Two app instances (as two server processes would be) share nothing but the database."""
    limited = settings.model_copy(update={"public_report_burst": 4})
    one, two = create_app(limited), create_app(limited)

    codes = [send(app, orgs[0], WIFI).status_code for app in (one, two, one, two, one, two)]

    assert codes == [201] * 4 + [429] * 2


def test_the_bucket_table_keeps_only_the_buckets_in_use(
    settings: Settings, orgs: tuple[Organisation, Organisation]
) -> None:
    app = create_app(settings)
    for n in range(1, 21):
        assert send(app, orgs[0], f"203.0.113.{n}").status_code == 201
    assert db_rows(settings, select(func.count()).select_from(RateBucket)) == [21]

    wait(settings, 24 * 3600)  # every bucket has long refilled
    assert send(app, orgs[0], "192.0.2.200").status_code == 201

    # The newcomer's bucket and the organisation's: the full ones are gone.
    assert db_rows(settings, select(func.count()).select_from(RateBucket)) == [2]
