"""Every page a member works in, against axe-core in a real browser (Debian's Chromium through
Playwright), at a phone's 375 px and a desktop's 1280 px (issue 19).

The world is the demo (`vigil demo load`: sites, incidents, triage, alerts answered on their
board, a running response with its incident room and a closed one with its review, notices,
assessments, annual reports, monitoring sources) plus two monitoring signals and a
re-assessment to fill in, as the demo's organisation admin of JCS Berlin sees it. Each page is
opened once and checked at 375 px, then laid out again with every <details> open (menus,
filters, a task's other actions) and checked at 1280 px. A page fails on: an answer other
than 200, a serious or critical axe violation, sideways scrolling at 375 px, no favicon, a
console error (the page fixture also fails the test on any, and on any request leaving
loopback). One assertion lists every problem of every page.

Layout and markup do not depend on the database: SQLite only (tests/e2e/conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import ConsoleMessage, Page
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.alerts.factories import alert_input
from tests.e2e.a11y import described, violations, with_axe
from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.monitoring.factories import make_signal
from vigil.alerts import service as alerts_service
from vigil.alerts.links import answer_token
from vigil.alerts.models import Alert, Delivery
from vigil.assessments import service
from vigil.assessments.models import Assessment
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import Principal
from vigil.demo import DEMO_PASSWORD, load_demo
from vigil.orgs.models import Organisation, Person
from vigil.orgs.principals import load_principal
from vigil.playbooks.models import Activation, RollCallEntry
from vigil.playbooks.rollcall import answer_link_token
from vigil.sites.models import Site

pytestmark = pytest.mark.browser

VIEWER = "orgadmin@jcs-berlin.example"  # an organisation admin: a coordinator's rights and more
ORG = "jcs-berlin"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": PHONE_WIDTH, "height": 800}


@dataclass
class World:
    url: str
    paths: list[str]
    followed: list[tuple[str, re.Pattern[str]]]


def _answer_links(committed: Session, settings: Settings, live: int) -> list[str]:
    """What a site's people open from an e-mail or a text on their phone, without signing in:
    the answer page of the live alert's first delivery, and of the running roll-call."""
    alert = committed.get_one(Alert, live)
    delivery_id = committed.scalars(
        select(Delivery.id).where(Delivery.alert_id == alert.id).order_by(Delivery.id)
    ).first()
    assert delivery_id is not None
    roll_call = committed.scalars(select(func.max(RollCallEntry.roll_call_id))).one()
    entry_id = committed.scalars(
        select(RollCallEntry.id)
        .where(RollCallEntry.roll_call_id == roll_call)
        .order_by(RollCallEntry.id)
    ).first()
    assert entry_id is not None
    return [
        f"/alerts/ack/{answer_token(settings.secret_key, delivery_id, alert)}",
        f"/rollcall/{answer_link_token(entry_id, secret_key=settings.secret_key)}",
    ]


