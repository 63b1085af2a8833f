"""The incident room as a browser meets it: activation from the suggested playbook, tasks worked
through htmx, log entries, phone answers and the roll-call link page (the live stream has its
own tests, test_room_stream)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import alerts, csrf_of, html, sign_in, submit
from tests.orgs.factories import make_org, make_person
from tests.playbooks.factories import make_team
from vigil.core.config import Settings
from vigil.core.policy import Role


def test_coordinator_activates_and_member_works_tasks_live(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    room = f"/incidents/{team.incident_id}/room"
    sign_in(client, team.coordinator.email)
    page = html(client.get(room))
    choice = page.find("input", name="template_code")
    assert choice.attrs["value"] == "armed_attack" and "checked" in choice.attrs
    activated = submit(client, room, room + "/activate", {"template_code": "armed_attack"})
    assert activated.status_code == 303

    page = html(client.get(room))
    marker = page.find("div", id="room-live").attrs["data-marker"]
    assert page.find("h2", id="stage-immediate")

    first = page.find("li", class_="task")
    task_id = first.attrs["id"].removeprefix("task-")
    done_form = next(
        f for f in first.find_all("form") if f.find("input", name="status").attrs["value"] == "done"
    )
    version = done_form.find("input", name="version").attrs["value"]
    response = client.post(
        f"{room}/tasks/{task_id}",
        data={"csrf_token": csrf_of(page), "version": version, "status": "done"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.find("li", id=f"task-{task_id}").attrs["data-status"] == "done"
    assert fragment.find("div", id="room-live").attrs["data-marker"] != marker

    stale = client.post(
        f"{room}/tasks/{task_id}",
        data={"csrf_token": csrf_of(page), "version": version, "status": "blocked"},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    assert any("Someone else changed this task first" in a for a in alerts(html(stale)))

    logged = submit(client, room, room + "/log", {"text": "Police on site", "at": ""})
    assert logged.status_code == 303
    timeline = html(client.get(room)).find("ol", class_="timeline")
    assert "Police on site" in timeline.text


def test_room_is_not_found_for_an_outsider_and_read_only_for_a_viewer(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    outsider = make_person(committed, settings, org=make_org(committed), role=Role.coordinator)
    viewer = make_person(committed, settings, org=team.org, role=Role.viewer)
    committed.commit()
    room = f"/incidents/{team.incident_id}/room"
    sign_in(client, outsider.email)
    assert client.get(room).status_code == 404
    assert client.get(room + "/stream").status_code == 404
    client.cookies.clear()
    sign_in(client, viewer.email)
    page = html(client.get(room))
    assert page.find_all("form", action=room + "/activate") == []
    assert page.find_all("form", action=room + "/log") == []


def test_phone_answers_on_the_board(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    room = f"/incidents/{team.incident_id}/room"
    sign_in(client, team.coordinator.email)
    assert submit(client, room, room + "/roll-call", {}).status_code == 303
    page = html(client.get(room))
    form = page.find("input", id="phone-name").parent
    assert form is not None
    action = form.attrs["action"]
    response = submit(client, room, action, {"name": "Caretaker", "answer": "need_help"})
    assert response.status_code == 303
    board = html(client.get(room)).find("ul", class_="roll-call")
    assert "Caretaker" in board.text and "Needs help" in board.text
    assert "(by phone)" in board.find("li", class_="answer-need_help").text


def test_after_action_review_form_saves_actions(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    room = f"/incidents/{team.incident_id}/room"
    review = f"/incidents/{team.incident_id}/review"
    sign_in(client, team.coordinator.email)
    submit(client, room, room + "/activate", {"template_code": "armed_attack"})
    bad = submit(
        client,
        review,
        review,
        {"what_happened": "x", "action_text": ["Fix door"], "action_owner": [""],
         "action_due": ["not a date"], "action_measure": [""]},
    )  # fmt: skip
    assert bad.status_code == 422
    saved = submit(
        client,
        review,
        review,
        {
            "what_happened": "Attacker at the gate at 14:00",
            "what_worked": "Lockdown in two minutes",
            "what_did_not": "Side door stayed open",
            "action_text": ["Self-closing side door", ""],
            "action_owner": ["David", ""],
            "action_due": ["2027-01-15", ""],
            "action_measure": ["new", "new"],
        },
    )
    assert saved.status_code == 303
    data = client.get(f"/api/v1/incidents/{team.incident_id}/playbook/review").json()
    assert data["what_did_not"] == "Side door stayed open"
    assert data["actions"] == [
        {
            "text": "Self-closing side door",
            "owner": "David",
            "due_on": "2027-01-15",
            "measure_id": None,
            "measure_text": "",
            "measure_status": "",
        }
    ]


def test_incident_page_links_its_room_and_names_the_response_in_its_history(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    room = f"/incidents/{team.incident_id}/room"
    sign_in(client, team.coordinator.email)
    submit(client, room, room + "/activate", {"template_code": "armed_attack"})
    submit(client, room, room + "/roll-call", {})
    submit(client, room, room + "/log", {"text": "Police on site"})

    page = html(client.get(f"/incidents/{team.incident_id}"))
    assert page.find("p", class_="incident-room-link").find("a").attrs["href"] == room
    history = [li.text for li in page.find("ol", class_="history").find_all("li")]
    joined = "\n".join(history)
    assert "Playbook activated: armed_attack, version 1" in joined
    assert "Roll-call started" in joined and "Written in the log" in joined
    assert "playbook." not in joined and "rollcall." not in joined
