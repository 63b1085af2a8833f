"""CAP alerts from outside (a national authority's feed): parsed safely, validated against the
official schema, kept as a draft of the importing organisation with the document as received,
for a coordinator to review, re-target to sites (types, networks) and send."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.cap import CapAlert
from vigil.alerts.cap_xml import parse_cap
from vigil.alerts.documents import sender_for
from vigil.alerts.models import Alert, AlertState, Origin
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.policy import TLP, Principal, acting_org
from vigil.orgs.models import Organisation, Role


def import_cap(*, session: Session, principal: Principal, settings: Settings, data: bytes) -> Alert:
    org_id = acting_org(principal, Role.coordinator)
    cap = parse_cap(data, max_bytes=settings.cap_max_bytes)
    if not cap.info:
        raise Invalid("cap.info", "the alert has no info block to relay")
    reference = cap.reference()
    known = session.scalar(select(Alert.id).where(Alert.references.contains(reference)))
    if known is not None:
        raise Conflict(f"This CAP alert was already imported (alert {known}).")
    org = session.get(Organisation, org_id)
    assert org is not None
    alert = _draft(cap, org_id=org_id, sender=sender_for(org.slug, settings.public_url))
    alert.author_id = principal.person_id
    alert.references = reference
    alert.source_xml = data.decode("utf-8", errors="replace")
    session.add(alert)
    session.flush()
    audit.log_action(
        session,
        principal,
        "alert.import",
        target_type="alerts",
        target_id=alert.id,
        org_id=org_id,
        detail={"source_sender": cap.sender[:200]},
    )
    return alert


def _draft(cap: CapAlert, *, org_id: int, sender: str) -> Alert:
    info = cap.info[0]
    areas = info.area
    circle = next((c for a in areas for c in a.circles), None)
    polygons = [p for a in areas for p in a.polygons]
    countries = sorted(
        {
            g.value.upper()
            for a in areas
            for g in a.geocodes
            if g.value_name.upper().startswith("ISO3166") and len(g.value) == 2
        }
    )
    if circle is None and not polygons and not countries:
        raise Invalid(
            "cap.info.0.area",
            "the alert has no polygon, circle or ISO 3166 country geocode to target sites by",
        )
    now = utcnow()
    return Alert(
        owner_org_id=org_id,
        tlp=TLP.green.value if cap.scope.value == "Public" else TLP.amber_strict.value,
        identifier=f"vigil-{uuid.uuid4()}",
        sender=sender,
        state=AlertState.draft.value,
        origin=Origin.imported.value,
        cap_status=cap.status.value,
        msg_type="Alert",
        language=info.language,
        categories=" ".join(c.value for c in info.category),
        event=info.event,
        response_types=" ".join(r.value for r in info.response_type),
        urgency=info.urgency.value,
        severity=info.severity.value,
        certainty=info.certainty.value,
        headline=info.headline or "",
        description=info.description or "",
        instruction=info.instruction or "",
        effective=info.effective or cap.sent,
        expires=info.expires,
        area_desc="; ".join(a.area_desc for a in areas)[:500],
        circle_lat=circle.lat if circle else None,
        circle_lon=circle.lon if circle else None,
        circle_radius_km=circle.radius_km if circle else None,
        polygons=json.dumps(polygons),
        countries=json.dumps(countries),
        cities="[]",
        site_types="[]",
        network_ids="[]",
        created_at=now,
        updated_at=now,
    )


def retarget(
    *,
    session: Session,
    principal: Principal,
    alert: Alert,
    site_types: list[str],
    network_ids: list[int],
) -> None:
    """Narrow a draft (imported or composed) to site types and networks before sending."""
    if alert.state != AlertState.draft.value:
        raise Conflict("Only a draft can be re-targeted.")
    if not principal.has_role(alert.owner_org_id, Role.coordinator):
        raise Invalid("alert", "only coordinators of the importing organisation may re-target it")
    alert.site_types = json.dumps(sorted(set(site_types)))
    alert.network_ids = json.dumps(sorted(set(network_ids)))
    alert.updated_at = utcnow()
