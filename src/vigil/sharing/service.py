"""Sharing profiles: what each organisation lets leave with its records; read by its members,
changed by its coordinators, every change audited."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit, jobs
from vigil.core.db import utcnow
from vigil.core.policy import Principal, Role, acting_org
from vigil.orgs import remote as remote_orgs
from vigil.sharing.models import SharingProfile
from vigil.sharing.schemas import (
    ALL_TYPOLOGY_FIELDS,
    PlacePrecision,
    SharingProfileRead,
    SharingProfileUpdate,
    TypologyField,
)

# The outbox job that refreshes an organisation's objects in the TAXII store (sharing.store).
REFRESH_ORG_JOB = "sharing.refresh_organisation"


def default_profile(org_id: int) -> SharingProfileRead:
    """What an organisation shares before it says otherwise: no narrative, city level."""
    return SharingProfileRead(
        org_id=org_id,
        share_narrative=False,
        share_reports=False,
        place_precision=PlacePrecision.city,
        typology_fields=list(ALL_TYPOLOGY_FIELDS),
        updated_at=None,
    )


def received_profile(org_id: int) -> SharingProfileRead:
    """What leaves of a remote organisation's records: what it sent (its narrative, its
    point), since it chose to share them; this instance adds nothing of its own to them."""
    return default_profile(org_id).model_copy(
        update={"share_narrative": True, "place_precision": PlacePrecision.exact}
    )


def profile_read(row: SharingProfile) -> SharingProfileRead:
    fields = {f for f in json.loads(row.typology_fields) if f in set(TypologyField)}
    return SharingProfileRead(
        org_id=row.org_id,
        share_narrative=row.share_narrative,
        share_reports=row.share_reports,
        place_precision=PlacePrecision(row.place_precision),
        # In the typology's own order, whatever order they were sent in.
        typology_fields=[f for f in ALL_TYPOLOGY_FIELDS if f.value in fields],
        updated_at=row.updated_at,
    )


def profiles_of(session: Session, org_ids: Iterable[int]) -> dict[int, SharingProfileRead]:
    """The profile of each organisation (the defaults where it has none; for a remote
    organisation, what it sent), in two queries."""
    wanted = sorted(set(org_ids))
    found = {
        row.org_id: profile_read(row)
        for row in session.scalars(select(SharingProfile).where(SharingProfile.org_id.in_(wanted)))
    }
    remote = remote_orgs.remote_ids(session, set(wanted) - set(found))
    return {
        org_id: found.get(org_id)
        or (received_profile(org_id) if org_id in remote else default_profile(org_id))
        for org_id in wanted
    }


def get_profile(*, session: Session, principal: Principal) -> SharingProfileRead:
    """The profile of the organisation the principal acts for; any member may read it."""
    org_id = acting_org(principal, Role.viewer)
    return profiles_of(session, [org_id])[org_id]


def update_profile(
    *, session: Session, principal: Principal, data: SharingProfileUpdate
) -> SharingProfileRead:
    """Replace the acting organisation's profile (coordinators and org admins), audited with
    what it was and what it is now."""
    org_id = acting_org(principal, Role.coordinator)
    before = profiles_of(session, [org_id])[org_id]
    row = session.get(SharingProfile, org_id)
    if row is None:
        row = SharingProfile(org_id=org_id)
        session.add(row)
    row.share_narrative = data.share_narrative
    row.share_reports = data.share_reports
    row.place_precision = data.place_precision.value
    row.typology_fields = json.dumps(sorted({f.value for f in data.typology_fields}))
    row.updated_at = utcnow()
    session.flush()
    # What the organisation's records leave as over TAXII changes with the profile.
    jobs.enqueue(session, kind=REFRESH_ORG_JOB, payload={"org_id": org_id})
    after = profile_read(row)
    audit.log_action(
        session,
        principal,
        "sharing.profile.update",
        target_type="sharing_profiles",
        target_id=org_id,
        org_id=org_id,
        detail={
            "before": before.model_dump(mode="json", exclude={"org_id", "updated_at"}),
            "after": after.model_dump(mode="json", exclude={"org_id", "updated_at"}),
        },
    )
    return after
