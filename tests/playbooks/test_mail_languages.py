"""Roll-call and escalation e-mails go out in each recipient's language (issue 17): a person's
own, else their organisation's default, else English; a contact without an account gets the
organisation's. Through the outbox and a real SMTP server (aiosmtpd), in the same roll-call."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.core.test_mail import Inbox, inbox  # noqa: F401 - the SMTP server fixture
from tests.html import html
from tests.playbooks.factories import give_site, make_team
from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Organisation, Person
from vigil.playbooks.escalation import CHECK_OVERDUE
from vigil.playbooks.models import Task
from vigil.worker import run_worker


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_one_roll_call_mails_a_czech_member_in_czech_and_a_contact_in_english(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    server, port = inbox
    team = make_team(committed, settings)
    give_site(committed, settings, team)  # Rina (e-mail, no account), the member
    team.member.locale = "cs"
    committed.commit()
    url = f"/api/v1/incidents/{team.incident_id}/roll-calls"
    client.post(url, headers=team.coordinator_headers).raise_for_status()
    run_worker(settings.model_copy(update={"smtp_port": port}), once=True)

    [czech] = server.to(team.member.email)
    assert czech["Subject"].startswith("Jste v bezpečí? ")
    assert "Are you safe" not in czech["Subject"]
    body = _body(czech)
    assert f"Dobrý den, {team.member.name}" in body
    assert "Jsem v bezpečí / Potřebuji pomoc / Nebyl(a) jsem na místě" in body
    link = re.findall(r"/rollcall/[A-Za-z0-9_.-]+\?lang=cs", body)
    assert len(link) == 1
    client.cookies.clear()
    page = client.get(link[0])
    assert page.status_code == 200 and html(page).find("html").attrs["lang"] == "cs"

    [english] = server.to("rina@example.org")
    assert english["Subject"].startswith("Are you safe? ")
    assert "Hello, Rina Levy" in _body(english)
    assert "I am safe / I need help / I was not on site" in _body(english)


def test_without_a_language_of_their_own_people_get_their_organisations(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    server, port = inbox
    team = make_team(committed, settings)
    give_site(committed, settings, team)
    org = committed.get(Organisation, team.org.id)
    member = committed.get(Person, team.member.id)
    assert org is not None and member is not None
    org.default_locale, member.locale = "de", ""
    committed.commit()
    url = f"/api/v1/incidents/{team.incident_id}/roll-calls"
    client.post(url, headers=team.coordinator_headers).raise_for_status()
    run_worker(settings.model_copy(update={"smtp_port": port}), once=True)

    for address, name in ((team.member.email, team.member.name), ("rina@example.org", "Rina Levy")):
        [message] = server.to(address)
        assert message["Subject"].startswith("Sind Sie in Sicherheit? ")
        assert f"Hallo, {name}" in _body(message)
        assert "?lang=de" in _body(message)


def test_overdue_task_mails_name_the_task_in_each_coordinators_language(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    server, port = inbox
    team = make_team(committed, settings)
    coordinator = committed.get(Person, team.coordinator.id)
    assert coordinator is not None
    coordinator.locale = "cs"
    committed.commit()
    url = f"/api/v1/incidents/{team.incident_id}/playbook"
    playbook = client.post(
        url, json={"template_code": "armed_attack"}, headers=team.coordinator_headers
    ).json()
    # The member (English) holds the first-minutes coordinator task: both are mailed about it.
    alert = next(t for t in playbook["tasks"] if t["code"] == "alert_network")
    client.patch(
        f"{url}/tasks/{alert['id']}",
        json={"version": alert["version"], "assignee_id": team.member.id},
        headers=team.coordinator_headers,
    ).raise_for_status()
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with transaction(settings.sqlalchemy_url) as session:
        ids = [t["id"] for t in playbook["tasks"] if t["stage"] == "immediate"]
        session.execute(update(Task).where(Task.id.in_(ids)).values(due_at=past))
        session.execute(
            update(jobs.Job).where(jobs.Job.kind == CHECK_OVERDUE).values(run_after=past)
        )
    run_worker(settings.model_copy(update={"smtp_port": port}), once=True)

    czech = {m["Subject"] for m in server.to(team.coordinator.email)}
    english = {m["Subject"] for m in server.to(team.member.email)}
    number = f"(incident #{team.incident_id})"
    czech_number = f"(incident č. {team.incident_id})"
    assert f"Po termínu: Dostaňte lidi pryč nebo do úkrytu {czech_number}" in czech
    assert any("Upozorněte koordinátora a okolní objekty" in s for s in czech)
    assert not any("Get people away" in s for s in czech)
    assert f"Overdue: Get people away or hidden {number}" in english
    body = _body(server.to(team.coordinator.email)[0])
    assert f"Dobrý den, {team.coordinator.name}" in body
    assert "Ozbrojený útok nebo aktivní útočník" in body
