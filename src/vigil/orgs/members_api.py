"""JSON API of an organisation's people: its members, inviting, changing roles, removing, and
its single sign-on, so an organisation can provision from its directory. The same service
functions as the administration pages, so the same rules hold (administrators only, the last
administrator stays)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.orgs import service as orgs_service
from vigil.orgs import sso
from vigil.orgs.schemas import (
    IdentityProviderRead,
    IdentityProviderSettings,
    InvitationCreate,
    MemberRead,
    RoleUpdate,
)

router = APIRouter(prefix="/api/v1/organisations/{org_id}", tags=["organisations"])


@router.get("/members", response_model=list[MemberRead])
def list_members(org_id: int, session: SessionDep, principal: PrincipalDep) -> list[MemberRead]:
    """Members of an organisation you belong to."""
    return orgs_service.list_members(session=session, principal=principal, org_id=org_id)


def _invite(
    org_id: int,
    data: InvitationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> dict[str, str]:
    orgs_service.invite(
        session=session, principal=principal, org_id=org_id, data=data, settings=settings
    )
    return {"detail": "An invitation is on its way.", "email": data.email, "role": data.role}


@router.post("/members", status_code=202)
def invite_member(
    org_id: int,
    data: InvitationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> dict[str, str]:
    """Invite someone by e-mail with a role (organisation administrators); they become a
    member when they accept, or at their first sign-in through the organisation's provider."""
    return _invite(org_id, data, session, principal, settings)


@router.post("/invitations", status_code=202)
def invite(
    org_id: int,
    data: InvitationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> dict[str, str]:
    """Invite someone by e-mail (organisation administrators); the same as POST members."""
    return _invite(org_id, data, session, principal, settings)


@router.patch("/members/{person_id}", response_model=MemberRead)
def set_role(
    org_id: int, person_id: int, data: RoleUpdate, session: SessionDep, principal: PrincipalDep
) -> MemberRead:
    """Change a member's role (organisation administrators)."""
    orgs_service.set_role(
        session=session, principal=principal, org_id=org_id, person_id=person_id, role=data.role
    )
    members = orgs_service.list_members(session=session, principal=principal, org_id=org_id)
    return next(m for m in members if m.person_id == person_id)


@router.delete("/members/{person_id}", status_code=204)
def remove_member(
    org_id: int, person_id: int, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Remove a member (organisation administrators)."""
    orgs_service.remove_member(
        session=session, principal=principal, org_id=org_id, person_id=person_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/sso", response_model=IdentityProviderRead)
def configure_sso(
    org_id: int,
    data: IdentityProviderSettings,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> IdentityProviderRead:
    """Set up the organisation's OpenID Connect provider (organisation administrators)."""
    row = sso.configure_provider(
        session=session, settings=settings, principal=principal, org_id=org_id, data=data
    )
    org = orgs_service.get_organisation(session=session, principal=principal, ref=org_id)
    return sso.provider_read(settings, org, row)


@router.delete("/sso", status_code=204)
def remove_sso(org_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    """Turn single sign-on off (organisation administrators)."""
    sso.remove_provider(session=session, principal=principal, org_id=org_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
