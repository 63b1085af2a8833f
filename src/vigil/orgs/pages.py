"""HTML pages of organisations: one organisation, its administration (invitations,
roles, members), platform administration, and switching the organisation you act for.

Signing in and out, invitations and password reset are in `auth_pages`; your own account is in
`account_pages`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.auth import recent_lockouts
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError, Forbidden
from vigil.core.pages import (
    FormStr,
    SignedInDep,
    Viewer,
    is_htmx,
    page_router,
    parse_form,
    redirect,
    render,
    safe_next,
    shown_error,
    tr,
    undo,
)
from vigil.core.policy import Role
from vigil.orgs import accounts, preferences
from vigil.orgs import service as orgs_service
from vigil.orgs.account_pages import LANGUAGES
from vigil.orgs.auth_pages import NextForm
from vigil.orgs.models import Organisation, OrgKind
from vigil.orgs.principals import zone_of_organisation
from vigil.orgs.schemas import (
    PUBLIC_PRECISIONS_M,
    InvitationCreate,
    NetworkCreate,
    OrganisationCreate,
    OrganisationSettings,
    RoleUpdate,
)

router = page_router()

# The platform page counts sign-in lock-outs over this many hours.
LOCKOUT_HOURS = 24


# --- organisations ----------------------------------------------------------------------


@router.post("/switch-org")
def switch_org(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    org_id: Annotated[int, Form()],
    next_url: NextForm = "/",
) -> Response:
    """Act for another of your organisations from now on (DECISIONS 5)."""
    web_session_id: int | None = getattr(request.state, "web_session_id", None)
    if web_session_id is None:
        raise Forbidden("Only a browser session can switch organisations.")
    accounts.switch_acting_org(
        session=session, principal=viewer.principal, web_session_id=web_session_id, org_id=org_id
    )
    name = next((o.name for o in viewer.orgs if o.id == org_id), "")
    return redirect(safe_next(next_url), request, tr(request, "You now act for %(org)s.", org=name))


def _may_administer(viewer: Viewer, org_id: int) -> bool:
    try:
        orgs_service.require_org_admin(viewer.principal, org_id)
    except Forbidden:
        return False
    return True


@router.get("/orgs/{slug}")
def organisation_page(
    request: Request, slug: str, session: SessionDep, viewer: SignedInDep
) -> Response:
    """One organisation: its networks and, for its members, who is in it."""
    org = orgs_service.get_organisation(session=session, principal=viewer.principal, ref=slug)
    try:
        members = orgs_service.list_members(
            session=session, principal=viewer.principal, org_id=org.id
        )
    except Forbidden:
        members = None
    context = {
        "org": org,
        "members": members,
        "can_admin": _may_administer(viewer, org.id),
        "can_declare": viewer.principal.has_role(org.id, Role.coordinator),
        "levels": THREAT_LEVELS,
    }
    return render(request, "orgs/organisation.html", context)


THREAT_LEVELS = (1, 2, 3, 4, 5)


@router.post("/orgs/{slug}/threat-level")
def declare_threat_level(
    request: Request,
    slug: str,
    session: SessionDep,
    viewer: SignedInDep,
    level: Annotated[int, Form(ge=1, le=5)],
) -> Response:
    """Declare the national threat level (coordinators and admins of the organisation)."""
    org = orgs_service.get_organisation(session=session, principal=viewer.principal, ref=slug)
    orgs_service.set_national_threat_level(
        session=session, principal=viewer.principal, org_id=org.id, level=level
    )
    message = tr(request, "The national threat level is now %(level)s.", level=level)
    return redirect(f"/orgs/{org.slug}", request, message)


def _org_admin_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    org: Organisation,
    *,
    error: DomainError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    members = orgs_service.list_members(session=session, principal=viewer.principal, org_id=org.id)
    context = {"org": org, "members": members, "roles": list(Role), "error": error}
    context["form"] = form or {}
    context["choices"] = (LANGUAGES, preferences.ZONE_NAMES, PUBLIC_PRECISIONS_M)
    context["country_zone"] = zone_of_organisation("", org.country)
    return render(
        request,
        "orgs/org_admin.html",
        context,
        status_code=error.status if error else 200,
    )


def administered_org(session: Session, viewer: Viewer, slug: str) -> Organisation:
    """The organisation, for its administrators only (the other admin pages use it too)."""
    org = orgs_service.get_organisation(session=session, principal=viewer.principal, ref=slug)
    orgs_service.require_org_admin(viewer.principal, org.id)
    return org


@router.get("/orgs/{slug}/admin")
def org_admin_page(
    request: Request, slug: str, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Invite people and set their roles (organisation administrators)."""
    org = administered_org(session, viewer, slug)
    return _org_admin_page(request, session, viewer, org)


@router.post("/orgs/{slug}/admin/invite")
def invite(
    request: Request,
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    email: FormStr = "",
    role: FormStr = Role.viewer.value,
) -> Response:
    """E-mail an invitation to join the organisation with a role."""
    org = administered_org(session, viewer, slug)
    try:
        data = parse_form(InvitationCreate, email=email.strip(), role=role)
        orgs_service.invite(
            session=session, principal=viewer.principal, org_id=org.id, data=data, settings=settings
        )
    except DomainError as exc:
        undo(session, exc)
        form = {"email": email, "role": role}
        return _org_admin_page(request, session, viewer, org, error=exc, form=form)
    message = tr(request, "An invitation is on its way to %(email)s.", email=data.email)
    return redirect(f"/orgs/{org.slug}/admin", request, message)


