"""CAP alerts from outside (a national authority's feed): read safely and liberally (CAP 1.0 to
1.2, any encoding), kept as a draft of the importing organisation with the whole message and the
document as received, for a coordinator to review, re-target (site types, networks, and the area
where the message gave only codes or a point) and send.

An imported Update or Cancel stays an Update or Cancel: it is linked to the imported original it
references (matched by sender, identifier and sent), and relaying it updates or cancels what
Vigil sent for that original. When Vigil does not know the original, the draft says so.
"""

from __future__ import annotations

import json
import math
import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.alerts.cap import CapAlert, Info, MsgType, canonical_reference
from vigil.alerts.cap_details import CapDetails, InfoExtras, details_of, store
from vigil.alerts.cap_geometry import Circle
from vigil.alerts.cap_signature import trusted_certificates, verified_signer
from vigil.alerts.cap_xml import Received, read_cap
from vigil.alerts.documents import has_area, sender_for, to_reference
from vigil.alerts.models import Alert, AlertState, Origin
from vigil.alerts.schemas import AreaChange
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.policy import TLP, Principal, Role, acting_org, scope
from vigil.orgs import directory as orgs_directory
from vigil.orgs.recipients import recipients_of, set_recipients

RELAYED = (MsgType.alert, MsgType.update, MsgType.cancel)
_TARGET_COLUMNS = (
    *("circle_lat", "circle_lon", "circle_radius_km"),
    *("polygons", "countries", "cities"),
)
_INFO_COLUMNS = (
    *("language", "categories", "event", "response_types", "urgency", "severity", "certainty"),
    *("headline", "description", "instruction", "effective", "expires"),
)


def import_cap(*, session: Session, principal: Principal, settings: Settings, data: bytes) -> Alert:
    org_id = acting_org(principal, Role.coordinator)
    received = read_cap(data, max_bytes=settings.cap_max_bytes)
    cap = received.cap
    if cap.msg_type not in RELAYED:
        raise Invalid(
            "cap.msgType",
            "this is an %(type)s message: Vigil relays Alert, Update and Cancel messages to sites",
            type=cap.msg_type.value,
        )
    reference = cap.reference()
    mine = scope(select(Alert.id), Alert, principal).where(Alert.owner_org_id == org_id)
    known = session.scalar(mine.where(Alert.source_reference == reference).limit(1))
    if known is not None:
        raise Conflict(
            "This CAP message (the same sender, identifier and sent time) was already "
            "imported (alert %(id)s).",
            id=known,
        )
    original: Alert | None = None
    unknown: list[str] = []
    if cap.msg_type != MsgType.alert:
        original, unknown = _original(session, principal, org_id, cap)
    slug = orgs_directory.organisation_slug(session=session, org_id=org_id)
    alert = _draft(received, org_id=org_id, sender=sender_for(slug, settings.public_url))
    alert.author_id = principal.person_id
    details = _details(received, unknown)
    if received.signatures:
        certificates = trusted_certificates(settings.cap_certificates)
        details.signed_by = verified_signer(received.unsigned, received.signatures, certificates)
    if original is not None:
        _follow(alert, details, _newest(session, principal, original))
    else:
        given = [canonical_reference(r) for r in cap.references if r.count(",") == 2]
        alert.references = " ".join(dict.fromkeys([*given, reference]))
    store(alert, details)
    session.add(alert)
    session.flush()
    audit.log_action(
        session,
        principal,
        "alert.import",
        target_type="alerts",
        target_id=alert.id,
        org_id=org_id,
        detail={
            "source_sender": cap.sender[:200],
            "msg_type": cap.msg_type.value,
            "cap_version": received.version,
            "signature": details.signature_status,
            "follows": original.id if original is not None else None,
        },
    )
    return alert


def _draft(received: Received, *, org_id: int, sender: str) -> Alert:
    cap = received.cap
    now = utcnow()
    alert = Alert(
        owner_org_id=org_id,
        tlp=TLP.green.value if cap.scope.value == "Public" else TLP.amber_strict.value,
        identifier=f"vigil-{uuid.uuid4()}",
        sender=sender,
        state=AlertState.draft.value,
        origin=Origin.imported.value,
        cap_status=cap.status.value,
        msg_type=cap.msg_type.value,
        references="",
        source_reference=cap.reference(),
        source_xml=received.text,
        # a message without any info block says nothing to sites until it follows an original
        language="en-US",
        categories="",
        event="",
        response_types="",
        urgency="",
        severity="",
        certainty="",
        headline="",
        description="",
        instruction="",
        effective=cap.sent,
        expires=None,
        area_desc="",
        polygons="[]",
        countries="[]",
        cities="[]",
        site_types="[]",
        network_ids="[]",
        created_at=now,
        updated_at=now,
    )
    if cap.info:
        _take_info(alert, cap.info[0], cap=cap)
        _take_target(alert, cap.info)
    return alert


