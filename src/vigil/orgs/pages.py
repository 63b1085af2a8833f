"""HTML pages of people and organisations: sign-in, dashboard, organisation and admin pages,
the account (API tokens, second factor), invitations and password reset."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

import segno
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from vigil.core.auth import find_web_session
from vigil.core.deps import SESSION_COOKIE, ClientIP, SessionDep, SettingsDep
from vigil.core.errors import DomainError, Forbidden, LoginFailed, TooManyRequests
from vigil.core.pages import (
    SignedInDep,
    Viewer,
    ViewerDep,
    clear_session_cookie,
    csrf_protect,
    is_htmx,
    parse_form,
    redirect,
    render,
    safe_next,
    set_session_cookie,
    tr,
    undo,
)
from vigil.notices import service as notices_service
from vigil.orgs import accounts
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Organisation, OrgKind, Role
from vigil.orgs.schemas import (
    AcceptInvitation,
    InvitationCreate,
    NetworkCreate,
    OrganisationCreate,
    PasswordResetComplete,
    PasswordResetRequest,
    RoleUpdate,
    TokenCreate,
)

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

FormStr = Annotated[str, Form()]
# `next`: where to go after signing in or switching (a local path, checked by safe_next).
NextForm = Annotated[str, Form(alias="next")]
NextQuery = Annotated[str, Query(alias="next")]
DASHBOARD_NOTICES = 5


def _throttled(request: Request, exc: TooManyRequests) -> Response:
    return render(
        request,
        "orgs/throttled.html",
        {"minutes": max(1, round(exc.retry_after / 60))},
        status_code=429,
        headers={"Retry-After": str(exc.retry_after)},
    )


# --- signing in and out -------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, viewer: ViewerDep, next_url: NextQuery = "/") -> Response:
    """The sign-in form."""
    if viewer.signed_in:
        return redirect(safe_next(next_url))
    return render(request, "orgs/login.html", {"next": safe_next(next_url), "email": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIP,
    email: FormStr = "",
    password: FormStr = "",
    next_url: NextForm = "/",
) -> Response:
    """Check the password; with a second factor on, continue at /login/totp."""
    try:
        person = accounts.authenticate(
            session=session, settings=settings, email=email, password=password, ip=ip
        )
    except TooManyRequests as exc:
        return _throttled(request, exc)
    except LoginFailed:
        # Returning normally commits the recorded attempt and its audit entry.
        context = {"next": safe_next(next_url), "email": email, "failed": True}
        return render(request, "orgs/login.html", context, status_code=400)
    token = accounts.begin_login(session=session, settings=settings, person=person)
    target = safe_next(next_url)
    if person.totp_enabled:
        target = f"/login/totp?next={quote(target, safe='/')}"
    response = redirect(target)
    set_session_cookie(response, request, token)
    return response


@router.get("/login/totp")
def totp_page(request: Request, session: SessionDep, next_url: NextQuery = "/") -> Response:
    """Second step of signing in: the code from the authenticator app."""
    web = find_web_session(session, request.cookies.get(SESSION_COOKIE, ""))
    if web is None or not web.awaiting_totp:
        return redirect("/login")
    return render(request, "orgs/login_totp.html", {"next": safe_next(next_url)})


@router.post("/login/totp")
def totp_login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIP,
    code: FormStr = "",
    next_url: NextForm = "/",
) -> Response:
    """Check the six-digit code and finish signing in."""
    web = find_web_session(session, request.cookies.get(SESSION_COOKIE, ""))
    if web is None or not web.awaiting_totp:
        return redirect("/login", request, tr(request, "Sign in again."), "error")
    try:
        accounts.complete_totp(
            session=session, settings=settings, web=web, code=code.replace(" ", ""), ip=ip
        )
    except TooManyRequests as exc:
        return _throttled(request, exc)
    except LoginFailed:
        context = {"next": safe_next(next_url), "failed": True}
        return render(request, "orgs/login_totp.html", context, status_code=400)
    return redirect(safe_next(next_url))


@router.post("/logout")
def logout(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """End this browser's session."""
    web_session_id: int | None = getattr(request.state, "web_session_id", None)
    if web_session_id is not None:
        accounts.end_session(session=session, web_session_id=web_session_id)
    response = redirect("/login", request, tr(request, "You are signed out."))
    clear_session_cookie(response, request)
    return response


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


