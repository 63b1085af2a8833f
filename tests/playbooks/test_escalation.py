"""An overdue first-minutes task is e-mailed to the activation's coordinators through the outbox
and a real SMTP server (aiosmtpd), once per task however often the check runs."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.core.test_mail import Inbox, inbox  # noqa: F401 - the SMTP server fixture
from tests.playbooks.factories import make_team
from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.playbooks.escalation import CHECK_OVERDUE
from vigil.playbooks.models import Task, TimelineEntry
from vigil.worker import run_worker


def test_overdue_immediate_tasks_mail_the_coordinator_once_each(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    server, port = inbox
    mailing = settings.model_copy(update={"smtp_port": port})
    team = make_team(committed, settings)
    url = f"/api/v1/incidents/{team.incident_id}/playbook"
    playbook = client.post(
        url, json={"template_code": "armed_attack"}, headers=team.coordinator_headers
    ).json()
    immediate = [t for t in playbook["tasks"] if t["stage"] == "immediate"]
    later = [t for t in playbook["tasks"] if t["stage"] != "immediate"]
    assert len(immediate) >= 3 and later

    with transaction(settings.sqlalchemy_url) as session:
        checks = session.scalars(select(jobs.Job).where(jobs.Job.kind == CHECK_OVERDUE)).all()
        assert len(checks) == len(immediate), "one check per immediate task, none for the rest"
        due = {t["id"]: dt.datetime.fromisoformat(t["due_at"]) for t in immediate}
        assert all(
            abs(j.run_after - due[json.loads(j.payload)["task_id"]]) < dt.timedelta(seconds=1)
            for j in checks
        )

    done = immediate[0]
    client.patch(
        f"{url}/tasks/{done['id']}",
        json={"version": done["version"], "status": "done"},
        headers=team.member_headers,
    ).raise_for_status()
    # An hour on: every immediate task is past its due time.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with transaction(settings.sqlalchemy_url) as session:
        ids = [t["id"] for t in immediate]
        session.execute(update(Task).where(Task.id.in_(ids)).values(due_at=past))
        session.execute(
            update(jobs.Job).where(jobs.Job.kind == CHECK_OVERDUE).values(run_after=past)
        )

    run_worker(mailing, once=True)

    mails = server.to(team.coordinator.email)
    overdue = immediate[1:]
    assert sorted(m["Subject"] for m in mails) == sorted(
        f"Overdue: {t['title']} (incident #{team.incident_id})" for t in overdue
    )
    assert server.to(team.member.email) == []
    body = mails[0].get_body(preferencelist=("plain",))
    assert body is not None
    assert f"/incidents/{team.incident_id}/room" in str(body.get_content())

    # The checks run again (a retry, a second worker): nobody is mailed twice.
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.kind == CHECK_OVERDUE)
            .values(status=jobs.PENDING, run_after=past, leased_until=None)
        )
    run_worker(mailing, once=True)
    assert len(server.to(team.coordinator.email)) == len(overdue)

    timeline = client.get(
        f"/api/v1/incidents/{team.incident_id}/timeline", headers=team.member_headers
    ).json()
    escalations = [i for i in timeline if i["kind"] == "escalation"]
    assert len(escalations) == len(overdue)
    assert all(i["source"] == "system" for i in escalations)
    with transaction(settings.sqlalchemy_url) as session:
        escalated = session.scalars(
            select(TimelineEntry.task_id).where(TimelineEntry.kind == "escalation")
        ).all()
    assert done["id"] not in escalated
