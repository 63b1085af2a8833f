"""E-mail channel: plain text and HTML through vigil.core.mail, with a signed link to answer
"received", "acting" or "need help" in one click from the message (not in a Cancel's: see
`render`)."""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.cap import MsgType, Status
from vigil.alerts.channels import Channel, Claimed, Gone, register
from vigil.alerts.labels import cap_word, cap_words
from vigil.alerts.languages import shown_in
from vigil.alerts.links import answer_url, link_expiry
from vigil.alerts.models import Alert
from vigil.core import mail
from vigil.core.config import Settings
from vigil.core.localisation import gettext_for
from vigil.core.mail import moment
from vigil.orgs import directory as orgs_directory
from vigil.orgs import languages as orgs_languages
from vigil.orgs.languages import Reader
from vigil.sites import directory as sites_directory
from vigil.sites import service as sites_service


@dataclass(frozen=True)
class Prepared:
    payload: dict[str, Any]


def not_real(alert: Alert, locale: str) -> tuple[str, str]:
    """The subject's tag and the first sentence of a Test or Exercise alert ("" for a real
    one), in the recipient's language."""
    _ = gettext_for(locale)
    if alert.cap_status == Status.test.value:
        return _("[TEST]"), _(
            "TEST: not a real alert. It only checks that alerts reach you: nothing to do."
        )
    if alert.cap_status == Status.exercise.value:
        return _("[EXERCISE]"), _(
            "EXERCISE: not a real alert. Act on it as your exercise plan says."
        )
    return "", ""


def render(
    alert: Alert,
    *,
    reader: Reader,
    site_name: str | None,
    link: str | None,
    key: str,
    cancelled: Alert | None = None,
) -> dict[str, str]:
    """Subject, text and HTML of one alert e-mail in the recipient's language and zone: the
    alert's block in that language, else its first (alerts.languages), said to be real or not,
    then what to do, with the CAP codes in the words the pages use (alerts.labels).

    A Cancel (`cancelled` is the alert it cancels) says first that the earlier alert is
    cancelled, and carries no answer link: it asks for no action, and nothing in the delivery
    model needs an answer to it (a delivery is done once the mail server takes it, and Cancel
    messages never escalate, fanout.escalate_due), while a "received" link would only invite
    answers the board cannot use. Its instruction shows only when the sender gave a new one:
    a Cancel carries the cancelled alert's text otherwise, which must not read as "do this now".
    """
    _ = gettext_for(reader.locale)
    shown = shown_in(alert, reader.locale)
    is_cancel = alert.msg_type == MsgType.cancel.value
    title = shown.headline or shown.event
    tag, warning = not_real(alert, reader.locale)
    notice, instruction, description = "", shown.instruction, shown.description
    facts: list[tuple[str, str]] = []  # (label, text) lines under the title
    if site_name:
        facts.append((_("For:"), site_name))
    facts.append((_("Area:"), shown.area_desc))
    if is_cancel:
        kind = _("Cancelled: %(title)s") % {"title": title}
        sent = cancelled.sent_at if cancelled is not None else None
        notice = (
            _("CANCELLED: the alert below, sent at %(time)s, is cancelled. No answer is needed.")
            % {"time": moment(sent, locale=reader.locale, zone=reader.zone)}
            if sent
            else _("CANCELLED: the alert below is cancelled. No answer is needed.")
        )
        if cancelled is not None and instruction == shown_in(cancelled, reader.locale).instruction:
            instruction = ""
        description = ""
    else:
        kind = f"{cap_word('severity', shown.severity, _)} - {title}"
        if alert.msg_type == MsgType.update.value:
            kind = _("Update: %(alert)s") % {"alert": kind}
        facts += [
            (_("Severity:"), cap_words("severity", shown.severity, _)),
            (_("Urgency:"), cap_words("urgency", shown.urgency, _)),
            (_("Certainty:"), cap_words("certainty", shown.certainty, _)),
        ]
    responses = [cap_words("response", r, _) for r in shown.response_types]
    if responses:
        facts.append((_("Response:"), "; ".join(responses)))
    subject = " ".join(t for t in (tag, _("[Vigil alert]"), kind) if t)
    until = moment(link_expiry(alert), locale=reader.locale, zone=reader.zone)
    what_to_do, reference = _("What to do now"), _("Reference:")

    first = [line for line in (warning, notice) if line]
    lines = [*first, "", title, ""] if first else [title, ""]
    lines += [f"{label} {text}" for label, text in facts]
    if instruction:
        lines += ["", f"{what_to_do}:", instruction]
    if description:
        lines += ["", description]
    if link:
        answer = _("Answer (received, acting, need help) until %(time)s:") % {"time": until}
        lines += ["", f"{answer} {link}"]
    lines += ["", f"{reference} {key}"]

    esc = html.escape
    lang = f' lang="{esc(shown.language)}"'  # the words are the author's, in this language
    parts = [f"<p><strong>{esc(line)}</strong></p>" for line in first]
    parts.append(f"<h1{lang}>{esc(title)}</h1>")
    parts.append("<p>" + "<br>".join(f"{esc(la)} {esc(te)}" for la, te in facts) + "</p>")
    if instruction:
        parts.append(f"<h2>{esc(what_to_do)}</h2><p{lang}>{esc(instruction)}</p>")
    if description:
        parts.append(f"<p{lang}>{esc(description)}</p>")
    if link:
        words = _("Answer: received, acting or need help")
        until_words = _("until %(time)s") % {"time": until}
        parts.append(f'<p><a href="{esc(link)}">{esc(words)}</a> ({esc(until_words)})</p>')
    parts.append(f"<p><small>{esc(reference)} {esc(key)}</small></p>")
    return {"subject": subject, "text": "\n".join(lines), "html": "\n".join(parts)}


