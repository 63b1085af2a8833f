"""Sharing profiles at the service level: defaults, who may change them, and the audit trail;
each test's changes are rolled back (DECISIONS 21)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.errors import Forbidden
from vigil.core.policy import Principal, Role
from vigil.orgs.models import Organisation
from vigil.orgs.principals import load_principal
from vigil.sharing import service
from vigil.sharing.schemas import PlacePrecision, SharingProfileUpdate, TypologyField


def member(
    session: Session, settings: Settings, role: Role, org: Organisation | None = None
) -> Principal:
    """A person with `role` in `org` (a new organisation if None), acting for it."""
    org = org or make_org(session)
    person = make_person(session, settings, org=org, role=role)
    principal = load_principal(session, person_id=person.id, acting_org_id=org.id)
    assert principal is not None
    return principal


def test_defaults_until_changed_share_no_narrative_at_city_level(
    session: Session, settings: Settings
) -> None:
    viewer = member(session, settings, Role.viewer)
    profile = service.get_profile(session=session, principal=viewer)
    assert profile.share_narrative is False
    assert profile.place_precision is PlacePrecision.city
    assert profile.typology_fields == list(TypologyField)
    assert profile.updated_at is None


def test_coordinators_change_it_audited_and_others_may_not(
    session: Session, settings: Settings
) -> None:
    org = make_org(session)
    coordinator = member(session, settings, Role.coordinator, org)
    for role in (Role.viewer, Role.analyst):
        with pytest.raises(Forbidden):
            service.update_profile(
                session=session,
                principal=member(session, settings, role, org),
                data=SharingProfileUpdate(share_narrative=True),
            )
    data = SharingProfileUpdate(
        share_narrative=True,
        place_precision=PlacePrecision.exact,
        typology_fields=[TypologyField.severity, TypologyField.type],
    )
    saved = service.update_profile(session=session, principal=coordinator, data=data)
    assert saved.typology_fields == [TypologyField.type, TypologyField.severity]
    assert service.get_profile(session=session, principal=coordinator) == saved
    detail = session.scalar(
        select(AuditEntry.detail).where(AuditEntry.action == "sharing.profile.update")
    )
    assert detail is not None
    change = json.loads(detail)
    assert change["before"]["share_narrative"] is False
    assert change["after"]["place_precision"] == "exact"
    admin = member(session, settings, Role.org_admin, org)
    back = service.update_profile(session=session, principal=admin, data=SharingProfileUpdate())
    assert back.share_narrative is False and back.place_precision is PlacePrecision.city
