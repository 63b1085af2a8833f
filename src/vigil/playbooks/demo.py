"""Demonstration responses for `vigil demo load` (DECISIONS 25), at Berlin's Synagogue
Rykestrasse, a site of the Jewish Community Security Berlin:

- a bomb threat five weeks ago, closed: the playbook worked through, its full timeline, a
  roll-call of the site's contacts where everyone answered, every reopening criterion met (so
  time-to-routine is recorded) and an after-action review whose actions became site measures;
- a suspicious item half an hour ago, still running, so the incident room is alive after
  `make run`: first-minutes tasks done (one late, its coordinator already e-mailed), stabilise
  tasks under way, a roll-call with people still to answer.

Both are written with the times they happened at (the timeline is append-only, so it cannot be
back-dated afterwards); no job is left that would send e-mail when the demo starts.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.assessments.schemas import MeasureCreate
from vigil.assessments.site_measures import add_measure, site_measures
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.domains import DemoData
from vigil.core.localised import text_in
from vigil.core.policy import Principal, Role
from vigil.incidents import demo as incidents_demo
from vigil.playbooks import service, versions
from vigil.playbooks.models import (
    Activation,
    AfterActionReview,
    ReopeningState,
    ReviewAction,
    RollCall,
    RollCallEntry,
    Task,
    TimelineEntry,
)
from vigil.sites import demo as sites_demo
from vigil.sites import service as sites_service

if TYPE_CHECKING:
    from vigil.incidents.models import Incident
    from vigil.sites.models import Site

SITE_NAME = "Synagogue Rykestrasse"
MINUTE = dt.timedelta(minutes=1)


class _Writer:
    """Writes one incident's response with explicit times, as it happened."""

    def __init__(self, session: Session, incident: Incident, who: tuple[int, str]) -> None:
        self.session, self.incident, self.who = session, incident, who

    def entry(
        self,
        at: dt.datetime,
        kind: str,
        text: str,
        *,
        source: str = "page",
        task_id: int | None = None,
        author: str | None = None,
    ) -> None:
        self.session.add(
            TimelineEntry(
                incident_id=self.incident.id,
                at=at,
                recorded_at=at,
                kind=kind,
                author_id=None if author is not None else self.who[0],
                author_name=author if author is not None else self.who[1],
                source=source,
                text=text,
                task_id=task_id,
            )
        )

    def activate(self, code: str, at: dt.datetime) -> tuple[Activation, list[Task]]:
        chosen = versions.resolve_template(
            session=self.session, org_id=self.incident.owner_org_id, code=code, org_version=None
        )
        activation = service.new_activation(self.incident, chosen, self.who[0], at)
        self.session.add(activation)
        self.session.flush()
        tasks = service.add_plan(self.session, activation, chosen.template, at)
        self.session.flush()
        self.entry(
            at,
            "activation",
            f"Playbook activated: {text_in(chosen.template.title)} (version {chosen.version})",
        )
        return activation, tasks

    def finish(self, task: Task, at: dt.datetime, status: str = "done") -> None:
        task.status, task.version, task.updated_at = status, task.version + 1, at
        if status == "done":
            task.completed_at, task.completed_by = at, self.who[0]
        word = {"done": "done", "doing": "in progress"}[status]
        self.entry(at, "task", f"Task “{task.title}”: {word}", task_id=task.id)

    def roll_call(
        self, site_id: int, at: dt.datetime, settings: Settings, answers: list[str | None]
    ) -> None:
        roll_call = RollCall(
            incident_id=self.incident.id, site_id=site_id, started_by=self.who[0], started_at=at
        )
        self.session.add(roll_call)
        self.session.flush()
        self.entry(at, "roll_call", "Roll-call started: who is safe?")
        contacts = sites_service.delivery_contacts(
            session=self.session, settings=settings, site_ids=[site_id]
        )
        words = {"safe": "safe", "need_help": "needs help", "not_on_site": "not on site"}
        for n, contact in enumerate(contacts[site_id]):
            answer = answers[n] if n < len(answers) else None
            when = at + (3 + 2 * n) * MINUTE
            via = "link" if n % 2 == 0 else "phone"
            self.session.add(
                RollCallEntry(
                    roll_call_id=roll_call.id,
                    contact_priority=contact.priority,
                    name=contact.name,
                    answer=answer,
                    via=via if answer else None,
                    answered_by=None if via == "link" or not answer else self.who[0],
                    answered_at=when if answer else None,
                )
            )
            if answer:
                by = "" if via == "link" else " (recorded)"
                self.entry(
                    when,
                    "roll_call",
                    f"{contact.name}: {words[answer]} — by {via}{by}",
                    source=via,
                    author=contact.name if via == "link" else None,
                )


