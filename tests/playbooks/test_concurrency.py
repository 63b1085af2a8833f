"""Two coordinators complete the same task at the same moment: exactly one wins, the other gets
a 409, and the task is completed once (one timeline entry). Real threads, separate sessions, a
committed database (DECISIONS 21); on PostgreSQL the rows really are contended."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_person
from tests.playbooks.factories import make_team
from vigil.core.config import Settings
from vigil.core.db import is_sqlite, transaction
from vigil.core.errors import Conflict
from vigil.core.policy import Role
from vigil.orgs.principals import load_principal
from vigil.playbooks import service
from vigil.playbooks.models import Task, TimelineEntry
from vigil.playbooks.schemas import ActivationCreate, TaskChange, TaskStatus

ROUNDS = 5


def test_two_coordinators_complete_the_same_task_exactly_once(
    committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    second = make_person(committed, settings, org=team.org, role=Role.coordinator)
    committed.commit()
    url = settings.sqlalchemy_url
    sqlite = is_sqlite(url)
    people = [team.coordinator.id, second.id]
    with transaction(url) as session:
        principal = load_principal(session, person_id=people[0], acting_org_id=team.org.id)
        assert principal is not None
        service.activate(
            session=session,
            principal=principal,
            incident_id=team.incident_id,
            data=ActivationCreate(template_code="armed_attack"),
        )
    with transaction(url) as session:
        task_ids = list(session.scalars(select(Task.id).order_by(Task.id).limit(ROUNDS)))

    for task_id in task_ids:
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def complete(
            person_id: int,
            task_id: int = task_id,
            barrier: threading.Barrier = barrier,
            outcomes: list[str] = outcomes,
        ) -> None:
            try:
                if sqlite:  # SQLite writers queue at BEGIN: meet before it, not inside it
                    barrier.wait(timeout=10)
                with transaction(url) as session:
                    principal = load_principal(
                        session, person_id=person_id, acting_org_id=team.org.id
                    )
                    assert principal is not None
                    if not sqlite:  # both transactions read version 1 before either writes
                        barrier.wait(timeout=10)
                    service.change_task(
                        session=session,
                        principal=principal,
                        incident_id=team.incident_id,
                        task_id=task_id,
                        change=TaskChange(version=1, status=TaskStatus.done),
                    )
                result = "won"
            except Conflict as exc:
                result = "conflict: " + exc.detail
            outcomes.append(result)  # list.append is atomic

        threads = [threading.Thread(target=complete, args=(p,)) for p in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "won"], outcomes
        assert "Someone else changed this task first" in next(o for o in outcomes if o != "won")

    with transaction(url) as session:
        tasks = list(session.scalars(select(Task).where(Task.id.in_(task_ids))))
        assert all(t.status == "done" and t.version == 2 for t in tasks)
        entries = session.scalar(
            select(func.count())
            .select_from(TimelineEntry)
            .where(TimelineEntry.task_id.in_(task_ids))
        )
        assert entries == ROUNDS
