"""Incidents: made from reports by triage, then edited, moved through their statuses, merged.

Every read goes through core.policy; every change is audited, and the audit entries of an
incident are its history. Report intake lives in reports.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role, readable_ids, scope
from vigil.geo.geocoding import geocode, pick, reverse
from vigil.incidents import report_sharing
from vigil.incidents import reports as reports_service
from vigil.incidents.models import Incident, IncidentCode, Report
from vigil.incidents.schemas import IncidentFields, IncidentUpdate, Place, TriageDecision
from vigil.incidents.typology import STATUS_MOVES, Precision, Status
from vigil.orgs import service as orgs_service
from vigil.orgs.recipients import change_tlp, set_recipients
from vigil.sites import service as sites_service


def resolve_place(place: Place) -> Place:
    """Fill in what offline geocoding can: a point from a place name, a city from a point.

    A point given by the reporter (map pin or coordinates) is never moved; a point found from a
    name is city-level and says so in `precision`.
    """
    if place.lat is not None and place.lon is not None:
        if place.city and place.country:
            return place
        found = reverse(place.lat, place.lon)
        if found is None:
            return place
        return place.model_copy(
            update={"city": place.city or found.city, "country": place.country or found.country}
        )
    query = ", ".join(p for p in (place.address, place.city) if p)
    if not query:
        return place
    # A near miss of a name abroad is no place to file an incident under without asking.
    best = pick(
        geocode(query, country=place.country or None, limit=1), country=place.country or None
    )
    if best is None:
        return place
    return place.model_copy(
        update={
            "lat": best.lat,
            "lon": best.lon,
            "city": place.city or best.city,
            "country": place.country or best.country,
            "precision": Precision.country if best.precision == "country" else Precision.city,
        }
    )


def _set_codes(incident: Incident, fields: IncidentFields) -> None:
    wanted = {("bias", b.value) for b in fields.bias} | {("ihra", c) for c in fields.ihra}
    incident.codes = [c for c in incident.codes if (c.scheme, c.code) in wanted]
    have = {(c.scheme, c.code) for c in incident.codes}
    incident.codes.extend(IncidentCode(scheme=s, code=c) for s, c in sorted(wanted - have))


def apply_fields(incident: Incident, fields: IncidentFields) -> None:
    """Set the incident's fields (its place resolved offline) and its codes from `fields`."""
    incident.title = fields.title
    incident.narrative = fields.narrative
    incident.occurred_from = fields.occurred_from
    incident.occurred_to = fields.occurred_to
    incident.timezone = fields.timezone
    place = resolve_place(fields.place)
    incident.lat, incident.lon = place.lat, place.lon
    incident.address, incident.city = place.address, place.city
    incident.country, incident.precision = place.country, place.precision.value
    incident.type = fields.type.value
    incident.target_kind = fields.target_kind.value if fields.target_kind else None
    incident.injuries, incident.damage = fields.injuries, fields.damage
    incident.police_reported = fields.police_reported
    incident.police_reference = fields.police_reference
    incident.severity = fields.severity.value
    incident.site_id = fields.site_id
    _set_codes(incident, fields)


def incident_fields(incident: Incident) -> dict[str, Any]:
    return {
        "title": incident.title,
        "narrative": incident.narrative,
        "occurred_from": incident.occurred_from,
        "occurred_to": incident.occurred_to,
        "timezone": incident.timezone,
        "place": {
            "lat": incident.lat,
            "lon": incident.lon,
            "address": incident.address,
            "city": incident.city,
            "country": incident.country,
            "precision": incident.precision,
        },
        "type": incident.type,
        "bias": incident.codes_of("bias"),
        "ihra": incident.codes_of("ihra"),
        "target_kind": incident.target_kind,
        "injuries": incident.injuries,
        "damage": incident.damage,
        "police_reported": incident.police_reported,
        "police_reference": incident.police_reference,
        "severity": incident.severity,
        "site_id": incident.site_id,
    }


def _require_coordinator(principal: Principal, org_id: int) -> None:
    if not principal.has_role(org_id, Role.coordinator):
        raise Forbidden("Triage needs the coordinator role in the owning organisation.")


