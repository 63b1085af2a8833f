"""The response meets the incident's real site: the roll-call expects the site's contacts,
the suggestion reads the site's type, and the after-action review's actions become (or feed)
measures of the site that its next assessment shows (DECISIONS 9, 10)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.html import csrf_of, html, sign_in, submit
from tests.orgs.factories import make_org, make_person, token_headers
from tests.playbooks.factories import Team, give_site, make_team
from tests.sites.factories import acting, make_site
from vigil.assessments.models import SiteMeasure
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.playbooks.models import AfterActionReview
from vigil.playbooks.rollcall import answer_link_token


def _activate(client: TestClient, team: Team) -> None:
    response = client.post(
        f"/api/v1/incidents/{team.incident_id}/playbook",
        json={"template_code": "armed_attack"},
        headers=team.coordinator_headers,
    )
    assert response.status_code == 201, response.text


def test_roll_call_expects_the_site_contacts_and_a_link_answers_for_one(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    give_site(committed, settings, team)
    url = f"/api/v1/incidents/{team.incident_id}/roll-calls"
    board = client.post(url, headers=team.coordinator_headers).json()
    assert [(e["name"], e["contact_priority"], e["answer"]) for e in board["entries"]] == [
        ("Rina Levy", 1, None),
        ("Night guard", 2, None),
        (team.member.name, 3, None),
    ]
    answers = f"{url}/{board['id']}/answers"
    # The member who is a contact checks in as themselves: their row is answered, none added.
    checked = client.post(answers, json={"answer": "safe"}, headers=team.member_headers).json()
    assert len(checked["entries"]) == 3
    guard = next(e for e in checked["entries"] if e["name"] == "Night guard")
    token = answer_link_token(guard["id"], secret_key=settings.secret_key)
    client.cookies.clear()
    page = html(client.get(f"/rollcall/{token}"))
    answered = client.post(
        f"/rollcall/{token}", data={"csrf_token": csrf_of(page), "answer": "need_help"}
    )
    assert answered.status_code == 200

    entries = client.get(f"{url}/{board['id']}", headers=team.coordinator_headers).json()["entries"]
    # Unanswered first, then who needs help, then the safe.
    assert [(e["name"], e["answer"], e["via"]) for e in entries] == [
        ("Rina Levy", None, None),
        ("Night guard", "need_help", "link"),
        (team.member.name, "safe", "api"),
    ]

    sign_in(client, team.coordinator.email)
    room = html(client.get(f"/incidents/{team.incident_id}/room"))
    names = [li.text for li in room.find("ul", class_="roll-call").find_all("li")]
    assert "Rina Levy" in names[0] and "Night guard" in names[1]
    # Who is safe folds to a count under who still needs attention, still there to correct.
    assert len(names) == 2
    settled = room.find("details", class_="done-fold", id=f"settled-{board['id']}")
    assert "open" not in settled.attrs and "1 safe or not on site" in settled.find("summary").text
    [safe] = settled.find_all("li", class_="answer-safe")
    assert team.member.name in safe.text and safe.find("details", class_="answer-phone")


def test_replacing_the_site_contacts_keeps_a_running_roll_call(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    site = give_site(committed, settings, team)
    url = f"/api/v1/incidents/{team.incident_id}/roll-calls"
    board = client.post(url, headers=team.coordinator_headers).json()
    replaced = client.put(
        f"/api/v1/sites/{site.id}/contacts",
        json={"contacts": [{"name": "New lead", "phone": "+49 30 111"}]},
        headers=team.coordinator_headers,
    )
    assert replaced.status_code == 200, replaced.text
    entries = client.get(f"{url}/{board['id']}", headers=team.coordinator_headers).json()["entries"]
    assert [e["name"] for e in entries] == ["Rina Levy", "Night guard", team.member.name]


def test_suggestions_read_the_real_site_type(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    url = f"/api/v1/incidents/{team.incident_id}/playbook/suggestions"

    def reasons() -> dict[str, list[str]]:
        found = client.get(url, headers=team.coordinator_headers).json()
        return {s["code"]: s["reasons"] for s in found}

    assert all("site type" not in r for r in reasons().values())
    give_site(committed, settings, team, site_type="school")
    at_school = reasons()
    assert "site type" in at_school["armed_attack"]
    assert "site type" not in at_school["worship_damage"]


def _review(actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "what_happened": "Attacker at the gate",
        "what_did_not": "Side door",
        "actions": actions,
    }


def test_review_actions_become_or_feed_site_measures(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    site = give_site(committed, settings, team)
    _activate(client, team)
    measures_url = f"/api/v1/sites/{site.id}/measures"
    existing = client.post(
        measures_url,
        json={"text": "Stewards trained in lockdown", "cost": "low"},
        headers=team.coordinator_headers,
    )
    assert existing.status_code == 201, existing.text
    url = f"/api/v1/incidents/{team.incident_id}/playbook/review"

    saved = client.put(
        url,
        json=_review(
            [
                {"text": "Self-closing side door", "cost": "high", "horizon": "now"},
                {"text": "Drill the lockdown twice a year", "measure_id": existing.json()["id"]},
            ]
        ),
        headers=team.coordinator_headers,
    )
    assert saved.status_code == 200, saved.text
    actions = saved.json()["actions"]
    assert actions[1]["measure_id"] == existing.json()["id"]
    assert actions[1]["measure_text"] == "Stewards trained in lockdown"

    shown = client.get(measures_url, headers=team.coordinator_headers).json()
    door = next(m for m in shown if m["text"] == "Self-closing side door")
    assert (door["id"], door["source"], door["cost"]) == (
        actions[0]["measure_id"],
        "after_action",
        "high",
    )
    assert door["horizon"] == "now" and door["status"] == "open"

    # Saving again with the links the review gave back makes no second measure.
    again = client.put(
        url,
        json=_review([{k: a[k] for k in ("text", "owner", "measure_id")} for a in actions]),
        headers=team.coordinator_headers,
    )
    assert again.status_code == 200
    count = select(func.count()).select_from(SiteMeasure).where(SiteMeasure.site_id == site.id)
    assert committed.scalar(count) == 2


def test_a_measure_of_another_site_is_refused_and_nothing_is_saved(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    give_site(committed, settings, team)
    other = make_site(committed, acting(committed, team.coordinator, team.org))
    committed.commit()
    foreign = client.post(
        f"/api/v1/sites/{other.id}/measures",
        json={"text": "Fence the car park"},
        headers=team.coordinator_headers,
    ).json()
    _activate(client, team)
    response = client.put(
        f"/api/v1/incidents/{team.incident_id}/playbook/review",
        json=_review([{"text": "New door"}, {"text": "Fence", "measure_id": foreign["id"]}]),
        headers=team.coordinator_headers,
    )
    assert response.status_code == 422
    assert "actions.1.measure_id" in response.text
    committed.expire_all()
    assert committed.scalar(select(func.count()).select_from(AfterActionReview)) == 0
    new = select(func.count()).select_from(SiteMeasure).where(SiteMeasure.source == "after_action")
    assert committed.scalar(new) == 0


def test_an_outsider_cannot_link_to_a_site_they_may_not_see(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    give_site(committed, settings, team)
    outsider_org = make_org(committed)
    outsider = make_person(committed, settings, org=outsider_org, role=Role.coordinator)
    headers = token_headers(committed, outsider, outsider_org)
    committed.commit()
    response = client.put(
        f"/api/v1/incidents/{team.incident_id}/playbook/review",
        json=_review([{"text": "New door"}]),
        headers=headers,
    )
    assert response.status_code == 404


def test_review_page_offers_the_site_measures(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    site = give_site(committed, settings, team)
    _activate(client, team)
    sign_in(client, team.coordinator.email)
    review = f"/incidents/{team.incident_id}/review"
    saved = submit(
        client,
        review,
        review,
        {
            "what_happened": "Attacker at the gate at 14:00",
            "action_text": ["Self-closing side door", ""],
            "action_owner": ["David", ""],
            "action_due": ["2027-01-15", ""],
            "action_measure": ["new", "new"],
        },
    )
    assert saved.status_code == 303, saved.text
    page = html(client.get(review))
    select_box = page.find("select", id="a-measure-1")
    chosen = [o for o in select_box.find_all("option") if "selected" in o.attrs]
    assert [o.text for o in chosen] == ["Self-closing side door"]
    shown = client.get(f"/api/v1/sites/{site.id}/measures", headers=team.coordinator_headers)
    assert [m["text"] for m in shown.json()] == ["Self-closing side door"]
