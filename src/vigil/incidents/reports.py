"""Reports in: members' and anonymous submissions, receipts, versions and the triage queue.

A report is what someone told us, kept as they said it; it lives apart from incidents
(service.py), which triage makes from reports and which analysts then edit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.core import audit, ratelimit
from vigil.core.config import Settings
from vigil.core.crypto import decrypt, encrypt, token_hash
from vigil.core.errors import NotFound
from vigil.core.policy import (
    DEFAULT_TLP,
    TLP,
    Principal,
    References,
    Role,
    acting_org,
    scope,
)
from vigil.incidents.intake_place import public_place
from vigil.incidents.models import Evidence, Incident, Report, ReportVersion
from vigil.incidents.queries import SITE, references_with_sites
from vigil.incidents.receipts import lookup_forms, new_receipt
from vigil.incidents.schemas import PublicReportCreate, ReportCreate, ReportRead
from vigil.incidents.typology import Source
from vigil.orgs import directory as orgs_directory
from vigil.orgs.recipients import set_recipients
from vigil.sites import service as sites_service

if TYPE_CHECKING:
    from vigil.orgs.models import Organisation

# Anonymous reports are limited per address (a burst that lets many witnesses behind one
# address through) and per organisation (a budget that holds a flood from many addresses).
ADDRESS_BUCKET = "public_report"
ORG_BUCKET = "public_report_org"


def _store_version(
    session: Session, report: Report, data: dict[str, Any], author_id: int | None
) -> None:
    session.add(
        ReportVersion(
            report_id=report.id,
            version=report.version,
            data=json.dumps(data, sort_keys=True),
            author_id=author_id,
        )
    )


def _encrypted(contact: str, settings: Settings) -> str | None:
    if not contact:
        return None
    return encrypt(contact, keys=settings.encryption_keys, secret_key=settings.secret_key)


def report_content(data: ReportCreate) -> dict[str, Any]:
    """What a member's report version keeps: everything but sharing and the contact."""
    return data.model_dump(mode="json", exclude={"tlp", "recipients", "contact"})


def submit_report(
    *,
    session: Session,
    principal: Principal,
    data: ReportCreate,
    settings: Settings,
    source: Source = Source.member,
) -> Report:
    """A member's report; `source` says how they learnt of it when it is not their own
    account (e.g. `monitoring`: a coordinator reporting what open sources said)."""
    org_id = acting_org(principal, Role.reporter)
    if data.site_id is not None:
        sites_service.require_readable_site(
            session=session, principal=principal, site_id=data.site_id
        )
    report = Report(
        owner_org_id=org_id,
        author_id=principal.person_id,
        tlp=data.tlp.value,
        source=source.value,
        contact_encrypted=_encrypted(data.contact, settings),
    )
    session.add(report)
    session.flush()
    if data.recipients.organisation_ids or data.recipients.person_ids:
        set_recipients(session, report, data.recipients)  # a new report has none to replace
    _store_version(session, report, report_content(data), principal.person_id)
    audit.log_action(
        session,
        principal,
        "report.submit",
        target_type="reports",
        target_id=report.id,
        org_id=org_id,
    )
    return report


def public_org(session: Session, slug: str) -> Organisation:
    org = orgs_directory.organisation_by_slug(session=session, slug=slug)
    if org is None or not org.accepts_public_reports:
        raise NotFound("This organisation does not take reports here.")
    return org


def public_organisations(*, session: Session) -> list[Organisation]:
    """The organisations whose anonymous report form is open, by name (for /report)."""
    return orgs_directory.public_report_organisations(session=session)


@dataclass(frozen=True)
class PublicPhoto:
    """A witness's photo, already stored without its metadata (incidents.public_photo)."""

    sha256: str
    size: int
    media_type: str
    filename: str


def submission_key_hash(org_id: int, key: str) -> str:
    """The stored form of an idempotency key, bound to the organisation it was sent to."""
    return token_hash(f"{org_id}\x00{key}")