def _readers(session: Session, batch: list[Claimed]) -> dict[int, Reader]:
    """How the recipient of each delivery reads it: a contact who is a member as that person
    (their site's organisation as the context), any other contact as their site's
    organisation, a subscribed member as themselves (orgs.languages)."""
    contacts = sites_service.contact_owners()
    contact_id = contacts.selected_columns.id
    wanted = {d.contact_id for d in batch if d.contact_id is not None}
    owners: dict[int, tuple[int, int | None]] = {}
    if wanted:
        rows = session.execute(contacts.where(contact_id.in_(wanted)))
        owners = {contact: (owner, person) for _site, owner, contact, person in rows}
    by_org: dict[int | None, set[int]] = defaultdict(set)
    for owner, person in owners.values():
        if person is not None:
            by_org[owner].add(person)
    by_org[None] |= {d.person_id for d in batch if d.person_id is not None}
    people = {
        (org_id, person_id): reader
        for org_id, person_ids in by_org.items()
        for person_id, reader in orgs_languages.recipient_readers(
            session=session, person_ids=person_ids, org_id=org_id
        ).items()
    }
    orgs = orgs_languages.organisation_readers(
        session=session, org_ids={owner for owner, _ in owners.values()}
    )
    found: dict[int, Reader] = {}
    for d in batch:
        if d.contact_id is not None and d.contact_id in owners:
            owner, person = owners[d.contact_id]
            found[d.id] = people[(owner, person)] if person is not None else orgs[owner]
        elif d.person_id is not None and (None, d.person_id) in people:
            found[d.id] = people[(None, d.person_id)]
    return found


class EmailChannel:
    name = "email"

    def prepare(
        self, session: Session, settings: Settings, batch: list[Claimed]
    ) -> dict[int, Prepared | Gone]:
        alerts = {
            a.id: a
            for a in session.scalars(select(Alert).where(Alert.id.in_({d.alert_id for d in batch})))
        }
        replaced = {a.replaces_id for a in alerts.values() if a.replaces_id is not None}
        earlier = {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(replaced)))}
        contact_ids = {d.contact_id for d in batch if d.contact_id is not None}
        where = sites_service.contact_places(session=session, contact_ids=contact_ids)
        contacts = sites_service.delivery_contacts(
            session=session, settings=settings, site_ids=sorted({s for s, _ in where.values()})
        )
        by_place = {(c.site_id, c.priority): c.email for cs in contacts.values() for c in cs}
        people = orgs_directory.active_emails(
            session=session, person_ids={d.person_id for d in batch if d.person_id is not None}
        )
        labels = sites_directory.site_labels(
            session=session, site_ids={d.site_id for d in batch if d.site_id is not None}
        )
        site_names = {site_id: label.name for site_id, label in labels.items()}
        readers = _readers(session, batch)
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
            is_cancel = alert.msg_type == MsgType.cancel.value
            link = (
                None
                if is_cancel
                else answer_url(settings.public_url, settings.secret_key, d.id, alert)
            )
            content = render(
                alert,
                reader=readers.get(d.id, orgs_languages.ENGLISH),
                site_name=site_names.get(d.site_id or 0),
                link=link,
                key=d.idempotency_key,
                cancelled=earlier.get(alert.replaces_id or 0) if is_cancel else None,
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
