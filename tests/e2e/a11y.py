"""What the accessibility browser tests share: axe-core (from npm, pinned in package.json) run
inside a page, a public site to run it on (an organisation taking anonymous reports, with a
published annual report), and the languages every public page is checked in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person
from tests.reports.annual_world import incident
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.principals import load_principal
from vigil.reports import annual

LANGUAGES = ("en", "de", "fr", "cs", "pl", "nl", "bg", "he")
# Impacts that fail a page (issue 17: 0 serious or critical); minor and moderate are reported
# by axe too but are advice, not barriers.
BLOCKING = ("serious", "critical")
REPORT_TITLE = "Incidents in Brno"


def axe_script(settings: Settings) -> Path:
    """axe-core where `npm ci` puts it, as every other front-end asset is found."""
    path = settings.node_modules / "axe-core" / "axe.min.js"
    if not path.is_file():
        pytest.fail(f"{path} is missing: `make frontend` installs axe-core (package.json)")
    return path


def with_axe(context: BrowserContext, settings: Settings) -> None:
    """axe in every document the context opens. An init script runs outside the page's CSP
    (script-src 'self'), so the pages are checked with their real headers."""
    context.add_init_script(path=str(axe_script(settings)))


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now."""
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in BLOCKING]


def described(where: str, found: list[dict[str, Any]]) -> list[str]:
    """One line per violating element, for a failure message that lists them all."""
    lines = []
    for violation in found:
        for node in violation["nodes"]:
            summary = " ".join(str(node["summary"]).split())
            lines.append(
                f"{where}: {violation['id']} ({violation['impact']}) {violation['help']} "
                f"at {node['target']}: {summary}"
            )
    return lines


@dataclass
class PublicSite:
    url: str
    org_slug: str
    report_slug: str


def make_public_site(settings: Settings, session: Session) -> tuple[str, str]:
    """An organisation taking anonymous reports whose coordinator published last year's annual
    report (two verified incidents); its slug and the report's."""
    org = make_org(session, country="CZ")
    org.name = "Židovská obec Brno"
    org.accepts_public_reports = True
    coordinator = make_person(session, settings, org=org, role=Role.coordinator)
    principal = load_principal(session, person_id=coordinator.id, acting_org_id=org.id)
    assert principal is not None
    year = dt.date.today().year - 1
    for month in (3, 10):
        incident(session, settings, principal, local=dt.datetime(year, month, 5, 18))
    report = annual.create_report(session=session, principal=principal, title=REPORT_TITLE)
    annual.save_section(
        session=session,
        principal=principal,
        report_id=report.id,
        key="foreword",
        text="A year of threats by phone.",
    )
    annual.publish(session=session, principal=principal, report_id=report.id)
    session.commit()
    return org.slug, report.slug
