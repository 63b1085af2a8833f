"""Single sign-on of an organisation's members: its provider's settings (its administrators'),
who a provider's ID token is in Vigil, with which role, and the rule that members of an
organisation whose local passwords are off sign in through its provider only.

A token's person is found by the provider's subject once linked; the first time, by the
e-mail address the provider vouches for (an existing account is linked, else one is created).
The role comes from the directory at every sign-in: the provider's claim, mapped by the
organisation's table; a person the table gives no role is refused. The second factor is the
provider's business, so Vigil asks for none after it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.crypto import decrypt, encrypt, new_token
from vigil.core.db import utcnow
from vigil.core.errors import N_, DomainError, Invalid, NotFound
from vigil.core.policy import Principal, Role
from vigil.orgs import accounts, oidc
from vigil.orgs.models import ExternalIdentity, IdentityProvider, Membership, Organisation, Person
from vigil.orgs.schemas import IdentityProviderRead, IdentityProviderSettings
from vigil.orgs.service import require_org_admin

CALLBACK_PATH = "/login/sso/%s/callback"


class NoRole(DomainError):
    """The provider signed the person in, but the organisation's table gives them no role.
    The refusal stays in the audit log although the sign-in fails."""

    status = 403
    title = N_("No role in this organisation")
    keep_changes = True


def redirect_uri(settings: Settings, slug: str) -> str:
    """Where the provider sends the browser back; registered at the provider as is."""
    return settings.public_url + CALLBACK_PATH % slug


def provider_of(session: Session, org_id: int) -> IdentityProvider | None:
    return session.scalar(select(IdentityProvider).where(IdentityProvider.org_id == org_id))


def provider_by_slug(session: Session, slug: str) -> tuple[Organisation, IdentityProvider]:
    row = session.execute(
        select(Organisation, IdentityProvider)
        .join(IdentityProvider, IdentityProvider.org_id == Organisation.id)
        .where(Organisation.slug == slug)
    ).first()
    if row is None:
        raise NotFound("No organisation with single sign-on at this address.")
    return row[0], row[1]


def provider_read(
    settings: Settings, org: Organisation, row: IdentityProvider
) -> IdentityProviderRead:
    return IdentityProviderRead(
        org_id=org.id,
        label=row.label,
        issuer=row.issuer,
        client_id=row.client_id,
        role_claim=row.role_claim,
        role_map={k: Role(v) for k, v in json.loads(row.role_map).items()},
        email_domains=row.email_domains.split(),
        passwords_disabled=row.passwords_disabled,
        redirect_uri=redirect_uri(settings, org.slug),
    )


def configure_provider(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    org_id: int,
    data: IdentityProviderSettings,
) -> IdentityProvider:
    """Set up or change the organisation's provider (its administrators). The client secret
    is stored encrypted like every secret at rest; left empty, the stored one stays."""
    require_org_admin(principal, org_id)
    row = provider_of(session, org_id)
    if row is None and not data.client_secret:
        raise Invalid("client_secret", "is needed to set single sign-on up")
    taken = session.scalars(
        select(IdentityProvider.email_domains).where(IdentityProvider.org_id != org_id)
    )
    elsewhere = {d for domains in taken for d in domains.split()}
    clash = sorted(set(data.email_domains) & elsewhere)
    if clash:
        raise Invalid(
            "email_domains", "%(domain)s signs in through another organisation", domain=clash[0]
        )
    if row is None:
        row = IdentityProvider(org_id=org_id)
        session.add(row)
    row.label, row.issuer, row.client_id = data.label, data.issuer, data.client_id
    if data.client_secret:
        row.client_secret_encrypted = encrypt(
            data.client_secret, keys=settings.encryption_keys, secret_key=settings.secret_key
        )
    row.role_claim = data.role_claim
    row.role_map = json.dumps({k: v.value for k, v in data.role_map.items()}, sort_keys=True)
    row.email_domains = " ".join(data.email_domains)
    row.passwords_disabled = data.passwords_disabled
    row.updated_at = utcnow()
    session.flush()
    detail = data.model_dump(mode="json", exclude={"client_secret"})
    detail["client_secret_changed"] = bool(data.client_secret)
    audit.log_action(
        session,
        principal,
        "sso.configure",
        target_type="organisation",
        target_id=org_id,
        org_id=org_id,
        detail=detail,
    )
    return row


def remove_provider(*, session: Session, principal: Principal, org_id: int) -> None:
    """Turn single sign-on off; members sign in with passwords again (or reset one)."""
    require_org_admin(principal, org_id)
    row = provider_of(session, org_id)
    if row is None:
        raise NotFound("This organisation has no single sign-on.")
    session.delete(row)
    audit.log_action(
        session,
        principal,
        "sso.remove",
        target_type="organisation",
        target_id=org_id,
        org_id=org_id,
    )


def client_of(settings: Settings, org: Organisation, row: IdentityProvider) -> oidc.Client:
    secret = decrypt(
        row.client_secret_encrypted, keys=settings.encryption_keys, secret_key=settings.secret_key
    )
    return oidc.Client(row.client_id, secret, redirect_uri(settings, org.slug))


def org_for_sign_in(session: Session, text: str) -> str | None:
    """The slug of the organisation whose provider signs in the person who typed `text` on the
    sign-in page: an organisation's short name, or an e-mail address (its domain, else the
    account's organisation with single sign-on)."""
    text = text.strip().lower()
    rows = session.execute(
        select(Organisation.id, Organisation.slug, IdentityProvider.email_domains).join(
            IdentityProvider, IdentityProvider.org_id == Organisation.id
        )
    ).all()
    if "@" not in text:
        return next((slug for _id, slug, _d in rows if slug == text), None)
    domain = text.rpartition("@")[2]
    by_domain = next((slug for _id, slug, domains in rows if domain in domains.split()), None)
    if by_domain:
        return by_domain
    person = accounts.person_by_email(session, text)
    if person is None:
        return None
    mine = set(session.scalars(select(Membership.org_id).where(Membership.person_id == person.id)))
    return next((slug for org_id, slug, _d in rows if org_id in mine), None)