# --- dashboard and organisations ----------------------------------------------------------


@router.get("/")
def dashboard(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """What is new for you, your organisations, and the domains to come."""
    notices = notices_service.list_notices(
        session=session, principal=viewer.principal, limit=DASHBOARD_NOTICES
    )
    upcoming = [(path, label) for path, label, ready in request.app.state.nav if not ready]
    return render(request, "orgs/dashboard.html", {"notices": notices, "upcoming": upcoming})


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
    context = {"org": org, "members": members, "can_admin": _may_administer(viewer, org.id)}
    return render(request, "orgs/organisation.html", context)


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
    return render(
        request,
        "orgs/org_admin.html",
        context,
        status_code=error.status if error else 200,
    )


def _administered_org(session: Session, viewer: Viewer, slug: str) -> Organisation:
    org = orgs_service.get_organisation(session=session, principal=viewer.principal, ref=slug)
    orgs_service.require_org_admin(viewer.principal, org.id)
    return org


@router.get("/orgs/{slug}/admin")
def org_admin_page(
    request: Request, slug: str, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Invite people and set their roles (organisation administrators)."""
    org = _administered_org(session, viewer, slug)
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
    org = _administered_org(session, viewer, slug)
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
    if not is_htmx(request):
        url = f"/orgs/{org.slug}/admin"
        return redirect(
            url, request, error.detail if error else message, "error" if error else "info"
        )
    members = orgs_service.list_members(session=session, principal=viewer.principal, org_id=org.id)
    member = next((m for m in members if m.person_id == person_id), None)
    context: dict[str, Any] = {
        "org": org,
        "member": member,
        "roles": list(Role),
        "row_error": error,
    }
    context["message"] = error.detail if error else message
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
    org = _administered_org(session, viewer, slug)
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
    org = _administered_org(session, viewer, slug)
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


# --- your account -------------------------------------------------------------------------


def _account_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    error: DomainError | None = None,
) -> Response:
    context = {
        "me": accounts.me_read(session=session, principal=viewer.principal),
        "tokens": accounts.list_tokens(session=session, principal=viewer.principal),
        "error": error,
    }
    return render(request, "orgs/account.html", context, status_code=error.status if error else 200)


@router.get("/account")
def account_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """Your profile, API tokens and second factor."""
    return _account_page(request, session, viewer)


@router.post("/account/tokens")
def create_token(
    request: Request, session: SessionDep, viewer: SignedInDep, name: FormStr = ""
) -> Response:
    """Create an API token and show its secret, this once."""
    try:
        data = parse_form(TokenCreate, name=name)
        row, secret = accounts.create_token(
            session=session, principal=viewer.principal, name=data.name
        )
    except DomainError as exc:
        undo(session, exc)
        return _account_page(request, session, viewer, error=exc)
    return render(request, "orgs/token_created.html", {"token": row, "secret": secret})


@router.post("/account/tokens/{token_id:int}/revoke")
def revoke_token(
    request: Request, token_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Revoke one of your API tokens."""
    token = accounts.revoke_token(session=session, principal=viewer.principal, token_id=token_id)
    return redirect(
        "/account", request, tr(request, "The token %(name)s is revoked.", name=token.name)
    )


@router.post("/account/totp/start")
def start_totp(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: SignedInDep
) -> Response:
    """Begin setting up a second factor (an authenticator app)."""
    me = accounts.me_read(session=session, principal=viewer.principal)
    if me.totp_enabled:
        return redirect("/account", request, tr(request, "Your second factor is already on."))
    accounts.start_totp_enrolment(session=session, settings=settings, person_id=me.id)
    return redirect("/account/totp")


def _totp_setup_page(request: Request, uri: str, error: DomainError | None = None) -> Response:
    secret = parse_qs(urlsplit(uri).query).get("secret", [""])[0]
    qr = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr", title="otpauth QR code"
    )
    context = {
        "qr_svg": Markup(qr),  # noqa: S704 - segno's own SVG of our own URI
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "orgs/totp_setup.html", context, status_code=status)


@router.get("/account/totp")
def totp_setup_page(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: SignedInDep
) -> Response:
    """The QR code to scan and the field for the first code."""
    uri = accounts.pending_totp_uri(
        session=session, settings=settings, person_id=viewer.principal.person_id or 0
    )
    if uri is None:
        return redirect("/account")
    return _totp_setup_page(request, uri)


@router.post("/account/totp/confirm")
def confirm_totp(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    code: FormStr = "",
) -> Response:
    """Turn the second factor on once a code from the app matches."""
    person_id = viewer.principal.person_id or 0
    try:
        accounts.confirm_totp(
            session=session, settings=settings, person_id=person_id, code=code.replace(" ", "")
        )
    except DomainError as exc:
        undo(session, exc)
        uri = accounts.pending_totp_uri(session=session, settings=settings, person_id=person_id)
        if uri is None:
            return redirect("/account", request, exc.detail, "error")
        return _totp_setup_page(request, uri, exc)
    return redirect("/account", request, tr(request, "Your second factor is on."))


@router.post("/account/totp/disable")
def disable_totp(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    password: FormStr = "",
) -> Response:
    """Turn the second factor off (needs the current password)."""
    try:
        accounts.disable_totp(
            session=session,
            settings=settings,
            person_id=viewer.principal.person_id or 0,
            password=password,
        )
    except DomainError as exc:
        undo(session, exc)
        return _account_page(request, session, viewer, error=exc)
    return redirect("/account", request, tr(request, "Your second factor is off."))


# --- invitations and password reset (no sign-in needed) -----------------------------------


def _invitation_page(
    request: Request, session: Session, token: str, error: DomainError | None = None
) -> Response:
    invitation = orgs_service.find_invitation(session, token)
    existing = accounts.person_by_email(session, invitation.email)
    context = {"invitation": invitation, "existing": existing, "error": error, "token": token}
    status = error.status if error else 200
    return render(request, "orgs/invitation.html", context, status_code=status)


@router.get("/invite/{token}")
def invitation_page(
    request: Request, token: str, session: SessionDep, viewer: ViewerDep
) -> Response:
    """Accept an invitation: choose your name and password, or confirm your existing one."""
    return _invitation_page(request, session, token)


@router.post("/invite/{token}")
def accept_invitation(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    name: FormStr = "",
    password: FormStr = "",
) -> Response:
    """Join the organisation of the invitation."""
    try:
        data = parse_form(AcceptInvitation, name=name, password=password)
        accounts.accept_invitation(
            session=session, settings=settings, token=token, name=data.name, password=data.password
        )
    except DomainError as exc:
        undo(session, exc)
        return _invitation_page(request, session, token, exc)
    message = tr(request, "Welcome to Vigil. Sign in with your e-mail address and password.")
    return redirect("/login", request, message)


@router.get("/password-reset")
def password_reset_page(request: Request, viewer: ViewerDep) -> Response:
    """Ask for a link to choose a new password."""
    return render(request, "orgs/password_reset_request.html", {"email": ""})


@router.post("/password-reset")
def request_password_reset(
    request: Request, session: SessionDep, settings: SettingsDep, email: FormStr = ""
) -> Response:
    """Mail a reset link; the answer is the same whether or not the account exists."""
    try:
        data = parse_form(PasswordResetRequest, email=email.strip())
    except DomainError as exc:
        context = {"email": email, "error": exc}
        return render(request, "orgs/password_reset_request.html", context, status_code=422)
    accounts.request_password_reset(session=session, settings=settings, email=data.email)
    return render(request, "orgs/password_reset_sent.html")


@router.get("/password-reset/{token}")
def new_password_page(request: Request, token: str, viewer: ViewerDep) -> Response:
    """Choose a new password."""
    return render(request, "orgs/password_reset.html", {"token": token})


@router.post("/password-reset/{token}")
def reset_password(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    password: FormStr = "",
) -> Response:
    """Set the new password; every open session of the account ends."""
    try:
        data = parse_form(PasswordResetComplete, password=password)
        accounts.complete_password_reset(
            session=session, settings=settings, token=token, password=data.password
        )
    except DomainError as exc:
        undo(session, exc)
        context = {"token": token, "error": exc}
        return render(request, "orgs/password_reset.html", context, status_code=exc.status)
    message = tr(request, "Your password is changed. Sign in with the new one.")
    return redirect("/login", request, message)
