"""Who may read an incident made from reports: whoever the reports were shared with, and their
reporters.

A report names its recipients (organisations and people) and its TLP says what they may read;
its author reads it as its author. An incident made by triage is a new record, owned by the
organisation, written by the coordinator who made it: without this module, a RED report's
reporter (no coordinator, no longer the author) and an AMBER report's named recipients lost
sight of what their report became.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import Conflict
from vigil.core.policy import Principal
from vigil.incidents.models import Incident, Report
from vigil.incidents.schemas import ReportRecipients
from vigil.orgs import directory as orgs_directory
from vigil.orgs.recipients import Recipients, get_recipients, recipients_of, set_recipients


def shared_with(session: Session, reports: list[Report]) -> Recipients:
    """The union of the reports' recipients, organisations and people, and each report's author
    as a named person (named people may read at any TLP, DOMAIN.md)."""
    found = recipients_of(session, Report, [r.id for r in reports])
    orgs = {o for r in found.values() for o in r.organisation_ids}
    people = {p for r in found.values() for p in r.person_ids}
    people |= {r.author_id for r in reports if r.author_id is not None}
    return Recipients(organisation_ids=sorted(orgs), person_ids=sorted(people))


def _lacking(have: Recipients, wanted: Recipients) -> Recipients:
    return Recipients(
        organisation_ids=sorted(set(wanted.organisation_ids) - set(have.organisation_ids)),
        person_ids=sorted(set(wanted.person_ids) - set(have.person_ids)),
    )


def _add(session: Session, incident: Incident, extra: Recipients) -> Recipients:
    """Add `extra` to the incident's recipients; returns those it did not have yet."""
    have = get_recipients(session, incident)
    added = _lacking(have, extra)
    if added.organisation_ids or added.person_ids:
        set_recipients(
            session,
            incident,
            Recipients(
                organisation_ids=have.organisation_ids + added.organisation_ids,
                person_ids=have.person_ids + added.person_ids,
            ),
        )
    return added


def share_new_incident(session: Session, incident: Incident, reports: list[Report]) -> Recipients:
    """An incident made from reports is shared with the union of their recipients and with their
    reporters; its TLP is the reports' (the caller sets it). Returns who it is shared with."""
    return _add(session, incident, shared_with(session, reports))


def _names(session: Session, lacking: Recipients) -> str:
    orgs = orgs_directory.organisation_names(session=session, org_ids=lacking.organisation_ids)
    people = orgs_directory.person_names(session=session, person_ids=lacking.person_ids)
    return "; ".join(
        ", ".join(sorted(names)) for names in (list(orgs.values()), list(people.values())) if names
    )


def share_attached(
    session: Session,
    principal: Principal,
    incident: Incident,
    report: Report,
    choice: ReportRecipients | None,
) -> Recipients:
    """Attaching a report to an existing incident neither widens nor narrows its sharing
    silently.

    The report's author always becomes a named recipient of the incident: a reporter keeps
    sight of what their report became, and knows what it says. The report's other recipients
    are another matter, as the incident may hold more than this report: when the report is
    shared with organisations or people the incident is not, the coordinator must say whether
    to add them (`add`) or keep the incident's recipients as they are (`keep`, and those
    recipients then read the report but not the incident); without a choice the attach is
    refused (Conflict) naming them. The incident's TLP never changes here: loosening it is a
    coordinator's edit of the incident. The outcome is audited on the incident.
    """
    from_report = recipients_of(session, Report, [report.id])[report.id]
    lacking = _lacking(get_recipients(session, incident), from_report)
    if (lacking.organisation_ids or lacking.person_ids) and choice is None:
        raise Conflict(
            "Report #%(report)s is shared with recipients incident #%(incident)s is not shared "
            "with (%(names)s): choose to add them to the incident or to keep the incident's "
            "recipients.",
            report=report.id,
            incident=incident.id,
            names=_names(session, lacking),
        )
    wanted = Recipients(person_ids=[] if report.author_id is None else [report.author_id])
    if choice == ReportRecipients.add:
        wanted = Recipients(
            organisation_ids=from_report.organisation_ids,
            person_ids=sorted(set(wanted.person_ids) | set(from_report.person_ids)),
        )
    added = _add(session, incident, wanted)
    audit.log_action(
        session,
        principal,
        "incident.attach",
        target_type="incidents",
        target_id=incident.id,
        org_id=incident.owner_org_id,
        detail={
            "report": report.id,
            "report_recipients": choice.value if choice else None,
            "shared_with": added.model_dump(),
        },
    )
    return added
