"""Re-assessing a site through the API and the pages, on a committed database of each backend:
the button on the site's assessments, the new assessment's summary of what needs the volunteer,
the marks on each question with a filter, keeping a reworded question's answer, the refusal
when one is already open (with the way to it), and outsiders finding nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.assessments.factories import synagogue
from tests.assessments.small import SMALL
from tests.assessments.test_reassess import SMALL_2
from tests.html import alerts, csrf_of, html, sign_in, submit
from tests.orgs.factories import make_org, make_person, token_headers
from tests.sites.factories import acting
from vigil.assessments import service, versions
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import OrgKind, Person


@dataclass(frozen=True)
class World:
    site: int
    old: int  # the completed assessment, of version 1
    version_2: int
    reporter: Person
    stranger: Person
    reporter_api: dict[str, str]
    stranger_api: dict[str, str]


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    operator = make_org(committed, kind=OrgKind.site_operator)
    other = make_org(committed)
    lead = make_person(committed, settings, org=operator, role=Role.coordinator)
    reporter = make_person(committed, settings, org=operator, role=Role.reporter)
    stranger = make_person(committed, settings, org=other, role=Role.org_admin)
    lead_principal = acting(committed, lead, operator)
    site = synagogue(committed, lead_principal)
    first = versions.publish_version(session=committed, principal=lead_principal, yaml_text=SMALL)
    a = service.start_assessment(
        session=committed, principal=lead_principal, site_id=site.id, version_id=first.id
    )
    service.save_answers(
        session=committed,
        principal=lead_principal,
        assessment_id=a.id,
        answers={"g1": "yes", "g2": 3, "p1": "no", "p2": 8},
    )
    service.complete_assessment(session=committed, principal=lead_principal, assessment_id=a.id)
    second = versions.publish_version(
        session=committed, principal=lead_principal, yaml_text=SMALL_2
    )
    built = World(
        site=site.id,
        old=a.id,
        version_2=second.id,
        reporter=reporter,
        stranger=stranger,
        reporter_api=token_headers(committed, reporter, operator),
        stranger_api=token_headers(committed, stranger, other),
    )
    committed.commit()
    return built


def test_api_reassess_changes_and_refusals(client: TestClient, world: World) -> None:
    path = f"/api/v1/sites/{world.site}/assessments/reassess"
    assert client.post(path, headers=world.stranger_api).status_code == 404
    made = client.post(path, headers=world.reporter_api)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["methodology_version_id"] == world.version_2 and body["status"] == "in_progress"
    assert {a["question_id"] for a in body["answers"]} == {"g1", "g2", "p2"}
    changes = client.get(f"/api/v1/assessments/{body['id']}/changes", headers=world.reporter_api)
    assert changes.status_code == 200, changes.text
    got = changes.json()
    assert (got["new"], got["changed"], got["carried"], got["removed"]) == (1, 1, 2, 1)
    assert got["previous_id"] == world.old and got["needs_you"] == 2
    again = client.post(path, headers=world.reporter_api)
    assert again.status_code == 409
    assert f"/assessments/{body['id']}" in again.json()["detail"]
    outsider = client.get(f"/api/v1/assessments/{body['id']}/changes", headers=world.stranger_api)
    assert outsider.status_code == 404


def test_reassess_by_page_marks_what_needs_the_volunteer(client: TestClient, world: World) -> None:
    sign_in(client, world.reporter.email)
    done = html(client.get(f"/assessments/{world.old}"))
    assert (
        done.find("form", class_="reassess-form").attrs["action"] == f"/sites/{world.site}/reassess"
    )
    listing = html(client.get(f"/sites/{world.site}/assessments"))
    form = listing.find("form", class_="reassess-form")
    assert form.attrs["action"] == f"/sites/{world.site}/reassess"
    assert form.find("button").text == "Re-assess"
    made = submit(client, f"/sites/{world.site}/assessments", form.attrs["action"], {})
    assert made.status_code == 303, made.text
    new = int(made.headers["location"].rsplit("/", 1)[1])

    overview = html(client.get(f"/assessments/{new}"))
    panel = overview.find(id="needs")
    assert panel.find("h2").text == "2 questions need you"
    assert "1 new question, 1 changed, 2 answers carried forward, 1 question dropped" in panel.text
    listed = {li.attrs["data-question"]: li.attrs["data-mark"] for li in panel.find_all("li")}
    assert listed == {"g1": "changed", "g3": "new"}

    section = html(client.get(f"/assessments/{new}/sections/governance"))
    assert "mark-changed" in section.find(id="mark-g1").attrs["class"]
    assert "mark-new" in section.find(id="mark-g3").attrs["class"]
    assert "mark-carried" in section.find(id="mark-g2").attrs["class"]
    g1 = section.find("fieldset", **{"data-question": "g1"})
    assert g1.find("input", value="yes").attrs.get("checked") is not None  # pre-filled
    keep = g1.find("button", class_="keep-answer")
    only = html(client.get(f"/assessments/{new}/sections/governance?needs=1"))
    shown = [f.attrs["data-question"] for f in only.find_all("fieldset", class_="question")]
    assert shown == ["g1", "g3"]

    # Keeping the earlier answer (htmx) is the check: the mark gives way, out of band.
    kept = client.post(
        keep.attrs["hx-post"],
        data={"csrf_token": csrf_of(section), "answer-g1": "yes"},
        headers={"HX-Request": "true"},
    )
    assert kept.status_code == 200, kept.text
    assert html(kept).find(id="mark-g1").attrs["hx-swap-oob"] == "true"
    overview = html(client.get(f"/assessments/{new}"))
    assert overview.find(id="needs").find("h2").text == "1 question needs you"

    # One is open against the newest version: the site offers it, and a second is refused.
    listing = html(client.get(f"/sites/{world.site}/assessments"))
    assert (
        listing.find("p", class_="reassess-open").find("a").attrs["href"] == f"/assessments/{new}"
    )
    token = csrf_of(listing)
    refused = client.post(f"/sites/{world.site}/reassess", data={"csrf_token": token})
    assert refused.status_code == 409
    assert any(f"/assessments/{new}" in text for text in alerts(html(refused)))


def test_outsider_cannot_reassess_by_page(client: TestClient, world: World) -> None:
    sign_in(client, world.stranger.email)
    token = csrf_of(html(client.get("/portfolio")))
    assert (
        client.post(f"/sites/{world.site}/reassess", data={"csrf_token": token}).status_code == 404
    )
