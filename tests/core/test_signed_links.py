"""The one signed-link format of every e-mailed link: what it opens, for what, until when, and
why it refuses (the routes of each kind are tested with their domain)."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.core.signed_links import LinkRefused, Refusal, sign, verify

SECRET = "a-secret-key-long-enough-for-the-tests-0123456789"
NOW = dt.datetime(2026, 3, 1, 14, 2, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=2)


def _refused(
    token: str, purpose: str = "alert", secret: str = SECRET, now: dt.datetime = NOW
) -> LinkRefused:
    with pytest.raises(LinkRefused) as caught:
        verify(secret=secret, token=token, purpose=purpose, now=now)
    return caught.value


def test_a_link_opens_its_subject_until_its_expiry() -> None:
    token = sign(secret=SECRET, purpose="alert", subject="42", expires=LATER)

    link = verify(secret=SECRET, token=token, purpose="alert", now=NOW)

    assert (link.purpose, link.subject, link.expires) == ("alert", "42", LATER)
    at_expiry = _refused(token, now=LATER)
    assert (at_expiry.reason, at_expiry.at, at_expiry.status) == (Refusal.expired, LATER, 410)


def test_a_tampered_expiry_subject_or_purpose_breaks_the_signature() -> None:
    expired = sign(secret=SECRET, purpose="alert", subject="42", expires=NOW - dt.timedelta(1))
    purpose, subject, seconds, signature = expired.split(".")
    later = str(int(LATER.timestamp()) + 86400)

    for changed in (
        f"{purpose}.{subject}.{later}.{signature}",
        f"{purpose}.43.{seconds}.{signature}",
        f"invite.{subject}.{seconds}.{signature}",
        f"{purpose}.{subject}.{seconds}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
    ):
        refused = _refused(changed)
        assert (refused.reason, refused.status) == (Refusal.bad_signature, 404)
    assert _refused(expired, secret=SECRET + "x").reason == Refusal.bad_signature
    assert _refused(expired).reason == Refusal.expired


def test_a_real_link_of_another_kind_is_refused_as_the_wrong_purpose() -> None:
    invitation = sign(secret=SECRET, purpose="invite", subject="42", expires=LATER)

    refused = _refused(invitation, purpose="reset")

    assert (refused.reason, refused.status) == (Refusal.wrong_purpose, 404)


@pytest.mark.parametrize(
    "token",
    [
        "17.0123456789abcdef0123456789abcdef01234567",  # an alert link before links expired
        "17-1767225600-AbCdEfGhIjKlMnOpQrStUvWx",  # a roll-call link of the old format
        "u1ZkX0f3pWQYl8w6c0n2ZgK3s9YQm1Hq7v4b2Xy0aBc",  # an invitation or reset secret alone
        "",
        "alert.42.1767225600",
        "alert.4 2.1767225600." + "A" * 32,
        "alert.42.1767225600." + "é" * 32,
    ],
)
def test_old_and_broken_links_are_refused_as_gone_without_a_crash(token: str) -> None:
    refused = _refused(token)

    assert (refused.reason, refused.status) == (Refusal.malformed, 410)
    assert "ask for a new one" in refused.detail


def test_a_subject_that_cannot_travel_in_a_link_is_not_signed() -> None:
    for subject in ("4.2", "", "a/b", "x" * 129):
        with pytest.raises(ValueError):
            sign(secret=SECRET, purpose="alert", subject=subject, expires=LATER)
