"""Pages of single sign-on: "Sign in through your organisation" (by its short name or your
e-mail address), the trip to the organisation's OpenID provider and back, and the page where
an organisation administrator sets the provider up.

/login/sso/<org-slug> is the address an organisation gives its members (intranet, bookmark);
the sign-in page finds it from an e-mail address too. Between the trip out and the callback,
the browser carries the state, nonce and PKCE verifier in an encrypted, short-lived cookie,
so a callback is accepted only in the browser that started the sign-in."""

from __future__ import annotations

import hmac
import json
import time
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.responses import Response

from vigil.core.auth import SIGNIN_FAILURES
from vigil.core.crypto import decrypt, encrypt
from vigil.core.deps import SESSION_COOKIE, ClientIP, SessionDep, SettingsDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.pages import (
    FormStr,
    SignedInDep,
    page_router,
    parse_form,
    redirect,
    render,
    safe_next,
    set_session_cookie,
    tr,
    undo,
)
from vigil.core.policy import Role
from vigil.orgs import accounts, oidc, sso
from vigil.orgs.auth_pages import NextForm, NextQuery
from vigil.orgs.models import Organisation
from vigil.orgs.pages import administered_org
from vigil.orgs.schemas import IdentityProviderSettings

router = page_router()

SSO_COOKIE = "vigil_sso"
# Time a person has at their provider before the callback is refused as stale.
SSO_COOKIE_SECONDS = 600


@router.post("/login/sso")
def find_sign_in(
    request: Request, session: SessionDep, who: FormStr = "", next_url: NextForm = "/"
) -> Response:
    """Go to the provider of the organisation named, or of the e-mail address given."""
    slug = sso.org_for_sign_in(session, who)
    if slug is None:
        context = {"next": safe_next(next_url), "email": "", "who": who, "sso_unknown": True}
        return render(request, "orgs/login.html", context, status_code=404)
    return redirect(f"/login/sso/{slug}?next={quote(safe_next(next_url), safe='/')}")


def _refused(request: Request, slug: str, error: DomainError) -> Response:
    context = {"slug": slug, "error": error, "no_role": isinstance(error, sso.NoRole)}
    return render(request, "orgs/sso_refused.html", context, status_code=error.status)


@router.get("/login/sso/{slug}")
def start_sign_in(
    request: Request,
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    next_url: NextQuery = "/",
) -> Response:
    """Send the browser to the organisation's identity provider."""
    try:
        org, row = sso.provider_by_slug(session, slug)
        discovery = oidc.discover(settings, row.issuer)
        url, pending = oidc.authorization_request(
            settings, discovery, sso.client_of(settings, org, row)
        )
    except DomainError as exc:
        return _refused(request, slug, exc)
    carried = {
        "slug": slug,
        "state": pending.state,
        "nonce": pending.nonce,
        "verifier": pending.code_verifier,
        "next": safe_next(next_url),
        "until": time.time() + SSO_COOKIE_SECONDS,
    }
    response = redirect(url)
    response.set_cookie(
        SSO_COOKIE,
        encrypt(json.dumps(carried), keys=settings.encryption_keys, secret_key=settings.secret_key),
        max_age=SSO_COOKIE_SECONDS,
        path="/login/sso",
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )
    return response


def _carried(request: Request, keys: str, secret_key: str) -> dict[str, object]:
    try:
        carried = json.loads(
            decrypt(request.cookies.get(SSO_COOKIE, ""), keys=keys, secret_key=secret_key)
        )
    except ValueError as exc:
        raise oidc.TokenRefused("this browser did not start the sign-in; start again") from exc
    if not isinstance(carried, dict) or float(carried.get("until", 0)) < time.time():
        raise oidc.TokenRefused("the sign-in took too long; start again")
    return carried


