"""Vigil records as STIX 2.1 objects: an incident with its place, a notice, an organisation.

Pure functions from the records' read schemas to plain JSON-ready dicts, so the same objects
serve the bundle export, the preview and (later) TAXII. What never leaves is simply never read
here: reporters and their contacts, people's names and e-mails, site contacts, evidence and the
audit log are not in these schemas' fields that are mapped, and authors are never named (an
object is created by its organisation, `created_by_ref`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vigil.incidents.schemas import IncidentRead
from vigil.incidents.typology import Precision, Status
from vigil.sharing.extension import VIGIL_EXTENSION_ID
from vigil.sharing.ids import stix_id, stix_time
from vigil.sharing.markings import marking_for
from vigil.sharing.schemas import PlacePrecision, SharingProfileRead, TypologyField

if TYPE_CHECKING:
    from vigil.alerts.incident_alerts import SentAlertRef
    from vigil.incidents.queries import ReportText
    from vigil.notices.schemas import NoticeRead
    from vigil.orgs.models import Organisation
    from vigil.sharing.schemas import GroupingRead

# Incidents that are no longer events of their own: a partner should drop its copy.
REVOKED_STATUSES = frozenset({Status.merged, Status.rejected})
# Places known to a point, which `exact` sharing may give as latitude and longitude.
POINT_PRECISIONS = frozenset({Precision.exact, Precision.street})


@dataclass(frozen=True)
class Context:
    """What mapping one record needs besides the record: the instance's id namespace, its
    owner's identity id and sharing profile."""

    namespace: uuid.UUID
    owner_ref: str
    profile: SharingProfileRead


@dataclass(frozen=True)
class Origin:
    """A received incident as its sender made it (DECISIONS 30): it leaves again under the
    sender's id and versions, created by the sender, so that a partner sees the same object."""

    stix_id: str
    created: str
    modified: str


@dataclass(frozen=True)
class IncidentLinks:
    """What leaves with an incident besides the incident: the CAP alerts about it and the text
    of its reports, those that reach every reader of the incident (sharing.incident_links
    chose them; reports leave only if the owner's profile shares them)."""

    alerts: tuple[SentAlertRef, ...] = ()
    reports: tuple[ReportText, ...] = ()
    public_url: str = ""
    origin: Origin | None = None  # a received incident's own STIX id and versions
    derived_from: str = ""  # an adopted incident: the STIX id of the original

    def moments(self) -> list[dt.datetime]:
        return [a.sent_at for a in self.alerts]


NO_LINKS = IncidentLinks()


def organisation_ref(namespace: uuid.UUID, org_id: int) -> str:
    return stix_id(namespace, "identity", "organisation", org_id)


def identity_ref(namespace: uuid.UUID, org: Organisation) -> str:
    """An organisation's STIX identity id: a remote one keeps the id its records came with."""
    if org.remote and org.stix_identity_id:
        return org.stix_identity_id
    return organisation_ref(namespace, org.id)


def organisation_identity(namespace: uuid.UUID, org: Organisation) -> dict[str, Any]:
    """An organisation as the author of its records: its name and nothing about its people.

    Marked CLEAR: every reader of any record learns the name of its owner."""
    created = stix_time(org.created_at)
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_ref(namespace, org),
        "created": created,
        "modified": created,
        "name": org.name,
        "identity_class": "organization",
        "object_marking_refs": [marking_for("clear")],
    }


def _modified(
    created: dt.datetime,
    updated: dt.datetime,
    context: Context,
    extra: list[dt.datetime] | None = None,
) -> str:
    """The object changes when the record does, and when its owner's profile changes what of it
    leaves (or an alert about it is sent): a partner sees a new version rather than new content
    under an old one."""
    moments = [created, updated, *(extra or [])] + (
        [context.profile.updated_at] if context.profile.updated_at else []
    )
    return stix_time(max(moments))


def incident_location(incident: IncidentRead, context: Context) -> dict[str, Any] | None:
    """The incident's place at the precision the profile allows; None if too vague for STIX.

    City level (the default) gives the city and country; `exact` adds the point of incidents
    placed exactly or to the street. The street address never leaves (it may name a home).
    """
    place = incident.place
    point = (
        context.profile.place_precision is PlacePrecision.exact
        and place.precision in POINT_PRECISIONS
        and place.lat is not None
        and place.lon is not None
    )
    if not point and not place.country:
        return None
    location: dict[str, Any] = {
        "type": "location",
        "spec_version": "2.1",
        "id": stix_id(context.namespace, "location", "incident-place", incident.id),
        "created_by_ref": context.owner_ref,
        "created": stix_time(incident.created_at),
        "modified": _modified(incident.created_at, incident.updated_at, context),
    }
    if point:
        location["latitude"], location["longitude"] = place.lat, place.lon
    if place.city and place.precision is not Precision.country:
        location["city"] = place.city
    if place.country:
        location["country"] = place.country
    if incident.status in REVOKED_STATUSES:
        location["revoked"] = True
    location["object_marking_refs"] = [marking_for(incident.tlp)]
    return location


def _typology(incident: IncidentRead, shared: set[TypologyField]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "incident_type": (TypologyField.type, incident.type.value),
        "bias": (TypologyField.bias, [b.value for b in incident.bias]),
        "ihra_indicators": (TypologyField.ihra, list(incident.ihra)),
        "target_kind": (
            TypologyField.target_kind,
            incident.target_kind.value if incident.target_kind else None,
        ),
        "severity": (TypologyField.severity, incident.severity.value),
        "status": (TypologyField.status, incident.status.value),
    }
    # Empty lists and missing values are left out: STIX forbids empty lists.
    return {name: value for name, (field, value) in values.items() if field in shared and value}


