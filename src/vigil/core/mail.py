"""Outgoing e-mail over SMTP, always sent from a job so a failed send is retried, not lost
(`send_email` is the job's handler, declared with core's part in core.domains).

Each message is written in its recipient's language (vigil.orgs.languages says which): its
words through `gettext_for(locale)`, its moments through `moment`, in their zone."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from typing import Any

from babel.core import UnknownLocaleError
from babel.dates import format_datetime
from sqlalchemy.orm import Session

from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.forms import valid_zone, zone_or_utc
from vigil.core.localisation import DEFAULT_LOCALE

SEND_EMAIL = "send_email"


def moment(value: dt.datetime, *, locale: str, zone: str) -> str:
    """A moment as a recipient reads it in a message: their locale's medium format, in their
    zone, named (a mail is read away from the page that would show the zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    tz = zone_or_utc(zone)
    name = zone if valid_zone(zone) else "UTC"
    try:
        shown = format_datetime(value, format="medium", tzinfo=tz, locale=locale)
    except (UnknownLocaleError, ValueError):
        shown = format_datetime(value, format="medium", tzinfo=tz, locale=DEFAULT_LOCALE)
    # CLDR's narrow no-break spaces ("7:00\u202fAM") do not survive every mail transport
    return f"{shown.replace(chr(0x202F), ' ')} ({name})"


def queue_email(
    session: Session, *, to: str, subject: str, text: str, html: str | None = None
) -> jobs.Job:
    payload: dict[str, Any] = {"to": to, "subject": subject, "text": text, "html": html}
    return jobs.enqueue(session, kind=SEND_EMAIL, payload=payload)


def build_message(settings: Settings, payload: dict[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    # e.g. an alert's idempotency key, the same on every attempt, so duplicates can be told apart
    for name, value in (payload.get("headers") or {}).items():
        message[name] = value
    message.set_content(payload["text"])
    if payload.get("html"):
        message.add_alternative(payload["html"], subtype="html")
    return message


def send_email(_session: Session, payload: dict[str, Any], settings: Settings) -> None:
    message = build_message(settings, payload)
    if settings.mail_backend == "directory":
        folder = settings.data_dir / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow().strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}.eml"
        (folder / name).write_bytes(message.as_bytes())
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