def triage(
    *, session: Session, principal: Principal, report_id: int, decision: TriageDecision
) -> Incident | None:
    """New incident from the report, attach it to an incident, or reject it with a reason.

    A new incident keeps the report's TLP and is shared with the report's recipients and its
    author; attaching follows `report_sharing.share_attached` (nothing widens or narrows
    silently)."""
    report = reports_service.get_report(session=session, principal=principal, report_id=report_id)
    _require_coordinator(principal, report.owner_org_id)
    if report.status != "new":
        raise Conflict("This report was already triaged (%(status)s).", status=report.status)
    incident: Incident | None = None
    if decision.action == "reject":
        report.status, report.reject_reason = "rejected", decision.reason
    elif decision.action == "attach":
        assert decision.incident_id is not None
        incident = get_incident(
            session=session, principal=principal, incident_id=decision.incident_id
        )
        _require_coordinator(principal, incident.owner_org_id)
        report.status, report.incident_id = "attached", incident.id
        report_sharing.share_attached(
            session, principal, incident, report, decision.report_recipients
        )
    else:
        content = reports_service.latest_version(session, report.id)
        try:
            fields = IncidentFields.model_validate(content)
        except ValidationError as exc:
            raise Invalid.from_validation(exc) from exc
        incident = Incident(
            owner_org_id=report.owner_org_id,
            author_id=principal.person_id,
            tlp=report.tlp,
            source=report.source,
            status=Status.triaged.value,
        )
        apply_fields(incident, fields)
        session.add(incident)
        session.flush()
        report.status, report.incident_id = "attached", incident.id
        shared = report_sharing.share_new_incident(session, incident, [report])
        audit.log_action(
            session,
            principal,
            "incident.create",
            target_type="incidents",
            target_id=incident.id,
            org_id=incident.owner_org_id,
            detail={"from_report": report.id, "shared_with": shared.model_dump()},
        )
    audit.log_action(
        session,
        principal,
        f"report.{decision.action}",
        target_type="reports",
        target_id=report.id,
        org_id=report.owner_org_id,
        detail={"incident_id": incident.id if incident else None, "reason": decision.reason},
    )
    return incident


def get_incident(*, session: Session, principal: Principal, incident_id: int) -> Incident:
    incident = session.scalar(
        scope(select(Incident).where(Incident.id == incident_id), Incident, principal)
    )
    if incident is None:
        raise NotFound("No such incident, or it is not shared with you.")
    return incident


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        k: [before[k], after[k]]
        for k in after
        if json.dumps(before.get(k), default=str) != json.dumps(after[k], default=str)
    }


def update_incident(
    *, session: Session, principal: Principal, incident_id: int, data: IncidentUpdate
) -> Incident:
    incident = get_incident(session=session, principal=principal, incident_id=incident_id)
    if not principal.has_role(incident.owner_org_id, Role.analyst):
        owners = orgs_service.record_owners(session=session, org_ids=[incident.owner_org_id])
        if owners and owners[0].remote:  # never rewritten here (DECISIONS 30)
            raise Forbidden(
                "This incident was received from another organisation's instance and stays as "
                "it came: adopt it to edit it as your organisation's."
            )
        raise Forbidden("Editing an incident needs the analyst role in the owning organisation.")
    patch = data.model_dump(exclude_unset=True, exclude={"status", "tlp", "recipients"})
    before = incident_fields(incident)
    if patch.get("site_id") not in (None, incident.site_id):
        sites_service.require_readable_site(
            session=session, principal=principal, site_id=patch["site_id"]
        )
    if patch:
        merged = {**before, **patch}
        if "place" in patch:
            merged["place"] = data.place.model_dump() if data.place else before["place"]
        try:
            fields = IncidentFields.model_validate(merged)
        except ValidationError as exc:
            raise Invalid.from_validation(exc) from exc
        apply_fields(incident, fields)
    if data.status is not None and data.status.value != incident.status:
        move_status(incident, data.status, principal)
    if data.tlp is not None:
        change_tlp(session, principal, incident, data.tlp)
    if data.recipients is not None:
        _require_coordinator(principal, incident.owner_org_id)
        set_recipients(session, incident, data.recipients)
    incident.updated_at = utcnow()
    changes = _changes(before, incident_fields(incident))
    audit.log_action(
        session,
        principal,
        "incident.update",
        target_type="incidents",
        target_id=incident.id,
        org_id=incident.owner_org_id,
        detail={
            "changes": changes,
            "status": incident.status,
            "recipients_changed": data.recipients is not None,
        },
    )
    return incident


