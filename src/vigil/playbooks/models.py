"""Tables of the response: published playbook versions, activations on incidents with their
tasks, the incident timeline (append-only, DECISIONS 14), roll-calls, reopening criteria and
after-action reviews.

None of these is a shareable record of its own: each hangs off an incident, and whoever may read
the incident may read its response (vigil.incidents.service decides, never this package).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class PlaybookVersion(Base):
    """An organisation's own published version of a playbook (a copy of a shipped template,
    edited); activations snapshot the text, so publishing version n+1 changes no running one."""

    __tablename__ = "playbook_versions"
    __table_args__ = (UniqueConstraint("org_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    based_on: Mapped[str] = mapped_column(String(100), default="")
    published_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Activation(Base):
    """A playbook running on one incident; one per incident."""

    __tablename__ = "playbook_activations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    template_code: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int]
    # None: a template shipped with Vigil; else the organisation that published the version.
    template_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    template_text: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(300))
    activated_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    activated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When every reopening criterion was met (DECISIONS 2); "stabilised" is read from the tasks.
    returned_to_routine_at: Mapped[dt.datetime | None]


class Task(Base):
    """One scheduled task of an activation. `version` grows with every change, and a change
    names the version it was made on, so of two people changing a task at once exactly one wins."""

    __tablename__ = "playbook_tasks"
    __table_args__ = (Index("ix_playbook_tasks_order", "activation_id", "stage", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activation_id: Mapped[int] = mapped_column(ForeignKey("playbook_activations.id"))
    stage: Mapped[str] = mapped_column(String(16))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    guidance: Mapped[str] = mapped_column(Text, default="")
    checklist: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    due_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="todo")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    version: Mapped[int] = mapped_column(default=1)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    completed_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TimelineEntry(Base):
    """What happened and when, as told at the time; append-only in the database. A correction
    is a new entry naming the one it corrects."""

    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_incident", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_tasks.id"))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("timeline_entries.id"))


class RollCall(Base):
    """A "who is safe" roll-call for one site (or the incident's people when it has none)."""

    __tablename__ = "roll_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    started_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RollCallEntry(Base):
    """One person expected to answer: a member of Vigil or a site contact without an account.
    The latest answer is kept here; every answer is also on the timeline."""

    __tablename__ = "roll_call_entries"
    __table_args__ = (
        UniqueConstraint("roll_call_id", "person_id"),
        UniqueConstraint("roll_call_id", "contact_priority", name="uq_roll_call_entries_contact"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_call_id: Mapped[int] = mapped_column(ForeignKey("roll_calls.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # The site contact's priority when the roll-call began (DECISIONS 10). Not a foreign key:
    # a site's contacts are replaced as a whole, and the roll-call keeps who was asked.
    contact_priority: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str | None] = mapped_column(String(16))
    via: Mapped[str | None] = mapped_column(String(16))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[dt.datetime | None]


class ReopeningState(Base):
    """One reopening criterion of an activation, met or not yet."""

    __tablename__ = "reopening_states"
    __table_args__ = (UniqueConstraint("activation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activation_id: Mapped[int] = mapped_column(ForeignKey("playbook_activations.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(300))
    met_at: Mapped[dt.datetime | None]
    met_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class AfterActionReview(Base):
    __tablename__ = "after_action_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    activation_id: Mapped[int] = mapped_column(ForeignKey("playbook_activations.id"), unique=True)
    what_happened: Mapped[str] = mapped_column(Text, default="")
    what_worked: Mapped[str] = mapped_column(Text, default="")
    what_did_not: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewAction(Base):
    """An action the review decided on, linked to the measure of the incident's site it became
    or feeds (DECISIONS 9), so the site's next assessment shows it."""

    __tablename__ = "after_action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("after_action_reviews.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(1000))
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[dt.date | None]
    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_measures.id", ondelete="SET NULL"), index=True
    )
