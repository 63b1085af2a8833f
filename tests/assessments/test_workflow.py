"""The assessment workflow at the service level; each test is rolled back (DECISIONS 21)."""

from __future__ import annotations

import bisect
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.assessments.factories import answer_all, member, operator_with_site, shipped
from tests.orgs.factories import make_org
from vigil.assessments import service, versions
from vigil.assessments.explain import evaluate
from vigil.assessments.methodology import dump_methodology
from vigil.assessments.models import SiteMeasure, SiteRisk
from vigil.assessments.recompute import recompute_risks
from vigil.assessments.threat import incident_cells_many, incidents_near
from vigil.core.config import Settings
from vigil.core.datafile import DataFileError
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.localised import text_in
from vigil.core.policy import Role
from vigil.incidents import reports as reports_service
from vigil.incidents import service as incidents_service
from vigil.incidents.schemas import Place, ReportCreate, TriageDecision
from vigil.incidents.typology import IncidentType


def test_answers_are_checked_all_or_nothing(session: Session, settings: Settings) -> None:
    _, principal, site = operator_with_site(session, settings)
    version = shipped(session)
    a = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=version.id
    )
    methodology = versions.methodology_of(version)
    yes_no = next(q for q in methodology.questions() if q.kind == "yes_no")
    maturity = next(q for q in methodology.questions() if q.kind == "maturity")
    with pytest.raises(Invalid) as caught:
        service.save_answers(
            session=session,
            principal=principal,
            assessment_id=a.id,
            answers={yes_no.id: "yes", maturity.id: 7},
        )
    assert caught.value.field == maturity.id
    assert service.answers_of(session, a.id) == {}
    assert a.status == "draft"
    with pytest.raises(Invalid, match="no such question"):
        service.save_answers(
            session=session, principal=principal, assessment_id=a.id, answers={"nope": "yes"}
        )
    service.save_answers(
        session=session, principal=principal, assessment_id=a.id, answers={yes_no.id: "Partly"}
    )
    assert service.answers_of(session, a.id)[yes_no.id].value == "partly"
    assert a.status == "in_progress"


def test_complete_needs_every_answer_then_scores_and_writes_measures(
    session: Session, settings: Settings
) -> None:
    _, principal, site = operator_with_site(session, settings)
    version = shipped(session)
    methodology = versions.methodology_of(version)
    a = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=version.id
    )
    answers = answer_all(methodology, site.type, "weak")
    first = next(iter(answers))
    partial = {k: v for k, v in answers.items() if k != first}
    service.save_answers(session=session, principal=principal, assessment_id=a.id, answers=partial)
    with pytest.raises(Invalid, match=r"not every question has an answer yet \(1 missing"):
        service.complete_assessment(session=session, principal=principal, assessment_id=a.id)
    service.save_answers(
        session=session, principal=principal, assessment_id=a.id, answers={first: answers[first]}
    )
    service.complete_assessment(session=session, principal=principal, assessment_id=a.id)
    assert a.status == "completed" and a.completed_by == principal.person_id
    result = service.result_of(a)
    assert result is not None
    assert result["vulnerability"]["overall"]["value"] == pytest.approx(100.0)
    measures = session.scalars(select(SiteMeasure).where(SiteMeasure.site_id == site.id)).all()
    assert measures and {m.horizon for m in measures} <= {"now", "3_months", "year"}
    risk = session.get(SiteRisk, site.id)
    assert risk is not None and risk.assessment_id == a.id
    assert risk.risk == risk.likelihood * risk.impact == result["risk"]["risk"]["value"]
    with pytest.raises(Conflict):
        service.save_answers(
            session=session, principal=principal, assessment_id=a.id, answers={first: "yes"}
        )


def test_shown_numbers_recompute_from_their_inputs(session: Session, settings: Settings) -> None:
    _, principal, site = operator_with_site(session, settings)
    version = shipped(session)
    methodology = versions.methodology_of(version)
    a = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=version.id
    )
    answers = answer_all(methodology, site.type, "strong")
    mixed = {"yes_no": "partly", "maturity": 2}
    for qid in list(answers)[::3]:
        kind = methodology.question(qid).kind
        answers[qid] = mixed.get(kind, answers[qid])
    service.save_answers(session=session, principal=principal, assessment_id=a.id, answers=answers)
    score = service.score_now(session, a)
    for label, explanation in score.explanations():
        recomputed = evaluate(explanation.formula, explanation.inputs)
        assert recomputed == pytest.approx(explanation.value, abs=1e-6), label


def test_threat_counts_nearby_incidents_the_operator_cannot_read(
    session: Session, settings: Settings
) -> None:
    _, principal, site = operator_with_site(session, settings)
    police = make_org(session)
    officer = member(session, settings, police, Role.coordinator)
    report = reports_service.submit_report(
        session=session,
        principal=officer,
        settings=settings,
        data=ReportCreate(
            title="Man filmed the entrance",
            occurred_from=dt.datetime.now(dt.UTC) - dt.timedelta(days=10),
            type=IncidentType.hostile_reconnaissance,
            place=Place(lat=site.lat + 0.001, lon=site.lon, precision="exact"),
        ),
    )
    incidents_service.triage(
        session=session,
        principal=officer,
        report_id=report.id,
        decision=TriageDecision(action="new_incident"),
    )
    version = shipped(session)
    a = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=version.id
    )
    score = service.score_now(session, a)
    assert score.risk.threat.incidents_counted == 1
    with pytest.raises(NotFound):
        incidents_service.get_incident(
            session=session, principal=principal, incident_id=report.incident_id or 0
        )


