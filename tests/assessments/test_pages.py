"""Assessment pages on SQLite and PostgreSQL, parsed as HTML: starting one from the site, the
form a section at a time with each answer saved as it is given (a closed tab loses nothing),
field errors, completion and approval, the result with every number explained, the report and
its PDF, compare, the portfolio, the methodology pages, and outsiders finding nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.assessments.factories import answer_all, synagogue
from tests.core.test_pdf import first_page_ink
from tests.html import Node, alerts, csrf_of, db_rows, html, sign_in, submit
from tests.orgs.factories import make_network, make_org, make_person
from tests.sites.factories import acting, make_site
from vigil.app import create_app
from vigil.assessments import service, versions
from vigil.assessments.explain import evaluate
from vigil.assessments.methodology import Methodology
from vigil.assessments.models import Assessment, AssessmentAnswer
from vigil.core.config import Settings
from vigil.core.policy import Principal, Role
from vigil.orgs.models import OrgKind, Person


@dataclass
class World:
    site: int
    version: int
    methodology: Methodology
    lead: Person
    reporter: Person
    stranger: Person
    lead_principal: Principal
    reporter_principal: Principal


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    operator = make_org(committed, kind=OrgKind.site_operator)
    security = make_org(committed)
    make_network(committed, operator, security)
    lead = make_person(committed, settings, org=operator, role=Role.coordinator)
    reporter = make_person(committed, settings, org=operator, role=Role.reporter)
    stranger = make_person(committed, settings, org=security, role=Role.org_admin)
    lead_principal = acting(committed, lead, operator)
    site = synagogue(committed, lead_principal)
    shipped = {v.code: v for v in versions.ensure_shipped(committed)}
    built = World(
        site=site.id,
        version=shipped["places_of_worship"].id,
        methodology=versions.methodology_of(shipped["places_of_worship"]),
        lead=lead,
        reporter=reporter,
        stranger=stranger,
        lead_principal=lead_principal,
        reporter_principal=acting(committed, reporter, operator),
    )
    committed.commit()
    return built


def completed(
    committed: Session,
    w: World,
    strength: str,
    *,
    site_id: int | None = None,
    site_type: str = "place_of_worship",
) -> int:
    """An assessment answered and completed through the service, committed."""
    site = site_id or w.site
    a = service.start_assessment(
        session=committed, principal=w.reporter_principal, site_id=site, version_id=w.version
    )
    service.save_answers(
        session=committed,
        principal=w.reporter_principal,
        assessment_id=a.id,
        answers=answer_all(w.methodology, site_type, strength),
    )
    service.complete_assessment(
        session=committed, principal=w.reporter_principal, assessment_id=a.id
    )
    committed.commit()
    return a.id


def start_by_page(client: TestClient, w: World) -> int:
    page = html(client.get(f"/sites/{w.site}/assessments"))
    options = page.find("select", id="start-methodology").find_all("option")
    assert [o.attrs["value"] for o in options] == [str(w.version)]  # crowded venues not offered
    response = submit(
        client,
        f"/sites/{w.site}/assessments",
        f"/sites/{w.site}/assessments",
        {"methodology_version_id": str(w.version)},
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def section_form_values(w: World, code: str, strength: str) -> dict[str, str]:
    answers = answer_all(w.methodology, "place_of_worship", strength)
    sections = w.methodology.applicable_sections("place_of_worship")
    section = next(s for s in sections if s.code == code)
    return {f"answer-{q.id}": str(answers[q.id]) for q in section.questions}


def test_site_page_lists_assessments_and_starts_one(
    client: TestClient, world: World, committed: Session
) -> None:
    first = completed(committed, world, "weak")
    sign_in(client, world.reporter.email)
    site_page = html(client.get(f"/sites/{world.site}"))
    lazy = site_page.find("section", id="assessments").find("div")
    assert lazy.attrs["hx-get"] == f"/sites/{world.site}/assessments"
    fragment = html(client.get(lazy.attrs["hx-get"], headers={"HX-Request": "true"}))
    assert not fragment.find_all("html") or not fragment.find_all("nav")
    row = fragment.find("tr", **{"data-assessment": str(first)})
    assert "Completed" in row.text and "Places of worship" in row.text
    assert row.find("span", class_="band")

    a = start_by_page(client, world)
    overview = html(client.get(f"/assessments/{a}"))
    assert overview.find("span", class_="status-draft")
    sections = overview.find("ol", class_="section-list").find_all("li")
    assert len(sections) == len(world.methodology.applicable_sections("place_of_worship"))
    assert "0 of" in sections[0].text
    assert overview.find("a", href=f"/assessments/{a}/sections/governance")


def test_answers_saved_one_by_one_survive_a_closed_tab(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.reporter.email)
    a = start_by_page(client, world)
    page = html(client.get(f"/assessments/{a}/sections/governance"))
    first, second = page.find_all("fieldset", class_="question")[:2]
    assert first.attrs["hx-trigger"] == "change"
    assert first.find_all("input", type="radio")  # radio buttons, one a tap away
    token = csrf_of(page)
    saved = client.post(
        first.attrs["hx-post"],
        data={"csrf_token": token, f"answer-{first.attrs['data-question']}": "yes"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "Saved" in html(saved).find("p", class_="saved").text
    q2 = second.attrs["data-question"]
    saved = client.post(
        second.attrs["hx-post"],
        data={"csrf_token": token, f"answer-{q2}": "partly", f"note-{q2}": "Only on Sundays"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    # The tab is closed: a new browser signs in and opens the section again.
    with TestClient(create_app(settings)) as other:
        sign_in(other, world.reporter.email)
        again = html(other.get(f"/assessments/{a}/sections/governance"))
        checked = {
            i.attrs["name"]: i.attrs["value"]
            for i in again.find_all("input", type="radio")
            if "checked" in i.attrs
        }
        assert checked == {
            f"answer-{first.attrs['data-question']}": "yes",
            f"answer-{q2}": "partly",
        }
        assert again.find("textarea", name=f"note-{q2}").text == "Only on Sundays"
        assert "2 of" in html(other.get(f"/assessments/{a}")).find("li", **{
            "data-section": "governance"}).text  # fmt: skip


def test_wrong_answer_is_named_and_nothing_of_the_section_is_saved(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.reporter.email)
    a = start_by_page(client, world)
    values = section_form_values(world, "governance", "weak")
    values["answer-gov.04"] = "-3"  # months since review: below the scale's minimum
    response = submit(
        client, f"/assessments/{a}/sections/governance", f"/assessments/{a}/sections/governance",
        values,
    )  # fmt: skip
    assert response.status_code == 422
    page = html(response)
    fieldset = page.find("fieldset", **{"data-question": "gov.04"})
    assert "between" in fieldset.find("p", class_="field-error").text
    assert page.find("input", name="answer-gov.04", type="number").attrs["value"] == "-3"
    assert db_rows(settings, select(AssessmentAnswer)) == []

    one = client.post(
        f"/assessments/{a}/answers/gov.01",
        data={"csrf_token": csrf_of(page), "answer-gov.01": "maybe"},
        headers={"HX-Request": "true"},
    )
    assert one.status_code == 422
    assert "yes, partly, no" in html(one).find("p", class_="save-failed").text

    values["answer-gov.04"] = "6"
    saved = submit(
        client, f"/assessments/{a}/sections/governance", f"/assessments/{a}/sections/governance",
        values,
    )  # fmt: skip
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/assessments/{a}/sections/perimeter"
    assert len(db_rows(settings, select(AssessmentAnswer))) == len(values)


def answer_every_section(client: TestClient, w: World, a: int, strength: str) -> None:
    for section in w.methodology.applicable_sections("place_of_worship"):
        path = f"/assessments/{a}/sections/{section.code}"
        response = submit(client, path, path, section_form_values(w, section.code, strength))
        assert response.status_code == 303, response.text


def recompute_every_shown_number(page: Node) -> int:
    shown = page.find_all("details", class_="explain")
    for details in shown:
        names = [dt.text for dt in details.find_all("dt")]
        values = [json.loads(dd.attrs["data-json"]) for dd in details.find_all("dd")]
        inputs = dict(zip(names, values, strict=True))
        assert inputs == json.loads(details.attrs["data-inputs"])
        value = float(details.attrs["data-value"])
        assert evaluate(details.attrs["data-formula"], inputs) == pytest.approx(value)
    return len(shown)


def test_complete_then_result_explained_then_approved(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.reporter.email)
    a = start_by_page(client, world)
    early = submit(client, f"/assessments/{a}", f"/assessments/{a}/complete", {})
    assert early.status_code == 422
    missing = html(early).find("ul", class_="unanswered-list").find_all("li")
    assert len(missing) == len(service.applicable_questions(world.methodology, "place_of_worship"))

    answer_every_section(client, world, a, "weak")
    done = submit(client, f"/assessments/{a}", f"/assessments/{a}/complete", {})
    assert done.status_code == 303
    page = html(client.get(f"/assessments/{a}"))
    matrix = page.find("svg", class_="risk-matrix")
    marker = matrix.find("rect", class_="risk-marker")
    headline = page.find("div", class_="risk-headline").find("details", class_="explain")
    inputs = json.loads(headline.attrs["data-inputs"])
    assert int(marker.attrs["data-likelihood"]) == inputs["likelihood"]
    assert int(marker.attrs["data-impact"]) == inputs["impact"]
    assert page.find("svg", class_="radar")
    assert recompute_every_shown_number(page) > 20
    groups = [ol.attrs["data-timeframe"] for ol in page.find_all("ol", class_="measure-list")]
    assert groups and groups == sorted(groups, key=["now", "3_months", "year"].index)
    measure = page.find("li", class_="measure")
    trigger = measure.find("details", class_="triggers").find("li")
    assert trigger.attrs["data-question"] in {q.id for q in world.methodology.questions()}
    assert "No" in trigger.text or "0" in trigger.text
    duties = {li.attrs["data-duty"]: li for li in page.find_all("li", class_="duty")}
    assert duties["evacuation"].attrs["data-status"] == "lacking"
    assert "required for this site" in duties["evacuation"].text  # 450 people: standard tier
    assert not page.find_all("form", action=f"/assessments/{a}/approve")  # reporters do not

    lead = TestClient(create_app(settings))
    with lead:
        sign_in(lead, world.lead.email)
        approved = submit(lead, f"/assessments/{a}", f"/assessments/{a}/approve", {})
        assert approved.status_code == 303
        assert html(lead.get(f"/assessments/{a}")).find("span", class_="status-approved")


def test_completed_assessment_is_read_only(
    client: TestClient, world: World, committed: Session, settings: Settings
) -> None:
    a = completed(committed, world, "weak")
    sign_in(client, world.reporter.email)
    page = html(client.get(f"/assessments/{a}/sections/governance"))
    fieldsets = page.find_all("fieldset", class_="question")
    assert fieldsets and all("disabled" in f.attrs and "hx-post" not in f.attrs for f in fieldsets)
    assert not page.find("form", class_="question-form").find_all("button", type="submit")
    before = [(r.question_id, r.value) for r in db_rows(settings, select(AssessmentAnswer))]
    late = client.post(
        f"/assessments/{a}/answers/gov.01",
        data={"csrf_token": csrf_of(page), "answer-gov.01": "yes"},
        headers={"HX-Request": "true"},
    )
    assert late.status_code == 409
    posted = submit(
        client, f"/assessments/{a}/sections/governance", f"/assessments/{a}/sections/governance",
        {"answer-gov.01": "yes"},
    )  # fmt: skip
    assert posted.status_code == 409 and "completed" in alerts(html(posted))[0]
    after = [(r.question_id, r.value) for r in db_rows(settings, select(AssessmentAnswer))]
    assert sorted(after) == sorted(before)


def test_report_page_and_pdf(client: TestClient, world: World, committed: Session) -> None:
    a = completed(committed, world, "weak")
    sign_in(client, world.reporter.email)
    report = html(client.get(f"/assessments/{a}/report"))
    assert report.find("svg", class_="risk-matrix") and report.find("svg", class_="radar")
    rows = report.find("table", class_="measures-table").find("tbody").find_all("tr")
    assert len(rows) >= 5
    answered = report.find("section", id="report-answers").find_all("tr")
    assert len(answered) == len(service.applicable_questions(world.methodology, "place_of_worship"))
    assert report.find("a", href=f"/assessments/{a}/report.pdf")
    pdf = client.get(f"/assessments/{a}/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert first_page_ink(pdf.content) > 0.001


def test_compare_shows_what_improved(client: TestClient, world: World, committed: Session) -> None:
    before = completed(committed, world, "weak")
    after = completed(committed, world, "strong")
    sign_in(client, world.lead.email)
    listed = html(client.get(f"/sites/{world.site}/assessments"))
    link = listed.find("tr", **{"data-assessment": str(after)}).find("a", href=(
        f"/assessments/compare?before={before}&after={after}"))  # fmt: skip
    page = html(client.get(link.attrs["href"]))
    sections = page.find("table", class_="compare-sections").find("tbody").find_all("tr")
    assert sections and all("better" in r.attrs.get("class", "") for r in sections)
    improved = page.find("section", class_="compare-improved").find_all("li")
    assert len(improved) > 40
    assert page.find("section", class_="compare-worse").find_all("li") == []


def test_portfolio_ranks_sites_and_flags_missing_duties(
    client: TestClient, world: World, committed: Session
) -> None:
    completed(committed, world, "strong")
    weak_site = make_site(committed, world.lead_principal, name="Kindergarten Ahavah",
                          type="kindergarten", capacity=900, country="GB")  # fmt: skip
    committed.commit()
    completed(committed, world, "weak", site_id=weak_site.id, site_type="kindergarten")
    sign_in(client, world.lead.email)
    page = html(client.get("/portfolio"))
    assert page.find("a", href="/portfolio", **{"aria-current": "page"})
    ranked = page.find("table", class_="portfolio-table").find("tbody").find_all("tr")
    assert [r.attrs["data-site"] for r in ranked] == [str(weak_site.id), str(world.site)]
    lacking = page.find("ul", class_="lacking-list").find_all("li")
    assert [li.attrs["data-site"] for li in lacking] == [str(weak_site.id)]
    # Every answer is weak, but a kindergarten is a standard-duty premises whatever its
    # capacity: the flags are the standard tier's duties, the regulator's included (UK).
    flagged = lacking[0].text
    for duty in ("regulator notified", "Evacuation", "Invacuation", "Lockdown", "Communication"):
        assert duty in flagged
    assert "senior individual" not in flagged and "document assessing" not in flagged
    reason = lacking[0].find("span", class_="duty-tier")
    assert (reason.attrs["data-tier"], reason.attrs.get("data-advisory")) == ("standard", None)
    assert "childcare and early-years premises are standard-duty premises" in reason.text
    points = json.loads(page.find("div", id="portfolio-map").attrs["data-points"])
    assert {p["id"] for p in points} == {weak_site.id, world.site}
    assert page.find("ol", class_="weakness-list").find_all("li")


def test_methodology_pages_publish_with_errors_by_line_and_withdraw(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.lead.email)
    listed = html(client.get("/methodologies"))
    assert len(listed.find("table", class_="methodology-table").find_all("tr")) == 3
    shown = html(client.get(f"/methodologies/{world.version}"))
    assert shown.find("li", **{"data-question": "gov.01"})
    copy_path = f"/methodologies/{world.version}/copy"
    textarea = html(client.get(copy_path)).find("textarea", name="yaml_text")
    yaml_text = "".join(c for c in textarea.children if isinstance(c, str))
    assert "sections:" in yaml_text
    lines = yaml_text.splitlines()
    weight_line = next(i for i, line in enumerate(lines) if line.strip().startswith("weight:"))
    broken = "\n".join(lines[:weight_line] + lines[weight_line + 1 :])
    refused = submit(client, copy_path, "/methodologies/publish",
                     {"yaml_text": broken, "based_on_id": str(world.version)})  # fmt: skip
    assert refused.status_code == 422
    problem = html(refused).find("ul", class_="problem-list").find("li")
    assert problem.attrs["data-key"].endswith("weight") and int(problem.attrs["data-line"]) > 0
    own = yaml_text.replace("en: Places of worship", "en: Our synagogues", 1)
    published = submit(client, copy_path, "/methodologies/publish",
                       {"yaml_text": own, "based_on_id": str(world.version)})  # fmt: skip
    assert published.status_code == 303
    own_page = published.headers["location"]
    assert "Our synagogues" in html(client.get(own_page)).find("h1").text
    withdrawn = submit(client, own_page, f"{own_page}/withdraw", {})
    assert withdrawn.status_code == 303
    assert "Withdrawn" in html(client.get(own_page)).find("p", class_="methodology-meta").text


def test_outsider_gets_404_on_every_assessment_page(
    client: TestClient, world: World, committed: Session
) -> None:
    a = completed(committed, world, "weak")
    b = completed(committed, world, "strong")
    sign_in(client, world.stranger.email)
    for path in (
        f"/assessments/{a}",
        f"/assessments/{a}/preview",
        f"/assessments/{a}/sections/governance",
        f"/assessments/{a}/report",
        f"/assessments/{a}/report.pdf",
        f"/assessments/compare?before={a}&after={b}",
        f"/sites/{world.site}/assessments",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_of(html(client.get("/portfolio")))
    for path in (f"/assessments/{a}/answers/gov.01", f"/assessments/{a}/approve"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    portfolio = html(client.get("/portfolio"))
    assert not portfolio.find_all("tr", **{"data-site": str(world.site)})


def test_preview_scores_the_answers_so_far_and_stores_nothing(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.reporter.email)
    a = start_by_page(client, world)
    path = f"/assessments/{a}/sections/governance"
    assert submit(client, path, path, section_form_values(world, "governance", "weak")).is_redirect
    page = html(client.get(f"/assessments/{a}/preview"))
    assert "preview" in page.find("p", class_="flash-warning").text
    governance = page.find("tr", **{"data-section": "governance"})
    assert governance.find("strong", class_="explain-value").text == "100"
    assert "No answers" in page.find("tr", **{"data-section": "perimeter"}).text
    assert recompute_every_shown_number(page) > 5
    assert db_rows(settings, select(Assessment.result_json).where(Assessment.id == a)) == [None]