def _coordinator(ids: dict[str, int], people: dict[str, int]) -> Principal:
    return Principal(
        person_id=people["coordinator@jcs-berlin.example"],
        roles={ids["jcs-berlin"]: Role.coordinator},
        acting_org_id=ids["jcs-berlin"],
        name="Miriam Koch",
    )


def _incident(session: Session, site: Site, author: int, **fields: object) -> Incident:
    return incidents_demo.add_demo_incident(
        session=session,
        owner_org_id=site.owner_org_id,
        author_id=author,
        tlp="amber",
        source="member",
        lat=site.lat,
        lon=site.lon,
        address=site.address,
        city=site.city,
        country=site.country,
        precision="street",
        site_id=site.id,
        **fields,
    )


def _closed(session: Session, site: Site, principal: Principal, settings: Settings) -> None:
    began = (utcnow() - dt.timedelta(days=36)).replace(hour=8, minute=12, second=0, microsecond=0)
    who = (principal.person_id or 0, principal.name)
    incident = _incident(
        session,
        site,
        who[0],
        title="E-mailed bomb threat against the Synagogue Rykestrasse",
        narrative="At 08:12 the community office received an e-mail announcing a bomb in the "
        "synagogue at 10:00. The building was searched with the police and nothing was found.",
        type="threat",
        severity="severe",
        status="closed",
        occurred_from=began,
        police_reported=True,
        police_reference="LKA 5-2026-1142",
        created_at=began + 4 * MINUTE,
        updated_at=began + dt.timedelta(days=1, hours=2),
    )
    write = _Writer(session, incident, who)
    activation, tasks = write.activate("bomb_threat", began + 9 * MINUTE)
    write.entry(began + 11 * MINUTE, "log", "Police informed by phone (110); patrol on its way")
    write.roll_call(site.id, began + 14 * MINUTE, settings, ["safe", "safe", "not_on_site"])
    for n, task in enumerate(t for t in tasks if t.stage != "recover"):
        write.finish(task, activation.activated_at + (4 + 9 * n) * MINUTE)
    write.entry(began + 48 * MINUTE, "log", "Police search of the building started with a dog")
    write.entry(began + 1 * dt.timedelta(hours=2), "log", "Search complete: nothing found")
    for n, task in enumerate(t for t in tasks if t.stage == "recover"):
        write.finish(task, began + dt.timedelta(hours=5 + 20 * n))
    criteria = session.scalars(
        select(ReopeningState)
        .where(ReopeningState.activation_id == activation.id)
        .order_by(ReopeningState.position)
    ).all()
    routine = began + dt.timedelta(hours=26)
    for n, criterion in enumerate(criteria):
        met = routine - (len(criteria) - 1 - n) * dt.timedelta(hours=3)
        criterion.met_at, criterion.met_by = met, who[0]
        write.entry(met, "reopening", f"Reopening criterion met: {criterion.text}")
    activation.returned_to_routine_at = routine
    hours = (routine - began).total_seconds() / 3600
    write.entry(
        routine,
        "routine",
        f"Back to routine: every reopening criterion is met, {hours:.1f} h after it began",
    )
    _review(session, site, principal, write, activation, routine + dt.timedelta(days=6))