def _alert_references(links: IncidentLinks) -> list[dict[str, Any]]:
    """Each alert as its CAP document: alerts stay CAP, the STIX object only points at them.

    The document's address is in `description`, not `url`: STIX wants a `url` to come with the
    hash of what it serves, which would cost rendering every CAP document per export."""
    return [
        {
            "source_name": "cap",
            "external_id": alert.identifier,
            "description": f"CAP 1.2 document: {links.public_url}/api/v1/alerts/{alert.id}.cap.xml",
        }
        for alert in links.alerts
    ]


def report_note(report: ReportText, incident: dict[str, Any], context: Context) -> dict[str, Any]:
    """A report's text as a note about its incident, created by the incident's owner: never
    its author, its reporter, their contact or the report's place."""
    note: dict[str, Any] = {
        "type": "note",
        "spec_version": "2.1",
        "id": stix_id(context.namespace, "note", "incident-report", report.id),
        "created_by_ref": context.owner_ref,
        "created": stix_time(report.created_at),
        "modified": _modified(report.created_at, report.said_at, context),
        "abstract": report.title,
        "content": report.narrative.strip() or report.title,
        "object_refs": [incident["id"]],
    }
    if incident.get("revoked"):
        note["revoked"] = True
    note["object_marking_refs"] = incident["object_marking_refs"]
    return note


def incident_objects(
    incident: IncidentRead, context: Context, links: IncidentLinks = NO_LINKS
) -> list[dict[str, Any]]:
    """The incident and its location; the caller has read it, and `marking_for` refuses RED."""
    marking = marking_for(incident.tlp)
    location = incident_location(incident, context)
    extension: dict[str, Any] = {
        "extension_type": "property-extension",
        **_typology(incident, set(context.profile.typology_fields)),
        "occurred_from": stix_time(incident.occurred_from),
    }
    if incident.occurred_to:
        extension["occurred_to"] = stix_time(incident.occurred_to)
    if location:
        extension["location_ref"] = location["id"]
    stix: dict[str, Any] = {
        "type": "incident",
        "spec_version": "2.1",
        "id": stix_id(context.namespace, "incident", "incident", incident.id),
        "created_by_ref": context.owner_ref,
        "created": stix_time(incident.created_at),
        "modified": _modified(incident.created_at, incident.updated_at, context, links.moments()),
        "name": incident.title,
    }
    if links.origin is not None:
        stix["id"] = links.origin.stix_id
        stix["created"], stix["modified"] = links.origin.created, links.origin.modified
        if location:
            location["created"], location["modified"] = stix["created"], stix["modified"]
    if context.profile.share_narrative and incident.narrative.strip():
        stix["description"] = incident.narrative
    if incident.status in REVOKED_STATUSES:
        stix["revoked"] = True
    if links.alerts:
        stix["external_references"] = _alert_references(links)
    stix["object_marking_refs"] = [marking]
    stix["extensions"] = {VIGIL_EXTENSION_ID: extension}
    notes = (
        [report_note(r, stix, context) for r in links.reports]
        if context.profile.share_reports
        else []
    )
    derived = (
        [derived_from(incident, stix, links.derived_from, context)] if links.derived_from else []
    )
    return [stix, *([location] if location else []), *notes, *derived]


def derived_from(
    incident: IncidentRead, stix: dict[str, Any], original: str, context: Context
) -> dict[str, Any]:
    """An adopted incident names the received one it was made from: the original's STIX id
    (the sender's), by a `derived-from` relationship under the incident's own marking."""
    created = stix_time(incident.created_at)
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": stix_id(context.namespace, "relationship", "derived-from", incident.id),
        "created_by_ref": context.owner_ref,
        "created": created,
        "modified": created,
        "relationship_type": "derived-from",
        "source_ref": stix["id"],
        "target_ref": original,
        "object_marking_refs": stix["object_marking_refs"],
    }


def notice_note(notice: NoticeRead, context: Context) -> dict[str, Any]:
    """A notice as a STIX note about its organisation (a note must refer to something)."""
    note: dict[str, Any] = {
        "type": "note",
        "spec_version": "2.1",
        "id": stix_id(context.namespace, "note", "notice", notice.id),
        "created_by_ref": context.owner_ref,
        "created": stix_time(notice.created_at),
        "modified": stix_time(max(notice.updated_at, notice.created_at)),
        "abstract": notice.title,
        "content": notice.body or notice.title,
        "object_refs": [context.owner_ref],
        "object_marking_refs": [marking_for(notice.tlp)],
    }
    return note


def grouping_object(
    grouping: GroupingRead, context: Context, origins: Mapping[int, Origin] | None = None
) -> dict[str, Any]:
    """A grouping names its incidents by their stable ids (a received one by its sender's);
    its maker is its organisation."""
    origins = origins or {}
    created = stix_time(grouping.created_at)
    stix: dict[str, Any] = {
        "type": "grouping",
        "spec_version": "2.1",
        "id": stix_id(context.namespace, "grouping", "grouping", grouping.id),
        "created_by_ref": context.owner_ref,
        "created": created,
        "modified": created,
        "name": grouping.name,
        "context": "suspicious-activity",
        "object_refs": [
            origins[i].stix_id
            if i in origins
            else stix_id(context.namespace, "incident", "incident", i)
            for i in grouping.incident_ids
        ],
        "object_marking_refs": [marking_for(grouping.tlp)],
    }
    if grouping.description:
        stix["description"] = grouping.description
    return stix
