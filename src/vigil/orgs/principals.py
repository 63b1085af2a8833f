"""Who is asking, from the tables of people and organisations: browser sessions, API tokens, and
the principal they sign in (roles, ancestor organisations, network peers).

This module answers `core.identity.Identities`, what core asks to sign a request in and to show
a page's viewer; the app factory wires it in. Other domains build principals with
`load_principal` (demo data, tests).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.crypto import new_token, token_hash
from vigil.core.db import utcnow
from vigil.core.forms import valid_zone
from vigil.core.identity import Credential, Profile, ViewerOrg
from vigil.core.policy import Principal, Role
from vigil.geo.forms import country_zone
from vigil.orgs.models import (
    ApiToken,
    Membership,
    Organisation,
    Person,
    WebSession,
    network_members,
)

TOKEN_PREFIX = "vgl_"  # noqa: S105 - a marker that makes leaked tokens easy to scan for


def start_web_session(
    session: Session, *, person: Person, settings: Settings, awaiting_totp: bool
) -> str:
    token = new_token()
    session.add(
        WebSession(
            token_hash=token_hash(token),
            person_id=person.id,
            awaiting_totp=awaiting_totp,
            expires_at=utcnow() + dt.timedelta(hours=settings.session_hours),
        )
    )
    return token


def find_web_session(session: Session, token: str) -> WebSession | None:
    found = session.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token)))
    if found is None or found.ended_at is not None or found.expires_at <= utcnow():
        return None
    return found


def issue_api_token(session: Session, *, person_id: int, name: str) -> tuple[ApiToken, str]:
    """Returns the row and the secret; the secret is shown once and only its hash is kept."""
    secret = TOKEN_PREFIX + new_token()
    row = ApiToken(person_id=person_id, name=name, token_hash=token_hash(secret), hint=secret[-4:])
    session.add(row)
    session.flush()
    return row, secret


def find_api_token(session: Session, secret: str) -> ApiToken | None:
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if found is None or found.revoked_at is not None:
        return None
    return found


def load_principal(
    session: Session, *, person_id: int, acting_org_id: int | None = None
) -> Principal | None:
    """Build the principal of an active person: roles per organisation, their ancestors, and the
    organisations that share a network with theirs."""
    person = session.get(Person, person_id)
    if person is None or not person.is_active:
        return None
    # Memberships and network peers in one statement (one row per membership and peer): the
    # principal is built on every authenticated request, and each statement costs ~1 ms.
    mine, peer = network_members.alias("mine"), network_members.alias("peer")
    rows = session.execute(
        select(Membership.org_id, Membership.role, peer.c.org_id)
        .outerjoin(mine, mine.c.org_id == Membership.org_id)
        .outerjoin(peer, peer.c.network_id == mine.c.network_id)
        .where(Membership.person_id == person_id)
    ).all()
    roles = {org_id: Role(role) for org_id, role, _peer in rows}
    network_orgs = frozenset(peer_id for *_membership, peer_id in rows if peer_id is not None)
    ancestors = set(roles)
    frontier = set(roles)
    while frontier:
        parents = set(
            session.scalars(
                select(Organisation.parent_id).where(
                    Organisation.id.in_(frontier), Organisation.parent_id.is_not(None)
                )
            )
        )
        frontier = {p for p in parents if p is not None} - ancestors
        ancestors |= frontier
    if acting_org_id not in roles:
        acting_org_id = next(iter(sorted(roles)), None) if len(roles) == 1 else None
    return Principal(
        person_id=person.id,
        roles=roles,
        ancestor_org_ids=frozenset(ancestors),
        network_org_ids=network_orgs,
        acting_org_id=acting_org_id,
        is_platform_admin=person.is_platform_admin,
        name=person.name,
    )


def api_credential(session: Session, secret: str) -> Credential | None:
    token = find_api_token(session, secret)
    if token is None:
        return None
    return Credential(id=token.id, person_id=token.person_id, last_used_at=token.last_used_at)


def mark_token_used(session: Session, token_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


def web_credential(session: Session, token: str) -> Credential | None:
    web = find_web_session(session, token)
    if web is None or web.awaiting_totp:
        return None
    return Credential(id=web.id, person_id=web.person_id, acting_org_id=web.acting_org_id)


def zone_of_organisation(time_zone: str, country: str) -> str:
    """The zone an organisation's times are shown in: its own, else its country's main one."""
    return time_zone if valid_zone(time_zone) else country_zone(country)


def viewer_profile(session: Session, principal: Principal) -> Profile:
    """The signed-in person's e-mail, language and zone, their organisations by name, and the
    language and zone of the one they act for (else of their first)."""
    person = session.get(Person, principal.person_id) if principal.person_id else None
    rows = session.execute(
        select(
            Organisation.id,
            Organisation.slug,
            Organisation.name,
            Organisation.default_locale,
            Organisation.time_zone,
            Organisation.country,
        )
        .where(Organisation.id.in_(list(principal.org_ids)))
        .order_by(Organisation.name)
    ).all()
    acting = next((r for r in rows if r.id == principal.acting_org_id), rows[0] if rows else None)
    return Profile(
        email=person.email if person else "",
        locale=person.locale if person else "",
        orgs=tuple(ViewerOrg(r.id, r.slug, r.name, principal.roles[r.id]) for r in rows),
        time_zone=person.time_zone if person else "",
        org_locale=acting.default_locale if acting else "",
        org_zone=zone_of_organisation(acting.time_zone, acting.country) if acting else "",
    )
