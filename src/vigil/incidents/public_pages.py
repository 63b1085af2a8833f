"""The anonymous report pages (no sign-in): the form of an organisation that takes public
reports, `/report` for the instance's default organisation (DECISIONS 6), the receipt, and the
page where a receipt code shows its report's status, and nothing else."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import Response

from vigil.core.deps import ClientIP, SessionDep, SettingsDep
from vigil.core.errors import DomainError, NotFound
from vigil.core.forms import aware, valid_zone
from vigil.core.localisation import for_organisation, zone_of
from vigil.core.pages import (
    FormStr,
    ViewerDep,
    page_router,
    parse_form,
    render,
    undo,
)
from vigil.core.ratelimit import RateLimited
from vigil.incidents import reports as reports_service
from vigil.incidents.schemas import PublicReportCreate
from vigil.incidents.typology import IncidentType
from vigil.orgs import service as orgs_service

if TYPE_CHECKING:
    from vigil.orgs.models import Organisation

router = page_router()

RECEIPT_MAX_CHARS = 64


def _form_page(
    request: Request,
    org: Organisation,
    *,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Response:
    """The form, blank or with what was typed; refused by a rate limit (429), it says why and
    when to try again above the answers, which are all still there."""
    context = {
        "org": org,
        "form": form or {"type": IncidentType.other.value},
        "types": list(IncidentType),
        "error": error,
    }
    headers = None
    if isinstance(error, RateLimited):
        context.update(
            error=None,
            throttled="organisation" if error.bucket == reports_service.ORG_BUCKET else "address",
            minutes=max(1, math.ceil(error.retry_after / 60)),
        )
        headers = {"Retry-After": str(error.retry_after)}
    return render(
        request,
        "incidents/public_form.html",
        context,
        status_code=error.status if error else 200,
        headers=headers,
    )


def _belongs_to(request: Request, org: Organisation) -> Organisation:
    """The organisation's pages speak its default language and show its zone to a visitor who
    has neither (the browser's language still wins)."""
    for_organisation(request, locale=org.default_locale, zone=orgs_service.organisation_zone(org))
    return org


@router.get("/report")
def default_report_page(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: ViewerDep
) -> Response:
    """The default organisation's report form, or the organisations that take public reports."""
    if settings.default_org:
        try:
            org = reports_service.public_org(session, settings.default_org)
        except NotFound:
            pass
        else:
            return _form_page(request, _belongs_to(request, org))
    organisations = reports_service.public_organisations(session=session)
    return render(request, "incidents/public_choose.html", {"organisations": organisations})


def _status_page(
    request: Request,
    *,
    status: str | None = None,
    error: DomainError | None = None,
) -> Response:
    context = {"status": status, "error": error}
    code = error.status if error else 200
    return render(request, "incidents/public_status.html", context, status_code=code)


@router.get("/report/status")
def receipt_status_page(request: Request, viewer: ViewerDep) -> Response:
    """The form to check a report with its receipt code."""
    return _status_page(request)


@router.post("/report/status")
def check_receipt(
    request: Request, session: SessionDep, viewer: ViewerDep, receipt: FormStr = ""
) -> Response:
    """The status of the report with this receipt code."""
    code = "".join(receipt.split())
    try:
        if not code or len(code) > RECEIPT_MAX_CHARS:
            raise NotFound("No report has this receipt code.")
        status = reports_service.receipt_status(session=session, receipt=code)
    except DomainError as exc:
        return _status_page(request, error=exc)
    return _status_page(request, status=status)


@router.get("/report/{org_slug}")
def report_page(
    request: Request, org_slug: str, session: SessionDep, viewer: ViewerDep
) -> Response:
    """An organisation's anonymous report form."""
    return _form_page(request, _belongs_to(request, reports_service.public_org(session, org_slug)))


@router.post("/report/{org_slug}")
def submit_report(
    request: Request,
    org_slug: str,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIP,
    viewer: ViewerDep,
    what_happened: FormStr = "",
    when: FormStr = "",
    zone: FormStr = "",
    where: FormStr = "",
    type: FormStr = IncidentType.other.value,  # noqa: A002 - the schema's field name
    contact: FormStr = "",
    website: FormStr = "",
) -> Response:
    """Send the report and show its receipt code."""
    org = _belongs_to(request, reports_service.public_org(session, org_slug))
    form = {
        "what_happened": what_happened,
        "when": when,
        "where": where,
        "type": type,
        "contact": contact,
    }
    try:
        local_zone = zone if valid_zone(zone) else zone_of(request)
        data = parse_form(
            PublicReportCreate,
            what_happened=what_happened,
            when=aware(when, local_zone, field_name="when") or when,
            where=where,
            type=type,
            contact=contact,
            website=website,
        )
        receipt = reports_service.submit_public_report(
            session=session, settings=settings, org_slug=org.slug, data=data, ip=ip
        )
    except DomainError as exc:
        undo(session, exc)
        return _form_page(request, org, form=form, error=exc)
    return render(request, "incidents/public_receipt.html", {"org": org, "receipt": receipt})
