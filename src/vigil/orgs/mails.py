"""The e-mails the organisations domain sends (a password reset link, an invitation), each
composed in its recipient's language and zone (orgs.languages) and queued through core.mail.
Kept apart from the flows that send them so their words are in one place."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from vigil.core import mail
from vigil.core.localisation import gettext_for
from vigil.orgs import languages


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Mark a message for translation where it is shown, not where it is written."""
    return message


# The same words the pages use for a role (macros.html role_label).
ROLE_WORDS = {
    "viewer": N_("Viewer"),
    "reporter": N_("Reporter"),
    "analyst": N_("Analyst"),
    "coordinator": N_("Coordinator"),
    "org_admin": N_("Organisation admin"),
}


def queue_reset_mail(
    session: Session, *, person_id: int, to: str, link: str, expires: dt.datetime, hours: int
) -> None:
    """The reset link, in the person's language, with its expiry in their zone."""
    reader = languages.recipient_reader(session=session, person_id=person_id)
    _ = gettext_for(reader.locale)
    words = {"hours": hours, "time": mail.moment(expires, locale=reader.locale, zone=reader.zone)}
    mail.queue_email(
        session,
        to=to,
        subject=_("Reset your password") + " · Vigil",
        text="\n\n".join(
            (
                _("Someone asked to reset the password of your Vigil account."),
                _("Choose a new password by %(time)s (within %(hours)s hours):") % words
                + f"\n{link}",
                _("If it was not you, ignore this e-mail; your password stays as it is."),
            )
        ),
    )


def queue_invitation_mail(
    session: Session,
    *,
    org_id: int,
    org_name: str,
    inviter: str,
    role: str,
    to: str,
    link: str,
    expires: dt.datetime,
) -> None:
    """The invitation, in the invitee's language: theirs if the address has an account, else
    the inviting organisation's default."""
    reader = languages.address_reader(session=session, email=to, org_id=org_id)
    _ = gettext_for(reader.locale)
    words = {
        "org": org_name,
        "name": inviter,
        "role": _(ROLE_WORDS.get(role, role)),
        "email": to,
        "time": mail.moment(expires, locale=reader.locale, zone=reader.zone),
    }
    mail.queue_email(
        session,
        to=to,
        subject=_("Join %(org)s") % words + " · Vigil",
        text="\n\n".join(
            (
                _("%(name)s invited you to join %(org)s on Vigil.") % words,
                _("You are invited as %(role)s, with the e-mail address %(email)s.") % words,
                _("Accept the invitation by %(time)s:") % words + f"\n{link}",
                _("If you did not expect this, ignore this e-mail."),
            )
        ),
    )
