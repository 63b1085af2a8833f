"""The anonymous report pages (no sign-in): the form of an organisation that takes public
reports, `/report` for the instance's default organisation (DECISIONS 6), the receipt, the
page where a receipt code shows its report's status, and the service worker that keeps the
form working without a connection (static/report-sw.js, static/report-form.js)."""

from __future__ import annotations

import json
import math
import secrets
from typing import TYPE_CHECKING, Annotated

from fastapi import File, Header, Request, UploadFile
from fastapi.responses import Response

from vigil.core.deps import ClientIP, SessionDep, SettingsDep
from vigil.core.errors import DomainError, NotFound
from vigil.core.forms import aware, number, valid_zone
from vigil.core.localisation import available_locales, for_organisation, zone_of
from vigil.core.middleware import body_limit
from vigil.core.pages import (
    STATIC,
    FormStr,
    ViewerDep,
    assets_version,
    page_router,
    parse_form,
    render,
    undo,
)
from vigil.core.ratelimit import RateLimited
from vigil.geo.forms import map_home
from vigil.incidents import reports as reports_service
from vigil.incidents import retention
from vigil.incidents.evidence import MULTIPART_FRAMING_BYTES
from vigil.incidents.public_photo import PHOTO_TYPES, photo_limit, store_public_photo
from vigil.incidents.receipts import submission_key_of
from vigil.incidents.schemas import PublicReportCreate
from vigil.incidents.typology import IncidentType
from vigil.orgs import service as orgs_service

if TYPE_CHECKING:
    from vigil.core.config import Settings
    from vigil.orgs.models import Organisation

router = page_router()

RECEIPT_MAX_CHARS = 64
# An idempotency key as the form makes it (client-side, random): URL-safe, long enough to be unique.
SUBMISSION_KEY_BYTES = 24
SERVICE_WORKER = STATIC / "report-sw.js"
# What the service worker keeps for the form to open without a connection (with ?v= as linked).
OFFLINE_ASSETS = (
    "/static/vigil.css?v={v}",
    "/vendor/htmx/htmx.min.js?v={v}",
    "/static/local-zone.js?v={v}",
    "/static/report-form.js?v={v}",
    "/static/report-copy.js?v={v}",
    "/static/boundaries.js?v={v}",
    "/static/map.js?v={v}",
    "/vendor/leaflet/leaflet.css?v={v}",
    "/vendor/leaflet/leaflet.js?v={v}",
    "/vendor/topojson-client/topojson-client.min.js?v={v}",
    # The map's coarse borders, and the fine ones it shows zoomed in (boundaries.js).
    "/vendor/world-atlas/countries-110m.json?v={v}",
    "/vendor/world-atlas/countries-50m.json?v={v}",
    # What every page links in its head (core.webapp): offline, a missing icon or manifest is
    # a failed load the phone reports.
    "/favicon.ico",
    "/static/icons/vigil.svg",
    "/static/icons/apple-touch-icon.png",
    *(f"/manifest.webmanifest?lang={code}" for code in available_locales()),
)


