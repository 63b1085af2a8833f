"""An alert row as a CAP 1.2 document and as the JSON its webhooks and the API carry."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from vigil.alerts.cap import CapAlert, Circle, Info, Status, cap_time
from vigil.alerts.cap_details import (
    CapDetails,
    areas_for,
    details_of,
    languages,
    latest_expiry,
)
from vigil.alerts.cap_xml import to_cap_xml
from vigil.alerts.models import Alert, AlertState, Origin
from vigil.alerts.schemas import AlertRead, ImportedRead
from vigil.core.policy import TLP, Principal, References, readable_ids
from vigil.geo.countries import country_name
from vigil.incidents import service as incidents_service

if TYPE_CHECKING:
    from vigil.alerts.languages import Shown

# What `References` knows the incidents by: the incidents domain keeps their table to itself.
INCIDENTS = "incidents"


def sender_for(org_slug: str, public_url: str) -> str:
    """CAP `sender`: the organisation at this Vigil's host, e.g. synagogues-vienna@vigil.example."""
    host = urlsplit(public_url).hostname or "localhost"
    return f"{org_slug}@{host}"


def to_reference(alert: Alert) -> str:
    """How a later message refers to this one: "sender,identifier,sent"."""
    return f"{alert.sender},{alert.identifier},{cap_time(alert.sent_at or alert.created_at)}"


def circle_of(alert: Alert) -> Circle | None:
    if alert.circle_lat is None or alert.circle_lon is None or alert.circle_radius_km is None:
        return None
    return Circle(lat=alert.circle_lat, lon=alert.circle_lon, radius_km=alert.circle_radius_km)


def has_area(alert: Alert) -> bool:
    """Whether the alert has an area that can reach a site (a point or codes alone do not)."""
    circle = alert.circle_radius_km is not None and alert.circle_radius_km > 0
    return circle or any(json.loads(getattr(alert, c)) for c in ("polygons", "countries", "cities"))


def polygons_of(alert: Alert) -> list[list[tuple[float, float]]]:
    return [[(p[0], p[1]) for p in ring] for ring in json.loads(alert.polygons)]


def to_cap(alert: Alert, *, incident_id: int | None) -> CapAlert:
    """The CAP message of an alert: its first `info` block from the columns and what the
    message kept (`cap_details`), then every further block (one per language); the areas as
    received or Vigil's target (countries as ISO 3166-1 geocodes, cities as the area text).

    `incident_id`: the incident as the document's reader may see it (`alert_references`)."""
    details = details_of(alert)
    blocks = []
    if carries_info(alert):
        blocks.append(first_info(alert, details))
        for block in details.more_info:
            areas = areas_for(alert, block.area, details)
            blocks.append(block.model_copy(update={"area": areas}))
    public = alert.tlp == TLP.clear.value
    incidents = f"incident-{incident_id}" if incident_id else details.incidents
    return CapAlert.model_validate(
        {
            "identifier": alert.identifier,
            "sender": alert.sender,
            "sent": alert.sent_at or alert.created_at,
            "status": alert.cap_status,
            "msgType": alert.msg_type,
            "source": details.source,
            "scope": "Public" if public else "Restricted",
            "restriction": None if public else f"TLP:{alert.tlp.upper()}",
            "code": details.code,
            "note": details.note,
            "references": alert.references.split(),
            "incidents": incidents,
            "info": blocks,
        }
    )


def info_codes(alert: Alert) -> dict[str, Any]:
    """What every `info` block of the alert says alike, whatever its language."""
    return {
        "category": alert.categories.split(),
        "responseType": alert.response_types.split(),
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "effective": alert.effective,
        "expires": alert.expires,
    }


def first_info(alert: Alert, details: CapDetails) -> Info:
    """The alert's first `info` block: its columns and the rest the message kept."""
    first = details.first
    return Info.model_validate(
        {
            **first.model_dump(exclude={"area"}),
            **info_codes(alert),
            "language": alert.language,
            "event": alert.event,
            "headline": alert.headline or None,
            "description": alert.description or None,
            "instruction": alert.instruction or None,
            "area": areas_for(alert, first.area, details),
        }
    )


def carries_info(alert: Alert) -> bool:
    """False for an imported message without any `info` block (nothing to tell sites)."""
    return bool(alert.urgency)


def cap_xml(alert: Alert, *, incident_id: int | None) -> bytes:
    return to_cap_xml(to_cap(alert, incident_id=incident_id))


