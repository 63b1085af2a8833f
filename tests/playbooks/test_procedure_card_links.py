"""A running playbook's tasks link the procedure cards they carry out (issue 21): the room
shows each card's title in the reader's language, linking to its page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import html, sign_in
from tests.playbooks.factories import make_team
from vigil.core.config import Settings


def test_room_links_a_task_to_its_procedure_card(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    started = client.post(
        f"/api/v1/incidents/{team.incident_id}/playbook",
        json={"template_code": "bomb_threat"},
        headers=team.coordinator_headers,
    )
    assert started.status_code == 201, started.text
    sign_in(client, team.member.email)
    room = html(client.get(f"/incidents/{team.incident_id}/room", params={"lang": "cs"}))
    task = next(
        t
        for t in room.find_all("li", class_="task")
        if "Předmětu se nedotýkejte" in t.find("strong", class_="task-title").text
    )
    link = task.find("a", data_card="unattended_item")
    assert link.attrs["href"] == "/guidance/unattended_item"
    assert link.text == "Opuštěný nebo podezřelý předmět"
    card = html(client.get(link.attrs["href"], params={"lang": "cs"}))
    assert card.find("h1").text == "Opuštěný nebo podezřelý předmět"
    # A task with no procedure card links none.
    police = next(
        t
        for t in room.find_all("li", class_="task")
        if t.find_all("strong", class_="task-title")
        and t.find("strong", class_="task-title").text == "Zavolejte policii"
    )
    assert not police.find_all("a", data_card="unattended_item")
    assert not police.find_all("p", class_="guidance-cards")
