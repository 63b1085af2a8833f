"""Alerts: compose, preview, send (alert + every delivery in one transaction), Update and Cancel
messages that reference the original, and reading — always through core.policy."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.alerts import fanout, imports
from vigil.alerts.cap import Info, ResponseType, cap_time
from vigil.alerts.cap_details import (
    CapDetails,
    details_of,
    follow_change,
    latest_expiry,
    store,
)
from vigil.alerts.cap_xml import validate_generated
from vigil.alerts.documents import (
    alert_reads,
    cap_document_for,
    cap_xml,
    carries_info,
    circle_of,
    has_area,
    info_codes,
    polygons_of,
    sender_for,
    to_reference,
)
from vigil.alerts.languages import add_languages, reader_locales
from vigil.alerts.models import Alert, AlertState
from vigil.alerts.schemas import AlertChange, AlertCreate, AlertPage, Preview, Translation
from vigil.alerts.targeting import Reach, Target, reach, target_from, target_sites
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role, acting_org, scope
from vigil.incidents.service import get_incident
from vigil.orgs import directory as orgs_directory
from vigil.orgs.recipients import Recipients, recipients_of, set_recipients


def target_of(alert: Alert) -> Target:
    return Target(
        circle=circle_of(alert),
        polygons=polygons_of(alert),
        countries=json.loads(alert.countries),
        cities=json.loads(alert.cities),
        site_types=json.loads(alert.site_types),
        network_ids=json.loads(alert.network_ids),
    )


def composed_reach(*, session: Session, principal: Principal, data: AlertCreate) -> Reach:
    """Who an alert being composed would reach, for its coordinator: the preview's counts and
    the sites behind them (alerts.reached names those the coordinator may read)."""
    org_id = acting_org(principal, Role.coordinator)
    return reach(session, org_id=org_id, target=target_from(data))


def preview(*, session: Session, principal: Principal, data: AlertCreate) -> Preview:
    """How many sites and people the alert would reach (totals only, DECISIONS 7)."""
    return totals(composed_reach(session=session, principal=principal, data=data))


def preview_draft(
    *, session: Session, principal: Principal, alert_id: int, site_types: list[str]
) -> Preview:
    """What sending a draft narrowed to `site_types` would reach, before it is narrowed."""
    alert = get_alert(session=session, principal=principal, alert_id=alert_id)
    _require_coordinator(principal, alert)
    if alert.state != AlertState.draft.value:
        raise Conflict("The alert was already sent (it is %(state)s).", state=alert.state)
    target = target_of(alert)
    target.site_types = site_types
    return totals(reach(session, org_id=alert.owner_org_id, target=target))


def totals(counted: Reach) -> Preview:
    return Preview(sites=counted.sites, people=counted.people, webhooks=counted.webhooks)


def create_alert(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    data: AlertCreate,
    key: uuid.UUID | None = None,
) -> Alert:
    """A draft alert of the acting organisation (coordinator or higher). `key`, chosen before
    the sender confirmed, becomes its CAP identifier, so the same confirmation posted twice
    (a double click) makes one alert: the second gets Conflict (see `by_key`)."""
    org_id = acting_org(principal, Role.coordinator)
    target = target_from(data)
    if not target.has_area:
        raise Invalid("circle", "give the area: a circle, a polygon, countries or cities")
    target_sites(session, org_id=org_id, target=target)  # checks the networks
    if data.incident_id is not None:  # NotFound unless the sender may read it
        get_incident(session=session, principal=principal, incident_id=data.incident_id)
    slug = orgs_directory.organisation_slug(session=session, org_id=org_id)
    now = utcnow()
    alert = Alert(
        owner_org_id=org_id,
        author_id=principal.person_id,
        tlp=data.tlp.value,
        identifier=f"vigil-{key or uuid.uuid4()}",
        sender=sender_for(slug, settings.public_url),
        state=AlertState.draft.value,
        cap_status=data.status.value,
        msg_type="Alert",
        categories=" ".join(c.value for c in data.categories),
        event=data.event,
        response_types=" ".join(r.value for r in data.response_types),
        urgency=data.urgency.value,
        severity=data.severity.value,
        certainty=data.certainty.value,
        headline=data.headline,
        description=data.description,
        instruction=data.instruction,
        effective=data.effective or now,
        expires=data.expires,
        area_desc=data.area_desc,
        circle_lat=data.circle.lat if data.circle else None,
        circle_lon=data.circle.lon if data.circle else None,
        circle_radius_km=data.circle.radius_km if data.circle else None,
        polygons=json.dumps(data.polygons),
        countries=json.dumps(data.countries),
        cities=json.dumps(data.cities),
        site_types=json.dumps(target.site_types),
        network_ids=json.dumps(data.network_ids),
        incident_id=data.incident_id,
        created_at=now,
        updated_at=now,
    )
    if alert.expires is not None and alert.expires <= alert.effective:
        raise Invalid("expires", "expires must be after effective")
    alert.language = data.language or _language_of(session, principal)
    if data.translations:
        store(alert, CapDetails(more_info=_translations(alert, data.translations)))
    session.add(alert)
    try:
        session.flush()
    except IntegrityError as exc:  # the same confirmation, posted at the same moment
        raise Conflict("This alert was already sent.") from exc
    _log(session, principal, "alert.create", alert)
    return alert


def _language_of(session: Session, principal: Principal) -> str:
    """The composer's language (their locale, e.g. de or pt-BR), the alert's by default."""
    locale = (
        orgs_directory.person_locale(session=session, person_id=principal.person_id)
        if principal.person_id
        else None
    )
    return (locale or "en").replace("_", "-")


def _translations(alert: Alert, given: list[Translation]) -> list[Info]:
    seen = {alert.language.lower()}
    blocks = []
    for i, translation in enumerate(given):
        if translation.language.lower() in seen:
            raise Invalid(
                f"translations.{i}.language",
                "the alert already speaks %(language)s: one info block per language",
                language=translation.language,
            )
        seen.add(translation.language.lower())
        blocks.append(
            Info.model_validate(
                {
                    **info_codes(alert),
                    "language": translation.language,
                    "event": translation.event or alert.event,
                    "headline": translation.headline or None,
                    "description": translation.description or None,
                    "instruction": translation.instruction or None,
                }
            )
        )
    return blocks


def send_alert(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    alert_id: int,
    confirm_expired: bool = False,
) -> int:
    """Send a draft: its CAP document is checked, then the alert and every delivery are written
    in the caller's transaction. Returns how many deliveries were queued. An imported Update or
    Cancel updates or cancels what Vigil sent for its original; relaying an alert that has
    already expired needs `confirm_expired`."""
    alert = get_alert(session=session, principal=principal, alert_id=alert_id)
    _require_coordinator(principal, alert)
    check_sendable(alert, confirm_expired=confirm_expired)
    if alert.replaces_id is not None:
        imports.follow_original(session, principal, alert)
    return _issue(session, principal, settings, alert)


def check_sendable(alert: Alert, *, confirm_expired: bool = False) -> None:
    """What a draft needs before it goes out; the summary to confirm asks it too, so the
    coordinator hears of a missing area or an expiry before, not after, confirming."""
    if alert.state != AlertState.draft.value:
        raise Conflict("The alert was already sent (it is %(state)s).", state=alert.state)
    if not carries_info(alert):
        raise Conflict(
            "This message has no info block (no event, no instruction): it has nothing to tell "
            "sites, so it cannot be relayed."
        )
    if not has_area(alert):
        raise imports.area_needed(alert)
    ends = latest_expiry(alert)
    if ends is not None and ends <= utcnow() and not confirm_expired:
        raise Conflict(
            "This alert expired at %(time)s: relaying it now tells sites about something "
            "already over. Confirm that you want to send it anyway.",
            time=cap_time(ends),
        )


def _issue(session: Session, principal: Principal, settings: Settings, alert: Alert) -> int:
    now = utcnow()
    alert.state, alert.sent_at, alert.updated_at = AlertState.sent.value, now, now
    sites = target_sites(session, org_id=alert.owner_org_id, target=target_of(alert))
    queued = fanout.fan_out(
        session,
        alert,
        sites,
        escalate_after=dt.timedelta(minutes=settings.alert_escalation_minutes),
    )
    add_languages(alert, reader_locales(session, alert, {o for _, o in sites}))
    validate_generated(cap_xml(alert, incident_id=alert.incident_id))
    # The organisations of the sites reached may read the alert (to see it and acknowledge).
    reached = sorted({o for _, o in sites} - {alert.owner_org_id})
    existing = recipients_of(session, Alert, [alert.id])[alert.id]
    set_recipients(
        session,
        alert,
        Recipients(
            organisation_ids=sorted(set(existing.organisation_ids) | set(reached)),
            person_ids=existing.person_ids,
        ),
    )
    _log(session, principal, "alert.send", alert, sites=len(sites), deliveries=queued)
    return queued


def follow_up(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    alert_id: int,
    msg_type: str,
    change: AlertChange | None = None,
) -> tuple[Alert, int]:
    """An Update or Cancel message referencing the alert, sent at once to the same area;
    returns it and how many deliveries were queued."""
    original = get_alert(session=session, principal=principal, alert_id=alert_id)
    _require_coordinator(principal, original)
    if original.state != AlertState.sent.value:
        raise Conflict(
            "Only a sent, current alert can be updated or cancelled (it is %(state)s).",
            state=original.state,
        )
    columns = {c.key: getattr(original, c.key) for c in Alert.__table__.columns}
    for key in ("id", "identifier", "state", "sent_at", "created_at", "updated_at", "replaces_id"):
        columns.pop(key)
    columns["source_reference"] = None  # Vigil's own message, not a relay of one
    message = Alert(**columns)
    message.identifier = f"vigil-{uuid.uuid4()}"
    message.msg_type = msg_type
    message.replaces_id = original.id
    message.author_id = principal.person_id
    references = original.references.split()
    message.references = " ".join([*references, to_reference(original)])
    if change is not None:
        for field, value in change.model_dump(exclude_unset=True).items():
            if field == "response_types":
                message.response_types = " ".join(v.value for v in change.response_types or [])
            else:
                setattr(message, field, value.value if hasattr(value, "value") else value)
    if msg_type == "Cancel":
        message.response_types = "AllClear"
    if message.cap_details:
        changed = change.model_dump(exclude_unset=True) if change is not None else {}
        if msg_type == "Cancel":
            changed["response_types"] = [ResponseType.all_clear]
        details = follow_change(details_of(message), language=message.language, changed=changed)
        store(message, details)
    if message.expires is not None and message.expires <= message.effective:
        raise Invalid("expires", "expires must be after effective")
    message.state = AlertState.draft.value
    session.add(message)
    session.flush()
    recipients = recipients_of(session, Alert, [original.id])[original.id]
    set_recipients(session, message, recipients)
    original.state = (
        AlertState.cancelled.value if msg_type == "Cancel" else AlertState.updated.value
    )
    original.updated_at = utcnow()
    return message, _issue(session, principal, settings, message)


def _require_coordinator(principal: Principal, alert: Alert) -> None:
    if not principal.has_role(alert.owner_org_id, Role.coordinator):
        raise Forbidden("Only coordinators of the organisation that wrote the alert may do this.")


def cap_document(*, session: Session, principal: Principal, alert_id: int) -> bytes:
    """The alert's CAP 1.2 document, once sent. A draft has none: CAP `sent` is required, and a
    draft served under the identifier its real message will carry could be taken for it (or
    make receivers drop that message as a duplicate), so it is refused with the reason."""
    alert = get_alert(session=session, principal=principal, alert_id=alert_id)
    if alert.state == AlertState.draft.value:
        raise Conflict("This alert is a draft: it has a CAP document once it is sent.")
    return cap_document_for(session=session, principal=principal, alert=alert)


def by_key(*, session: Session, principal: Principal, key: uuid.UUID) -> Alert | None:
    """The alert made with `key` (create_alert), if the principal may read it."""
    stmt = select(Alert).where(Alert.identifier == f"vigil-{key}")
    return session.scalar(scope(stmt, Alert, principal))


def get_alert(*, session: Session, principal: Principal, alert_id: int) -> Alert:
    alert = session.scalar(scope(select(Alert).where(Alert.id == alert_id), Alert, principal))
    if alert is None:
        raise NotFound("No such alert, or it is not shared with you.")
    return alert


def list_alerts(
    *,
    session: Session,
    principal: Principal,
    current_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> AlertPage:
    """Alerts you may read, newest first; `current_only`: sent and not expired."""
    stmt = scope(select(Alert), Alert, principal)
    if current_only:
        stmt = stmt.where(live_clause())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit).offset(offset)
    ).all()
    items = alert_reads(session=session, principal=principal, alerts=list(rows))
    return AlertPage(items=items, total=total, limit=limit, offset=offset)


def live_clause() -> ColumnElement[bool]:
    """Sent, unexpired and not replaced by an Update or Cancel."""
    return (Alert.state == AlertState.sent.value) & (
        Alert.expires.is_(None) | (Alert.expires > utcnow())
    )


def current_alerts(*, session: Session, principal: Principal, limit: int = 50) -> list[Alert]:
    """Sent, unexpired and not replaced by an Update or Cancel, newest first."""
    stmt = scope(select(Alert), Alert, principal).where(live_clause())
    return list(session.scalars(stmt.order_by(Alert.sent_at.desc(), Alert.id.desc()).limit(limit)))


def _log(
    session: Session, principal: Principal, action: str, alert: Alert, **detail: object
) -> None:
    audit.log_action(
        session,
        principal,
        action,
        target_type="alerts",
        target_id=alert.id,
        org_id=alert.owner_org_id,
        detail={"msg_type": alert.msg_type, "tlp": alert.tlp, **detail},
    )
