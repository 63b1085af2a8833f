"""Starting a roll-call e-mails every site contact with an address their own answer link,
through the outbox and a real SMTP server (aiosmtpd); the mail tells nothing of the incident
beyond its number, since a contact outside the organisation may not be allowed to read it."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.core.test_mail import Inbox, inbox  # noqa: F401 - the SMTP server fixture
from tests.html import csrf_of, html
from tests.playbooks.factories import Team, give_site, make_team
from vigil.core.config import Settings
from vigil.worker import run_worker

TITLE = "Attack at the synagogue entrance"  # the team's incident (tests.playbooks.factories)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _link(message: EmailMessage, settings: Settings) -> str:
    found = re.findall(
        rf"{re.escape(settings.public_url)}(/rollcall/[A-Za-z0-9_.-]+)", _body(message)
    )
    assert len(found) == 1, _body(message)
    return str(found[0])


def _started(client: TestClient, team: Team) -> list[str]:
    timeline = client.get(
        f"/api/v1/incidents/{team.incident_id}/timeline", headers=team.coordinator_headers
    ).json()
    return [i["text"] for i in timeline if i["text"].startswith("Roll-call started")]


def _board(client: TestClient, team: Team, board: dict[str, Any]) -> dict[str, tuple[str, str]]:
    url = f"/api/v1/incidents/{team.incident_id}/roll-calls/{board['id']}"
    entries = client.get(url, headers=team.coordinator_headers).json()["entries"]
    return {e["name"]: (e["answer"], e["via"]) for e in entries}


def test_each_contact_with_an_address_is_mailed_a_link_that_answers_for_them(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    server, port = inbox
    team = make_team(committed, settings)
    give_site(committed, settings, team)  # Rina (e-mail), Night guard (phone), the member
    url = f"/api/v1/incidents/{team.incident_id}/roll-calls"
    board = client.post(url, headers=team.coordinator_headers).json()
    assert _started(client, team) == ["Roll-call started: who is safe? 2 of 3 contacts e-mailed"]

    run_worker(settings.model_copy(update={"smtp_port": port}), once=True)

    rina, member = server.to("rina@example.org"), server.to(team.member.email)
    assert len(rina) == 1 and len(member) == 1
    assert len(server.messages) == 2, "the night guard has no address: the board only"
    for message in server.messages:
        assert TITLE not in _body(message) and TITLE not in message["Subject"]
        assert f"incident #{team.incident_id}" in message["Subject"]
        assert "Neue Synagoge" in _body(message) and "Are you safe?" in _body(message)
    room = f"{settings.public_url}/incidents/{team.incident_id}/room"
    assert room in _body(member[0]) and room not in _body(rina[0])
    assert _link(rina[0], settings) != _link(member[0], settings)

    client.cookies.clear()
    for message, given in ((rina[0], "need_help"), (member[0], "not_on_site")):
        link = _link(message, settings)
        page = client.get(link)
        assert page.status_code == 200
        answered = client.post(link, data={"csrf_token": csrf_of(html(page)), "answer": given})
        assert answered.status_code == 200
    assert _board(client, team, board) == {
        "Rina Levy": ("need_help", "link"),
        "Night guard": (None, None),
        team.member.name: ("not_on_site", "link"),
    }


def test_a_person_or_address_listed_twice_is_mailed_once(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    server, port = inbox
    team = make_team(committed, settings)
    site = give_site(committed, settings, team)
    contacts = [
        {"name": "Rina Levy", "email": "rina@example.org"},
        {"name": "Rina (home)", "email": "Rina@Example.org"},
        {"name": team.member.name, "person_id": team.member.id},
        {"name": team.member.name, "person_id": team.member.id, "email": "steward@example.org"},
        {"name": "Night guard", "phone": "+49 30 7654321"},
    ]
    replaced = client.put(
        f"/api/v1/sites/{site.id}/contacts",
        json={"contacts": contacts},
        headers=team.coordinator_headers,
    )
    assert replaced.status_code == 200, replaced.text
    client.post(
        f"/api/v1/incidents/{team.incident_id}/roll-calls", headers=team.coordinator_headers
    )
    assert _started(client, team) == ["Roll-call started: who is safe? 2 of 5 contacts e-mailed"]

    run_worker(settings.model_copy(update={"smtp_port": port}), once=True)

    assert sorted(m["To"] for m in server.messages) == sorted(
        ["rina@example.org", team.member.email]
    )


def _mailed_rina_link(settings: Settings, server: Inbox, port: int) -> str:
    run_worker(settings.model_copy(update={"smtp_port": port}), once=True)
    return _link(server.to("rina@example.org")[-1], settings)


def _answer(client: TestClient, link: str) -> Any:
    """Post an answer as the link's page would; the CSRF token comes from any page when the
    link's own page has no form."""
    token = csrf_of(html(client.get("/login")))
    return client.post(link, data={"csrf_token": token, "answer": "safe"})


def test_a_roll_call_link_is_refused_once_the_response_is_back_to_routine(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    server, port = inbox
    team = make_team(committed, settings)
    give_site(committed, settings, team)
    incident = f"/api/v1/incidents/{team.incident_id}"
    headers = team.coordinator_headers
    playbook = client.post(
        f"{incident}/playbook", json={"template_code": "bomb_threat"}, headers=headers
    ).json()
    board = client.post(f"{incident}/roll-calls", headers=team.coordinator_headers).json()
    link = _mailed_rina_link(settings, server, port)
    assert client.get(link).status_code == 200
    for criterion in playbook["reopening_criteria"]:
        met = client.put(
            f"{incident}/playbook/criteria/{criterion['code']}",
            json={"met": True},
            headers=team.coordinator_headers,
        ).json()
    assert met["returned_to_routine_at"] is not None

    client.cookies.clear()
    refused = client.get(link)
    assert refused.status_code == 410
    assert html(refused).find("h1").text == "This roll-call has ended"
    assert "back to routine" in html(refused).find("main").text
    answered = _answer(client, link)
    assert answered.status_code == 410
    assert _board(client, team, board)["Rina Levy"] == (None, None)


def test_a_roll_call_link_is_refused_once_a_newer_roll_call_started(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    server, port = inbox
    team = make_team(committed, settings)
    give_site(committed, settings, team)
    url = f"/api/v1/incidents/{team.incident_id}/roll-calls"
    first = client.post(url, headers=team.coordinator_headers).json()
    old_link = _mailed_rina_link(settings, server, port)
    second = client.post(url, headers=team.coordinator_headers).json()
    new_link = _mailed_rina_link(settings, server, port)

    refused = client.get(old_link)
    assert refused.status_code == 410
    assert html(refused).find("h1").text == "A newer roll-call has started"
    assert _answer(client, old_link).status_code == 410
    assert _answer(client, new_link).status_code == 200
    assert _board(client, team, first)["Rina Levy"] == (None, None)
    assert _board(client, team, second)["Rina Levy"] == ("safe", "link")
