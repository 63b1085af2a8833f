"""Annual reports: an organisation's report for a period, its narrative sections kept as
append-only versions, the notable incidents the coordinator picks with the CLEAR summaries they
write, and publishing, which freezes everything the published page shows.

Drafts are the organisation's: analysts and above write them, coordinators and above publish.
Anyone else is told the report does not exist.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.audit import log_action
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role, acting_org
from vigil.incidents import service as incidents_service
from vigil.reports.annual_content import report_figures
from vigil.reports.annual_notable import notable_of, notable_view
from vigil.reports.figures import refresh_figures
from vigil.reports.models import AnnualReport, AnnualReportVersion

SECTIONS = ("foreword", "summary", "trends", "notable", "outlook")
SECTION_MAX = 50_000
TARGET = "annual_report"


@dataclass(frozen=True)
class Version:
    """One saved state of the narrative sections."""

    version: int
    sections: dict[str, str]
    author_id: int | None
    created_at: dt.datetime


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Last calendar year (end exclusive)."""
    year = (today or dt.date.today()).year - 1
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def slug_of(title: str) -> str:
    """A URL slug from the title: ASCII letters, digits and dashes."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "report"
    # /published/{org}/widget is the widget's URL, not a report's.
    return "widget-report" if slug == "widget" else slug


def _unique_slug(session: Session, org_id: int, title: str, report_id: int | None) -> str:
    base = slug_of(title)
    taken = set(
        session.scalars(
            select(AnnualReport.slug).where(
                AnnualReport.owner_org_id == org_id,
                AnnualReport.slug.like(f"{base}%"),
                AnnualReport.id != (report_id or 0),
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_period(start: dt.date, end: dt.date) -> None:
    if end <= start:
        raise Invalid("period_end", "the period must end after it starts")
    if (end - start).days > 3 * 366:
        raise Invalid("period_end", "a report covers at most three years")


def get_report(
    *, session: Session, principal: Principal, report_id: int, role: Role = Role.analyst
) -> AnnualReport:
    """The report if the principal is an analyst (or `role`) of its organisation; NotFound
    for everyone outside it."""
    report = session.get(AnnualReport, report_id)
    if report is None or principal.role_in(report.owner_org_id) is None:
        raise NotFound("No annual report %(id)s.", id=report_id)
    if not principal.has_role(report.owner_org_id, role):
        raise Forbidden(
            "This needs the role %(role)s or higher in the organisation.", role=role.name_term
        )
    return report


def list_reports(*, session: Session, principal: Principal) -> list[AnnualReport]:
    """The reports of the organisations where the principal is an analyst or above."""
    orgs = [o for o in principal.org_ids if principal.has_role(o, Role.analyst)]
    if not orgs:
        return []
    stmt = (
        select(AnnualReport)
        .where(AnnualReport.owner_org_id.in_(orgs))
        .order_by(AnnualReport.period_start.desc(), AnnualReport.id.desc())
    )
    return list(session.scalars(stmt))


def create_report(
    *,
    session: Session,
    principal: Principal,
    title: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> AnnualReport:
    """A new draft for the acting organisation (default period: last calendar year)."""
    org_id = acting_org(principal, Role.analyst)
    if start is None or end is None:
        start, end = default_period()
    title = title.strip() or f"Incidents report {start.year}"
    _check_period(start, end)
    report = AnnualReport(
        owner_org_id=org_id,
        slug=_unique_slug(session, org_id, title, None),
        title=title[:300],
        period_start=start,
        period_end=end,
        status="draft",
        notable_incident_ids="[]",
        version=0,
        created_by=principal.person_id,
    )
    session.add(report)
    session.flush()
    log_action(
        session,
        principal,
        "annual_report.create",
        target_type=TARGET,
        target_id=report.id,
        org_id=org_id,
    )
    return report


def edit_report(
    *,
    session: Session,
    principal: Principal,
    report_id: int,
    title: str,
    start: dt.date,
    end: dt.date,
) -> AnnualReport:
    """Change the title and period (the slug follows the title until the first publication:
    a published report's URL is stable)."""
    report = get_report(session=session, principal=principal, report_id=report_id)
    _check_period(start, end)
    if not title.strip():
        raise Invalid("title", "a report needs a title")
    report.title = title.strip()[:300]
    if report.published_at is None:
        report.slug = _unique_slug(session, report.owner_org_id, report.title, report.id)
    report.period_start, report.period_end = start, end
    log_action(
        session,
        principal,
        "annual_report.edit",
        target_type=TARGET,
        target_id=report.id,
        org_id=report.owner_org_id,
    )
    return report


def _version_row(session: Session, report_id: int, version: int) -> AnnualReportVersion | None:
    return session.scalar(
        select(AnnualReportVersion).where(
            AnnualReportVersion.report_id == report_id, AnnualReportVersion.version == version
        )
    )


def current_sections(session: Session, report: AnnualReport) -> dict[str, str]:
    """The latest saved text of every section ("" for none yet)."""
    row = _version_row(session, report.id, report.version) if report.version else None
    saved = json.loads(row.sections) if row else {}
    return {key: str(saved.get(key, "")) for key in SECTIONS}


def _append_version(
    session: Session, principal: Principal, report: AnnualReport, sections: dict[str, str]
) -> int:
    latest = session.scalar(
        select(func.max(AnnualReportVersion.version)).where(
            AnnualReportVersion.report_id == report.id
        )
    )
    number = (latest or 0) + 1
    session.add(
        AnnualReportVersion(
            report_id=report.id,
            version=number,
            sections=json.dumps(sections, ensure_ascii=False),
            author_id=principal.person_id,
        )
    )
    report.version = number
    report.updated_at = utcnow()
    session.flush()
    log_action(
        session,
        principal,
        "annual_report.save",
        target_type=TARGET,
        target_id=report.id,
        org_id=report.owner_org_id,
        detail={"version": number},
    )
    return number


def save_section(
    *, session: Session, principal: Principal, report_id: int, key: str, text: str
) -> int:
    """Save one section as a new version (the others as they were); returns its number."""
    if key not in SECTIONS:
        raise Invalid("section", "must be one of %(choices)s", choices=", ".join(SECTIONS))
    if len(text) > SECTION_MAX:
        raise Invalid(key, "at most %(count)s characters", count=SECTION_MAX)
    report = get_report(session=session, principal=principal, report_id=report_id)
    sections = current_sections(session, report)
    if sections[key] == text:
        return report.version
    sections[key] = text
    return _append_version(session, principal, report, sections)


def list_versions(*, session: Session, principal: Principal, report_id: int) -> list[Version]:
    """Every saved version, newest first."""
    report = get_report(session=session, principal=principal, report_id=report_id)
    rows = session.scalars(
        select(AnnualReportVersion)
        .where(AnnualReportVersion.report_id == report.id)
        .order_by(AnnualReportVersion.version.desc())
    )
    return [Version(r.version, json.loads(r.sections), r.author_id, r.created_at) for r in rows]


def restore_version(*, session: Session, principal: Principal, report_id: int, version: int) -> int:
    """Bring back an older version's text as a new version (nothing is overwritten)."""
    report = get_report(session=session, principal=principal, report_id=report_id)
    row = _version_row(session, report.id, version)
    if row is None:
        raise NotFound("No version %(version)s of this report.", version=version)
    sections = {key: str(json.loads(row.sections).get(key, "")) for key in SECTIONS}
    return _append_version(session, principal, report, sections)


def set_notable(
    *, session: Session, principal: Principal, report_id: int, picks: list[tuple[int, str]]
) -> list[dict[str, Any]]:
    """Replace the notable incidents with `picks` (incident id, public summary), in order.
    Each must be the organisation's and readable by the principal; an empty summary becomes
    the incident's title when the incident is TLP:CLEAR, else stays empty until written."""
    report = get_report(session=session, principal=principal, report_id=report_id)
    chosen: list[dict[str, Any]] = []
    for incident_id, summary in picks:
        if any(c["incident_id"] == incident_id for c in chosen):
            continue
        incident = incidents_service.get_incident(
            session=session, principal=principal, incident_id=incident_id
        )
        if incident.owner_org_id != report.owner_org_id:
            raise Invalid(
                "incident_id", "incident %(id)s is not the organisation's", id=incident_id
            )
        text = summary.strip()[:2000]
        if not text and incident.tlp == "clear":
            text = incident.title
        chosen.append({"incident_id": incident_id, "summary": text})
    report.notable_incident_ids = json.dumps(chosen, ensure_ascii=False)
    log_action(
        session,
        principal,
        "annual_report.notable",
        target_type=TARGET,
        target_id=report.id,
        org_id=report.owner_org_id,
        detail={"incidents": [c["incident_id"] for c in chosen]},
    )
    return chosen


def report_content(
    *, session: Session, principal: Principal, report: AnnualReport
) -> dict[str, Any]:
    """What the report shows, computed now (the draft's preview, and what publishing freezes)."""
    return {
        "title": report.title,
        "start": report.period_start.isoformat(),
        "end": report.period_end.isoformat(),
        "version": report.version,
        "sections": current_sections(session, report),
        "figures": report_figures(
            session=session,
            org_id=report.owner_org_id,
            start=report.period_start,
            end=report.period_end,
        ),
        "notable": notable_view(session, principal, notable_of(report)),
    }


def publish(*, session: Session, principal: Principal, report_id: int) -> AnnualReport:
    """Freeze the report as it is now and make it a TLP:CLEAR page (coordinators)."""
    report = get_report(
        session=session, principal=principal, report_id=report_id, role=Role.coordinator
    )
    missing = [n["incident_id"] for n in notable_of(report) if not n["summary"].strip()]
    if missing:
        raise Invalid(
            "notable",
            "write a public summary for incident %(id)s before publishing",
            id=missing[0],
        )
    refresh_figures(session)  # what is frozen must be today's figures, not the last tick's
    content = report_content(session=session, principal=principal, report=report)
    # The public page tells what happened, not which record of ours it was.
    content["notable"] = [
        {k: v for k, v in item.items() if k != "incident_id"} for item in content["notable"]
    ]
    report.published_figures = json.dumps(content, ensure_ascii=False)
    report.status = "published"
    report.published_at = utcnow()
    log_action(
        session,
        principal,
        "annual_report.publish",
        target_type=TARGET,
        target_id=report.id,
        org_id=report.owner_org_id,
        detail={"version": report.version, "total": content["figures"]["total"]},
    )
    return report


def unpublish(*, session: Session, principal: Principal, report_id: int) -> AnnualReport:
    """Take the published page down; the draft and its versions stay (coordinators)."""
    report = get_report(
        session=session, principal=principal, report_id=report_id, role=Role.coordinator
    )
    report.status = "draft"
    report.published_figures = None
    log_action(
        session,
        principal,
        "annual_report.unpublish",
        target_type=TARGET,
        target_id=report.id,
        org_id=report.owner_org_id,
    )
    return report
