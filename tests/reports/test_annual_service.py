"""The annual report's service: sections kept as versions, notable incidents, publishing that
freezes, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.incidents.test_service import principal_with
from tests.orgs.factories import make_person
from tests.reports.annual_world import incident
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import Role
from vigil.incidents import service as incidents_service
from vigil.incidents.schemas import IncidentUpdate
from vigil.incidents.typology import Bias, IncidentType, Status
from vigil.orgs.principals import load_principal
from vigil.reports import annual, annual_published
from vigil.reports.figures import refresh_figures

START, END = dt.date(2025, 1, 1), dt.date(2026, 1, 1)


def test_each_section_save_is_a_version_and_restore_appends(
    session: Session, settings: Settings
) -> None:
    analyst = principal_with(session, settings, Role.analyst)
    report = annual.create_report(
        session=session, principal=analyst, title="Report 2025", start=START, end=END
    )
    assert report.slug == "report-2025"
    first = annual.save_section(
        session=session, principal=analyst, report_id=report.id, key="foreword", text="First words"
    )
    second = annual.save_section(
        session=session, principal=analyst, report_id=report.id, key="summary", text="A hard year"
    )
    third = annual.save_section(
        session=session, principal=analyst, report_id=report.id, key="foreword", text="Better words"
    )
    assert (first, second, third) == (1, 2, 3)
    assert annual.current_sections(session, report)["foreword"] == "Better words"
    assert annual.current_sections(session, report)["summary"] == "A hard year"
    restored = annual.restore_version(
        session=session, principal=analyst, report_id=report.id, version=1
    )
    assert restored == 4
    versions = annual.list_versions(session=session, principal=analyst, report_id=report.id)
    assert [v.version for v in versions] == [4, 3, 2, 1]
    assert (
        versions[0].sections["foreword"] == "First words" and versions[0].sections["summary"] == ""
    )
    assert versions[1].sections["foreword"] == "Better words"
    with pytest.raises(Invalid):
        annual.save_section(
            session=session, principal=analyst, report_id=report.id, key="secret", text="x"
        )


def test_slug_is_unique_within_the_organisation(session: Session, settings: Settings) -> None:
    analyst = principal_with(session, settings, Role.analyst)
    a = annual.create_report(session=session, principal=analyst, title="Report 2025")
    b = annual.create_report(session=session, principal=analyst, title="Report 2025")
    assert (a.slug, b.slug) == ("report-2025", "report-2025-2")
    assert (a.period_start.month, a.period_start.day) == (1, 1)
    assert a.period_end.year == a.period_start.year + 1


def test_roles_viewers_and_outsiders(session: Session, settings: Settings) -> None:
    analyst = principal_with(session, settings, Role.analyst)
    outsider = principal_with(session, settings, Role.coordinator)
    org_id = next(iter(analyst.roles))
    from vigil.orgs.models import Organisation  # noqa: PLC0415 - the test's own org

    viewer_person = make_person(
        session, settings, org=session.get(Organisation, org_id), role=Role.viewer
    )
    viewer = load_principal(session, person_id=viewer_person.id)
    assert viewer is not None
    report = annual.create_report(session=session, principal=analyst, title="R")
    with pytest.raises(NotFound):
        annual.get_report(session=session, principal=outsider, report_id=report.id)
    with pytest.raises(Forbidden):
        annual.save_section(
            session=session, principal=viewer, report_id=report.id, key="foreword", text="x"
        )
    with pytest.raises(Forbidden):
        annual.publish(session=session, principal=analyst, report_id=report.id)
    with pytest.raises(Forbidden):
        annual.create_report(session=session, principal=viewer, title="R")


def test_notable_incidents_take_clear_titles_and_refuse_others(
    session: Session, settings: Settings
) -> None:
    coordinator = principal_with(session, settings, Role.coordinator)
    other = principal_with(session, settings, Role.coordinator)
    clear = incident(
        session,
        settings,
        coordinator,
        local=dt.datetime(2025, 3, 1, 0, 30),
        tlp="clear",
        title="Graffiti on the synagogue wall",
    )
    amber = incident(session, settings, coordinator, local=dt.datetime(2025, 4, 2, 12))
    foreign = incident(session, settings, other, local=dt.datetime(2025, 4, 2, 12))
    report = annual.create_report(
        session=session, principal=coordinator, title="R", start=START, end=END
    )
    picks = annual.set_notable(
        session=session,
        principal=coordinator,
        report_id=report.id,
        picks=[(clear, ""), (amber, "")],
    )
    assert picks == [
        {"incident_id": clear, "summary": "Graffiti on the synagogue wall"},
        {"incident_id": amber, "summary": ""},
    ]
    with pytest.raises(Invalid, match="summary"):
        annual.publish(session=session, principal=coordinator, report_id=report.id)
    annual.set_notable(
        session=session,
        principal=coordinator,
        report_id=report.id,
        picks=[(clear, ""), (amber, "A man threatened a rabbi in the street.")],
    )
    annual.publish(session=session, principal=coordinator, report_id=report.id)
    org_id = next(iter(coordinator.roles))
    public = annual_published.published_report(session=session, org_id=org_id, slug=report.slug)
    assert [n["summary"] for n in public["notable"]] == [
        "Graffiti on the synagogue wall",
        "A man threatened a rabbi in the street.",
    ]
    assert public["notable"][0]["date"] == "2025-03-01"
    assert all("incident_id" not in n for n in public["notable"])
    with pytest.raises(NotFound):
        annual.set_notable(
            session=session, principal=coordinator, report_id=report.id, picks=[(foreign, "x")]
        )


def test_publish_freezes_figures_and_is_audited(session: Session, settings: Settings) -> None:
    coordinator = principal_with(session, settings, Role.coordinator)
    org_id = next(iter(coordinator.roles))
    first = incident(
        session,
        settings,
        coordinator,
        local=dt.datetime(2025, 3, 1, 0, 30),
        bias=(Bias.antisemitism, Bias.racism_xenophobia),
    )
    incident(
        session,
        settings,
        coordinator,
        local=dt.datetime(2025, 7, 9, 9),
        type=IncidentType.damage,
        status=Status.closed,
    )
    incident(session, settings, coordinator, local=dt.datetime(2025, 8, 9, 9), status=Status.new)
    incident(session, settings, coordinator, local=dt.datetime(2024, 5, 9, 9))
    incidents_service.update_incident(
        session=session, principal=coordinator, incident_id=first, data=IncidentUpdate(injuries=2)
    )
    refresh_figures(session)
    report = annual.create_report(
        session=session, principal=coordinator, title="R", start=START, end=END
    )
    annual.publish(session=session, principal=coordinator, report_id=report.id)
    org_slug = report.slug
    frozen = annual_published.published_report(session=session, org_id=org_id, slug=org_slug)
    figures = frozen["figures"]
    assert figures["total"] == 2 and figures["previous"]["total"] == 1
    assert figures["change"] == {"difference": 1, "percent": 100.0}
    assert figures["injuries"] == {"people": 2, "incidents": 1}
    assert figures["monthly"]["years"] == ["2023", "2024", "2025"]
    assert figures["monthly"]["totals"] == [0, 1, 2]
    assert figures["monthly"]["rows"][2]["counts"] == [0, 0, 1]  # 00:30 Berlin is March
    assert {r["code"]: r["count"] for r in figures["bias"]} == {
        "antisemitism": 1,
        "racism_xenophobia": 1,
        "unspecified": 1,
    }

    incidents_service.update_incident(
        session=session,
        principal=coordinator,
        incident_id=first,
        data=IncidentUpdate(status=Status.triaged),
    )
    refresh_figures(session)
    again = annual_published.published_report(session=session, org_id=org_id, slug=org_slug)
    assert again["figures"]["total"] == 2
    live = annual.report_content(session=session, principal=coordinator, report=report)
    assert live["figures"]["total"] == 1
    actions = set(
        session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.target_type == "annual_report", AuditEntry.target_id == str(report.id)
            )
        )
    )
    assert {"annual_report.create", "annual_report.publish"} <= actions

    annual.unpublish(session=session, principal=coordinator, report_id=report.id)
    with pytest.raises(NotFound):
        annual_published.published_report(session=session, org_id=org_id, slug=org_slug)


def test_slug_follows_the_title_until_published_then_stays(
    session: Session, settings: Settings
) -> None:
    coordinator = principal_with(session, settings, Role.coordinator)
    report = annual.create_report(
        session=session, principal=coordinator, title="Draft title", start=START, end=END
    )
    annual.edit_report(
        session=session,
        principal=coordinator,
        report_id=report.id,
        title="Antisemitic incidents 2025",
        start=START,
        end=END,
    )
    assert report.slug == "antisemitic-incidents-2025"
    annual.publish(session=session, principal=coordinator, report_id=report.id)
    annual.edit_report(
        session=session,
        principal=coordinator,
        report_id=report.id,
        title="Renamed",
        start=START,
        end=dt.date(2025, 7, 1),
    )
    assert report.slug == "antisemitic-incidents-2025"
    with pytest.raises(Invalid):
        annual.edit_report(
            session=session,
            principal=coordinator,
            report_id=report.id,
            title="x",
            start=END,
            end=START,
        )


def test_section_edits_after_publishing_wait_for_the_next_publication(
    session: Session, settings: Settings
) -> None:
    coordinator = principal_with(session, settings, Role.coordinator)
    org_id = next(iter(coordinator.roles))
    report = annual.create_report(
        session=session, principal=coordinator, title="R", start=START, end=END
    )
    annual.save_section(
        session=session, principal=coordinator, report_id=report.id, key="summary", text="Old"
    )
    annual.publish(session=session, principal=coordinator, report_id=report.id)
    annual.save_section(
        session=session, principal=coordinator, report_id=report.id, key="summary", text="New"
    )
    public = annual_published.published_report(session=session, org_id=org_id, slug=report.slug)
    assert public["sections"]["summary"] == "Old"
    annual.publish(session=session, principal=coordinator, report_id=report.id)
    public = annual_published.published_report(session=session, org_id=org_id, slug=report.slug)
    assert public["sections"]["summary"] == "New"