def mapped_role(row: IdentityProvider, claims: dict[str, Any]) -> Role | None:
    """The highest role the organisation's table gives any value of the role claim."""
    value = claims.get(row.role_claim)
    values = value if isinstance(value, list) else [value]
    table = json.loads(row.role_map)
    roles = [Role(table[v]) for v in values if isinstance(v, str) and v in table]
    return max(roles, key=lambda r: r.rank) if roles else None


def _refuse(session: Session, org: Organisation, subject: str, reason: str, ip: str) -> NoRole:
    audit.record(
        session,
        action="login.sso_refused",
        org_id=org.id,
        target_type="organisation",
        target_id=org.id,
        ip=ip,
        detail={"subject": subject, "reason": reason},
    )
    return NoRole("%(org)s gives you no role in Vigil.", org=org.name)


def _may_link(session: Session, person: Person, org_id: int) -> bool:
    """An existing account is linked by e-mail only when this organisation is all it belongs
    to: an organisation's administrator runs its provider, which can vouch for any address,
    so it may not take over a platform administrator or a member of other organisations."""
    others = session.scalar(
        select(Membership.id).where(Membership.person_id == person.id, Membership.org_id != org_id)
    )
    return not person.is_platform_admin and others is None


def _linked_person(
    session: Session, settings: Settings, org_id: int, issuer: str, claims: dict[str, Any]
) -> tuple[Person | None, str]:
    """The person of the token and how they were found: linked, by e-mail, created."""
    subject = str(claims["sub"])
    identity = session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject
        )
    )
    if identity is not None:
        identity.last_used_at = utcnow()
        return session.get(Person, identity.person_id), "linked"
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True:
        return None, "no verified e-mail"
    person = accounts.person_by_email(session, email)
    how = "by e-mail"
    if person is not None and not _may_link(session, person, org_id):
        return None, "account of other organisations"
    if person is None:
        name = claims.get("name") if isinstance(claims.get("name"), str) else email
        person = accounts.create_person(
            session=session, settings=settings, email=email, name=str(name), password=new_token()
        )
        how = "created"
    session.add(
        ExternalIdentity(person_id=person.id, issuer=issuer, subject=subject, last_used_at=utcnow())
    )
    return person, how


def _apply_role(session: Session, org_id: int, person: Person, role: Role) -> str | None:
    """Give the person the directory's role; returns the role before ("" when new, None when
    unchanged). The last administrator keeps the role, as on the members page."""
    membership = session.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.person_id == person.id)
    )
    if membership is None:
        session.add(Membership(person_id=person.id, org_id=org_id, role=role.value))
        return ""
    if membership.role == role.value:
        return None
    if membership.role == Role.org_admin.value:
        admins = session.scalars(
            select(Membership.id).where(
                Membership.org_id == org_id, Membership.role == Role.org_admin.value
            )
        ).all()
        if len(admins) <= 1:
            return None
    before = membership.role
    membership.role = role.value
    return before


def sign_in(
    *,
    session: Session,
    settings: Settings,
    org: Organisation,
    row: IdentityProvider,
    claims: dict[str, Any],
    ip: str,
) -> Person:
    """The person an ID token (already checked by `oidc`) signs in, with their membership and
    role brought in line with the provider's claim; NoRole when the table gives none."""
    role = mapped_role(row, claims)
    subject = str(claims.get("sub", ""))
    if role is None:
        raise _refuse(session, org, subject, f"no role for claim {row.role_claim}", ip)
    person, how = _linked_person(session, settings, org.id, row.issuer, claims)
    if person is None or not person.is_active:
        raise _refuse(session, org, subject, how if person is None else "account disabled", ip)
    before = _apply_role(session, org.id, person, role)
    person.last_login_at = utcnow()
    detail: dict[str, Any] = {"account": how, "role": role.value}
    if before is not None:
        detail["role_before"] = before
    audit.record(
        session,
        action="login.sso_success",
        actor_id=person.id,
        actor=person.email,
        org_id=org.id,
        target_type="person",
        target_id=person.id,
        ip=ip,
        detail=detail,
    )
    return person
