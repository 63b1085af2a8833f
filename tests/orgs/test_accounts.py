"""Sign-in through the API: throttling, no enumeration, tokens stored hashed, TOTP, passwords."""

from __future__ import annotations

import hashlib

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.orgs.factories import PASSWORD, make_org, make_person
from vigil.core import audit
from vigil.core.auth import LoginAttempt
from vigil.core.config import Settings
from vigil.core.crypto import decrypt
from vigil.core.db import get_engine, transaction
from vigil.core.errors import Invalid
from vigil.orgs import accounts, passwords, second_factor
from vigil.orgs.links import RESET_LINK, new_link
from vigil.orgs.models import ApiToken, PasswordReset, Person

TOKEN_URL = "/api/v1/auth/token"


def _login(client: TestClient, email: str, password: str) -> int:
    return client.post(TOKEN_URL, json={"email": email, "password": password}).status_code


def _person(committed: Session, settings: Settings, email: str) -> Person:
    person = make_person(committed, settings, org=make_org(committed), email=email)
    committed.commit()
    return person


def test_address_waits_after_five_failures_even_with_the_right_password(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _person(committed, settings, "target@example.org")
    for _ in range(settings.login_max_failures):
        assert _login(client, "target@example.org", "wrong password guess") == 401

    response = client.post(TOKEN_URL, json={"email": "target@example.org", "password": PASSWORD})

    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= settings.login_delay_seconds
    assert response.headers["content-type"] == "application/problem+json"
    assert "token" not in response.json()


def test_fewer_failures_than_the_limit_do_not_block(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _person(committed, settings, "typo@example.org")
    for _ in range(settings.login_max_failures - 1):
        assert _login(client, "typo@example.org", "fat fingers") == 401

    assert _login(client, "typo@example.org", PASSWORD) == 201


def test_failed_login_is_audited_and_counted_although_the_request_fails(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _person(committed, settings, "audited@example.org")

    assert _login(client, "audited@example.org", "wrong password guess") == 401

    with transaction(settings.sqlalchemy_url) as session:
        failures = session.scalars(
            select(audit.AuditEntry).where(audit.AuditEntry.action == "login.failure")
        ).all()
        attempts = session.scalar(select(func.count()).where(LoginAttempt.succeeded.is_(False)))
        sealed = session.scalar(
            select(func.count())
            .select_from(audit.AuditSeal)
            .where(audit.AuditSeal.entry_id == failures[0].id)
        )
    assert len(failures) == 1
    assert failures[0].ip == "testclient"
    assert attempts == 1
    assert sealed == 1, "the failure is in the hash chain, not only in the table"


def test_unknown_email_and_wrong_password_get_the_same_answer(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _person(committed, settings, "exists@example.org")

    wrong = client.post(TOKEN_URL, json={"email": "exists@example.org", "password": "nope nope"})
    unknown = client.post(TOKEN_URL, json={"email": "absent@example.org", "password": "nope nope"})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["content-type"] == unknown.headers["content-type"]
    assert "password" in wrong.json()["detail"]


def test_token_is_shown_once_and_stored_only_as_its_sha256(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _person(committed, settings, "tokens@example.org")

    created = client.post(TOKEN_URL, json={"email": "tokens@example.org", "password": PASSWORD})

    assert created.status_code == 201
    secret = created.json()["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    listed = client.get("/api/v1/tokens", headers=headers)
    assert listed.status_code == 200
    assert secret not in listed.text
    with get_engine(settings.sqlalchemy_url).connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1
    assert not any(secret in str(value) for value in rows[0])
    with transaction(settings.sqlalchemy_url) as session:
        stored = session.scalars(select(ApiToken.token_hash)).one()
    assert stored == hashlib.sha256(secret.encode()).hexdigest()


def test_revoked_token_is_refused(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _person(committed, settings, "revoke@example.org")
    created = client.post(TOKEN_URL, json={"email": "revoke@example.org", "password": PASSWORD})
    token_id, secret = created.json()["id"], created.json()["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 204

    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_unknown_bearer_token_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer vgl_made-up"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pass", "at least 12 characters"),
        ("x" * 129, "at most 128 characters"),
        ("password1234", "too common"),
        ("abababababab", "too common or too simple"),
        ("my name is policytest ok", "must not contain your e-mail"),
    ],
)
def test_password_policy_names_the_field(
    session: Session, settings: Settings, password: str, reason: str
) -> None:
    with pytest.raises(Invalid) as caught:
        accounts.create_person(
            session=session,
            settings=settings,
            email="policytest@example.org",
            name="Policy",
            password=password,
        )

    assert caught.value.status == 422
    assert caught.value.errors() == [{"field": "password", "message": caught.value.reason}]
    assert reason in caught.value.reason
    assert accounts.person_by_email(session, "policytest@example.org") is None


def test_password_reset_applies_the_policy_too(session: Session, settings: Settings) -> None:
    person = make_person(session, settings)
    passwords.request_password_reset(session=session, settings=settings, email=person.email)
    # The link's token is only in the e-mail; swap in one we know for this service test.
    reset = session.scalars(select(PasswordReset)).one()
    token, reset.token_hash = new_link(
        secret_key=settings.secret_key, purpose=RESET_LINK, expires=reset.expires_at
    )

    with pytest.raises(Invalid) as caught:
        passwords.complete_password_reset(
            session=session, settings=settings, token=token, password="short"
        )

    assert caught.value.field == "password"


def _enrol_totp(committed: Session, settings: Settings, person: Person) -> str:
    uri = second_factor.start_totp_enrolment(
        session=committed, settings=settings, person_id=person.id
    )
    secret = pyotp.parse_uri(uri).secret
    second_factor.confirm_totp(
        session=committed, settings=settings, person_id=person.id, code=pyotp.TOTP(secret).now()
    )
    committed.commit()
    return str(secret)


def test_totp_is_required_once_enrolled(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = _person(committed, settings, "totp@example.org")
    secret = _enrol_totp(committed, settings, person)

    without = client.post(TOKEN_URL, json={"email": "totp@example.org", "password": PASSWORD})
    wrong = client.post(
        TOKEN_URL,
        json={"email": "totp@example.org", "password": PASSWORD, "totp_code": "000000"},
    )
    right = client.post(
        TOKEN_URL,
        json={
            "email": "totp@example.org",
            "password": PASSWORD,
            "totp_code": pyotp.TOTP(secret).now(),
        },
    )

    assert without.status_code == 401
    assert "token" not in without.json()
    assert wrong.status_code == 401
    assert right.status_code == 201
    assert right.json()["token"]


def test_totp_secret_is_stored_encrypted(committed: Session, settings: Settings) -> None:
    person = _person(committed, settings, "secret@example.org")

    secret = _enrol_totp(committed, settings, person)

    with get_engine(settings.sqlalchemy_url).connect() as conn:
        stored = conn.scalar(
            text("SELECT totp_secret_encrypted FROM people WHERE id = :id"), {"id": person.id}
        )
    assert stored
    assert secret not in stored
    assert decrypt(stored, keys=settings.encryption_keys, secret_key=settings.secret_key) == secret


def test_wrong_totp_codes_count_towards_the_throttle(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = _person(committed, settings, "totp-guess@example.org")
    secret = _enrol_totp(committed, settings, person)
    for _ in range(settings.login_max_failures):
        code = client.post(
            TOKEN_URL,
            json={"email": "totp-guess@example.org", "password": PASSWORD, "totp_code": "123456"},
        ).status_code
        assert code == 401

    response = client.post(
        TOKEN_URL,
        json={
            "email": "totp-guess@example.org",
            "password": PASSWORD,
            "totp_code": pyotp.TOTP(secret).now(),
        },
    )

    assert response.status_code == 429


def test_password_without_the_second_factor_is_not_a_sign_in(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    person = make_person(committed, settings, org=org)
    second_factor.start_totp_enrolment(session=committed, settings=settings, person_id=person.id)
    committed.commit()
    committed.refresh(person)
    secret = decrypt(
        person.totp_secret_encrypted or "",
        keys=settings.encryption_keys,
        secret_key=settings.secret_key,
    )
    second_factor.confirm_totp(
        session=committed, settings=settings, person_id=person.id, code=pyotp.TOTP(secret).now()
    )
    committed.commit()

    response = client.post(
        "/api/v1/auth/token",
        json={"email": person.email, "password": PASSWORD, "totp_code": "000000"},
    )

    assert response.status_code == 401
    actions = committed.scalars(
        select(audit.AuditEntry.action).where(audit.AuditEntry.target_id == str(person.id))
    ).all()
    assert "login.success" not in actions
    assert {"login.password_ok", "login.totp_failure"} <= set(actions)
    committed.refresh(person)
    assert person.last_login_at is None
