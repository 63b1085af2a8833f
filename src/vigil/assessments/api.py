"""JSON API of methodologies, assessments, the site portfolio and assessment reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from vigil.assessments import funding, reassess, reports, service, site_measures, versions
from vigil.assessments import portfolio as portfolio_service
from vigil.assessments.schemas import (
    AnswersSave,
    AssessmentChanges,
    AssessmentComparison,
    AssessmentRead,
    AssessmentStart,
    MeasureCreate,
    MeasureRead,
    MeasureStatusUpdate,
    MethodologyPublish,
    MethodologyVersionRead,
    Portfolio,
)
from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.core.openapi import sends

router = APIRouter(prefix="/api/v1", tags=["assessments"])


@router.get("/methodologies", response_model=list[MethodologyVersionRead])
def list_methodologies(
    session: SessionDep, principal: PrincipalDep, include_withdrawn: bool = False
) -> list[MethodologyVersionRead]:
    """Shipped methodologies and your organisations' own versions."""
    found = versions.list_versions(
        session=session, principal=principal, include_withdrawn=include_withdrawn
    )
    return [versions.version_read(v) for v in found]


@router.post("/methodologies", response_model=MethodologyVersionRead, status_code=201)
def publish_methodology(
    data: MethodologyPublish, session: SessionDep, principal: PrincipalDep
) -> MethodologyVersionRead:
    """Publish your organisation's methodology YAML as its next version (coordinator)."""
    version = versions.publish_version(
        session=session, principal=principal, yaml_text=data.yaml, based_on_id=data.based_on_id
    )
    return versions.version_read(version)


@router.get("/methodologies/{version_id}", response_model=MethodologyVersionRead)
def get_methodology(
    version_id: int, session: SessionDep, principal: PrincipalDep
) -> MethodologyVersionRead:
    """One methodology version."""
    version = versions.get_version(session=session, principal=principal, version_id=version_id)
    return versions.version_read(version)


@router.get("/methodologies/{version_id}/yaml", response_class=PlainTextResponse)
def methodology_yaml(version_id: int, session: SessionDep, principal: PrincipalDep) -> str:
    """The YAML of a version: the starting point of your organisation's own copy."""
    version = versions.get_version(session=session, principal=principal, version_id=version_id)
    return version.yaml_text


@router.post("/methodologies/{version_id}/withdraw", response_model=MethodologyVersionRead)
def withdraw_methodology(
    version_id: int, session: SessionDep, principal: PrincipalDep
) -> MethodologyVersionRead:
    """Withdraw your organisation's version: it takes no new answers (coordinator)."""
    version = versions.withdraw_version(session=session, principal=principal, version_id=version_id)
    return versions.version_read(version)


@router.post("/sites/{site_id}/assessments", response_model=AssessmentRead, status_code=201)
def start_assessment(
    site_id: int, data: AssessmentStart, session: SessionDep, principal: PrincipalDep
) -> AssessmentRead:
    """Start an assessment of a site of your organisation."""
    assessment = service.start_assessment(
        session=session,
        principal=principal,
        site_id=site_id,
        version_id=data.methodology_version_id,
    )
    return service.read_assessment(session=session, principal=principal, assessment=assessment)


@router.post(
    "/sites/{site_id}/assessments/reassess", response_model=AssessmentRead, status_code=201
)
def reassess_site(site_id: int, session: SessionDep, principal: PrincipalDep) -> AssessmentRead:
    """Re-assess a site: a new assessment from its latest one against the newest published
    version of the same methodology, answers to unchanged questions carried forward (see
    `GET /assessments/{id}/changes`). 409 with the open one's address when an assessment
    against the newest version is already open."""
    assessment = reassess.reassess_site(session=session, principal=principal, site_id=site_id)
    return service.read_assessment(session=session, principal=principal, assessment=assessment)


@router.get("/sites/{site_id}/assessments", response_model=list[AssessmentRead])
def site_assessments(
    site_id: int, session: SessionDep, principal: PrincipalDep
) -> list[AssessmentRead]:
    """A site's assessments you may read, newest first."""
    found = service.site_assessments(session=session, principal=principal, site_id=site_id)
    return service.assessment_reads(session=session, principal=principal, assessments=found)


@router.get("/assessments/compare", response_model=AssessmentComparison)
def compare_assessments(
    session: SessionDep,
    principal: PrincipalDep,
    before: Annotated[int, Query(description="the earlier assessment's id")],
    after: Annotated[int, Query(description="the later assessment's id")],
) -> AssessmentComparison:
    """Two assessments of one site side by side: what improved, what got worse."""
    return portfolio_service.compare_assessments(
        session=session, principal=principal, before_id=before, after_id=after
    )


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead)
def get_assessment(
    assessment_id: int, session: SessionDep, principal: PrincipalDep
) -> AssessmentRead:
    """One assessment with its answers and, once completed, its scores and explanations."""
    assessment = service.get_assessment(
        session=session, principal=principal, assessment_id=assessment_id
    )
    return service.read_assessment(session=session, principal=principal, assessment=assessment)


