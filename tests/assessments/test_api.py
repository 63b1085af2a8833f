"""The assessments API end to end, on a committed database of each backend."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.assessments.factories import answer_all, synagogue
from tests.core.test_pdf import first_page_ink
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from tests.sites.factories import acting
from vigil.assessments import versions
from vigil.assessments.methodology import Methodology
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import OrgKind


@dataclass(frozen=True)
class World:
    site: int
    site_type: str
    version: int
    methodology: Methodology
    lead: dict[str, str]
    reporter: dict[str, str]
    stranger: dict[str, str]


def setup(committed: Session, settings: Settings) -> World:
    operator = make_org(committed, kind=OrgKind.site_operator)
    security = make_org(committed)
    make_network(committed, operator, security)
    lead = make_person(committed, settings, org=operator, role=Role.coordinator)
    reporter = make_person(committed, settings, org=operator, role=Role.reporter)
    stranger = make_person(committed, settings, org=security, role=Role.org_admin)
    site = synagogue(committed, acting(committed, lead, operator))
    shipped = {v.code: v for v in versions.ensure_shipped(committed)}
    methodology = versions.methodology_of(shipped["places_of_worship"])
    world = World(
        site=site.id,
        site_type=site.type,
        version=shipped["places_of_worship"].id,
        methodology=methodology,
        lead=token_headers(committed, lead, operator),
        reporter=token_headers(committed, reporter, operator),
        stranger=token_headers(committed, stranger, security),
    )
    committed.commit()
    return world


def start(client: TestClient, w: World) -> int:
    answer = client.post(
        f"/api/v1/sites/{w.site}/assessments",
        json={"methodology_version_id": w.version},
        headers=w.reporter,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "draft"
    return int(answer.json()["id"])


def test_operator_completes_and_coordinator_approves(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    w = setup(committed, settings)
    a = start(client, w)
    answers = answer_all(w.methodology, w.site_type, "weak")
    bad = client.patch(
        f"/api/v1/assessments/{a}/answers",
        json={"answers": {**answers, next(iter(answers)): "maybe"}},
        headers=w.reporter,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == next(iter(answers))
    assert client.get(f"/api/v1/assessments/{a}", headers=w.lead).json()["answered"] == 0

    early = client.post(f"/api/v1/assessments/{a}/complete", headers=w.reporter)
    assert (
        early.status_code == 422
        and "not every question has an answer yet" in early.json()["detail"]
    )

    saved = client.patch(
        f"/api/v1/assessments/{a}/answers",
        json={"answers": answers},
        headers=w.reporter,
    )
    assert saved.status_code == 200
    assert saved.json()["answered"] == saved.json()["questions"] == len(answers)
    done = client.post(f"/api/v1/assessments/{a}/complete", headers=w.reporter)
    assert done.status_code == 200, done.text
    result = done.json()["result"]
    assert result["risk"]["risk"]["value"] == (
        result["risk"]["likelihood"]["value"] * result["risk"]["impact"]["value"]
    )
    assert result["measures"], "weak answers must trigger measures"
    # The attack scenarios, highest risk first; measures carry the scenario risk they remove.
    risks = [s["risk"]["value"] for s in result["scenarios"]]
    assert len(risks) >= 12 and risks == sorted(risks, reverse=True)
    first = result["scenarios"][0]
    assert first["risk"]["value"] == first["probability"]["value"] * first["impact"]["value"]
    assert any(m["scenario_risk_removed"]["value"] > 0 for m in result["measures"])
    # A synagogue in Germany: the standard tier, as advice after the UK rule set.
    assert (result["tier"], result["duty_tier"]["advisory"]) == ("standard", True)
    required = {d["duty"] for d in result["duties"] if d["required"]}
    assert required == {"evacuation", "invacuation", "lockdown", "communication"}
    denied = client.post(f"/api/v1/assessments/{a}/approve", headers=w.reporter)
    assert denied.status_code == 403
    approved = client.post(f"/api/v1/assessments/{a}/approve", headers=w.lead)
    assert approved.json()["status"] == "approved"

    portfolio = client.get("/api/v1/portfolio", headers=w.lead).json()
    ranked = [s for s in portfolio["sites"] if s["site_id"] == w.site]
    assert ranked and ranked[0]["risk"] == result["risk"]["risk"]["value"]
    assert ranked[0]["duty_tier"]["tier"] == "standard"
    assert set(ranked[0]["lacking_duties"]) <= required
    assert portfolio["weaknesses"] and portfolio["weaknesses"][0]["sites"] == 1

    pdf = client.get(f"/api/v1/assessments/{a}/report.pdf", headers=w.lead)
    assert pdf.headers["content-type"] == "application/pdf"
    assert first_page_ink(pdf.content) > 0.001


def test_outsider_sees_nothing(client: TestClient, committed: Session, settings: Settings) -> None:
    w = setup(committed, settings)
    a = start(client, w)
    stranger = w.stranger
    for path in (
        f"/api/v1/assessments/{a}",
        f"/api/v1/assessments/{a}/report.pdf",
        f"/api/v1/assessments/compare?before={a}&after={a}",
    ):
        assert client.get(path, headers=stranger).status_code == 404, path
    listed = client.get(f"/api/v1/sites/{w.site}/assessments", headers=stranger)
    assert listed.status_code == 404 or listed.json() == []
    portfolio = client.get("/api/v1/portfolio", headers=stranger).json()
    assert all(s["site_id"] != w.site for s in portfolio["sites"])


def test_compare_two_assessments(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    w = setup(committed, settings)
    methodology = w.methodology
    site_type = w.site_type
    ids = []
    for strength in ("weak", "strong"):
        a = start(client, w)
        answers = answer_all(methodology, site_type, strength)
        client.patch(
            f"/api/v1/assessments/{a}/answers",
            json={"answers": answers},
            headers=w.reporter,
        )
        assert client.post(f"/api/v1/assessments/{a}/complete", headers=w.reporter).is_success
        ids.append(a)
    diff = client.get(
        f"/api/v1/assessments/compare?before={ids[0]}&after={ids[1]}",
        headers=w.lead,
    ).json()
    assert diff["vulnerability_before"] > diff["vulnerability_after"]
    assert diff["improved"] and not diff["worse"]
    assert all(s["after"] is None or s["after"] <= s["before"] for s in diff["sections"])


def test_methodology_publish_errors_and_withdrawal(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    w = setup(committed, settings)
    base = client.get(f"/api/v1/methodologies/{w.version}/yaml", headers=w.lead)
    assert base.status_code == 200 and "sections:" in base.text
    broken = base.text.replace("measures:", "measurez:", 1)
    refused = client.post(
        "/api/v1/methodologies",
        json={"yaml": broken},
        headers=w.lead,
    )
    assert refused.status_code == 422
    assert any(":" in e["message"] for e in refused.json()["errors"])
    listed = client.get("/api/v1/methodologies", headers=w.lead).json()
    assert all(v["owner_org_id"] is None for v in listed)

    mine = client.post(
        "/api/v1/methodologies",
        json={"yaml": base.text, "based_on_id": w.version},
        headers=w.lead,
    )
    assert mine.status_code == 201 and mine.json()["version"] == 1
    own_id = mine.json()["id"]
    assessment = client.post(
        f"/api/v1/sites/{w.site}/assessments",
        json={"methodology_version_id": own_id},
        headers=w.reporter,
    ).json()["id"]
    assert (
        client.post(f"/api/v1/methodologies/{own_id}/withdraw", headers=w.reporter).status_code
        == 403
    )
    assert (
        client.post(f"/api/v1/methodologies/{own_id}/withdraw", headers=w.lead).json()["status"]
        == "withdrawn"
    )
    question = w.methodology.questions()[0].id
    late = client.patch(
        f"/api/v1/assessments/{assessment}/answers",
        json={"answers": {question: "yes"}},
        headers=w.reporter,
    )
    assert late.status_code == 422 and "withdrawn" in late.json()["detail"]
    assert client.get(f"/api/v1/methodologies/{own_id}", headers=w.stranger).status_code == 404


def test_measures_added_by_hand_are_listed_and_tracked(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    w = setup(committed, settings)
    body = {"text": "Replace the side gate lock", "cost": "low", "horizon": "now"}
    refused = client.post(f"/api/v1/sites/{w.site}/measures", json=body, headers=w.reporter)
    assert refused.status_code == 403
    empty = client.post(f"/api/v1/sites/{w.site}/measures", json={"text": ""}, headers=w.lead)
    assert empty.status_code == 422
    added = client.post(f"/api/v1/sites/{w.site}/measures", json=body, headers=w.lead)
    assert added.status_code == 201 and added.json()["source"] == "manual"
    measure = added.json()["id"]
    listed = client.get(f"/api/v1/sites/{w.site}/measures", headers=w.reporter).json()
    assert [m["text"] for m in listed] == ["Replace the side gate lock"]
    done = client.patch(f"/api/v1/measures/{measure}", json={"status": "done"}, headers=w.lead)
    assert done.json()["status"] == "done"
    hidden = client.patch(
        f"/api/v1/measures/{measure}", json={"status": "open"}, headers=w.stranger
    )
    assert hidden.status_code == 404
    assert client.get(f"/api/v1/sites/{w.site}/measures", headers=w.stranger).status_code == 404
