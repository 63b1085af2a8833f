"""What core asks about who is who, and the one place the answer is wired in.

Core signs requests in and renders pages for people, but people, their memberships, browser
sessions and API tokens are the organisations domain's tables. So core declares here what it
needs to know (`Identities`), `vigil.orgs.principals` answers it, and the app factory wires
that answer in with `install()`: core imports no domain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

import jinja2
from fastapi import FastAPI, Request
from sqlalchemy.orm import Session

from vigil.core.errors import N_
from vigil.core.policy import Principal, Role

# The name an erased person's records show (orgs.erasure): stored as it is, in English, in the
# API and exports; pages show it in the reader's language (core.pages translates it wherever a
# template prints it whole).
FORMER_MEMBER = N_("Former member")


@jinja2.pass_context
def shown_name(context: jinja2.runtime.Context, value: Any) -> Any:
    """What a template prints (the pages' `finalize`): every value as it is, but an erased
    person's name in the reader's language."""
    if value == FORMER_MEMBER and "_" in context:
        return context.call(context["_"], FORMER_MEMBER)
    return value


@dataclass(frozen=True)
class Credential:
    """A valid API token or signed-in browser session, as the request presented it."""

    id: int
    person_id: int
    # The organisation a browser session acts for (its switcher); None for API tokens.
    acting_org_id: int | None = None
    # When an API token was last used (recorded at most every few minutes); None for sessions.
    last_used_at: dt.datetime | None = None


@dataclass(frozen=True)
class ViewerOrg:
    """An organisation the viewer is in, as the page layout and switcher show it."""

    id: int
    slug: str
    name: str
    role: Role


@dataclass(frozen=True)
class Profile:
    """What the pages show of a signed-in person besides their principal."""

    email: str = ""
    locale: str = ""
    orgs: tuple[ViewerOrg, ...] = ()
    # The person's own zone, and the language and zone of the organisation they act for
    # ("" = not set; core.localisation decides what applies).
    time_zone: str = ""
    org_locale: str = ""
    org_zone: str = ""


class Identities(Protocol):
    """Who is who, answered from the tables of people and organisations."""

    def api_credential(self, session: Session, secret: str) -> Credential | None:
        """The API token with this secret, unless unknown or revoked."""
        ...

    def mark_token_used(self, session: Session, token_id: int) -> None:
        """Record in `session` that the API token was used now."""
        ...

    def web_credential(self, session: Session, token: str) -> Credential | None:
        """The browser session of this cookie, unless unknown, ended, expired or still
        awaiting its second factor."""
        ...

    def load_principal(
        self, session: Session, *, person_id: int, acting_org_id: int | None = None
    ) -> Principal | None:
        """The principal of a person, or None when the account is unknown or disabled."""
        ...

    def viewer_profile(self, session: Session, principal: Principal) -> Profile:
        """The e-mail, language, zone and organisations of a signed-in person, and the
        default language and zone of the organisation they act for."""
        ...


def install(app: FastAPI, identities: Identities) -> None:
    """Wire the answer to `Identities` in: the app factory calls this once."""
    app.state.identities = identities


def identities_of(request: Request) -> Identities:
    found: Identities = request.app.state.identities
    return found