@router.post("/orgs/{slug}/admin/settings")
def change_settings(
    request: Request,
    slug: str,
    session: SessionDep,
    viewer: SignedInDep,
    default_locale: FormStr = "",
    time_zone: FormStr = "",
    public_location_precision_m: FormStr = "",
) -> Response:
    """Set the organisation's default language, time zone and public location precision."""
    org = administered_org(session, viewer, slug)
    form = {"default_locale": default_locale, "time_zone": time_zone}
    form["public_location_precision_m"] = public_location_precision_m
    try:
        data = parse_form(OrganisationSettings, **form)
        preferences.update_organisation_settings(
            session=session, principal=viewer.principal, org_id=org.id, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return _org_admin_page(request, session, viewer, org, error=exc, form=form)
    message = tr(request, "The settings of %(org)s are saved.", org=org.name)
    return redirect(f"/orgs/{org.slug}/admin", request, message)


def _member_changed(
    request: Request,
    session: Session,
    viewer: Viewer,
    org: Organisation,
    person_id: int,
    message: str,
    error: DomainError | None,
) -> Response:
    """htmx gets the member's row back (and the message for screen readers); others a page."""
    shown = shown_error(request, error) if error else message
    if not is_htmx(request):
        return redirect(f"/orgs/{org.slug}/admin", request, shown, "error" if error else "info")
    members = orgs_service.list_members(session=session, principal=viewer.principal, org_id=org.id)
    member = next((m for m in members if m.person_id == person_id), None)
    context: dict[str, Any] = {
        "org": org,
        "member": member,
        "roles": list(Role),
        "row_error": error,
    }
    context["message"] = shown
    status = error.status if error else 200
    return render(request, "orgs/_member_row.html", context, status_code=status)


@router.post("/orgs/{slug}/admin/members/{person_id:int}/role")
def change_role(
    request: Request,
    slug: str,
    person_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    role: FormStr = "",
) -> Response:
    """Change a member's role."""
    org = administered_org(session, viewer, slug)
    error = None
    try:
        data = parse_form(RoleUpdate, role=role)
        orgs_service.set_role(
            session=session,
            principal=viewer.principal,
            org_id=org.id,
            person_id=person_id,
            role=data.role,
        )
    except DomainError as exc:
        undo(session, exc)
        error = exc
    message = tr(request, "The role is changed.")
    return _member_changed(request, session, viewer, org, person_id, message, error)


@router.post("/orgs/{slug}/admin/members/{person_id:int}/remove")
def remove_member(
    request: Request, slug: str, person_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Remove a member from the organisation."""
    org = administered_org(session, viewer, slug)
    error = None
    try:
        orgs_service.remove_member(
            session=session, principal=viewer.principal, org_id=org.id, person_id=person_id
        )
    except DomainError as exc:
        undo(session, exc)
        error = exc
    message = tr(request, "The member is removed.")
    return _member_changed(request, session, viewer, org, person_id, message, error)


# --- platform administration --------------------------------------------------------------


def _platform_admin_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    error: DomainError | None = None,
    form: dict[str, Any] | None = None,
    section: str = "",
) -> Response:
    orgs_service.require_platform_admin(viewer.principal)
    context = {
        "organisations": orgs_service.list_organisations(
            session=session, principal=viewer.principal
        ),
        "networks": orgs_service.list_networks(session=session, principal=viewer.principal),
        "kinds": list(OrgKind),
        "lockouts": recent_lockouts(session, hours=LOCKOUT_HOURS),
        "lockout_hours": LOCKOUT_HOURS,
        "error": error,
        "section": section,
        "form": form or {},
    }
    return render(
        request, "orgs/platform_admin.html", context, status_code=error.status if error else 200
    )


@router.get("/admin")
def platform_admin_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """Organisations and networks of this Vigil (platform administrators)."""
    return _platform_admin_page(request, session, viewer)


@router.post("/admin/organisations")
def create_organisation(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    slug: FormStr = "",
    name: FormStr = "",
    kind: FormStr = "",
    country: FormStr = "",
    parent_id: FormStr = "",
    accepts_public_reports: FormStr = "",
) -> Response:
    """Create an organisation."""
    orgs_service.require_platform_admin(viewer.principal)
    form = {"slug": slug, "name": name, "kind": kind, "country": country, "parent_id": parent_id}
    try:
        data = parse_form(
            OrganisationCreate,
            slug=slug.strip(),
            name=name,
            kind=kind,
            country=country,
            parent_id=int(parent_id) if parent_id.isdigit() else None,
            accepts_public_reports=bool(accepts_public_reports),
        )
        org = orgs_service.create_organisation(
            session=session, principal=viewer.principal, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return _platform_admin_page(request, session, viewer, error=exc, form=form, section="org")
    return redirect("/admin", request, tr(request, "%(name)s is created.", name=org.name))


@router.post("/admin/networks")
def create_network(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    slug: FormStr = "",
    name: FormStr = "",
    description: FormStr = "",
) -> Response:
    """Create a network."""
    orgs_service.require_platform_admin(viewer.principal)
    form = {"net_slug": slug, "net_name": name, "description": description}
    try:
        data = parse_form(NetworkCreate, slug=slug.strip(), name=name, description=description)
        network = orgs_service.create_network(
            session=session, principal=viewer.principal, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return _platform_admin_page(
            request, session, viewer, error=exc, form=form, section="network"
        )
    return redirect("/admin", request, tr(request, "%(name)s is created.", name=network.name))


@router.post("/admin/networks/members")
def add_to_network(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    network_id: Annotated[int, Form()],
    org_id: Annotated[int, Form()],
) -> Response:
    """Add an organisation to a network."""
    try:
        orgs_service.add_to_network(
            session=session, principal=viewer.principal, network_id=network_id, org_id=org_id
        )
    except DomainError as exc:
        undo(session, exc)
        return _platform_admin_page(request, session, viewer, error=exc, section="join")
    return redirect("/admin", request, tr(request, "The organisation joined the network."))