def _review(
    session: Session,
    site: Site,
    principal: Principal,
    write: _Writer,
    activation: Activation,
    at: dt.datetime,
) -> None:
    """The review's actions: two new measures on the site, and one fed into a measure the
    site's assessment already named (DECISIONS 9)."""
    new = [
        ("Print the bomb-threat checklist next to every office phone", "low", "now"),
        ("Agree a search plan with room keys and a floor plan for the police", "low", "3_months"),
    ]
    measures = [
        add_measure(
            session=session,
            principal=principal,
            site_id=site.id,
            data=MeasureCreate(text=text, cost=cost, effort="low", horizon=horizon),
            source="after_action",
        ).id
        for text, cost, horizon in new
    ]
    existing = site_measures(session=session, principal=principal, site_id=site.id)
    review = AfterActionReview(
        activation_id=activation.id,
        what_happened="A threat e-mail at 08:12 announced a bomb for 10:00. The playbook was "
        "activated at 08:21, the building cleared by 08:40 and searched with the police until "
        "10:12; nothing was found. The synagogue reopened the next morning.",
        what_worked="Everyone on the contact list answered the roll-call within 20 minutes; "
        "the police had a contact at the door from the start.",
        what_did_not="Nobody at the office had the threat checklist at hand, so the e-mail "
        "headers were forwarded late; the search waited 20 minutes for keys to the basement.",
        updated_by=principal.person_id,
        updated_at=at,
    )
    session.add(review)
    session.flush()
    actions = [
        ("Checklist at every office phone", "Office manager", measures[0]),
        ("Search plan and key box for the police", "Security lead", measures[1]),
    ]
    if existing:
        actions.append(("Train stewards on the search plan", "Miriam Koch", existing[0].id))
    for position, (text, owner, measure_id) in enumerate(actions):
        session.add(
            ReviewAction(
                review_id=review.id,
                position=position,
                text=text,
                owner=owner,
                due_on=(at + dt.timedelta(days=30 * (position + 1))).date(),
                measure_id=measure_id,
            )
        )
    write.entry(
        at,
        "review",
        f"After-action review written ({len(actions)} actions, {len(new)} new site measures)",
    )


def _running(session: Session, site: Site, principal: Principal, settings: Settings) -> None:
    now = utcnow()
    began = now - 35 * MINUTE
    who = (principal.person_id or 0, principal.name)
    incident = _incident(
        session,
        site,
        who[0],
        title="Unattended bag at the side entrance of the Synagogue Rykestrasse",
        narrative="A steward found a closed sports bag by the side entrance before the "
        "evening service. Nobody claims it.",
        type="suspicious_item",
        severity="severe",
        status="verified",
        occurred_from=began,
        police_reported=True,
        created_at=began + 2 * MINUTE,
        updated_at=began + 2 * MINUTE,
    )
    write = _Writer(session, incident, who)
    activation, tasks = write.activate("bomb_threat", began + 4 * MINUTE)
    immediate = [t for t in tasks if t.stage == "immediate"]
    stabilise = [t for t in tasks if t.stage == "stabilise"]
    for n, task in enumerate(immediate[:-1]):
        write.finish(task, task.due_at + (n - 1) * MINUTE)
    late = immediate[-1]
    write.entry(
        late.due_at + MINUTE,
        "escalation",
        f"Overdue first-minutes task “{late.title}”: 1 coordinator(s) e-mailed",
        source="system",
        task_id=late.id,
        author="Vigil",
    )
    write.entry(began + 9 * MINUTE, "log", "Police on site, cordon of 100 m around the bag")
    write.roll_call(site.id, began + 11 * MINUTE, settings, ["safe", None, "need_help"])
    if stabilise:
        write.finish(stabilise[0], now - 6 * MINUTE, status="doing")
    write.entry(now - 3 * MINUTE, "log", "Bomb squad requested, expected in 20 minutes")


def load_playbooks(session: Session, demo: DemoData) -> None:
    ids, people, settings = demo.org_ids, demo.people, demo.settings
    if session.scalar(select(Activation.id).limit(1)) is not None:
        return
    site = sites_demo.demo_site(session=session, name=SITE_NAME, owner_org_id=ids["jcs-berlin"])
    if site is None:
        return
    principal = _coordinator(ids, people)
    _closed(session, site, principal, settings)
    _running(session, site, principal, settings)
    session.flush()