def _paths(committed: Session, draft_assessment: int) -> list[str]:
    """The pages, with records of the demo's: the running response's incident (its page and
    room), the closed one's review, the alert with answers and the imported draft, a site with
    assessments, a completed assessment and an approved one to compare it with, and the
    re-assessment started for the test (a form still to fill in)."""
    org = committed.scalars(select(Organisation).where(Organisation.slug == ORG)).one()
    running, closed = (
        committed.scalars(select(Activation).order_by(Activation.id.desc())).all()[0],
        committed.scalars(select(Activation).order_by(Activation.id)).all()[0],
    )
    alerts = committed.scalars(
        select(Alert).where(Alert.owner_org_id == org.id).order_by(Alert.id)
    ).all()
    answered, draft = alerts[0], next(a for a in alerts if a.state == "draft")
    site = committed.scalars(
        select(Site).where(Site.owner_org_id == org.id).order_by(Site.id)
    ).first()
    assert site is not None
    assessments = committed.scalars(
        select(Assessment).where(Assessment.owner_org_id == org.id).order_by(Assessment.id)
    ).all()
    done = next(a for a in assessments if a.status == "completed")
    same_site = [a for a in assessments if a.site_id == done.site_id and a.completed_at]
    return [
        "/",
        "/incidents",
        "/incidents/report",
        "/incidents/triage",
        f"/incidents/{running.incident_id}",
        f"/incidents/{running.incident_id}/room",
        f"/incidents/{closed.incident_id}/review",
        "/sites",
        "/sites/new",
        f"/sites/{site.id}",
        f"/sites/{site.id}/edit",
        f"/sites/{done.site_id}/assessments",
        f"/assessments/{done.id}",
        f"/assessments/{done.id}/preview",
        f"/assessments/{done.id}/report",
        f"/assessments/{draft_assessment}",
        f"/assessments/compare?before={same_site[0].id}&after={same_site[-1].id}",
        "/portfolio",
        "/methodologies",
        "/guidance",
        "/alerts",
        "/alerts/new",
        f"/alerts/{answered.id}",
        f"/alerts/{draft.id}",
        "/alerts/feeds",
        "/alerts/import",
        "/playbooks",
        "/playbooks/metrics",
        "/notices",
        "/notices/new",
        "/statistics",
        "/statistics/odihr",
        "/annual-reports",
        "/monitoring",
        "/monitoring/sources",
        "/sharing",
        "/sharing/import",
        "/sharing/peers",
        f"/orgs/{ORG}",
        f"/orgs/{ORG}/admin",
        f"/orgs/{ORG}/admin/costs",
        f"/orgs/{ORG}/admin/sso",
        "/account",
    ]


# Pages reached by the first link of a page already visited, whose records the demo names
# only through them: (the page holding the link, the link's path).
FOLLOWED = (
    ("/guidance", re.compile(r"^/guidance/[\w-]+$")),
    ("/methodologies", re.compile(r"^/methodologies/\d+$")),
    ("/methodologies/{id}", re.compile(r"^/methodologies/\d+/copy$")),
    ("/notices", re.compile(r"^/notices/\d+$")),
    ("/statistics", re.compile(r"^/statistics/network/\d+$")),
    ("/annual-reports", re.compile(r"^/annual-reports/\d+$")),
    ("/annual-reports/{id}", re.compile(r"^/annual-reports/\d+/preview$")),
    ("/monitoring", re.compile(r"^/monitoring/signals/\d+$")),
    ("/monitoring/sources", re.compile(r"^/monitoring/sources/\d+$")),
)


@pytest.fixture
def world(settings: Settings, committed: Session) -> Iterator[World]:
    load_demo(settings)
    org_id = committed.scalars(select(Organisation.id).where(Organisation.slug == ORG)).one()
    site_id = committed.scalars(select(Site.id).where(Site.owner_org_id == org_id)).first()
    make_signal(committed, org_id, site_id=site_id, site_hit=site_id)
    make_signal(
        committed,
        org_id,
        title="Antisemitic stickers around the City Temple",
        score=0.5,
        incident_type="literature",
        articles=[("Antisemitische Aufkleber rund um den Stadttempel", "de")],
        hours_ago=30,
    )
    committed.commit()
    draft, live = _reassess(settings, org_id), _send_alert(settings, org_id)
    # Its first section: the form a member fills in.
    section = (f"/assessments/{draft}", re.compile(rf"^/assessments/{draft}/sections/[\w-]+$"))
    with serve(settings) as url:
        paths = [
            *_paths(committed, draft),
            f"/alerts/{live}",
            *_answer_links(committed, settings, live),
        ]
        yield World(url=url, paths=paths, followed=[section, *FOLLOWED])


def _send_alert(settings: Settings, org_id: int) -> int:
    """An alert live now around Oranienburger Strasse, as the viewer sends it: its banner is
    on every page, its board waits for answers, its answer links work."""
    with transaction(settings.sqlalchemy_url) as session:
        principal = _principal(session, org_id)
        alert = alerts_service.create_alert(
            session=session,
            principal=principal,
            settings=settings,
            data=alert_input(
                headline="Suspicious parcel at the Neue Synagoge",
                area_desc="Berlin-Mitte, 2 km around Oranienburger Strasse",
                circle={"lat": 52.5249, "lon": 13.3946, "radius_km": 2},
            ),
        )
        alerts_service.send_alert(
            session=session, principal=principal, settings=settings, alert_id=alert.id
        )
        return alert.id


