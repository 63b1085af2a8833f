"""JSON API of reports, triage and incidents; every read passes through core.policy."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Header, Query
from pydantic import Field

from vigil.core.deps import ClientIP, PrincipalDep, SessionDep, SettingsDep
from vigil.incidents import adoption, duplicates, history, queries, retention, service
from vigil.incidents import reports as reports_service
from vigil.incidents.receipts import submission_key_of
from vigil.incidents.schemas import (
    ContactErased,
    HistoryEntry,
    IncidentPage,
    IncidentRead,
    IncidentUpdate,
    MergeRequest,
    PublicReportCreate,
    ReceiptRead,
    ReportCreate,
    ReportRead,
    ReportSubmitted,
    TriageDecision,
    TriageResult,
)
from vigil.sites import service as sites_service

router = APIRouter(prefix="/api/v1", tags=["incidents"])
# The incidents around a site, listed with the sites' routes.
sites_router = APIRouter(prefix="/api/v1/sites", tags=["sites"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Radius = Annotated[float, Query(ge=0, le=sites_service.MAX_RADIUS_KM, allow_inf_nan=False)]
DEFAULT_RADIUS_KM = 2.0
DEFAULT_INCIDENT_DAYS = 365


@router.post("/reports", response_model=ReportSubmitted, status_code=201)
def submit_report(
    data: ReportCreate, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> ReportSubmitted:
    """Submit a report for your organisation (reporter or higher); likely duplicates come back."""
    report = reports_service.submit_report(
        session=session, principal=principal, data=data, settings=settings
    )
    read = reports_service.report_read(
        session=session,
        principal=principal,
        report=report,
        settings=settings,
        content=reports_service.report_content(data),
    )
    found = duplicates.candidates(session=session, principal=principal, fields=data)
    return ReportSubmitted(**read.model_dump(), duplicates=found)


@router.get("/reports/{report_id}", response_model=ReportRead)
def get_report(
    report_id: Id, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> ReportRead:
    """One report, as last submitted; the contact only for coordinators of its organisation."""
    report = reports_service.get_report(session=session, principal=principal, report_id=report_id)
    return reports_service.report_read(
        session=session, principal=principal, report=report, settings=settings
    )


@router.get("/triage", response_model=list[ReportRead])
def triage_queue(
    session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> list[ReportRead]:
    """New reports waiting for a coordinator, oldest first."""
    return reports_service.report_reads(
        session=session,
        principal=principal,
        reports=reports_service.triage_queue(session=session, principal=principal),
        settings=settings,
    )


@router.post("/reports/{report_id}/triage", response_model=TriageResult)
def triage(
    report_id: Id, decision: TriageDecision, session: SessionDep, principal: PrincipalDep
) -> TriageResult:
    """Make a new incident of the report, attach it to an incident, or reject it with a reason."""
    incident = service.triage(
        session=session, principal=principal, report_id=report_id, decision=decision
    )
    return TriageResult(report_id=report_id, incident_id=incident.id if incident else None)


@router.post("/public/{org_slug}/reports", response_model=ReceiptRead, status_code=201)
def submit_public_report(
    org_slug: Annotated[str, Field(max_length=64)],
    data: PublicReportCreate,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIP,
    idempotency_key: Annotated[str, Header(max_length=128)] = "",
) -> ReceiptRead:
    """Anonymous report to an organisation that takes public reports; keep the receipt code.
    The same `Idempotency-Key` again answers with the first report's receipt and stores
    nothing more."""
    receipt = reports_service.submit_public_report(
        session=session,
        settings=settings,
        org_slug=org_slug,
        data=data,
        ip=ip,
        submission_key=submission_key_of("", idempotency_key),
    )
    return ReceiptRead(receipt=receipt, status="received")


@router.get("/public/receipts/{receipt}", response_model=ReceiptRead)
def receipt_status(
    receipt: Annotated[str, Field(max_length=64)], session: SessionDep
) -> ReceiptRead:
    """The status of an anonymous report, for the holder of its receipt code."""
    return ReceiptRead(
        receipt=receipt, status=reports_service.receipt_status(session=session, receipt=receipt)
    )


@router.post("/public/receipts/{receipt}/erase-contact", response_model=ContactErased)
def erase_contact(
    receipt: Annotated[str, Field(max_length=64)], session: SessionDep
) -> ContactErased:
    """Erase the contact details left with an anonymous report, for the holder of its receipt
    code; the report stays. `had_contact` says whether there were any."""
    return ContactErased(
        had_contact=retention.erase_contact_by_receipt(session=session, receipt=receipt)
    )


@router.get("/incidents", response_model=IncidentPage)
def list_incidents(
    session: SessionDep,
    principal: PrincipalDep,
    query: Annotated[queries.IncidentListQuery, Query()],
) -> IncidentPage:
    """Incidents you may see, newest first, with filters and text search."""
    found = queries.list_incidents(
        session=session,
        principal=principal,
        filters=query,
        limit=query.limit,
        offset=query.offset,
    )
    return IncidentPage(
        items=queries.incident_reads(session=session, principal=principal, incidents=found.rows),
        total=found.total,
        total_exact=found.total_exact,
        limit=query.limit,
        offset=query.offset,
    )


@router.get("/incidents/{incident_id}", response_model=IncidentRead)
def get_incident(incident_id: Id, session: SessionDep, principal: PrincipalDep) -> IncidentRead:
    """One incident, if it is shared with you."""
    incident = service.get_incident(session=session, principal=principal, incident_id=incident_id)
    return queries.read_incident(session=session, principal=principal, incident=incident)


@router.patch("/incidents/{incident_id}", response_model=IncidentRead)
def update_incident(
    incident_id: Id, data: IncidentUpdate, session: SessionDep, principal: PrincipalDep
) -> IncidentRead:
    """Edit an incident (analysts); status moves and lowering TLP need a coordinator."""
    incident = service.update_incident(
        session=session, principal=principal, incident_id=incident_id, data=data
    )
    return queries.read_incident(session=session, principal=principal, incident=incident)


@router.post("/incidents/{incident_id}/merge", response_model=IncidentRead)
def merge(
    incident_id: Id, data: MergeRequest, session: SessionDep, principal: PrincipalDep
) -> IncidentRead:
    """Merge this incident into another (coordinators); its reports are kept."""
    target = service.merge_incidents(
        session=session, principal=principal, source_id=incident_id, target_id=data.target_id
    )
    return queries.read_incident(session=session, principal=principal, incident=target)


@router.post("/incidents/{incident_id}/adopt", response_model=IncidentRead, status_code=201)
def adopt(incident_id: Id, session: SessionDep, principal: PrincipalDep) -> IncidentRead:
    """Adopt a received incident (analysts of the acting organisation): a new incident of
    yours with its fields, linked to the original, which stays as it came; audited."""
    copy = adoption.adopt_incident(session=session, principal=principal, incident_id=incident_id)
    return queries.read_incident(session=session, principal=principal, incident=copy)


@router.post("/incidents/{incident_id}/unmerge", response_model=IncidentRead)
def unmerge(incident_id: Id, session: SessionDep, principal: PrincipalDep) -> IncidentRead:
    """Undo a merge: the incident stands on its own again with its former status."""
    incident = service.unmerge_incident(
        session=session, principal=principal, incident_id=incident_id
    )
    return queries.read_incident(session=session, principal=principal, incident=incident)


@router.get("/incidents/{incident_id}/reports", response_model=list[ReportRead])
def incident_reports(
    incident_id: Id, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> list[ReportRead]:
    """The reports of an incident and of those merged into it."""
    service.get_incident(session=session, principal=principal, incident_id=incident_id)
    return reports_service.report_reads(
        session=session,
        principal=principal,
        reports=service.incident_reports(
            session=session, principal=principal, incident_id=incident_id
        ),
        settings=settings,
    )


@router.get("/incidents/{incident_id}/history", response_model=list[HistoryEntry])
def incident_history(
    incident_id: Id, session: SessionDep, principal: PrincipalDep
) -> list[HistoryEntry]:
    """Every change of the incident, from the audit log (records you may not read show as null)."""
    return [
        HistoryEntry(at=e.at, actor=e.actor, action=e.action, detail=e.detail)
        for e in history.incident_history(
            session=session, principal=principal, incident_id=incident_id
        )
    ]


@sites_router.get("/{site_id}/incidents", response_model=list[IncidentRead])
def incidents_near(
    site_id: Id,
    session: SessionDep,
    principal: PrincipalDep,
    radius_km: Radius = DEFAULT_RADIUS_KM,
    days: Annotated[int, Query(ge=1, le=3660)] = DEFAULT_INCIDENT_DAYS,
) -> list[IncidentRead]:
    """Incidents you may see within a radius of the site in the last days, nearest first."""
    site = sites_service.get_site(session=session, principal=principal, site_id=site_id)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    found = queries.incidents_near(
        session=session, principal=principal, site=site, radius_km=radius_km, since=since
    )
    return queries.incident_reads(
        session=session, principal=principal, incidents=[i for i, _ in found]
    )