@router.get("/login/sso/{slug}/callback")
def finish_sign_in(
    request: Request,
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIP,
    code: str = "",
    state: str = "",
    error: str = "",
    error_description: str = Query("", max_length=500),
) -> Response:
    """Back from the provider: check everything, then sign the person in."""
    try:
        carried = _carried(request, settings.encryption_keys, settings.secret_key)
        if carried.get("slug") != slug or not hmac.compare_digest(
            str(carried.get("state", "")), state
        ):
            raise oidc.TokenRefused("the answer does not belong to this sign-in (state)")
        if error:
            raise oidc.TokenRefused(
                "the identity provider refused: %(reason)s", reason=error_description or error
            )
        org, row = sso.provider_by_slug(session, slug)
        pending = oidc.Pending(state, str(carried["nonce"]), str(carried["verifier"]))
        claims = oidc.exchange_code(
            settings,
            oidc.discover(settings, row.issuer),
            sso.client_of(settings, org, row),
            code=code,
            pending=pending,
        )
        person = sso.sign_in(
            session=session, settings=settings, org=org, row=row, claims=claims, ip=ip
        )
    except DomainError as exc:
        undo(session, exc)
        SIGNIN_FAILURES.inc()
        response = _refused(request, slug, exc)
        response.delete_cookie(SSO_COOKIE, path="/login/sso")
        return response
    token = accounts.begin_login(
        session=session,
        settings=settings,
        person=person,
        replacing=request.cookies.get(SESSION_COOKIE, ""),
        acting_org_id=org.id,
    )
    response = redirect(safe_next(str(carried.get("next", "/"))))
    response.delete_cookie(SSO_COOKIE, path="/login/sso")
    set_session_cookie(response, request, token)
    return response


# --- the organisation's set-up ---------------------------------------------------------------


def parse_role_map(text: str) -> dict[str, str]:
    """One "claim value = role" a line, as the set-up page's text box takes them."""
    table: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value, sep, role = line.rpartition("=")
        if not sep or not value.strip():
            raise Invalid("role_map", "line %(line)s is not 'claim value = role'", line=number)
        table[value.strip()] = role.strip()
    return table


@router.get("/orgs/{slug}/admin/sso")
def sso_settings_page(
    request: Request, slug: str, session: SessionDep, settings: SettingsDep, viewer: SignedInDep
) -> Response:
    """Single sign-on through the organisation's OpenID provider (its administrators)."""
    org = administered_org(session, viewer, slug)
    row = sso.provider_of(session, org.id)
    current = sso.provider_read(settings, org, row) if row else None
    return _settings_page(request, org, settings.public_url, current=current)


def _settings_page(
    request: Request,
    org: Organisation,
    public_url: str,
    *,
    current: object = None,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Response:
    context = {
        "org": org,
        "current": current,
        "form": form or {},
        "error": error,
        "roles": list(Role),
        "redirect_uri": public_url + sso.CALLBACK_PATH % org.slug,
        "sign_in_url": f"{public_url}/login/sso/{org.slug}",
    }
    status = error.status if error else 200
    return render(request, "orgs/org_sso.html", context, status_code=status)


@router.post("/orgs/{slug}/admin/sso")
def save_sso_settings(
    request: Request,
    slug: str,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    label: FormStr = "",
    issuer: FormStr = "",
    client_id: FormStr = "",
    client_secret: FormStr = "",
    role_claim: FormStr = "groups",
    role_map: FormStr = "",
    email_domains: FormStr = "",
    passwords_disabled: FormStr = "",
) -> Response:
    """Save the provider's settings."""
    org = administered_org(session, viewer, slug)
    form = {"label": label, "issuer": issuer, "client_id": client_id, "role_claim": role_claim}
    form |= {"role_map": role_map, "email_domains": email_domains}
    form["passwords_disabled"] = passwords_disabled
    try:
        data = parse_form(
            IdentityProviderSettings,
            label=label,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            role_claim=role_claim,
            role_map=parse_role_map(role_map),
            email_domains=email_domains.replace(",", " ").split(),
            passwords_disabled=bool(passwords_disabled),
        )
        sso.configure_provider(
            session=session, settings=settings, principal=viewer.principal, org_id=org.id, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return _settings_page(request, org, settings.public_url, form=form, error=exc)
    message = tr(request, "Single sign-on of %(org)s is saved.", org=org.name)
    return redirect(f"/orgs/{org.slug}/admin/sso", request, message)


@router.post("/orgs/{slug}/admin/sso/remove")
def remove_sso(request: Request, slug: str, session: SessionDep, viewer: SignedInDep) -> Response:
    """Turn single sign-on off."""
    org = administered_org(session, viewer, slug)
    sso.remove_provider(session=session, principal=viewer.principal, org_id=org.id)
    message = tr(request, "Single sign-on of %(org)s is off.", org=org.name)
    return redirect(f"/orgs/{org.slug}/admin/sso", request, message)
