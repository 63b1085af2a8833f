"""The response through the API: activation, tasks with due times, optimistic concurrency,
the timeline with corrections and exports, roll-call, and the return to routine."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person, token_headers
from tests.playbooks.factories import Team, make_incident, make_team
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker
from vigil.core.policy import Role
from vigil.playbooks.models import TimelineEntry


def activate(client: TestClient, team: Team, code: str = "armed_attack") -> dict[str, Any]:
    response = client.post(
        f"/api/v1/incidents/{team.incident_id}/playbook",
        json={"template_code": code},
        headers=team.coordinator_headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_suggestion_then_activation_schedules_tasks_from_now(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    url = f"/api/v1/incidents/{team.incident_id}"
    suggestions = client.get(url + "/playbook/suggestions", headers=team.coordinator_headers)
    assert suggestions.json()[0]["code"] == "armed_attack"

    before = dt.datetime.now(dt.UTC)
    playbook = activate(client, team)

    stages = [t["stage"] for t in playbook["tasks"]]
    assert stages == sorted(stages, key=["immediate", "stabilise", "recover"].index)
    assert "prepare" not in stages
    first = playbook["tasks"][0]
    assert first["code"] == "run_hide_tell" and first["status"] == "todo"
    due = dt.datetime.fromisoformat(first["due_at"])
    assert before - dt.timedelta(seconds=5) <= due <= before + dt.timedelta(minutes=1)
    recover = [t for t in playbook["tasks"] if t["stage"] == "recover"]
    assert all(dt.datetime.fromisoformat(t["due_at"]) > due for t in recover)
    assert len(playbook["reopening_criteria"]) == 4
    again = client.post(
        url + "/playbook", json={"template_code": "bomb_threat"}, headers=team.coordinator_headers
    )
    assert again.status_code == 409


def test_stale_task_version_is_a_conflict_and_nothing_is_written(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    task = activate(client, team)["tasks"][0]
    url = f"/api/v1/incidents/{team.incident_id}/playbook/tasks/{task['id']}"

    done = client.patch(
        url, json={"version": task["version"], "status": "done"}, headers=team.member_headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["version"] == task["version"] + 1
    assert done.json()["completed_by_name"] == team.member.name

    late = client.patch(
        url,
        json={"version": task["version"], "status": "blocked"},
        headers=team.coordinator_headers,
    )
    assert late.status_code == 409
    assert "completed by" in late.json()["detail"]
    now = client.get(
        f"/api/v1/incidents/{team.incident_id}/playbook", headers=team.member_headers
    ).json()
    assert now["tasks"][0]["status"] == "done"
    timeline = client.get(
        f"/api/v1/incidents/{team.incident_id}/timeline", headers=team.member_headers
    ).json()
    assert (
        sum("Run" in i["text"] or "hidden" in i["text"] for i in timeline if i["kind"] == "task")
        == 1
    )


def test_assigning_needs_a_coordinator_and_a_member(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    task = activate(client, team)["tasks"][1]
    url = f"/api/v1/incidents/{team.incident_id}/playbook/tasks/{task['id']}"
    stranger = make_person(committed, settings, org=make_org(committed), role=Role.coordinator)
    committed.commit()

    by_member = client.patch(
        url, json={"version": 1, "assignee_id": team.coordinator.id}, headers=team.member_headers
    )
    assert by_member.status_code == 403
    outsider = client.patch(
        url, json={"version": 1, "assignee_id": stranger.id}, headers=team.coordinator_headers
    )
    assert outsider.status_code == 422 and outsider.json()["errors"][0]["field"] == "assignee_id"
    ok = client.patch(
        url, json={"version": 1, "assignee_id": team.member.id}, headers=team.coordinator_headers
    )
    assert ok.json()["assignee_name"] == team.member.name


def test_activation_on_an_incident_you_may_not_see_is_not_found(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    other = make_org(committed)
    outsider = make_person(committed, settings, org=other, role=Role.coordinator)
    headers = token_headers(committed, outsider, other)
    viewer = make_person(committed, settings, org=team.org, role=Role.viewer)
    viewer_headers = token_headers(committed, viewer, team.org)
    committed.commit()
    url = f"/api/v1/incidents/{team.incident_id}/playbook"

    hidden = client.post(url, json={"template_code": "armed_attack"}, headers=headers)
    assert hidden.status_code == 404
    assert client.get(url, headers=headers).status_code == 404
    assert client.get(url + "/../timeline", headers=headers).status_code == 404
    weak = client.post(url, json={"template_code": "armed_attack"}, headers=viewer_headers)
    assert weak.status_code == 403
    unknown = client.post(url, json={"template_code": "nope"}, headers=team.coordinator_headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "template_code"


def test_timeline_orders_everything_and_corrections_are_new_entries(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    activate(client, team)
    url = f"/api/v1/incidents/{team.incident_id}/timeline"
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)).isoformat()
    first = client.post(
        url, json={"text": "14:02 police on site", "at": earlier}, headers=team.member_headers
    )
    assert first.status_code == 201, first.text
    fixed = client.post(
        url,
        json={"text": "14:04 police on site", "corrects_id": int(first.json()["id"][6:])},
        headers=team.member_headers,
    )
    assert fixed.json()["corrects"] == first.json()["id"]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    refused = client.post(url, json={"text": "x", "at": future}, headers=team.member_headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "at"

    items = client.get(url, headers=team.member_headers).json()
    times = [i["at"] for i in items]
    assert times == sorted(times)
    assert items[0]["text"] == "14:02 police on site"  # it happened before the activation
    assert items[0]["corrected_by"] == [fixed.json()["id"]]
    csv_text = client.get(url + ".csv", headers=team.member_headers).text
    assert csv_text.splitlines()[0].startswith("at,kind,author,source,text")
    assert "14:04 police on site" in csv_text
    pdf = client.get(url + ".pdf", headers=team.member_headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    with get_sessionmaker(settings.sqlalchemy_url)() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(update(TimelineEntry).values(text="edited quietly"))
        session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("DELETE FROM timeline_entries"))
        session.rollback()


def test_reopening_criteria_record_the_return_to_routine(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    playbook = activate(client, team, "bomb_threat")
    url = f"/api/v1/incidents/{team.incident_id}/playbook/criteria/"
    codes = [c["code"] for c in playbook["reopening_criteria"]]
    denied = client.put(url + codes[0], json={"met": True}, headers=team.member_headers)
    assert denied.status_code == 403
    for code in codes[:-1]:
        state = client.put(url + code, json={"met": True}, headers=team.coordinator_headers).json()
        assert state["returned_to_routine_at"] is None
    done = client.put(url + codes[-1], json={"met": True}, headers=team.coordinator_headers).json()
    assert done["returned_to_routine_at"] is not None
    # The incident began two hours before: time-to-routine is measured from occurred_from.
    assert 2 * 3600 - 60 <= done["time_to_routine_seconds"] <= 2 * 3600 + 60
    closed = client.put(url + codes[0], json={"met": False}, headers=team.coordinator_headers)
    assert closed.status_code == 409
    assert (
        client.put(url + "nope", json={"met": True}, headers=team.coordinator_headers).status_code
        == 409
    )


def test_roll_call_check_in_phone_answer_and_signed_link(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    url = f"/api/v1/incidents/{team.incident_id}/roll-calls"
    assert client.post(url, headers=team.member_headers).status_code == 403
    board = client.post(url, headers=team.coordinator_headers).json()
    answers = f"{url}/{board['id']}/answers"

    client.post(answers, json={"answer": "safe"}, headers=team.member_headers)
    phoned = client.post(
        answers,
        json={"answer": "need_help", "name": "Rabbi Cohen"},
        headers=team.coordinator_headers,
    ).json()
    client.post(
        answers,
        json={"answer": "not_on_site", "name": "Caretaker"},
        headers=team.coordinator_headers,
    )
    names = [(e["name"], e["answer"], e["via"]) for e in phoned["entries"]]
    assert ("Rabbi Cohen", "need_help", "phone") in names
    assert (team.member.name, "safe", "api") in names
    not_allowed = client.post(
        answers, json={"answer": "safe", "name": "Someone"}, headers=team.member_headers
    )
    assert not_allowed.status_code == 403

    from vigil.playbooks.rollcall import answer_link_token

    cohen = next(e for e in phoned["entries"] if e["name"] == "Rabbi Cohen")
    token = answer_link_token(cohen["id"], secret_key=settings.secret_key)
    client.cookies.clear()
    page = client.get(f"/rollcall/{token}")
    assert page.status_code == 200
    from tests.html import csrf_of, html

    response = client.post(
        f"/rollcall/{token}", data={"csrf_token": csrf_of(html(page)), "answer": "safe"}
    )
    assert response.status_code == 200
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/rollcall/{forged}").status_code == 404
    expired = answer_link_token(
        cohen["id"],
        secret_key=settings.secret_key,
        now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
    )
    aged = client.get(f"/rollcall/{expired}")
    assert aged.status_code == 410
    assert html(aged).find("h1").text == "This roll-call link has expired"
    board = client.get(f"{url}/{board['id']}", headers=team.coordinator_headers).json()
    cohen = next(e for e in board["entries"] if e["name"] == "Rabbi Cohen")
    assert (cohen["answer"], cohen["via"]) == ("safe", "link")


def test_unanswered_people_come_first(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    url = f"/api/v1/incidents/{team.incident_id}/roll-calls"
    board = client.post(url, headers=team.coordinator_headers).json()
    answers = f"{url}/{board['id']}/answers"
    client.post(answers, json={"answer": "safe", "name": "Aaron"}, headers=team.coordinator_headers)
    from vigil.playbooks.models import RollCallEntry

    committed.add(RollCallEntry(roll_call_id=board["id"], name="Zelda"))
    committed.commit()
    entries = client.get(f"{url}/{board['id']}", headers=team.coordinator_headers).json()["entries"]
    assert [e["name"] for e in entries] == ["Zelda", "Aaron"]


def test_other_incident_of_same_org_is_separate(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    second = make_incident(committed, team.org, team.coordinator, type_="threat")
    committed.commit()
    task = activate(client, team)["tasks"][0]
    wrong = client.patch(
        f"/api/v1/incidents/{second.id}/playbook/tasks/{task['id']}",
        json={"version": 1, "status": "done"},
        headers=team.coordinator_headers,
    )
    assert wrong.status_code == 404
