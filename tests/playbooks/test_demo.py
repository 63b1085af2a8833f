"""The demonstration responses: a closed bomb threat at a demo synagogue with its whole story
(timeline, roll-call, reopening, review whose actions are site measures) and one response
still running, so the incident room is alive; loading twice adds none."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.html import db_rows, html, sign_in
from vigil.core.config import Settings
from vigil.demo import DEMO_PASSWORD, load_demo
from vigil.playbooks.models import Activation


def test_demo_responses_tell_the_whole_story_once(client: TestClient, settings: Settings) -> None:
    load_demo(settings)
    activations = db_rows(settings, select(Activation).order_by(Activation.id))
    assert len(activations) == 2
    closed, running = activations
    sign_in(client, "coordinator@jcs-berlin.example", DEMO_PASSWORD)

    playbook = client.get(f"/api/v1/incidents/{closed.incident_id}/playbook").json()
    assert all(t["status"] == "done" for t in playbook["tasks"])
    assert all(c["met_at"] for c in playbook["reopening_criteria"])
    assert playbook["time_to_routine_seconds"] == 26 * 3600
    kinds = {
        i["kind"] for i in client.get(f"/api/v1/incidents/{closed.incident_id}/timeline").json()
    }
    assert {"activation", "task", "log", "roll_call", "reopening", "routine", "review"} <= kinds
    review = client.get(f"/api/v1/incidents/{closed.incident_id}/playbook/review").json()
    assert review["site_id"] and len(review["actions"]) >= 2
    measures = client.get(f"/api/v1/sites/{review['site_id']}/measures").json()
    by_id = {m["id"]: m for m in measures}
    assert all(a["measure_id"] in by_id for a in review["actions"])
    assert sum(1 for m in measures if m["source"] == "after_action") == 2

    room = html(client.get(f"/incidents/{running.incident_id}/room"))
    assert room.find("div", id="room-live").find_all("li", class_="task")
    board = room.find("ul", class_="roll-call").find_all("li")
    assert "No answer yet" in board[0].text
    listed = html(client.get("/playbooks"))
    assert listed.find("ul", class_="responses-active").find("a").attrs["href"] == (
        f"/incidents/{running.incident_id}/room"
    )
    assert html(client.get("/playbooks/metrics")).find("table")

    load_demo(settings)
    assert len(db_rows(settings, select(Activation))) == 2
