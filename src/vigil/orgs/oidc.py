"""OpenID Connect with an organisation's identity provider, through Authlib and joserfc: the
discovery document, the authorization request (code flow with PKCE, state and nonce), the code
exchange and the ID token's checks (issuer, audience, signature against the provider's
published keys, expiry, nonce). Who the token's person is in Vigil is decided in `sso`.

Every call to the provider goes through the egress guard: the issuer is typed by an
organisation administrator, so it may not reach the server's own network unless the operator
allows it (VIGIL_OIDC_ALLOW_PRIVATE)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from vigil.core.config import Settings
from vigil.core.egress import GuardedTransport, Refused
from vigil.core.errors import N_, DomainError

DISCOVERY_PATH = "/.well-known/openid-configuration"
HTTP_TIMEOUT_SECONDS = 10.0
# Clocks of Vigil and the provider may differ this much when the token's times are checked.
CLOCK_SKEW_SECONDS = 60
SCOPES = "openid email profile"
# What an ID token may be signed with when the discovery document does not say.
DEFAULT_ALGORITHMS = ("RS256",)
# Asymmetric algorithms only: an HMAC-signed token would be checked with the client secret.
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class ProviderUnavailable(DomainError):
    """The identity provider did not answer as an OpenID provider should."""

    status = 502
    title = N_("The identity provider did not answer")


class TokenRefused(DomainError):
    """The provider's answer does not prove who signs in (a check of the ID token failed)."""

    status = 403
    title = N_("Sign-in refused")


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    auth_methods: tuple[str, ...]


@dataclass(frozen=True)
class Client:
    """Vigil as a client of one provider."""

    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True)
class Pending:
    """What the browser carries from the authorization request to the callback."""

    state: str
    nonce: str
    code_verifier: str


def _http(settings: Settings) -> httpx.Client:
    return httpx.Client(
        transport=GuardedTransport(allow_private=settings.oidc_allow_private),
        timeout=HTTP_TIMEOUT_SECONDS,
        follow_redirects=False,
        trust_env=False,
    )


def _get_json(settings: Settings, url: str) -> dict[str, Any]:
    try:
        with _http(settings) as http:
            response = http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
    except (httpx.HTTPError, ValueError, Refused) as exc:
        raise ProviderUnavailable(
            "%(url)s did not answer with JSON: %(reason)s", url=url, reason=str(exc)
        ) from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable("%(url)s did not answer with a JSON object", url=url)
    return document


def discover(settings: Settings, issuer: str) -> Discovery:
    """Read the provider's discovery document; its issuer must be the one configured, exactly
    (OpenID Connect Discovery 4.3), or its tokens could speak for another provider."""
    document = _get_json(settings, issuer.rstrip("/") + DISCOVERY_PATH)
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(
            "the provider calls itself %(found)s, not %(issuer)s",
            found=str(document.get("issuer")),
            issuer=issuer,
        )
    fields = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    missing = [f for f in fields if not isinstance(document.get(f), str)]
    if missing:
        raise ProviderUnavailable(
            "the discovery document lacks %(fields)s", fields=", ".join(missing)
        )
    offered = document.get("id_token_signing_alg_values_supported") or DEFAULT_ALGORITHMS
    return Discovery(
        issuer=issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        algorithms=tuple(a for a in offered if a in ALLOWED_ALGORITHMS) or DEFAULT_ALGORITHMS,
        auth_methods=tuple(document.get("token_endpoint_auth_methods_supported") or ()),
    )


def authorization_request(
    settings: Settings, discovery: Discovery, client: Client
) -> tuple[str, Pending]:
    """The provider's address to send the browser to, and the secrets the callback needs."""
    pending = Pending(
        state=generate_token(32), nonce=generate_token(32), code_verifier=generate_token(64)
    )
    url = prepare_grant_uri(
        discovery.authorization_endpoint,
        client.client_id,
        "code",
        redirect_uri=client.redirect_uri,
        scope=SCOPES,
        state=pending.state,
        nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.code_verifier),
        code_challenge_method="S256",
    )
    return url, pending


def _token_request(
    settings: Settings, discovery: Discovery, client: Client, *, code: str, verifier: str
) -> dict[str, Any]:
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uri,
        "code_verifier": verifier,
    }
    headers = {"Accept": "application/json"}
    if discovery.auth_methods and "client_secret_basic" not in discovery.auth_methods:
        body |= {"client_id": client.client_id, "client_secret": client.client_secret}
    else:  # client_secret_basic, the default of OpenID Connect Core 9, encoded as RFC 6749 2.3.1
        pair = f"{quote(client.client_id, safe='')}:{quote(client.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    try:
        with _http(settings) as http:
            response = http.post(discovery.token_endpoint, data=body, headers=headers)
            answer = response.json()
    except (httpx.HTTPError, ValueError, Refused) as exc:
        raise ProviderUnavailable(
            "%(url)s did not answer: %(reason)s", url=discovery.token_endpoint, reason=str(exc)
        ) from exc
    if not isinstance(answer, dict) or response.status_code != 200:
        reason = answer.get("error", response.status_code) if isinstance(answer, dict) else ""
        raise TokenRefused(
            "the identity provider refused the sign-in code: %(reason)s", reason=str(reason)
        )
    return answer


def exchange_code(
    settings: Settings, discovery: Discovery, client: Client, *, code: str, pending: Pending
) -> dict[str, Any]:
    """Trade the code for tokens (proving the PKCE verifier) and return the ID token's
    claims once every check passed."""
    token = _token_request(settings, discovery, client, code=code, verifier=pending.code_verifier)
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise TokenRefused("the identity provider sent no ID token")
    return validate_id_token(
        settings, discovery, id_token=id_token, client_id=client.client_id, nonce=pending.nonce
    )


def validate_id_token(
    settings: Settings, discovery: Discovery, *, id_token: str, client_id: str, nonce: str
) -> dict[str, Any]:
    """The claims of an ID token signed by one of the provider's keys, issued by it for this
    client, not expired, and answering this sign-in's nonce; else TokenRefused naming what."""
    keys = _get_json(settings, discovery.jwks_uri)
    try:
        key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
        decoded = jwt.decode(id_token, key_set, algorithms=list(discovery.algorithms))
    except (JoseError, ValueError) as exc:
        raise TokenRefused(
            "the ID token is not signed by the identity provider's keys: %(reason)s",
            reason=str(exc),
        ) from exc
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={
            "iss": {"essential": True, "value": discovery.issuer},
            "aud": {"essential": True, "value": client_id},
            "exp": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        },
        params={"nonce": nonce, "client_id": client_id},
    )
    try:
        claims.validate(leeway=CLOCK_SKEW_SECONDS)
    except ExpiredTokenError as exc:
        raise TokenRefused("the ID token has expired") from exc
    except ClaimError as exc:
        raise TokenRefused(
            "the ID token's %(claim)s claim is not right for this sign-in", claim=exc.claim
        ) from exc
    return dict(claims)
