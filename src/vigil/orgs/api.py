"""JSON API of organisations, networks, the signed-in person and API tokens (members and
invitations: `members_api`)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from vigil.core.deps import ClientIP, PrincipalDep, SessionDep, SettingsDep
from vigil.orgs import accounts, cost_bands, passwords, preferences, second_factor, tokens
from vigil.orgs import service as orgs_service
from vigil.orgs.schemas import (
    CostBandsRead,
    CostBandsUpdate,
    Credentials,
    MeRead,
    NetworkCreate,
    NetworkJoin,
    NetworkRead,
    OrganisationCreate,
    OrganisationRead,
    OrganisationSettings,
    OrganisationUpdate,
    PasswordResetRequest,
    TokenCreate,
    TokenCreated,
    TokenRead,
)

router = APIRouter(prefix="/api/v1", tags=["organisations"])


@router.post("/auth/token", response_model=TokenCreated, status_code=201, tags=["auth"])
def token_from_password(
    data: Credentials, session: SessionDep, settings: SettingsDep, ip: ClientIP
) -> TokenCreated:
    """Exchange e-mail and password (and TOTP code if enabled) for a new API token."""
    person = accounts.authenticate(
        session=session, settings=settings, email=data.email, password=data.password, ip=ip
    )
    if person.totp_enabled:
        second_factor.verify_totp(
            session=session, settings=settings, person=person, code=data.totp_code or "", ip=ip
        )
    principal = accounts.principal_for(session, person.id)
    row, secret = tokens.create_token(session=session, principal=principal, name=data.token_name)
    return TokenCreated(**TokenRead.model_validate(row).model_dump(), token=secret)


@router.get("/me", response_model=MeRead, tags=["auth"])
def me(session: SessionDep, principal: PrincipalDep) -> MeRead:
    """The signed-in person and their memberships."""
    return accounts.me_read(session=session, principal=principal)


@router.post("/password-reset", status_code=202, tags=["auth"])
def password_reset(
    data: PasswordResetRequest, session: SessionDep, settings: SettingsDep
) -> dict[str, str]:
    """Mail a reset link if the address has an account (the answer is the same either way)."""
    passwords.request_password_reset(session=session, settings=settings, email=data.email)
    return {"detail": "If this address has an account, a reset link is on its way."}


@router.get("/organisations", response_model=list[OrganisationRead])
def list_organisations(session: SessionDep, principal: PrincipalDep) -> list[OrganisationRead]:
    """Organisations you may see: your own, their parents and children, your networks."""
    orgs = orgs_service.list_organisations(session=session, principal=principal)
    return [orgs_service.organisation_read(o) for o in orgs]


@router.post("/organisations", response_model=OrganisationRead, status_code=201)
def create_organisation(
    data: OrganisationCreate, session: SessionDep, principal: PrincipalDep
) -> OrganisationRead:
    """Create an organisation (platform administrators)."""
    org = orgs_service.create_organisation(session=session, principal=principal, data=data)
    return orgs_service.organisation_read(org)


@router.get("/organisations/{org_id}", response_model=OrganisationRead)
def get_organisation(org_id: int, session: SessionDep, principal: PrincipalDep) -> OrganisationRead:
    """One organisation."""
    org = orgs_service.get_organisation(session=session, principal=principal, ref=org_id)
    return orgs_service.organisation_read(org)


@router.patch("/organisations/{org_id}", response_model=OrganisationRead)
def update_organisation(
    org_id: int, data: OrganisationUpdate, session: SessionDep, principal: PrincipalDep
) -> OrganisationRead:
    """Declare the national threat level (coordinators and admins of the organisation); set
    the default language, time zone and public location precision (its administrators)."""
    org = orgs_service.get_organisation(session=session, principal=principal, ref=org_id)
    if data.national_threat_level is not None:
        org = orgs_service.set_national_threat_level(
            session=session, principal=principal, org_id=org.id, level=data.national_threat_level
        )
    settings = data.model_dump(exclude_unset=True, exclude={"national_threat_level"})
    if settings:
        org = preferences.update_organisation_settings(
            session=session,
            principal=principal,
            org_id=org.id,
            data=OrganisationSettings.model_validate(settings),
        )
    return orgs_service.organisation_read(org)


@router.get("/organisations/{org_id}/cost-bands", response_model=CostBandsRead)
def get_cost_bands(org_id: int, session: SessionDep, principal: PrincipalDep) -> CostBandsRead:
    """What a low, medium and high cost measure costs in the organisation's currency (its
    members); Vigil's defaults until its administrators set them."""
    return cost_bands.read_cost_bands(session=session, principal=principal, org_id=org_id)


@router.put("/organisations/{org_id}/cost-bands", response_model=CostBandsRead)
def put_cost_bands(
    org_id: int, data: CostBandsUpdate, session: SessionDep, principal: PrincipalDep
) -> CostBandsRead:
    """Set the currency (ISO 4217) and each cost class's money range (its administrators)."""
    return cost_bands.set_cost_bands(session=session, principal=principal, org_id=org_id, data=data)


@router.delete("/organisations/{org_id}/cost-bands", response_model=CostBandsRead)
def delete_cost_bands(org_id: int, session: SessionDep, principal: PrincipalDep) -> CostBandsRead:
    """Back to Vigil's default bands (its administrators)."""
    return cost_bands.reset_cost_bands(session=session, principal=principal, org_id=org_id)


@router.get("/networks", response_model=list[NetworkRead])
def list_networks(session: SessionDep, principal: PrincipalDep) -> list[NetworkRead]:
    """Networks your organisations belong to (all, for platform administrators)."""
    return orgs_service.list_networks(session=session, principal=principal)


@router.post("/networks", response_model=NetworkRead, status_code=201)
def create_network(
    data: NetworkCreate, session: SessionDep, principal: PrincipalDep
) -> NetworkRead:
    """Create a network (platform administrators)."""
    network = orgs_service.create_network(session=session, principal=principal, data=data)
    return NetworkRead(
        id=network.id, slug=network.slug, name=network.name, description=network.description
    )


@router.post("/networks/{network_id}/organisations", status_code=204)
def add_to_network(
    network_id: int, data: NetworkJoin, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Add an organisation to a network (platform administrators)."""
    orgs_service.add_to_network(
        session=session, principal=principal, network_id=network_id, org_id=data.org_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tokens", response_model=list[TokenRead], tags=["auth"])
def list_tokens(session: SessionDep, principal: PrincipalDep) -> list[TokenRead]:
    """Your API tokens (never their secrets)."""
    return [
        TokenRead.model_validate(t)
        for t in tokens.list_tokens(session=session, principal=principal)
    ]


@router.post("/tokens", response_model=TokenCreated, status_code=201, tags=["auth"])
def create_token(data: TokenCreate, session: SessionDep, principal: PrincipalDep) -> TokenCreated:
    """Create an API token; the secret is in this answer only."""
    row, secret = tokens.create_token(session=session, principal=principal, name=data.name)
    return TokenCreated(**TokenRead.model_validate(row).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=204, tags=["auth"])
def revoke_token(token_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    """Revoke one of your API tokens."""
    tokens.revoke_token(session=session, principal=principal, token_id=token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