@router.get("/assessments/{assessment_id}/changes", response_model=AssessmentChanges)
def assessment_changes(
    assessment_id: int, session: SessionDep, principal: PrincipalDep
) -> AssessmentChanges:
    """What changed since the site's assessment before it: new questions, reworded ones (their
    carried answers to be checked before completing) and answers carried forward."""
    return reassess.changes(session=session, principal=principal, assessment_id=assessment_id)


@router.patch("/assessments/{assessment_id}/answers", response_model=AssessmentRead)
def save_answers(
    assessment_id: int, data: AnswersSave, session: SessionDep, principal: PrincipalDep
) -> AssessmentRead:
    """Save answers as they are given; one wrong answer saves none."""
    assessment = service.save_answers(
        session=session,
        principal=principal,
        assessment_id=assessment_id,
        answers=data.answers,
        notes=data.notes,
    )
    return service.read_assessment(session=session, principal=principal, assessment=assessment)


@router.post("/assessments/{assessment_id}/complete", response_model=AssessmentRead)
def complete_assessment(
    assessment_id: int, session: SessionDep, principal: PrincipalDep
) -> AssessmentRead:
    """Score the answers, fix the result and write the site's measures and risk."""
    assessment = service.complete_assessment(
        session=session, principal=principal, assessment_id=assessment_id
    )
    return service.read_assessment(session=session, principal=principal, assessment=assessment)


@router.post("/assessments/{assessment_id}/approve", response_model=AssessmentRead)
def approve_assessment(
    assessment_id: int, session: SessionDep, principal: PrincipalDep
) -> AssessmentRead:
    """Approve a completed assessment (coordinator of the site's organisation)."""
    assessment = service.approve_assessment(
        session=session, principal=principal, assessment_id=assessment_id
    )
    return service.read_assessment(session=session, principal=principal, assessment=assessment)


@router.get(
    "/assessments/{assessment_id}/report.pdf",
    response_class=Response,
    responses=sends("application/pdf", "The report as PDF"),
)
def assessment_pdf(
    assessment_id: int,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> Response:
    """The assessment report as a PDF."""
    pdf = reports.report_pdf(
        request,
        session=session,
        principal=principal,
        settings=settings,
        assessment_id=assessment_id,
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="assessment-{assessment_id}.pdf"'},
    )


@router.get(
    "/assessments/{assessment_id}/funding.csv",
    response_class=Response,
    responses=sends("text/csv", "The plan as a funding-application table"),
)
def assessment_funding_csv(
    assessment_id: int, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    """The plan's measures with their money range, timeframe, risk reduced and status (CSV)."""
    text = reports.funding_csv(
        request, session=session, principal=principal, assessment_id=assessment_id
    )
    return reports.csv_response(text, assessment_id)


@router.get("/portfolio", response_model=Portfolio)
def get_portfolio(
    session: SessionDep, principal: PrincipalDep, org_id: int | None = None
) -> Portfolio:
    """Sites you may read, riskiest first, with the most common weaknesses."""
    return portfolio_service.portfolio(session=session, principal=principal, org_id=org_id)


@router.get("/sites/{site_id}/measures", response_model=list[MeasureRead])
def list_site_measures(
    site_id: int, session: SessionDep, principal: PrincipalDep
) -> list[MeasureRead]:
    """A site's measures, from its assessments and its own decisions, most urgent first."""
    found = site_measures.site_measures(session=session, principal=principal, site_id=site_id)
    bands = site_measures.cost_bands_of_site(session, site_id)
    return [
        MeasureRead.model_validate(m, from_attributes=True).model_copy(
            update={
                "money_min": funding.money_of(bands, m.cost).low,
                "money_max": funding.money_of(bands, m.cost).high,
                "currency": bands.currency,
            }
        )
        for m in found
    ]


@router.post("/sites/{site_id}/measures", response_model=MeasureRead, status_code=201)
def add_measure(
    site_id: int, data: MeasureCreate, session: SessionDep, principal: PrincipalDep
) -> MeasureRead:
    """Add a measure to a site of your organisation (analyst or higher)."""
    measure = site_measures.add_measure(
        session=session, principal=principal, site_id=site_id, data=data
    )
    return MeasureRead.model_validate(measure, from_attributes=True)


@router.patch("/measures/{measure_id}", response_model=MeasureRead)
def update_measure(
    measure_id: int, data: MeasureStatusUpdate, session: SessionDep, principal: PrincipalDep
) -> MeasureRead:
    """Mark a measure planned or done."""
    measure = site_measures.set_measure_status(
        session=session, principal=principal, measure_id=measure_id, status=data.status
    )
    return MeasureRead.model_validate(measure, from_attributes=True)
