"""E-mail channel: plain text and HTML through vigil.core.mail, with a signed link to answer
"received", "acting" or "need help" in one click from the message."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.cap import Status
from vigil.alerts.channels import Channel, Claimed, Gone, register
from vigil.alerts.links import answer_url, link_expiry
from vigil.alerts.models import Alert
from vigil.core import mail
from vigil.core.config import Settings
from vigil.core.pages import DEFAULT_LOCALE, gettext_for
from vigil.orgs.models import Person
from vigil.sites.contacts import delivery_contacts
from vigil.sites.models import Site, SiteContact


@dataclass(frozen=True)
class Prepared:
    payload: dict[str, Any]


def not_real(alert: Alert) -> tuple[str, str]:
    """The subject's tag and the first sentence of a Test or Exercise alert ("" for a real
    one), in the alert's own language (CAP `language`, e.g. de-AT), that of its text."""
    _ = gettext_for(alert.language.split("-")[0].lower() or DEFAULT_LOCALE)
    if alert.cap_status == Status.test.value:
        return _("[TEST]"), _(
            "TEST: not a real alert. It only checks that alerts reach you: nothing to do."
        )
    if alert.cap_status == Status.exercise.value:
        return _("[EXERCISE]"), _(
            "EXERCISE: not a real alert. Act on it as your exercise plan says."
        )
    return "", ""


def render(alert: Alert, *, site_name: str | None, link: str, key: str) -> dict[str, str]:
    """Subject, text and HTML of one alert e-mail: whether it is real, then what to do."""
    kind = {"Update": "Update: ", "Cancel": "Cancelled: "}.get(alert.msg_type, "")
    title = alert.headline or alert.event
    tag, warning = not_real(alert)
    subject = f"{tag + ' ' if tag else ''}[Vigil alert] {kind}{alert.severity} - {title}"
    lines = [warning, "", title, ""] if warning else [title, ""]
    if site_name:
        lines.append(f"For: {site_name}")
    lines += [f"Area: {alert.area_desc}", f"Severity: {alert.severity}, urgency: {alert.urgency}"]
    if alert.instruction:
        lines += ["", "What to do now:", alert.instruction]
    if alert.description:
        lines += ["", alert.description]
    until = f"{link_expiry(alert):%Y-%m-%d %H:%M} UTC"
    lines += ["", f"Answer (received, acting, need help) until {until}: {link}"]
    lines += ["", f"Reference: {key}"]
    esc = html.escape
    parts = [f"<p><strong>{esc(warning)}</strong></p>"] if warning else []
    parts.append(f"<h1>{esc(title)}</h1>")
    if site_name:
        parts.append(f"<p>For: {esc(site_name)}</p>")
    parts.append(f"<p>Area: {esc(alert.area_desc)}<br>Severity: {esc(alert.severity)}</p>")
    if alert.instruction:
        parts.append(f"<h2>What to do now</h2><p>{esc(alert.instruction)}</p>")
    if alert.description:
        parts.append(f"<p>{esc(alert.description)}</p>")
    parts.append(
        f'<p><a href="{esc(link)}">Answer: received, acting or need help</a> (until {until})</p>'
    )
    parts.append(f"<p><small>Reference: {esc(key)}</small></p>")
    return {"subject": subject, "text": "\n".join(lines), "html": "\n".join(parts)}


class EmailChannel:
    name = "email"

    def prepare(
        self, session: Session, settings: Settings, batch: list[Claimed]
    ) -> dict[int, Prepared | Gone]:
        alerts = {
            a.id: a
            for a in session.scalars(select(Alert).where(Alert.id.in_({d.alert_id for d in batch})))
        }
        contact_ids = {d.contact_id for d in batch if d.contact_id is not None}
        where = {
            cid: (site_id, priority)
            for cid, site_id, priority in session.execute(
                select(SiteContact.id, SiteContact.site_id, SiteContact.priority).where(
                    SiteContact.id.in_(contact_ids)
                )
            )
        }
        contacts = delivery_contacts(
            session=session, settings=settings, site_ids=sorted({s for s, _ in where.values()})
        )
        by_place = {(c.site_id, c.priority): c.email for cs in contacts.values() for c in cs}
        people = dict(
            session.execute(
                select(Person.id, Person.email).where(
                    Person.id.in_({d.person_id for d in batch if d.person_id is not None}),
                    Person.is_active.is_(True),
                )
            ).all()
        )
        site_names = dict(
            session.execute(
                select(Site.id, Site.name).where(
                    Site.id.in_({d.site_id for d in batch if d.site_id is not None})
                )
            ).all()
        )
        found: dict[int, Prepared | Gone] = {}
        for d in batch:
            if d.contact_id is not None:
                place = where.get(d.contact_id)
                address = by_place.get(place) if place else None
            else:
                address = people.get(d.person_id or 0)
            if not address:
                found[d.id] = Gone("the recipient or their e-mail address was removed")
                continue
            alert = alerts[d.alert_id]
            link = answer_url(settings.public_url, settings.secret_key, d.id, alert)
            content = render(
                alert,
                site_name=site_names.get(d.site_id or 0),
                link=link,
                key=d.idempotency_key,
            )
            headers = {
                "X-Vigil-Idempotency-Key": d.idempotency_key,
                "Message-ID": f"<{d.idempotency_key}@vigil.alerts>",
            }
            found[d.id] = Prepared(payload={"to": address, **content, "headers": headers})
        return found

    def send(self, prepared: Any, settings: Settings) -> None:
        assert isinstance(prepared, Prepared)
        mail.send_email(None, prepared.payload, settings)  # type: ignore[arg-type]


CHANNEL: Channel = register(EmailChannel())
