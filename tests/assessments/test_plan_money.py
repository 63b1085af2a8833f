"""Issue 21 on SQLite and PostgreSQL, through the pages, the API, the CSV and the PDF: each
question's own level wording where an answer is asked or shown, graded measures saying the
level they climb from and to, and the plan in money by the organisation's cost bands (each
measure's range, totals per timeframe and overall, the funding-application table as CSV and as
a section of the PDF), read only by those who may read the report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.assessments.factories import synagogue
from tests.assessments.test_levels import graded_text
from tests.assessments.test_methodology import _replace
from tests.assessments.test_page_languages import pdf_text
from tests.html import html, sign_in
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from tests.sites.factories import acting
from vigil.assessments import service, versions
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs import cost_bands
from vigil.orgs.models import OrgKind, Person
from vigil.orgs.schemas import CostBandsUpdate

PARTLY = "Written, but only the chair's copy exists."
G1 = "        duty: measures_document\n        measures: [m.plan]\n"
G1_LEVELS = (
    "        duty: measures_document\n        measures: [m.plan]\n"
    f'        levels:\n          partly: "{PARTLY}"\n'
)


@dataclass
class Plan:
    assessment: int
    version: int
    site: int
    lead: Person
    stranger: Person


def _plan(committed: Session, settings: Settings, *, bands: CostBandsUpdate | None) -> Plan:
    operator = make_org(committed, kind=OrgKind.site_operator)
    security = make_org(committed)
    make_network(committed, operator, security)
    lead = make_person(committed, settings, org=operator, role=Role.org_admin)
    stranger = make_person(committed, settings, org=security, role=Role.org_admin)
    principal = acting(committed, lead, operator)
    if bands is not None:
        cost_bands.set_cost_bands(
            session=committed, principal=principal, org_id=operator.id, data=bands
        )
    site = synagogue(committed, principal)
    text = _replace(G1, G1_LEVELS, graded_text())
    version = versions.publish_version(session=committed, principal=principal, yaml_text=text)
    a = service.start_assessment(
        session=committed, principal=principal, site_id=site.id, version_id=version.id
    )
    answers = {"g1": "partly", "g2": 3, "p1": "no", "p2": 30}
    service.save_answers(
        session=committed, principal=principal, assessment_id=a.id, answers=answers
    )
    service.complete_assessment(session=committed, principal=principal, assessment_id=a.id)
    committed.commit()
    return Plan(a.id, version.id, site.id, lead, stranger)


CZK = CostBandsUpdate(
    currency="CZK",
    low_min=0,
    low_max=20_000,
    medium_min=20_000,
    medium_max=250_000,
    high_min=250_000,
    high_max=2_500_000,
)


@pytest.fixture
def plan(committed: Session, settings: Settings) -> Plan:
    return _plan(committed, settings, bands=CZK)


def test_the_form_and_methodology_show_each_questions_own_levels(
    client: TestClient, plan: Plan
) -> None:
    sign_in(client, plan.lead.email)
    page = html(client.get(f"/assessments/{plan.assessment}/sections/governance"))
    g1 = page.find("fieldset", data_question="g1")
    assert PARTLY in g1.find("input", value="partly").parent.text
    assert PARTLY not in g1.find("input", value="yes").parent.text
    g2 = page.find("fieldset", data_question="g2")
    assert "Roles are written and known." in g2.find("input", value="3").parent.text
    # a level the question does not word keeps the methodology's general label
    assert "Informal, depends on individuals" in g2.find("input", value="1").parent.text

    shown = html(client.get(f"/methodologies/{plan.version}"))
    g2_item = shown.find("li", data_question="g2")
    assert "Roles are written, known and rehearsed." in g2_item.find(data_level="4").text
    assert "Rehearse the roles." in g2_item.find("li", data_step="3").text
    assert "Share roles." in g2_item.find("li", data_step="0").text
    assert PARTLY in shown.find("li", data_question="g1").find(data_level="partly").text


def test_the_result_says_where_each_graded_step_climbs_and_what_it_costs(
    client: TestClient, plan: Plan
) -> None:
    sign_in(client, plan.lead.email)
    page = html(client.get(f"/assessments/{plan.assessment}"))
    rehearse = page.find("li", data_measure="m.rehearse")
    climb = rehearse.find(class_="climb")
    assert (climb.attrs["data-from"], climb.attrs["data-to"]) == ("3", "4")
    assert "from 3 · Roles are written and known. to 4 · Roles are written, known" in climb.text
    # an ungraded question's measure names no climb, and its answer keeps its own wording
    plan_item = page.find("li", data_measure="m.plan")
    assert not plan_item.find_all(class_="climb")
    assert PARTLY in plan_item.text

    money = {
        m.attrs["data-measure"]: m.find(class_="measure-money").attrs
        for m in page.find_all("li", class_="measure")
    }
    assert money["m.barriers"]["data-max"] == "2500000"  # high
    assert money["m.rehearse"]["data-min"] == "0"  # low
    total = page.find(id="plan-total")
    assert total.attrs["data-currency"] == "CZK"
    expected_max = sum(int(m["data-max"]) for m in money.values())
    assert total.attrs["data-max"] == str(expected_max)
    assert "CZK" in total.text  # English names the currency
    by_timeframe = sum(int(t.attrs["data-max"]) for t in page.find_all(class_="timeframe-total"))
    assert by_timeframe == expected_max


def test_czech_reader_reads_the_money_as_czech_writes_it(client: TestClient, plan: Plan) -> None:
    sign_in(client, plan.lead.email)
    page = html(client.get(f"/assessments/{plan.assessment}?lang=cs"))
    barriers = page.find("li", data_measure="m.barriers").find(class_="measure-money").text
    assert "250\xa0000\xa0Kč" in barriers or "250 000 Kč" in barriers.replace("\xa0", " ")


def test_funding_csv_lists_the_plan_and_outsiders_get_nothing(
    client: TestClient, plan: Plan, committed: Session
) -> None:
    sign_in(client, plan.lead.email)
    response = client.get(f"/assessments/{plan.assessment}/funding.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header == [
        "Measure",
        "Section",
        "Timeframe",
        "Cost class",
        "Money from",
        "Money to",
        "Currency",
        "Risk reduced",
        "Status",
    ]
    by_text = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_text) == {"Write a plan.", "Rehearse the roles.", "Barriers.", "Agree."}
    barriers = by_text["Barriers."]
    assert (barriers["Section"], barriers["Cost class"]) == ("Perimeter", "high")
    assert (barriers["Money from"], barriers["Money to"]) == ("250000", "2500000")
    assert {row["Currency"] for row in by_text.values()} == {"CZK"}
    assert {row["Status"] for row in by_text.values()} == {"open"}
    assert float(barriers["Risk reduced"]) > 0

    lead = token_headers(committed, plan.lead)
    committed.commit()
    api = client.get(f"/api/v1/assessments/{plan.assessment}/funding.csv", headers=lead)
    assert api.status_code == 200
    assert api.content == response.content

    outsider = token_headers(committed, plan.stranger)
    committed.commit()
    assert (
        client.get(f"/api/v1/assessments/{plan.assessment}/funding.csv", headers=outsider)
    ).status_code == 404
    sign_in(client, plan.stranger.email)
    assert client.get(f"/assessments/{plan.assessment}/funding.csv").status_code == 404


def test_the_pdf_has_the_funding_section_with_totals(client: TestClient, plan: Plan) -> None:
    sign_in(client, plan.lead.email)
    report = html(client.get(f"/assessments/{plan.assessment}/report"))
    section = report.find("section", id="report-funding")
    totals = [r.attrs["data-timeframe"] for r in section.find_all("tr", class_="funding-total")]
    assert totals[-1] == "all"
    assert "3 · Roles are written and known." in report.find("section", id="report-measures").text

    pdf = client.get(f"/assessments/{plan.assessment}/report.pdf")
    assert pdf.status_code == 200
    text = " ".join(pdf_text(pdf.content).split())
    assert "Funding application" in text
    assert "Total of the plan" in text
    assert "Barriers." in text
    assert "CZK" in text or "Kč" in text


def test_defaults_are_euros_and_site_measures_carry_their_money(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    plan = _plan(committed, settings, bands=None)
    headers = token_headers(committed, plan.lead)
    committed.commit()
    measures = client.get(f"/api/v1/sites/{plan.site}/measures", headers=headers).json()
    # the graded question wrote its next step from 3 (rehearse), not the ungraded measure
    assert {m["measure_code"] for m in measures} == {
        "m.plan",
        "m.rehearse",
        "m.barriers",
        "m.police",
    }
    high = next(m for m in measures if m["measure_code"] == "m.barriers")
    assert (high["money_min"], high["money_max"], high["currency"]) == (10_000, 100_000, "EUR")

    sign_in(client, plan.lead.email)
    page = html(client.get(f"/assessments/{plan.assessment}"))
    assert page.find(id="plan-total").attrs["data-currency"] == "EUR"
