"""Response metrics: medians recomputed by hand from known times, late tasks per stage, by
incident type; only readable incidents count, and a network's unreadable responses only add to
its totals (DECISIONS 7). The Playbooks page lists responses with links to their rooms."""

from __future__ import annotations

import datetime as dt

from defusedxml.ElementTree import fromstring
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.html import html, sign_in
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from tests.playbooks.factories import Team, make_incident, make_team
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents.models import Incident
from vigil.playbooks.models import Activation, Task

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _respond(
    client: TestClient,
    session: Session,
    team: Team,
    incident_id: int,
    *,
    ack_hours: float,
    stabilise_hours: float | None,
    routine_hours: float | None,
) -> None:
    """Activate through the API, then set the times by hand: the incident began and was
    recorded at T0, acknowledged `ack_hours` later, and so on."""
    response = client.post(
        f"/api/v1/incidents/{incident_id}/playbook",
        json={"template_code": "armed_attack"},
        headers=team.coordinator_headers,
    )
    assert response.status_code == 201, response.text
    activation_id = response.json()["id"]
    session.execute(
        update(Incident).where(Incident.id == incident_id).values(occurred_from=T0, created_at=T0)
    )
    session.execute(
        update(Activation)
        .where(Activation.id == activation_id)
        .values(
            activated_at=T0 + ack_hours * HOUR,
            returned_to_routine_at=T0 + routine_hours * HOUR if routine_hours else None,
        )
    )
    # Every task due an hour after T0: all late unless done on time.
    session.execute(
        update(Task).where(Task.activation_id == activation_id).values(due_at=T0 + HOUR)
    )
    if stabilise_hours is not None:
        session.execute(
            update(Task)
            .where(Task.activation_id == activation_id, Task.stage == "stabilise")
            .values(status="done", completed_at=T0 + stabilise_hours * HOUR)
        )
    session.commit()


def test_medians_late_tasks_and_types_from_known_times(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    second = make_incident(committed, team.org, team.coordinator, type_="threat").id
    third = make_incident(committed, team.org, team.coordinator).id
    committed.commit()
    _respond(
        client,
        committed,
        team,
        team.incident_id,
        ack_hours=0.5,
        stabilise_hours=3,
        routine_hours=48,
    )
    _respond(client, committed, team, second, ack_hours=1, stabilise_hours=None, routine_hours=None)
    _respond(client, committed, team, third, ack_hours=2, stabilise_hours=5, routine_hours=24)

    found = client.get("/api/v1/playbooks/metrics", headers=team.member_headers).json()
    overall = found["overall"]
    assert overall["responses"] == 3
    assert overall["acknowledge_median_seconds"] == 3600  # median of 0.5, 1, 2 h
    assert overall["stabilise_median_seconds"] == 4 * 3600  # median of 3 and 5 h
    assert overall["routine_median_seconds"] == 36 * 3600  # median of 48 and 24 h
    assert (overall["stabilised"], overall["back_to_routine"]) == (2, 2)
    by_type = {t["incident_type"]: t for t in found["by_type"]}
    assert by_type["extreme_violence"]["responses"] == 2
    assert by_type["extreme_violence"]["acknowledge_median_seconds"] == int(1.25 * 3600)
    assert by_type["threat"]["routine_median_seconds"] is None

    # Late: stabilise tasks done after their due time in two responses, not done in the other.
    tasks = client.get(f"/api/v1/incidents/{second}/playbook", headers=team.member_headers).json()[
        "tasks"
    ]
    per_stage = {
        s: sum(1 for t in tasks if t["stage"] == s) for s in ("immediate", "stabilise", "recover")
    }
    assert found["late_tasks_by_stage"] == {s: 3 * n for s, n in per_stage.items()}
    assert found["network_responses_total"] is None


def test_only_readable_incidents_count_and_the_network_adds_totals_only(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    other = make_team(committed, settings)
    network = make_network(committed, team.org, other.org)
    shared = make_incident(committed, other.org, other.coordinator, tlp="green").id
    committed.commit()
    _respond(
        client,
        committed,
        team,
        team.incident_id,
        ack_hours=1,
        stabilise_hours=None,
        routine_hours=10,
    )
    _respond(
        client,
        committed,
        other,
        other.incident_id,
        ack_hours=7,
        stabilise_hours=None,
        routine_hours=70,
    )
    _respond(
        client, committed, other, shared, ack_hours=3, stabilise_hours=None, routine_hours=None
    )

    own = client.get("/api/v1/playbooks/metrics", headers=team.member_headers).json()
    assert own["overall"]["responses"] == 1
    url = f"/api/v1/playbooks/metrics?network_id={network}"
    net = client.get(url, headers=team.member_headers).json()
    # The other member's amber+strict incident is not readable: it adds to the totals only.
    assert net["overall"]["responses"] == 2
    assert net["overall"]["acknowledge_median_seconds"] == 2 * 3600  # of 1 and 3 h, not 7
    assert net["overall"]["routine_median_seconds"] == 10 * 3600
    assert (net["network_responses_total"], net["network_back_to_routine_total"]) == (3, 2)

    outsider_org = make_org(committed)
    outsider = make_person(committed, settings, org=outsider_org, role=Role.coordinator)
    headers = token_headers(committed, outsider, outsider_org)
    committed.commit()
    assert client.get(url, headers=headers).status_code == 404
    assert (
        client.get("/api/v1/playbooks/metrics", headers=headers).json()["overall"]["responses"] == 0
    )


def test_playbooks_page_lists_responses_and_metrics_page_draws_charts(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    done = make_incident(committed, team.org, team.coordinator).id
    hidden_team = make_team(committed, settings)
    committed.commit()
    _respond(
        client,
        committed,
        team,
        team.incident_id,
        ack_hours=1,
        stabilise_hours=None,
        routine_hours=None,
    )
    _respond(client, committed, team, done, ack_hours=1, stabilise_hours=2, routine_hours=30)
    _respond(
        client,
        committed,
        hidden_team,
        hidden_team.incident_id,
        ack_hours=1,
        stabilise_hours=None,
        routine_hours=None,
    )

    sign_in(client, team.member.email)
    page = html(client.get("/playbooks"))
    active = [a.attrs["href"] for a in page.find("ul", class_="responses-active").find_all("a")]
    assert active == [f"/incidents/{team.incident_id}/room"]
    recent = page.find("ul", class_="responses-recent").find_all("a")
    assert recent[0].attrs["href"] == f"/incidents/{done}/room"
    assert page.find("a", href="/playbooks/metrics")
    nav = page.find("nav").find("a", href="/playbooks")
    assert nav is not None

    response = client.get("/playbooks/metrics")
    metrics_page = html(response)
    rows = metrics_page.find("table").find("tbody").find_all("tr")
    assert len(rows) == 1 and "2" in rows[0].find_all("td")[0].text
    assert "30.0 h" in metrics_page.find("table").find("tfoot").text
    svgs = [s for s in response.text.split("<svg")[1:]]
    assert len(svgs) == 2
    for chunk in svgs:
        root = fromstring("<svg" + chunk.split("</svg>")[0] + "</svg>")
        assert root.tag.endswith("svg") and root.attrib["role"] == "img"
    times = fromstring("<svg" + svgs[0].split("</svg>")[0] + "</svg>")
    values = [
        float(r.attrib["data-value"])
        for r in times.iter()
        if r.tag.endswith("rect") and "data-value" in r.attrib
    ]
    assert sorted(values) == [1.0, 2.0, 30.0]