def test_outsiders_and_viewers_cannot_assess(session: Session, settings: Settings) -> None:
    org, principal, site = operator_with_site(session, settings)
    version = shipped(session)
    viewer = member(session, settings, org, Role.viewer)
    with pytest.raises(Forbidden):
        service.start_assessment(
            session=session, principal=viewer, site_id=site.id, version_id=version.id
        )
    a = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=version.id
    )
    stranger = member(session, settings, make_org(session), Role.org_admin)
    with pytest.raises(NotFound):
        service.get_assessment(session=session, principal=stranger, assessment_id=a.id)
    with pytest.raises(Forbidden):
        service.approve_assessment(session=session, principal=viewer, assessment_id=a.id)


def test_own_version_publish_withdraw_and_old_assessments_keep_theirs(
    session: Session, settings: Settings
) -> None:
    _, principal, site = operator_with_site(session, settings)
    base = shipped(session)
    methodology = versions.methodology_of(base)
    english_title = text_in(methodology.title)
    text = dump_methodology(methodology).replace(english_title, "Our synagogue checklist", 1)
    own = versions.publish_version(
        session=session, principal=principal, yaml_text=text, based_on_id=base.id
    )
    assert (own.owner_org_id, own.version, own.title) == (
        principal.acting_org_id,
        1,
        "Our synagogue checklist",
    )
    a = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=own.id
    )
    second = versions.publish_version(session=session, principal=principal, yaml_text=text)
    assert second.version == 2
    assert a.methodology_version_id == own.id
    versions.withdraw_version(session=session, principal=principal, version_id=own.id)
    question = methodology.questions()[0].id
    with pytest.raises(Invalid, match="withdrawn"):
        service.save_answers(
            session=session, principal=principal, assessment_id=a.id, answers={question: "yes"}
        )
    with pytest.raises(Invalid, match="withdrawn"):
        service.start_assessment(
            session=session, principal=principal, site_id=site.id, version_id=own.id
        )
    broken = text.replace("weight:", "wieght:", 1)
    with pytest.raises(DataFileError) as caught:
        versions.publish_version(session=session, principal=principal, yaml_text=broken)
    assert caught.value.data_problems[0].line > 0


def test_methodology_must_fit_the_site_type(session: Session, settings: Settings) -> None:
    _, principal, site = operator_with_site(session, settings)
    crowded = shipped(session, "crowded_venues")
    with pytest.raises(Invalid, match="not made for sites of type place_of_worship"):
        service.start_assessment(
            session=session, principal=principal, site_id=site.id, version_id=crowded.id
        )


def test_recompute_moves_risk_with_new_incidents(session: Session, settings: Settings) -> None:
    _, principal, site = operator_with_site(session, settings)
    version = shipped(session)
    methodology = versions.methodology_of(version)
    a = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=version.id
    )
    service.save_answers(
        session=session,
        principal=principal,
        assessment_id=a.id,
        answers=answer_all(methodology, site.type, "weak"),
    )
    service.complete_assessment(session=session, principal=principal, assessment_id=a.id)
    before = session.get(SiteRisk, site.id)
    assert before is not None and before.nearby_incidents == 0
    threat_before = before.threat
    for n in range(6):
        report = reports_service.submit_report(
            session=session,
            principal=principal,
            settings=settings,
            data=ReportCreate(
                title=f"Arson attempt {n}",
                occurred_from=dt.datetime.now(dt.UTC) - dt.timedelta(days=3 + n),
                type=IncidentType.extreme_violence,
                severity="extreme",
                place=Place(lat=site.lat, lon=site.lon + 0.002, precision="exact"),
            ),
        )
        incidents_service.triage(
            session=session,
            principal=principal,
            report_id=report.id,
            decision=TriageDecision(action="new_incident"),
        )
    stats = recompute_risks(session=session)
    assert stats.sites == 1
    session.expire_all()
    after = session.get(SiteRisk, site.id)
    assert after is not None
    assert after.nearby_incidents == 6
    assert after.threat > threat_before
    assert after.risk == after.likelihood * after.impact


def test_batch_counts_agree_with_one_by_one(session: Session, settings: Settings) -> None:
    _, principal, site = operator_with_site(session, settings)
    now = dt.datetime.now(dt.UTC)
    offsets = [0.001, 0.004, 0.008, 0.012, 0.02, 0.03, 0.05, 0.09]  # ~0.07 to 6 km east
    severities = ["extreme", "severe", "moderate", "minor", "unknown"]
    for n, offset in enumerate(offsets):
        report = reports_service.submit_report(
            session=session,
            principal=principal,
            settings=settings,
            data=ReportCreate(
                title=f"Incident {n}",
                occurred_from=now - dt.timedelta(days=20 + n),
                type=IncidentType.damage,
                severity=severities[n % len(severities)],
                place=Place(lat=site.lat, lon=site.lon + offset, precision="exact"),
            ),
        )
        incidents_service.triage(
            session=session,
            principal=principal,
            report_id=report.id,
            decision=TriageDecision(action="new_incident"),
        )
    limits, radius = [0.5, 1.0, 2.0, 5.0], 5.0
    since = now - dt.timedelta(days=365)
    cells = incident_cells_many(
        session, points={site.id: (site.lat, site.lon)}, band_limits_km=limits, since=since, now=now
    )[site.id]
    expected: dict[tuple[str, int], int] = {}
    for n in incidents_near(
        session, lat=site.lat, lon=site.lon, radius_km=radius, since=since, now=now
    ):
        key = (n.severity, bisect.bisect_left(limits, n.distance_km))
        expected[key] = expected.get(key, 0) + 1
    assert cells == expected
    assert sum(cells.values()) == 7  # the last one is about 6 km away