def cap_document_for(*, session: Session, principal: Principal, alert: Alert) -> bytes:
    """The CAP document as `principal` may read it: it names the incident only if they may."""
    refs = alert_references(session, principal, [alert])
    return cap_xml(alert, incident_id=refs.shown(INCIDENTS, alert.incident_id))


def alert_references(session: Session, principal: Principal, alerts: list[Alert]) -> References:
    """The incidents and replaced alerts a page of alerts names, as `principal` may follow them:
    one query for each of the two (none for one that no alert names)."""
    incidents = incidents_service.readable_incident_ids(
        session=session, principal=principal, incident_ids=[a.incident_id for a in alerts]
    )
    replaced = readable_ids(session, principal, Alert, [a.replaces_id for a in alerts])
    return References({INCIDENTS: incidents, Alert: replaced})


def alert_reads(*, session: Session, principal: Principal, alerts: list[Alert]) -> list[AlertRead]:
    """Alerts as `principal` reads them: an incident or alert they may not read shows as null."""
    refs = alert_references(session, principal, alerts)
    return [alert_read(a, refs) for a in alerts]


def read_alert(*, session: Session, principal: Principal, alert: Alert) -> AlertRead:
    return alert_reads(session=session, principal=principal, alerts=[alert])[0]


def alert_read(alert: Alert, refs: References) -> AlertRead:
    """One alert, its references resolved by `refs` (from `alert_references`)."""
    return AlertRead(
        id=alert.id,
        identifier=alert.identifier,
        state=alert.state,
        origin=alert.origin,
        msg_type=alert.msg_type,
        cap_status=alert.cap_status,
        event=alert.event,
        categories=alert.categories.split(),
        urgency=alert.urgency,
        severity=alert.severity,
        certainty=alert.certainty,
        response_types=alert.response_types.split(),
        headline=alert.headline,
        description=alert.description,
        instruction=alert.instruction,
        effective=alert.effective,
        expires=alert.expires,
        area_desc=alert.area_desc,
        circle=circle_of(alert),
        polygons=polygons_of(alert),
        countries=json.loads(alert.countries),
        cities=json.loads(alert.cities),
        site_types=json.loads(alert.site_types),
        network_ids=json.loads(alert.network_ids),
        replaces_id=refs.shown(Alert, alert.replaces_id),
        incident_id=refs.shown(INCIDENTS, alert.incident_id),
        tlp=TLP(alert.tlp),
        owner_org_id=alert.owner_org_id,
        created_at=alert.created_at,
        sent_at=alert.sent_at,
        language=alert.language,
        languages=languages(alert),
        references=alert.references.split(),
        needs_area=alert.state == AlertState.draft.value and not has_area(alert),
        expires_all=latest_expiry(alert),
        imported=_imported(alert),
    )


def _imported(alert: Alert) -> ImportedRead | None:
    if alert.origin != Origin.imported.value:
        return None
    details = details_of(alert)
    return ImportedRead(
        source_reference=alert.source_reference,
        cap_version=details.version,
        sender_name=details.first.sender_name,
        unknown_references=details.unknown_references,
        signature=details.signature_status,
        signed_by=details.signed_by,
        feed=details.feed,
    )


def webhook_body(
    alert: Alert, *, shown: Shown, site: dict[str, Any] | None, delivery_id: int, key: str
) -> bytes:
    """What a webhook receives: the alert in its organisation's language (`shown`, the CAP
    block in that language or the first: alerts.languages), the site it is for, and how to
    acknowledge."""
    body = {
        "type": "vigil.alert",
        "delivery": {"id": delivery_id, "idempotency_key": key},
        "alert": {
            "id": alert.id,
            "identifier": alert.identifier,
            "sender": alert.sender,
            "sent": cap_time(alert.sent_at or alert.created_at),
            "msg_type": alert.msg_type,
            "status": alert.cap_status,
            # for receivers to filter on without knowing CAP's statuses
            "is_test": alert.cap_status == Status.test.value,
            "is_exercise": alert.cap_status == Status.exercise.value,
            "references": alert.references.split(),
            # CAP `language` of the words below; `untranslated`: the author's, not in the
            # organisation's language
            "language": shown.language,
            "untranslated": shown.untranslated,
            "languages": languages(alert),
            "event": shown.event,
            "urgency": shown.urgency,
            "severity": shown.severity,
            "certainty": shown.certainty,
            "headline": shown.headline,
            "description": shown.description,
            "instruction": shown.instruction,
            "effective": cap_time(alert.effective),
            "expires": cap_time(alert.expires) if alert.expires else None,
            "area": shown.area_desc,
            "countries": [country_name(c) for c in json.loads(alert.countries)],
        },
        "site": site,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
