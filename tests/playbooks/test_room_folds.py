"""What the incident room folds so that it fits a few screens of a phone (issue 19): later stages
nobody has started, the reopening criteria before the last stage, the timeline's earlier entries;
and what it keeps open: the current stage, a later stage someone has started, the first task's
guidance. The browser side (height, keyboard, folds kept through live updates) is in
tests/e2e/test_incident_room_browser.py."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import Node, csrf_of, html, sign_in, submit
from tests.playbooks.factories import Team, make_team
from vigil.core.config import Settings
from vigil.playbooks.room_folds import TIMELINE_SHOWN


def _room(client: TestClient, committed: Session, settings: Settings) -> tuple[Team, str]:
    team = make_team(committed, settings)
    room = f"/incidents/{team.incident_id}/room"
    sign_in(client, team.coordinator.email)
    assert submit(client, room, room + "/activate", {"template_code": "armed_attack"}).is_redirect
    return team, room


def _fold(page: Node, stage: str) -> Node:
    return page.find("details", id=f"stage-box-{stage}")


def _change(client: TestClient, room: str, page: Node, task: Node, status: str) -> Node:
    version = task.find("input", name="version").attrs["value"]
    response = client.post(
        f"{room}/tasks/{task.attrs['id'].removeprefix('task-')}",
        data={"csrf_token": csrf_of(page), "version": version, "status": status},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.text
    return html(response)


def test_later_stages_fold_to_their_count_and_next_due_until_current_or_started(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _, room = _room(client, committed, settings)
    page = html(client.get(room))
    current = _fold(page, "immediate")
    assert current.attrs["data-fold"] == "current" and "open" in current.attrs
    for stage in ("stabilise", "recover"):
        later = _fold(page, stage)
        assert later.attrs["data-fold"] == "later" and "open" not in later.attrs
        summary = later.find("summary").text
        assert "0 of" in summary and "next due" in summary
    # Only the first task to do shows its guidance; the others' is one tap away.
    guides = current.find_all("details", class_="task-guide")
    assert "open" in guides[0].attrs
    assert not any("open" in g.attrs for g in guides[1:])

    # Someone starts a later stage's task: that stage is no longer hidden.
    recover_task = _fold(page, "recover").find("li", class_="task")
    page = _change(client, room, page, recover_task, "doing")
    assert _fold(page, "recover").attrs["data-fold"] == "started"
    assert "open" in _fold(page, "recover").attrs
    assert "open" not in _fold(page, "stabilise").attrs

    # The first stage finished: it folds to its count, and the next one is current and open.
    for task in _fold(page, "immediate").find_all("li", class_="task"):
        page = _change(client, room, page, task, "done")
    finished = _fold(page, "immediate")
    assert finished.attrs["data-fold"] == "finished" and "open" not in finished.attrs
    assert "stage-done" in finished.attrs["class"].split()
    assert _fold(page, "stabilise").attrs["data-fold"] == "current"
    assert "open" in _fold(page, "stabilise").attrs


def test_reopening_criteria_fold_until_one_is_met(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _, room = _room(client, committed, settings)
    page = html(client.get(room))
    box = page.find("details", id="criteria-box")
    assert box.attrs["data-fold"] == "later" and "open" not in box.attrs
    assert "0 of 4 met" in box.find("summary").text
    response = client.post(
        room + "/criteria/scene_released",
        data={"csrf_token": csrf_of(page), "met": "yes"},
        headers={"HX-Request": "true"},
    )
    box = html(response).find("details", id="criteria-box")
    assert "open" in box.attrs and "1 of 4 met" in box.find("summary").text


def test_the_timeline_shows_its_newest_entries_and_folds_the_earlier_ones(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _, room = _room(client, committed, settings)
    assert html(client.get(room)).find_all("details", id="timeline-rest") == []
    for n in range(TIMELINE_SHOWN + 2):
        assert submit(client, room, room + "/log", {"text": f"Entry {n}", "at": ""}).is_redirect
    page = html(client.get(room))
    shown = page.find("ol", class_="timeline")
    entries = [li.text for li in shown.find_all("li")]
    assert len(entries) == TIMELINE_SHOWN
    assert f"Entry {TIMELINE_SHOWN + 1}" in entries[0]  # newest first
    rest = page.find("details", id="timeline-rest")
    assert "open" not in rest.attrs
    # The activation and the two oldest log entries are behind the fold.
    assert "Show 3 earlier entries" in rest.find("summary").text
    hidden = [li.text for li in rest.find_all("li")]
    assert len(hidden) == 3 and "Entry 0" in hidden[1]


def test_a_stages_done_tasks_fold_to_their_count_under_the_tasks_still_to_do(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    _, room = _room(client, committed, settings)
    page = html(client.get(room))
    current = _fold(page, "immediate")
    assert current.find_all("details", class_="done-fold") == []
    tasks = current.find_all("li", class_="task")

    page = _change(client, room, page, tasks[0], "done")
    page = _change(client, room, page, tasks[1], "done")

    current = _fold(page, "immediate")
    done = current.find("details", class_="done-fold")
    assert "open" not in done.attrs and done.attrs["data-fold"] == "2"
    assert "2 tasks done" in done.find("summary").text
    folded = [li.attrs["id"] for li in done.find_all("li", class_="task")]
    assert folded == [tasks[0].attrs["id"], tasks[1].attrs["id"]]
    still = [
        li.attrs["id"]
        for li in current.find("ol", class_="task-list").find_all("li", class_="task")
    ]
    assert still == [t.attrs["id"] for t in tasks[2:]]
    # Reopen stays one tap away inside the fold.
    assert done.find("button", id=f"act-{tasks[0].attrs['id'].removeprefix('task-')}-todo")
