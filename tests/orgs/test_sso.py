"""Single sign-on through an organisation's OpenID provider, against a real provider on
loopback (oidc-provider): accounts created and linked, roles from the directory's claim,
refusals of a wrong state, nonce or audience, and local passwords turned off."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pyotp
import pytest
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import base_settings
from tests.html import alerts, db_rows, html, sign_in, submit
from tests.orgs.factories import PASSWORD, make_org, make_person
from tests.orgs.oidc_fixture import (
    CLIENT_SECRET,
    Provider,
    sign_in_through,
    through_provider,
)
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.crypto import decrypt
from vigil.core.deps import SESSION_COOKIE
from vigil.core.jobs import Job
from vigil.core.mail import SEND_EMAIL
from vigil.core.policy import SYSTEM, Role
from vigil.orgs import oidc, second_factor, sso
from vigil.orgs import service as orgs_service
from vigil.orgs.models import ExternalIdentity, IdentityProvider, Membership, Organisation, Person
from vigil.orgs.schemas import IdentityProviderSettings, OrganisationCreate

ROLES = {"vigil-admins": Role.org_admin, "vigil-coordinators": Role.coordinator}
ROLES |= {"vigil-analysts": Role.analyst}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """The provider listens on loopback, which an operator must allow."""
    return base_settings(db_url, tmp_path / "data", oidc_allow_private=True)


def _acme(
    session: Session, settings: Settings, issuer: str, *, passwords_disabled: bool = False
) -> Organisation:
    org = orgs_service.create_organisation(
        session=session,
        principal=SYSTEM,
        data=OrganisationCreate(slug="acme", name="Acme Security", kind="ngo", country="DE"),
    )
    make_person(session, settings, org=org, role=Role.org_admin, email="admin@acme.example")
    data = IdentityProviderSettings(
        label="Acme ID",
        issuer=issuer,
        client_id="vigil",
        client_secret=CLIENT_SECRET,
        role_map=ROLES,
        email_domains=["acme.example"],
        passwords_disabled=passwords_disabled,
    )
    sso.configure_provider(
        session=session, settings=settings, principal=SYSTEM, org_id=org.id, data=data
    )
    session.commit()
    return org


def _member_role(settings: Settings, email: str) -> str | None:
    roles = db_rows(
        settings,
        select(Membership.role)
        .join(Person, Person.id == Membership.person_id)
        .where(Person.email == email),
    )
    return roles[0] if roles else None


def _audit(settings: Settings, action: str) -> list[AuditEntry]:
    return db_rows(
        settings, select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    )


def test_first_sign_in_creates_the_member_with_the_mapped_role(
    client: TestClient, committed: Session, settings: Settings, oidc_provider: Provider
) -> None:
    _acme(committed, settings, oidc_provider.issuer)
    oidc_provider.set_account(
        "alice",
        email="alice@acme.example",
        email_verified=True,
        name="Alice Arendt",
        groups=["staff", "vigil-analysts"],
    )

    response = sign_in_through(client, oidc_provider, "acme", "alice")

    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    assert f"{SESSION_COOKIE}=" in response.headers["set-cookie"]
    assert "Alice Arendt" in html(client.get("/")).find("h1").text
    assert _member_role(settings, "alice@acme.example") == Role.analyst.value
    [identity] = db_rows(settings, select(ExternalIdentity))
    assert (identity.issuer, identity.subject) == (oidc_provider.issuer, "alice")
    [entry] = _audit(settings, "login.sso_success")
    assert json.loads(entry.detail)["account"] == "created"


def test_existing_person_is_linked_by_e_mail_and_the_role_follows_the_claim(
    client: TestClient, committed: Session, settings: Settings, oidc_provider: Provider
) -> None:
    org = _acme(committed, settings, oidc_provider.issuer)
    bob = make_person(committed, settings, org=org, role=Role.viewer, email="bob@acme.example")
    uri = second_factor.start_totp_enrolment(session=committed, settings=settings, person_id=bob.id)
    code = pyotp.parse_uri(uri).now()  # type: ignore[attr-defined]
    second_factor.confirm_totp(session=committed, settings=settings, person_id=bob.id, code=code)
    committed.commit()
    oidc_provider.set_account(
        "bob-at-idp", email="bob@acme.example", email_verified=True, groups=["vigil-coordinators"]
    )

    first = sign_in_through(client, oidc_provider, "acme", "bob-at-idp")

    # Signed in at once: the provider asked for the second factor, Vigil does not again.
    assert first.headers["location"] == "/"
    assert client.get("/", follow_redirects=False).status_code == 200
    assert _member_role(settings, "bob@acme.example") == Role.coordinator.value

    oidc_provider.set_account(
        "bob-at-idp", email="bob@elsewhere.example", email_verified=True, groups=["vigil-analysts"]
    )
    second = sign_in_through(client, oidc_provider, "acme", "bob-at-idp")

    assert second.status_code == 303
    assert _member_role(settings, "bob@acme.example") == Role.analyst.value
    assert len(db_rows(settings, select(ExternalIdentity))) == 1
    assert [json.loads(e.detail)["account"] for e in _audit(settings, "login.sso_success")] == [
        "by e-mail",
        "linked",
    ]


def test_no_matching_role_is_refused_with_a_page_saying_so(
    client: TestClient, committed: Session, settings: Settings, oidc_provider: Provider
) -> None:
    _acme(committed, settings, oidc_provider.issuer)
    oidc_provider.set_account(
        "carol", email="carol@acme.example", email_verified=True, groups=["cleaners"]
    )

    response = sign_in_through(client, oidc_provider, "acme", "carol")

    assert response.status_code == 403
    page = html(response)
    assert "Acme Security gives you no role in Vigil." in alerts(page)[0]
    assert db_rows(settings, select(Person).where(Person.email == "carol@acme.example")) == []
    assert len(_audit(settings, "login.sso_refused")) == 1


def test_account_of_other_organisations_is_not_taken_over_by_e_mail(
    client: TestClient, committed: Session, settings: Settings, oidc_provider: Provider
) -> None:
    """The organisation's provider vouches for any address its admin wants: an account that
    belongs elsewhere too (or a platform admin's) is not handed to it."""
    acme = _acme(committed, settings, oidc_provider.issuer)
    elsewhere = make_org(committed)
    ivy = make_person(committed, settings, org=acme, email="ivy@acme.example")
    orgs_service.add_member(
        session=committed, principal=SYSTEM, org_id=elsewhere.id, person=ivy, role=Role.analyst
    )
    make_person(committed, settings, platform_admin=True, email="root@acme.example")
    committed.commit()
    for login, email in (("ivy", "ivy@acme.example"), ("root", "root@acme.example")):
        oidc_provider.set_account(login, email=email, email_verified=True, groups=["vigil-admins"])

        response = sign_in_through(client, oidc_provider, "acme", login)

        assert response.status_code == 403
    assert db_rows(settings, select(ExternalIdentity)) == []
    refusals = [json.loads(e.detail)["reason"] for e in _audit(settings, "login.sso_refused")]
    assert refusals == ["account of other organisations"] * 2


def _with_param(url: str, **changed: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changed
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_answer_with_another_state_is_refused(
    client: TestClient, committed: Session, settings: Settings, oidc_provider: Provider
) -> None:
    _acme(committed, settings, oidc_provider.issuer)
    oidc_provider.set_account(
        "dan", email="dan@acme.example", email_verified=True, groups=["vigil-analysts"]
    )
    start = client.get("/login/sso/acme", follow_redirects=False)
    back = through_provider(oidc_provider, start.headers["location"], "dan")

    forged = urlsplit(_with_param(back, state="attacker-state"))
    response = client.get(f"{forged.path}?{forged.query}", follow_redirects=False)

    assert response.status_code == 403
    assert "(state)" in alerts(html(response))[0]
    assert client.get("/", follow_redirects=False).status_code == 303  # still signed out
    assert db_rows(settings, select(Person).where(Person.email == "dan@acme.example")) == []


def test_token_answering_another_nonce_is_refused(
    client: TestClient, committed: Session, settings: Settings, oidc_provider: Provider
) -> None:
    _acme(committed, settings, oidc_provider.issuer)
    oidc_provider.set_account(
        "erin", email="erin@acme.example", email_verified=True, groups=["vigil-analysts"]
    )

    response = sign_in_through(
        client,
        oidc_provider,
        "acme",
        "erin",
        tamper=lambda url: _with_param(url, nonce="replayed-nonce"),
    )

    assert response.status_code == 403
    assert "nonce" in alerts(html(response))[0]
    assert db_rows(settings, select(Person).where(Person.email == "erin@acme.example")) == []


def test_id_token_issued_to_another_client_is_refused(
    settings: Settings, oidc_provider: Provider
) -> None:
    """The provider's genuine token, for its client "other-client": Vigil ("vigil") refuses it
    by its audience, and takes it only as the client it was issued to."""
    oidc_provider.set_account("fay", email="fay@acme.example", email_verified=True)
    discovery = oidc.discover(settings, oidc_provider.issuer)
    redirect = sso.redirect_uri(settings, "acme")
    verifier, nonce = generate_token(64), generate_token(32)
    query = {
        "client_id": "other-client",
        "response_type": "code",
        "scope": "openid email",
        "redirect_uri": redirect,
        "state": "s",
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    back = through_provider(
        oidc_provider, f"{discovery.authorization_endpoint}?{urlencode(query)}", "fay"
    )
    code = dict(parse_qsl(urlsplit(back).query))["code"]
    token = httpx.post(
        discovery.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
        auth=("other-client", CLIENT_SECRET),
    ).json()["id_token"]

    with pytest.raises(oidc.TokenRefused, match="aud"):
        oidc.validate_id_token(settings, discovery, id_token=token, client_id="vigil", nonce=nonce)
    claims = oidc.validate_id_token(
        settings, discovery, id_token=token, client_id="other-client", nonce=nonce
    )
    assert claims["sub"] == "fay"


def test_members_of_an_organisation_without_passwords_use_its_sign_in(
    client: TestClient, committed: Session, settings: Settings, oidc_provider: Provider
) -> None:
    org = _acme(committed, settings, oidc_provider.issuer, passwords_disabled=True)
    person = make_person(committed, settings, org=org, email="gil@acme.example")
    committed.commit()

    response = submit(client, "/login", "/login", {"email": person.email, "password": PASSWORD})

    assert response.status_code == 400
    page = html(response)
    assert "signs its members in through its identity provider" in alerts(page)[0]
    assert page.find("a", href="/login/sso/acme?next=/") is not None
    token = client.post(
        "/api/v1/auth/token",
        json={"email": person.email, "password": PASSWORD, "token_name": "cli"},
    )
    assert token.status_code == 401
    reset = submit(client, "/password-reset", "/password-reset", {"email": person.email})
    assert reset.status_code == 200
    assert db_rows(settings, select(Job).where(Job.kind == SEND_EMAIL)) == []  # no link
    assert len(_audit(settings, "password.reset_refused")) == 1
    found = submit(client, "/login", "/login/sso", {"who": "new.person@acme.example"})
    assert found.headers["location"].startswith("/login/sso/acme")


def test_settings_page_keeps_the_client_secret_encrypted(
    client: TestClient, committed: Session, settings: Settings, oidc_provider: Provider
) -> None:
    org = orgs_service.create_organisation(
        session=committed,
        principal=SYSTEM,
        data=OrganisationCreate(slug="other-org", name="Other", kind="ngo", country="DE"),
    )
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    analyst = make_person(committed, settings, org=org, role=Role.analyst)
    committed.commit()

    sign_in(client, analyst.email)
    assert client.get("/orgs/other-org/admin/sso").status_code == 403
    client.cookies.clear()
    sign_in(client, admin.email)
    form = {
        "label": "Other ID",
        "issuer": oidc_provider.issuer,
        "client_id": "vigil",
        "client_secret": CLIENT_SECRET,
        "role_claim": "groups",
        "role_map": "vigil-admins = org_admin\nvigil-analysts = analyst",
    }

    saved = submit(client, "/orgs/other-org/admin/sso", "/orgs/other-org/admin/sso", form)

    assert saved.status_code == 303, saved.text
    [row] = db_rows(settings, select(IdentityProvider))
    assert CLIENT_SECRET not in row.client_secret_encrypted
    assert (
        decrypt(
            row.client_secret_encrypted,
            keys=settings.encryption_keys,
            secret_key=settings.secret_key,
        )
        == CLIENT_SECRET
    )
    shown = html(client.get("/orgs/other-org/admin/sso"))
    textarea = shown.find("textarea", name="role_map")
    assert "".join(c for c in textarea.children if isinstance(c, str)).split("\n") == [
        "vigil-admins = org_admin",
        "vigil-analysts = analyst",
    ]
    assert shown.find("input", name="client_secret").attrs.get("value") is None
    bad = submit(
        client,
        "/orgs/other-org/admin/sso",
        "/orgs/other-org/admin/sso",
        form | {"role_map": "vigil-admins = emperor"},
    )
    assert bad.status_code == 422
    client.cookies.clear()
    oidc_provider.set_account(
        "hal", email="hal@other.example", email_verified=True, groups=["vigil-admins"]
    )
    assert sign_in_through(client, oidc_provider, "other-org", "hal").status_code == 303
    assert _member_role(settings, "hal@other.example") == Role.org_admin.value