def _details(received: Received, unknown: list[str]) -> CapDetails:
    cap = received.cap
    first, more = (cap.info[0], cap.info[1:]) if cap.info else (None, [])
    return CapDetails(
        version=received.version,
        source=cap.source,
        restriction=cap.restriction,
        addresses=cap.addresses,
        code=cap.code,
        note=cap.note,
        incidents=cap.incidents,
        signatures=received.signatures,
        first=InfoExtras.of(first) if first is not None else InfoExtras(),
        more_info=more,
        unknown_references=unknown,
    )


def _take_info(alert: Alert, info: Info, *, cap: CapAlert) -> None:
    alert.language = info.language
    alert.categories = " ".join(c.value for c in info.category)
    alert.event = info.event
    alert.response_types = " ".join(r.value for r in info.response_type)
    alert.urgency, alert.severity = info.urgency.value, info.severity.value
    alert.certainty = info.certainty.value
    alert.headline = info.headline or ""
    alert.description = info.description or ""
    alert.instruction = info.instruction or ""
    alert.effective = info.effective or cap.sent
    alert.expires = info.expires


def _take_target(alert: Alert, infos: list[Info]) -> None:
    """Vigil's target from every area of every block: the first real circle, every polygon
    (further circles drawn as polygons), ISO 3166 country geocodes. A point (radius 0) is kept
    to show and to start from, but targets nothing: the coordinator draws the area."""
    areas = [a for info in infos for a in info.area]
    circles = list(dict.fromkeys(c for a in areas for c in a.circles))
    real = [c for c in circles if c.radius_km > 0]
    polygons = [p for a in areas for p in a.polygons] + [_ring(c) for c in real[1:]]
    polygons = [list(p) for p in dict.fromkeys(tuple(p) for p in polygons)]
    countries = sorted(
        {
            g.value.upper()
            for a in areas
            for g in a.geocodes
            if g.value_name.upper().startswith("ISO3166") and len(g.value) == 2
        }
    )
    circle = real[0] if real else (circles[0] if circles and not polygons else None)
    alert.circle_lat = circle.lat if circle else None
    alert.circle_lon = circle.lon if circle else None
    alert.circle_radius_km = circle.radius_km if circle else None
    alert.polygons = json.dumps(polygons)
    alert.countries = json.dumps(countries)
    alert.area_desc = "; ".join(dict.fromkeys(a.area_desc for a in areas if a.area_desc))[:500]


def _ring(circle: Circle, sides: int = 36) -> list[tuple[float, float]]:
    """A circle as a closed polygon (near enough to target sites by)."""
    lat_km = 111.32
    lon_km = max(lat_km * math.cos(math.radians(circle.lat)), 1e-6)
    points = [
        (
            round(circle.lat + circle.radius_km / lat_km * math.cos(2 * math.pi * i / sides), 6),
            round(circle.lon + circle.radius_km / lon_km * math.sin(2 * math.pi * i / sides), 6),
        )
        for i in range(sides)
    ]
    return [*points, points[0]]


def _original(
    session: Session, principal: Principal, org_id: int, cap: CapAlert
) -> tuple[Alert | None, list[str]]:
    """The alert of this organisation that the message's references name (the newest one sent,
    else the newest), and the references Vigil does not know."""
    found: list[Alert] = []
    unknown: list[str] = []
    for reference in cap.references:
        alert = _referenced(session, principal, org_id, reference, sender=cap.sender)
        if alert is None:
            unknown.append(reference)
        else:
            found.append(alert)
    sent = [a for a in found if a.state != AlertState.draft.value]
    return max(sent or found, key=lambda a: a.id, default=None), unknown


def _referenced(
    session: Session, principal: Principal, org_id: int, reference: str, *, sender: str
) -> Alert | None:
    canonical = canonical_reference(reference)
    parts = canonical.split(",")
    if len(parts) == 3:
        named = or_(
            Alert.source_reference == canonical,
            (Alert.sender == parts[0]) & (Alert.identifier == parts[1]),
        )
    else:  # CAP 1.0: an identifier of the same sender
        named = Alert.source_reference.startswith(f"{sender},{reference},", autoescape=True)
    stmt = scope(select(Alert), Alert, principal).where(Alert.owner_org_id == org_id, named)
    return session.scalar(stmt.order_by(Alert.id.desc()).limit(1))


