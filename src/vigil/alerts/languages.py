"""An alert in the languages of those it reaches: one CAP `info` block per language.

When an alert is issued, every language its recipients read (site contacts of every priority,
members who subscribed, the organisations behind the webhooks: vigil.orgs.languages) gets a
block. The author's own language is the first block; a translation the composer gave is kept as
written; any other language gets a block of its own with what Vigil can say in it (the event
when it is one of Vigil's type labels) and the author's words for the rest, marked by two
parameters so a reader knows they were not translated:
`vigil:untranslated` (the CAP elements left as written, e.g. "headline description") and
`vigil:untranslated-language` (the language they are written in). The scales, categories and
responses are CAP codes, the same in every block: each reader's software words them.

A delivery (e-mail, webhook, the live banner) and the alert page show the block in their
reader's language, else the first one (`shown_in`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.cap import Info, ValuePair
from vigil.alerts.cap_details import details_of, store
from vigil.alerts.documents import first_info
from vigil.alerts.models import Alert, AlertSite, Subscription, Webhook
from vigil.core.localisation import DEFAULT_LOCALE, gettext_for
from vigil.incidents.typology import TYPE_LABELS
from vigil.orgs import languages as orgs_languages
from vigil.sites import service as sites_service

UNTRANSLATED = "vigil:untranslated"
WRITTEN_IN = "vigil:untranslated-language"
_MARKERS = (UNTRANSLATED, WRITTEN_IN)

# Events Vigil itself names (the incident types, long and short, as a signal prefills them),
# said in each language; any other event is the author's words.
EVENT_LABELS = {
    *TYPE_LABELS.values(),
    *(label.split(" (")[0] for label in TYPE_LABELS.values()),
    *(code.value.replace("_", " ").capitalize() for code in TYPE_LABELS),
}


def base(tag: str) -> str:
    """The language of a CAP tag or a locale, without its region: cs-CZ, cs_CZ, CS -> cs."""
    return tag.replace("_", "-").split("-")[0].lower()


def cap_language(locale: str) -> str:
    """A Vigil locale as CAP's `language` (RFC 3066): pt_BR -> pt-BR."""
    return locale.replace("_", "-")


def reader_locales(session: Session, alert: Alert, org_ids: set[int]) -> set[str]:
    """The languages of everyone an issued alert may reach at its sites (`org_ids`, their
    organisations): every contact of every priority (escalation reaches the next ones later),
    the members subscribed, and the organisations' webhooks (their default language)."""
    found: set[str] = set()
    contacts = sites_service.contact_owners()
    site_id = contacts.selected_columns.site_id
    by_org: dict[int | None, set[int]] = defaultdict(set)
    org_readers: set[int] = set(
        session.scalars(select(Webhook.org_id).where(Webhook.org_id.in_(org_ids), Webhook.active))
    )
    rows = session.execute(
        contacts.join(AlertSite, AlertSite.site_id == site_id).where(AlertSite.alert_id == alert.id)
    )
    for _site, owner, _contact, person_id in rows:
        if person_id is None:
            org_readers.add(owner)
        else:
            by_org[owner].add(person_id)
    # subscribers read as themselves (their first organisation's default), as their e-mail is
    # written (channels.email)
    by_org[None] = set(
        session.scalars(select(Subscription.person_id).where(Subscription.org_id.in_(org_ids)))
    )
    for org_id, people in by_org.items():
        readers = orgs_languages.recipient_readers(
            session=session, person_ids=people, org_id=org_id
        )
        found |= {r.locale for r in readers.values()}
    readers = orgs_languages.organisation_readers(session=session, org_ids=org_readers)
    return found | {r.locale for r in readers.values()}


def add_languages(alert: Alert, locales: set[str]) -> list[str]:
    """Give the alert a block in each of `locales` it does not speak yet (see the module
    docstring), in CAP order after the blocks it has; returns the languages added."""
    details = details_of(alert)
    spoken = {base(alert.language), *(base(b.language) for b in details.more_info)}
    wanted = sorted(
        {base(loc): loc for loc in locales if base(loc) not in spoken}.items(),
        key=lambda item: item[0],
    )
    if not wanted:
        return []
    first = first_info(alert, details)
    # its areas as received (the target replaces them when the CAP is written, `areas_for`)
    added = [
        in_language(first, loc).model_copy(update={"area": details.first.area}) for _, loc in wanted
    ]
    store(alert, details.model_copy(update={"more_info": [*details.more_info, *added]}))
    return [b.language for b in added]


def in_language(first: Info, locale: str) -> Info:
    """The first block for readers of `locale`: what Vigil can say in it, the author's words
    for the rest, marked."""
    _ = gettext_for(locale)
    event = _(first.event) if first.event in EVENT_LABELS else first.event
    left = [
        name
        for name, value in (
            ("event", first.event if event == first.event else ""),
            ("headline", first.headline),
            ("description", first.description),
            ("instruction", first.instruction),
            ("areaDesc", " ".join(a.area_desc for a in first.area)),
        )
        if value
    ]
    parameters = [p for p in first.parameter if p.value_name not in _MARKERS]
    if left:
        parameters += [
            ValuePair(value_name=UNTRANSLATED, value=" ".join(left)),
            ValuePair(value_name=WRITTEN_IN, value=first.language),
        ]
    return first.model_copy(
        update={"language": cap_language(locale), "event": event, "parameter": parameters}
    )


@dataclass(frozen=True)
class Shown:
    """The words of the block a reader is shown, and the CAP codes that go with them."""

    language: str  # CAP language of the block
    event: str
    headline: str
    description: str
    instruction: str
    area_desc: str
    urgency: str
    severity: str
    certainty: str
    response_types: list[str]
    untranslated: bool  # its words are not in the reader's language (or only partly)


def shown_in(alert: Alert, locale: str | None) -> Shown:
    """The alert as a reader of `locale` is shown it: the block in their language, else the
    first one."""
    wanted = base(locale or DEFAULT_LOCALE)
    if base(alert.language) != wanted:
        for block in details_of(alert).more_info:
            if base(block.language) == wanted:
                return _of_block(alert, block)
    return Shown(
        language=alert.language,
        event=alert.event,
        headline=alert.headline,
        description=alert.description,
        instruction=alert.instruction,
        area_desc=alert.area_desc,
        urgency=alert.urgency,
        severity=alert.severity,
        certainty=alert.certainty,
        response_types=alert.response_types.split(),
        untranslated=base(alert.language) != wanted,
    )


def _of_block(alert: Alert, block: Info) -> Shown:
    areas = " ".join(a.area_desc for a in block.area if a.area_desc)
    return Shown(
        language=block.language,
        event=block.event,
        headline=block.headline or "",
        description=block.description or "",
        instruction=block.instruction or "",
        area_desc=areas or alert.area_desc,
        urgency=block.urgency.value,
        severity=block.severity.value,
        certainty=block.certainty.value,
        response_types=[r.value for r in block.response_type],
        untranslated=any(p.value_name == UNTRANSLATED for p in block.parameter),
    )