def _principal(session: Session, org_id: int) -> Principal:
    person_id = session.scalars(select(Person.id).where(Person.email == VIEWER)).one()
    principal = load_principal(session, person_id=person_id, acting_org_id=org_id)
    assert principal is not None
    return principal


def _reassess(settings: Settings, org_id: int) -> int:
    """A re-assessment of the site of the demo's first completed assessment, started by the
    viewer: its form is editable, with earlier answers carried forward."""
    with transaction(settings.sqlalchemy_url) as session:
        principal = _principal(session, org_id)
        done = session.scalars(
            select(Assessment)
            .where(Assessment.owner_org_id == org_id, Assessment.status == "completed")
            .order_by(Assessment.id)
        ).first()
        assert done is not None
        return service.start_assessment(
            session=session,
            principal=principal,
            site_id=done.site_id,
            version_id=done.methodology_version_id,
        ).id


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("E-mail address", exact=True).fill(VIEWER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + "/")


def _settled(page: Page) -> None:
    """The live alert is in its banner (signed-in pages), and what htmx loads when the page
    opens (the alert's board, the dashboard's cards) is in."""
    if page.locator("#alert-banner").count():
        page.locator("#alert-banner .alert-banner-item").first.wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def _open_disclosures(page: Page) -> None:
    """Every <details> open (the phone's menu, filters, a task's other actions, finished
    stages), so that what they hold is checked too."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    _settled(page)


def _links(page: Page) -> list[str]:
    found: list[str] = page.evaluate(
        "() => [...document.querySelectorAll('main a[href]')].map(a => a.getAttribute('href'))"
    )
    return [href.split("?")[0].split("#")[0] for href in found]


def _scroll_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def _problems(page: Page, path: str) -> list[str]:
    """What is wrong with the page open at `path`: checked at 375 px as it opens, at 375 px
    again with every disclosure open (sideways scrolling only) and at 1280 px."""
    found = described(f"[375] {path}", violations(page))
    if (width := _scroll_width(page)) > PHONE_WIDTH:
        found.append(f"[375] {path}: scrolls sideways ({width} px)")
    if not page.locator("link[rel=icon]").count():
        found.append(f"{path}: links no favicon")
    _open_disclosures(page)
    if (width := _scroll_width(page)) > PHONE_WIDTH:
        found.append(f"[375] {path}: scrolls sideways with its disclosures open ({width} px)")
    page.set_viewport_size(DESKTOP)
    return found + described(f"[1280] {path}", violations(page))


def test_every_member_page_passes_axe_at_phone_and_desktop_width(
    page: Page, world: World, settings: Settings
) -> None:
    with_axe(page.context, settings)
    errors: list[str] = []

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, world.url)
    problems: list[str] = []
    queue = list(world.paths)
    followed = list(world.followed)
    visited: list[str] = []
    while queue:
        path = queue.pop(0)
        visited.append(path)
        errors.clear()
        page.set_viewport_size(PHONE)
        response = page.goto(world.url + path)
        assert response is not None
        if response.status != 200:
            problems.append(f"{path}: answered {response.status}")
            continue
        _settled(page)
        problems += _problems(page, path)
        problems += [f"{path}: console error: {e}" for e in errors]
        links = _links(page)
        for holder, pattern in list(followed):
            found = next((link for link in links if pattern.match(link)), None)
            if found and found not in visited and found not in queue:
                queue.append(found)
                followed.remove((holder, pattern))
    # The check itself sees a barrier: a page that does not say its language.
    page.evaluate("document.documentElement.removeAttribute('lang')")
    assert "html-has-lang" in {v["id"] for v in violations(page)}
    unreached = [holder for holder, _ in followed]
    assert not unreached, f"no link to follow on {unreached}"
    assert not problems, f"{len(problems)} problems on {len(visited)} pages:\n" + "\n".join(
        problems
    )
