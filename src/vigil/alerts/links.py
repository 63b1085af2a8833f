"""Answer links in alert e-mails, signed by core.signed_links: one delivery's link, valid until
its alert expires, so an old e-mail cannot change the board of an alert that is over. An alert
sent without an expiry gives its links ANSWER_LINK_DEFAULT_DAYS from sending: long enough for an
alert that stands over a long weekend, short enough that a forgotten e-mail stops answering."""

from __future__ import annotations

import datetime as dt

from vigil.alerts.models import Alert
from vigil.core.db import utcnow
from vigil.core.signed_links import LinkRefused, Refusal, sign, verify

PURPOSE = "alert"
ANSWER_LINK_DEFAULT_DAYS = 7
MAX_ID_DIGITS = 18  # beyond any id the database hands out


def link_expiry(alert: Alert) -> dt.datetime:
    if alert.expires is not None:
        return alert.expires
    return (alert.sent_at or utcnow()) + dt.timedelta(days=ANSWER_LINK_DEFAULT_DAYS)


def answer_url(public_url: str, secret: str, delivery_id: int, alert: Alert) -> str:
    return f"{public_url}/alerts/ack/{answer_token(secret, delivery_id, alert)}"


def answer_token(secret: str, delivery_id: int, alert: Alert) -> str:
    return sign(
        secret=secret, purpose=PURPOSE, subject=str(delivery_id), expires=link_expiry(alert)
    )


def delivery_id_of(secret: str, token: str) -> int:
    """The delivery a link was made for, if its signature holds and it has not expired."""
    subject = verify(secret=secret, token=token, purpose=PURPOSE).subject
    if not subject.isdigit() or len(subject) > MAX_ID_DIGITS:
        raise LinkRefused(Refusal.unknown)
    return int(subject)
