"""Who a TAXII client is: HTTP Basic (a Vigil account's e-mail and password, or any user name
and an API token as the password) or Bearer with an API token.

TAXII clients speak HTTP Basic, so it is taken here; the checks themselves are the owners':
tokens through `core.deps.token_principal` (orgs.principals), passwords through
`orgs.accounts.authenticate` with its throttle and audit. Browser cookies are not accepted:
a TAXII client is a program, and a cookie would let another site's page POST objects.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request

from vigil.core.db import transaction
from vigil.core.deps import ClientIP, SessionDep, SettingsDep, client_ip, token_principal
from vigil.core.errors import LoginFailed, Unauthorized
from vigil.core.identity import identities_of
from vigil.core.policy import Principal
from vigil.orgs import accounts
from vigil.orgs.principals import TOKEN_PREFIX

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Vigil TAXII", charset="UTF-8"'}


def _refused(detail: str) -> Unauthorized:
    return Unauthorized(detail, headers=CHALLENGE)


def _basic(value: str) -> tuple[str, str]:
    try:
        user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise _refused("The Basic credentials are not base64 of user:password.") from exc
    if not sep:
        raise _refused("The Basic credentials are not base64 of user:password.")
    return user, password


def _password_principal(request: Request, settings: SettingsDep, email: str, password: str) -> int:
    """The person whose e-mail and password these are, checked (and counted for throttling
    and audited) in a write of its own, so that a read stays read-only."""
    failed: LoginFailed | None = None
    with transaction(settings.sqlalchemy_url) as own:
        try:
            person = accounts.authenticate(
                session=own,
                settings=settings,
                email=email,
                password=password,
                ip=client_ip(request),
            )
        except LoginFailed as exc:
            failed = exc  # the failed attempt is committed: it counts for the throttle
        else:
            person_id, second_factor = person.id, person.totp_enabled
    if failed is not None:
        raise _refused(failed.detail)
    if second_factor:
        raise _refused("This account signs in with a second factor: use an API token instead.")
    return person_id


def taxii_principal(
    request: Request, session: SessionDep, settings: SettingsDep, _ip: ClientIP
) -> Principal:
    """The signed-in client; 401 with a Basic challenge when there is none."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer" and value:
        return token_principal(request, session, value)
    if scheme != "basic" or not value:
        raise _refused("Send HTTP Basic credentials or an API token (Authorization: Bearer).")
    user, password = _basic(value)
    if password.startswith(TOKEN_PREFIX):
        return token_principal(request, session, password)
    person_id = _password_principal(request, settings, user, password)
    principal = identities_of(request).load_principal(session, person_id=person_id)
    if principal is None:
        raise _refused("This account is disabled.")
    return principal


TaxiiPrincipalDep = Annotated[Principal, Depends(taxii_principal)]
