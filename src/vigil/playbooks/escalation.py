"""Escalation of overdue first-minutes tasks: an `immediate` task not done by its due time is
e-mailed to the activation's coordinators, on top of the banner in the room.

Activation puts one job per immediate task in the outbox, due at the task's due time, in the
same transaction (so a task never lacks its check). When the worker runs it, a task still not
done is escalated once: the timeline gets an "escalation" entry naming the task, and the
coordinators' e-mails are queued with it. That entry is also what makes a retried or repeated
job a no-op, so each overdue task is e-mailed exactly once. `check_overdue` is the job's handler,
declared by the package's DOMAIN (vigil.playbooks).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.localisation import translations
from vigil.core.mail import queue_email
from vigil.orgs import directory as orgs_directory
from vigil.orgs import languages as orgs_languages
from vigil.playbooks.models import Activation, Task, TimelineEntry
from vigil.playbooks.schemas import TaskStatus
from vigil.playbooks.templates import Stage, TaskRole
from vigil.playbooks.wording import wording

CHECK_OVERDUE = "playbook_overdue"


def schedule_checks(session: Session, activation: Activation) -> int:
    """One outbox job per immediate task, due when the task is; returns how many."""
    tasks = session.scalars(
        select(Task).where(Task.activation_id == activation.id, Task.stage == Stage.immediate)
    ).all()
    for task in tasks:
        job = jobs.enqueue(session, kind=CHECK_OVERDUE, payload={"task_id": task.id})
        job.run_after = task.due_at
    return len(tasks)


def coordinator_addresses(session: Session, activation: Activation) -> list[tuple[str, str, str]]:
    """(name, e-mail, language) of the activation's coordinators: whoever activated it and
    whoever holds one of its coordinator tasks, each once, the activating person first."""
    holders = select(Task.assignee_id).where(
        Task.activation_id == activation.id,
        Task.role == TaskRole.coordinator,
        Task.assignee_id.is_not(None),
    )
    activator = select(Activation.activated_by).where(Activation.id == activation.id)
    rows = orgs_directory.people_addresses(session=session, person_ids=union(activator, holders))
    rows.sort(key=lambda r: (r[0] != activation.activated_by, r[0]))
    readers = orgs_languages.recipient_readers(
        session=session, person_ids=[r[0] for r in rows], org_id=activation.org_id
    )
    return [(name, email, readers[pid].locale) for pid, name, email in rows if email]


def check_overdue(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    task = session.get(Task, int(payload["task_id"]))
    if task is None or task.status == TaskStatus.done.value or task.due_at > utcnow():
        return
    already = session.scalar(
        select(TimelineEntry.id).where(
            TimelineEntry.task_id == task.id, TimelineEntry.kind == "escalation"
        )
    )
    if already is not None:
        return
    activation = session.get(Activation, task.activation_id)
    assert activation is not None  # noqa: S101 - a foreign key keeps it
    recipients = coordinator_addresses(session, activation)
    late = int((utcnow() - task.due_at).total_seconds() // 60)
    now = utcnow()
    session.add(
        TimelineEntry(
            incident_id=activation.incident_id,
            at=now,
            recorded_at=now,
            kind="escalation",
            author_name="Vigil",
            source="system",
            text=f"Overdue first-minutes task “{task.title}”: "
            f"{len(recipients)} coordinator(s) e-mailed",
            task_id=task.id,
        )
    )
    room = f"{settings.public_url}/incidents/{activation.incident_id}/room"
    for name, address, locale in recipients:
        subject, text = _overdue_mail(locale, task, activation, name, late, room)
        queue_email(session, to=address, subject=subject, text=text)


def _overdue_mail(
    locale: str, task: Task, activation: Activation, name: str, late: int, room: str
) -> tuple[str, str]:
    """The subject and text of one coordinator's e-mail about an overdue task, in `locale`:
    the task and the playbook named in that language when the template has it."""
    catalogue = translations(locale)
    _, ngettext = catalogue.gettext, catalogue.ngettext
    words = wording(activation.template_text, activation.title, locale)
    title = words.task(task.code, task.title, task.guidance, []).title.text
    status = {
        "todo": _("To do"),
        "doing": _("In progress"),
        "blocked": _("Blocked"),
    }.get(task.status, task.status)
    subject = _("Overdue: %(task)s (incident #%(num)s)") % {
        "task": title,
        "num": activation.incident_id,
    }
    due = ngettext(
        "The first-minutes task “%(task)s” of the playbook “%(playbook)s” was due %(num)s "
        "minute ago and is not done (status: %(status)s).",
        "The first-minutes task “%(task)s” of the playbook “%(playbook)s” was due %(num)s "
        "minutes ago and is not done (status: %(status)s).",
        late,
    ) % {"task": title, "playbook": words.title.text, "num": late, "status": status}
    text = (
        f"{_('Hello, %(name)s') % {'name': name}},\n\n{due}\n\n"
        + _("Open the incident room: %(url)s") % {"url": room}
        + "\n"
    )
    return subject, text