def move_status(incident: Incident, new: Status, principal: Principal) -> None:
    current = Status(incident.status)
    if new not in STATUS_MOVES[current]:
        allowed = ", ".join(sorted(s.value for s in STATUS_MOVES[current]))
        moving: dict[str, Any] = {"current": current.value, "new": new.value}
        if not allowed:
            raise Invalid(
                "status", "cannot go from %(current)s to %(new)s (allowed: none)", **moving
            )
        raise Invalid(
            "status",
            "cannot go from %(current)s to %(new)s (allowed: %(allowed)s)",
            allowed=allowed,
            **moving,
        )
    if new in (Status.verified, Status.closed, Status.rejected):
        _require_coordinator(principal, incident.owner_org_id)
    incident.status = new.value


def merge_incidents(
    *, session: Session, principal: Principal, source_id: int, target_id: int
) -> Incident:
    """Fold `source` into `target`: its reports stay where they are and the merge can be undone."""
    if source_id == target_id:
        raise Invalid("target_id", "an incident cannot be merged into itself")
    source = get_incident(session=session, principal=principal, incident_id=source_id)
    target = get_incident(session=session, principal=principal, incident_id=target_id)
    _require_coordinator(principal, source.owner_org_id)
    _require_coordinator(principal, target.owner_org_id)
    if source.status == Status.merged.value:
        raise Conflict("This incident is already merged into another.")
    if target.status == Status.merged.value:
        raise Invalid("target_id", "the target is itself merged; merge into the incident it joined")
    source.status_before_merge = source.status
    source.status = Status.merged.value
    source.merged_into_id = target.id
    audit.log_action(
        session,
        principal,
        "incident.merge",
        target_type="incidents",
        target_id=source.id,
        org_id=source.owner_org_id,
        detail={"into": target.id},
    )
    return target


def unmerge_incident(*, session: Session, principal: Principal, incident_id: int) -> Incident:
    incident = get_incident(session=session, principal=principal, incident_id=incident_id)
    _require_coordinator(principal, incident.owner_org_id)
    if incident.status != Status.merged.value:
        raise Conflict("This incident is not merged.")
    former = incident.merged_into_id
    incident.status = incident.status_before_merge or Status.triaged.value
    incident.merged_into_id = None
    incident.status_before_merge = None
    audit.log_action(
        session,
        principal,
        "incident.unmerge",
        target_type="incidents",
        target_id=incident.id,
        org_id=incident.owner_org_id,
        detail={"was_in": former},
    )
    return incident


def incident_reports(*, session: Session, principal: Principal, incident_id: int) -> list[Report]:
    """Reports of the incident and of every incident merged into it, that the principal may read."""
    merged = select(Incident.id).where(Incident.merged_into_id == incident_id)
    stmt = (
        select(Report)
        .where((Report.incident_id == incident_id) | Report.incident_id.in_(merged))
        .order_by(Report.created_at)
    )
    return list(session.scalars(scope(stmt, Report, principal)))


def incident_history(
    *, session: Session, principal: Principal, incident_id: int
) -> list[audit.AuditEntry]:
    get_incident(session=session, principal=principal, incident_id=incident_id)
    return list(
        session.scalars(
            select(audit.AuditEntry)
            .where(
                audit.AuditEntry.target_type == "incidents",
                audit.AuditEntry.target_id == str(incident_id),
            )
            .order_by(audit.AuditEntry.id)
        )
    )


def readable_incidents(*, principal: Principal) -> Subquery:
    """The incidents the principal may read (core.policy), as a subquery another domain joins
    to its own records of incidents: one query for a list or a count, never one per incident.
    Columns: id, title, type, created_at, occurred_from."""
    stmt = select(
        Incident.id, Incident.title, Incident.type, Incident.created_at, Incident.occurred_from
    )
    return scope(stmt, Incident, principal).subquery()


def report_count_query(*, incident_id: int) -> Select[int]:
    """How many reports an incident has, readable or not, as a query to compose: a change of
    it tells a live page to look again (it shows no report)."""
    return select(func.count(Report.id)).where(Report.incident_id == incident_id)


def readable_incident_ids(
    *, session: Session, principal: Principal, incident_ids: Iterable[int | None]
) -> frozenset[int]:
    """Which of the incidents another record names (an alert's) the principal may read, in one
    query: the others are shown as null, not even their ids (core.policy.references)."""
    return readable_ids(session, principal, Incident, incident_ids)