def _follow(alert: Alert, details: CapDetails, original: Alert) -> None:
    """An Update or Cancel follows what Vigil made of its original: the same sharing and
    filters, the original's words when it has no info block, its area when it gives none."""
    alert.replaces_id = original.id
    alert.tlp = original.tlp
    alert.site_types, alert.network_ids = original.site_types, original.network_ids
    if not alert.urgency:
        for column in _INFO_COLUMNS:
            setattr(alert, column, getattr(original, column))
        theirs = details_of(original)
        details.first, details.more_info = theirs.first, theirs.more_info
        details.area_from_target = theirs.area_from_target
        if alert.msg_type == MsgType.cancel.value:
            alert.response_types = "AllClear"
    if not has_area(alert):
        for column in _TARGET_COLUMNS:
            setattr(alert, column, getattr(original, column))
        alert.area_desc = alert.area_desc or original.area_desc
        details.area_from_target = True
    # as it stands now; sending takes the newest message sent for the original (follow_original)
    sent = [to_reference(original)] if original.sent_at is not None else []
    references = [*original.references.split(), *sent, alert.source_reference]
    alert.references = " ".join(dict.fromkeys(r for r in references if r))


def retarget(
    *,
    session: Session,
    principal: Principal,
    alert: Alert,
    site_types: list[str],
    network_ids: list[int],
    area: AreaChange | None = None,
) -> None:
    """Narrow a draft (imported or composed) to site types and networks before sending, and
    draw or pick its area (a message that gave only codes or a point needs one)."""
    if alert.state != AlertState.draft.value:
        raise Conflict("Only a draft can be re-targeted.")
    if not principal.has_role(alert.owner_org_id, Role.coordinator):
        raise Invalid("alert", "only coordinators of the importing organisation may re-target it")
    alert.site_types = json.dumps(sorted(set(site_types)))
    alert.network_ids = json.dumps(sorted(set(network_ids)))
    if area is not None:
        _set_area(alert, area)
    alert.updated_at = utcnow()


def _set_area(alert: Alert, area: AreaChange) -> None:
    if not (area.circle or area.polygons or area.countries or area.cities):
        raise Invalid("area", "draw a circle or a polygon, or pick countries or cities")
    alert.circle_lat = area.circle.lat if area.circle else None
    alert.circle_lon = area.circle.lon if area.circle else None
    alert.circle_radius_km = area.circle.radius_km if area.circle else None
    alert.polygons = json.dumps(area.polygons)
    alert.countries = json.dumps(area.countries)
    alert.cities = json.dumps(area.cities)
    if area.area_desc:
        alert.area_desc = area.area_desc
    details = details_of(alert)
    details.area_from_target = True
    store(alert, details)


def area_needed(alert: Alert) -> Invalid:
    """The refusal of an imported alert whose area Vigil cannot place, saying how it came."""
    codes = [f"{g.value_name} {g.value}" for a in details_of(alert).first.area for g in a.geocodes]
    if not codes:
        return Invalid(
            "area",
            "The area was received as a point or not at all: draw a circle or a polygon, or "
            "pick countries or cities, before sending.",
        )
    return Invalid(
        "area",
        "The area was received only as codes (%(codes)s): draw a circle or a polygon, or pick "
        "countries or cities, before sending.",
        codes=", ".join(codes[:5]) + (", ..." if len(codes) > 5 else ""),
    )


def follow_original(session: Session, principal: Principal, alert: Alert) -> None:
    """An imported Update or Cancel goes out referencing the newest message Vigil sent for its
    original, which it then replaces."""
    original = session.scalar(
        scope(select(Alert).where(Alert.id == alert.replaces_id), Alert, principal)
    )
    if original is None:
        return
    head = _newest(session, principal, original)
    action = "cancel" if alert.msg_type == "Cancel" else "update"
    if head.state == AlertState.draft.value and action == "cancel":
        raise Conflict(
            "Alert %(id)s, which this message follows, was never sent: sites have nothing "
            "to cancel. Send alert %(id)s first.",
            id=head.id,
        )
    if head.state == AlertState.draft.value:
        raise Conflict(
            "Alert %(id)s, which this message follows, was never sent: sites have nothing "
            "to update. Send alert %(id)s first.",
            id=head.id,
        )
    if head.msg_type == "Cancel" or head.state == AlertState.cancelled.value:
        raise Conflict(
            "Alert %(id)s was already cancelled (alert %(newest)s).", id=original.id, newest=head.id
        )
    own = [alert.source_reference] if alert.source_reference else []
    references = [*head.references.split(), to_reference(head), *own]
    alert.references = " ".join(dict.fromkeys(references))
    alert.replaces_id = head.id
    set_recipients(session, alert, recipients_of(session, Alert, [head.id])[head.id])
    head.state = AlertState.cancelled.value if action == "cancel" else AlertState.updated.value
    head.updated_at = utcnow()


def _newest(session: Session, principal: Principal, alert: Alert) -> Alert:
    """The last message sent in the chain of Updates and Cancels that starts at `alert`."""
    while True:
        stmt = scope(select(Alert), Alert, principal).where(
            Alert.replaces_id == alert.id, Alert.state != AlertState.draft.value
        )
        following = session.scalar(stmt.order_by(Alert.id.desc()).limit(1))
        if following is None:
            return alert
        alert = following