def _form_page(
    request: Request,
    org: Organisation,
    *,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Response:
    """The form, blank or with what was typed; refused by a rate limit (429), it says why and
    when to try again above the answers, which are all still there."""
    settings = request.app.state.settings
    context = {
        "org": org,
        "form": form or {"type": IncidentType.other.value},
        "types": list(IncidentType),
        "error": error,
        # A native (no-JavaScript) form sent twice, e.g. by a double tap, stores one report.
        "submission_key": secrets.token_urlsafe(SUBMISSION_KEY_BYTES),
        "photo_max_mb": photo_limit(settings) // (1024 * 1024),
        "photo_accept": ",".join(PHOTO_TYPES),
        "home_map": map_home(org.country),
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


def service_worker_version() -> str:
    """The asset version: it changes with Vigil's version, with the worker's own code and with
    every file the worker keeps (all are hashed into it), and any change makes phones install
    the new worker, which drops the old one's cache (never the saved reports)."""
    return assets_version()


@router.get("/report/sw.js")
def report_service_worker() -> Response:
    """The service worker of the public report forms (each registers it for its own path)."""
    version = json.dumps(service_worker_version())
    assets = json.dumps([a.format(v=assets_version()) for a in OFFLINE_ASSETS])
    head = f"const VERSION = {version};\nconst OFFLINE_ASSETS = {assets};\n"
    return Response(
        head + SERVICE_WORKER.read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


def _status_page(
    request: Request,
    *,
    status: str | None = None,
    error: DomainError | None = None,
    receipt: str = "",
    erased: bool | None = None,
) -> Response:
    context = {"status": status, "error": error, "receipt": receipt, "erased": erased}
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
    code = receipt.strip()
    try:
        if not code or len(code) > RECEIPT_MAX_CHARS:
            raise NotFound("No report has this receipt code.")
        status = reports_service.receipt_status(session=session, receipt=code)
    except DomainError as exc:
        return _status_page(request, error=exc)
    return _status_page(request, status=status, receipt=code)


@router.post("/report/status/erase-contact")
def erase_contact(
    request: Request, session: SessionDep, viewer: ViewerDep, receipt: FormStr = ""
) -> Response:
    """Erase the contact details left with the report of this receipt code (the report
    stays)."""
    code = receipt.strip()
    try:
        if not code or len(code) > RECEIPT_MAX_CHARS:
            raise NotFound("No report has this receipt code.")
        had_contact = retention.erase_contact_by_receipt(session=session, receipt=code)
        status = reports_service.receipt_status(session=session, receipt=code)
    except DomainError as exc:
        return _status_page(request, error=exc)
    return _status_page(request, status=status, receipt=code, erased=had_contact)


@router.get("/report/{org_slug}")
def report_page(
    request: Request, org_slug: str, session: SessionDep, viewer: ViewerDep
) -> Response:
    """An organisation's anonymous report form."""
    return _form_page(request, _belongs_to(request, reports_service.public_org(session, org_slug)))


def _public_limit(settings: Settings) -> int:
    return photo_limit(settings) + MULTIPART_FRAMING_BYTES


@router.post("/report/{org_slug}")
@body_limit(_public_limit)
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
    lat: FormStr = "",
    lon: FormStr = "",
    submission_key: FormStr = "",
    photo: Annotated[UploadFile | None, File()] = None,
    idempotency_key: Annotated[str, Header()] = "",
) -> Response:
    """Send the report and show its receipt code; the same submission key again shows the
    same receipt and stores nothing more."""
    org = _belongs_to(request, reports_service.public_org(session, org_slug))
    form = {
        "what_happened": what_happened,
        "when": when,
        "where": where,
        "type": type,
        "contact": contact,
        "lat": lat,
        "lon": lon,
    }
    try:
        key = submission_key_of(submission_key, idempotency_key)
        local_zone = zone if valid_zone(zone) else zone_of(request)
        data = parse_form(
            PublicReportCreate,
            what_happened=what_happened,
            when=aware(when, local_zone, field_name="when") or when,
            where=where,
            type=type,
            contact=contact,
            website=website,
            lat=number(lat, field_name="lat"),
            lon=number(lon, field_name="lon"),
        )
        stored_photo = None
        if photo is not None and (photo.filename or photo.size):
            stored_photo = store_public_photo(
                settings=settings, upload=photo.file, filename=photo.filename
            )
        receipt = reports_service.submit_public_report(
            session=session,
            settings=settings,
            org_slug=org.slug,
            data=data,
            ip=ip,
            submission_key=key,
            photo=stored_photo,
        )
    except DomainError as exc:
        undo(session, exc)
        return _form_page(request, org, form=form, error=exc)
    return render(request, "incidents/public_receipt.html", {"org": org, "receipt": receipt})
