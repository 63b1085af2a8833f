"""STIX bundles of what may leave the instance: the caller's readable records, RED never.

Every record is read through the owners' services, so `core.policy` decides what a caller gets
exactly as it does for the incident list and the notices (AMBER and AMBER+STRICT reach only the
record's recipient organisations, GREEN its owner's networks); RED is cut in the query and
refused again by the markings. Each record leaves at its owner's sharing profile.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.errors import Conflict
from vigil.core.policy import TLP, Principal
from vigil.incidents import queries as incident_queries
from vigil.incidents import service as incidents_service
from vigil.incidents.schemas import IncidentRead
from vigil.notices import service as notices_service
from vigil.notices.schemas import NoticeRead
from vigil.orgs import service as orgs_service
from vigil.sharing import containers, incident_links, mapping, provenance
from vigil.sharing import groupings as groupings_service
from vigil.sharing import service as sharing_service
from vigil.sharing.containers import Container
from vigil.sharing.extension import extension_definition, vigil_identity
from vigil.sharing.ids import instance_namespace
from vigil.sharing.markings import exported_markings
from vigil.sharing.schemas import GroupingRead

# Records of each kind in one bundle; a client wanting more pages through TAXII.
MAX_BUNDLE_RECORDS = 5000
NOTICES_PER_QUERY = 500


def contexts_of(
    session: Session, settings: Settings, org_ids: Iterable[int]
) -> dict[int, mapping.Context]:
    """What mapping needs of each owner (its STIX identity, a remote one's own, and sharing
    profile), in one read; the export and the TAXII store map records through the same
    contexts."""
    namespace = instance_namespace(settings)
    org_ids = set(org_ids)
    refs = {
        org.id: mapping.identity_ref(namespace, org)
        for org in orgs_service.record_owners(session=session, org_ids=org_ids)
    }
    return {
        org_id: mapping.Context(
            namespace=namespace,
            owner_ref=refs.get(org_id) or mapping.organisation_ref(namespace, org_id),
            profile=profile,
        )
        for org_id, profile in sharing_service.profiles_of(session, org_ids).items()
    }


def stix_bundle(
    *,
    session: Session,
    settings: Settings,
    incidents: list[IncidentRead],
    notices: list[NoticeRead],
    groupings: list[GroupingRead] | None = None,
    container: Container | None = None,
) -> dict[str, Any]:
    """The records (already read by the caller) as one bundle, with the identities of their
    owners, the Vigil extension's definition and the TLP markings they carry; each incident
    wrapped in a report if asked (`container`)."""
    namespace = instance_namespace(settings)
    groupings = groupings or []
    owner_ids = (
        {i.owner_org_id for i in incidents}
        | {n.owner_org_id for n in notices}
        | {g.owner_org_id for g in groupings}
    )
    context = contexts_of(session, settings, owner_ids)
    links = incident_links.links_of(session, settings, incidents)
    records: list[dict[str, Any]] = []
    for incident in incidents:
        made = mapping.incident_objects(
            incident, context[incident.owner_org_id], links[incident.id]
        )
        records += made
        if container is Container.report:
            records.append(
                containers.incident_report(incident, made, context[incident.owner_org_id])
            )
    for notice in notices:
        records.append(mapping.notice_note(notice, context[notice.owner_org_id]))
    grouped = provenance.origins_of(session, {i for g in groupings for i in g.incident_ids})
    for grouping in groupings:
        records.append(mapping.grouping_object(grouping, context[grouping.owner_org_id], grouped))
    owners = orgs_service.record_owners(session=session, org_ids=owner_ids)
    objects = [mapping.organisation_identity(namespace, org) for org in owners] + records
    if incidents:
        objects = [vigil_identity(), extension_definition(), *objects]
    return bundle_of(objects)


def bundle_of(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """A bundle of `objects` and the TLP markings they carry; one marked RED is refused.

    A bundle is a wrapper made per export, so its own id is random."""
    everything = objects + exported_markings(objects)
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": everything}


def _notices_to_share(session: Session, principal: Principal, limit: int) -> list[NoticeRead]:
    """Notices `principal` may read, newest first, without the RED ones."""
    found: list[NoticeRead] = []
    offset = 0
    while len(found) < limit:
        page = notices_service.list_notices(
            session=session, principal=principal, limit=NOTICES_PER_QUERY, offset=offset
        )
        found += [n for n in page.items if n.tlp is not TLP.red]
        offset += NOTICES_PER_QUERY
        if offset >= page.total:
            break
    return found[:limit]


def export_bundle(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    limit: int,
    container: Container | None = None,
) -> dict[str, Any]:
    """The newest `limit` incidents and notices the caller may read, as STIX, RED never."""
    incidents = incident_queries.incidents_to_share(
        session=session,
        principal=principal,
        filters=incident_queries.IncidentFilters(include_merged=True),
        limit=limit,
    )
    notices = _notices_to_share(session, principal, limit)
    shared = groupings_service.groupings_to_share(session=session, principal=principal, limit=limit)
    return stix_bundle(
        session=session,
        settings=settings,
        incidents=incidents,
        notices=notices,
        groupings=shared,
        container=container,
    )


def incident_preview(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    incident_id: int,
    container: Container | None = None,
) -> dict[str, Any]:
    """Exactly the STIX that would leave for one incident the caller may read."""
    incident = incidents_service.get_incident(
        session=session, principal=principal, incident_id=incident_id
    )
    read = incident_queries.read_incident(session=session, principal=principal, incident=incident)
    if read.tlp is TLP.red:
        raise Conflict("This incident is TLP:RED: nothing of it leaves the instance.")
    return stix_bundle(
        session=session, settings=settings, incidents=[read], notices=[], container=container
    )