def _earlier_receipt(session: Session, settings: Settings, key_hash: str) -> str | None:
    encrypted = session.scalar(
        select(Report.receipt_encrypted).where(Report.submission_key_hash == key_hash)
    )
    if encrypted is None:
        return None
    return decrypt(encrypted, keys=settings.encryption_keys, secret_key=settings.secret_key)


def submit_public_report(
    *,
    session: Session,
    settings: Settings,
    org_slug: str,
    data: PublicReportCreate,
    ip: str,
    submission_key: str = "",
    photo: PublicPhoto | None = None,
) -> str:
    """Returns the receipt code. A filled honeypot gets a receipt too, but nothing is stored.

    A report sent again with the same `submission_key` (the offline form retrying after its
    answer was lost) gets the first one's receipt and stores nothing, also when both arrive at
    once (the key's hash is unique); a repeat spends no rate limit.

    Refused with ratelimit.RateLimited (429) when the address's or the organisation's bucket is
    empty; nothing is stored then, and the caller still has what was typed.
    """
    org = public_org(session, org_slug)
    key_hash = submission_key_hash(org.id, submission_key) if submission_key else None
    if key_hash and (earlier := _earlier_receipt(session, settings, key_hash)):
        return earlier
    ratelimit.take(
        session,
        bucket=ADDRESS_BUCKET,
        key=ip,
        burst=settings.public_report_burst,
        per_hour=settings.public_report_refill_per_hour,
        detail="Many reports were sent from your connection. Please try again in a few minutes.",
    )
    receipt = new_receipt()
    if data.website:
        return receipt  # bots are held by their address's bucket, not by the organisation's
    ratelimit.take(
        session,
        bucket=ORG_BUCKET,
        key=str(org.id),
        burst=settings.public_report_org_burst,
        per_hour=settings.public_report_org_refill_per_hour,
        detail="This organisation is receiving an unusual number of reports right now. "
        "Please try again in a few minutes.",
    )
    report = Report(
        owner_org_id=org.id,
        author_id=None,
        tlp=DEFAULT_TLP.value,
        source=Source.public.value,
        receipt_hash=token_hash(receipt),
        contact_encrypted=_encrypted(data.contact, settings),
        submission_key_hash=key_hash,
        receipt_encrypted=_encrypted(receipt, settings) if key_hash else None,
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:  # the same key, sent at the same moment by a retry
        earlier = _earlier_receipt(session, settings, key_hash) if key_hash else None
        if earlier is None:
            raise
        return earlier
    place, placing = public_place(org, data)
    content = {
        "title": data.what_happened[:80],
        "narrative": data.what_happened,
        "occurred_from": data.when.isoformat(),
        "place": place,
        "type": data.type.value,
    }
    _store_version(session, report, content, None)
    if photo is not None:
        # Only the copy without metadata is kept: the original may say where the witness lives.
        session.add(
            Evidence(
                report_id=report.id,
                sha256=photo.sha256,
                size=photo.size,
                media_type=photo.media_type,
                filename=photo.filename,
                uploaded_by=None,
                redacted_sha256=photo.sha256,
                redacted_size=photo.size,
            )
        )
    audit.record(
        session,
        action="report.public_submit",
        org_id=org.id,
        target_type="reports",
        target_id=report.id,
        # How its words were placed (incidents.intake_place), and why not when they were not.
        detail={"photo": photo is not None, "point": "lat" in place, "place": placing.as_json()},
    )
    return receipt


def receipt_status(*, session: Session, receipt: str) -> str:
    """What the holder of a receipt may know: the status of their report, nothing else.

    The code is read as people type it (incidents.receipts); older, longer codes still work."""
    hashes = [token_hash(form) for form in lookup_forms(receipt)]
    status = session.scalar(select(Report.status).where(Report.receipt_hash.in_(hashes)).limit(1))
    if status is None:
        raise NotFound("No report has this receipt code.")
    return {"new": "received", "attached": "being handled", "rejected": "closed"}.get(
        status, status
    )


def latest_version(session: Session, report_id: int) -> dict[str, Any]:
    row = session.scalar(
        select(ReportVersion.data)
        .where(ReportVersion.report_id == report_id)
        .order_by(ReportVersion.version.desc())
        .limit(1)
    )
    return json.loads(row) if row else {}


def get_report(*, session: Session, principal: Principal, report_id: int) -> Report:
    report = session.scalar(scope(select(Report).where(Report.id == report_id), Report, principal))
    if report is None:
        raise NotFound("No such report, or it is not shared with you.")
    return report


def report_reads(
    *,
    session: Session,
    principal: Principal,
    reports: list[Report],
    settings: Settings,
    contents: dict[int, dict[str, Any]] | None = None,
) -> list[ReportRead]:
    """Reports as `principal` may read them; `contents`: latest versions by report id, when known.

    The incident a report became and the site it names show as null to a reader who may not
    read them (core.policy), resolved for all the reports in one query per model.
    """
    data = {r.id: (contents or {}).get(r.id) or latest_version(session, r.id) for r in reports}
    refs = references_with_sites(
        session,
        principal,
        [(Incident, r.incident_id) for r in reports]
        + [(SITE, _site_named(data[r.id])) for r in reports],
    )
    return [_report_read(principal, r, settings, data[r.id], refs) for r in reports]


def _site_named(content: dict[str, Any]) -> int | None:
    site_id = content.get("site_id")
    return site_id if isinstance(site_id, int) else None


def report_read(
    *,
    session: Session,
    principal: Principal,
    report: Report,
    settings: Settings,
    content: dict[str, Any] | None = None,
) -> ReportRead:
    """The report as `principal` may read it; `content`: its latest version, when known."""
    contents = {report.id: content} if content is not None else None
    return report_reads(
        session=session, principal=principal, reports=[report], settings=settings, contents=contents
    )[0]


def _report_read(
    principal: Principal,
    report: Report,
    settings: Settings,
    content: dict[str, Any],
    refs: References,
) -> ReportRead:
    contact = None
    if report.contact_encrypted and principal.has_role(report.owner_org_id, Role.coordinator):
        contact = decrypt(
            report.contact_encrypted, keys=settings.encryption_keys, secret_key=settings.secret_key
        )
    if "site_id" in content:
        content = {**content, "site_id": refs.shown(SITE, _site_named(content))}
    return ReportRead(
        id=report.id,
        owner_org_id=report.owner_org_id,
        incident_id=refs.shown(Incident, report.incident_id),
        source=Source(report.source),
        status=report.status,
        reject_reason=report.reject_reason,
        tlp=TLP(report.tlp),
        version=report.version,
        created_at=report.created_at,
        data=content,
        contact=contact,
    )


def triage_queue(*, session: Session, principal: Principal, limit: int = 100) -> list[Report]:
    """New reports of the organisations where the principal coordinates, oldest first."""
    orgs = [o for o, r in principal.roles.items() if r.at_least(Role.coordinator)]
    if not orgs:
        return []
    stmt = (
        select(Report)
        .where(Report.status == "new", Report.owner_org_id.in_(orgs))
        .order_by(Report.created_at)
        .limit(limit)
    )
    return list(session.scalars(scope(stmt, Report, principal)))


@dataclass(frozen=True)
class Waiting:
    """How many reports wait for triage in one organisation, and the oldest of them."""

    total: int
    oldest: list[tuple[int, str, dt.datetime]]  # id, source, received


def triage_waiting(*, session: Session, principal: Principal, org_id: int, limit: int) -> Waiting:
    """The dashboard's view of the triage queue, for a coordinator of the organisation: the
    count and the oldest few in one query (the count rides along each row)."""
    if not principal.has_role(org_id, Role.coordinator):
        return Waiting(0, [])
    stmt = (
        select(Report.id, Report.source, Report.created_at, func.count().over())
        .where(Report.status == "new", Report.owner_org_id == org_id)
        .order_by(Report.created_at, Report.id)
        .limit(limit)
    )
    rows = session.execute(scope(stmt, Report, principal)).all()
    return Waiting(rows[0][3] if rows else 0, [(i, source, at) for i, source, at, _ in rows])
