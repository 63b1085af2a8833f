"""What issue 21 says `make run` shows: in London, under the UK premises law, a 900-person place
of worship in the standard tier with its reason, a 900-person stadium in the enhanced tier, and
the place of worship's report leading with its weakest attack scenarios and ending with a plan
costed in the organisation's own currency."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.html import db_rows, html, sign_in
from vigil.assessments.models import Assessment
from vigil.core.config import Settings
from vigil.demo import DEMO_PASSWORD, load_demo
from vigil.sites.models import Site


def test_the_london_demo_shows_tiers_scenarios_and_a_costed_plan(
    client: TestClient, settings: Settings
) -> None:
    load_demo(settings)
    sites = {s.name: s for s in db_rows(settings, select(Site).where(Site.country == "GB"))}
    worship, stadium = sites["Central Synagogue London"], sites["Hackney Wick Community Stadium"]
    assert (worship.type, worship.capacity, stadium.type, stadium.capacity) == (
        "place_of_worship", 900, "stadium", 900,
    )  # fmt: skip
    sign_in(client, "coordinator@london-security.example", DEMO_PASSWORD)

    worship_page = html(client.get(f"/sites/{worship.id}")).text
    assert "Standard tier" in worship_page
    assert "places of worship are standard-duty premises whatever their capacity" in worship_page
    stadium_page = html(client.get(f"/sites/{stadium.id}")).text
    assert "Enhanced tier" in stadium_page and "800 people or more" in stadium_page

    (assessment,) = db_rows(settings, select(Assessment).where(Assessment.site_id == worship.id))
    report = html(client.get(f"/assessments/{assessment.id}/report"))
    sections = [s.attrs.get("id") for s in report.find_all("section")]
    assert sections[0] == "scenarios", sections  # the report leads with the scenarios
    risks = [
        int(li.attrs["data-risk"])
        for li in report.find("ol", class_="scenario-lead").find_all("li")
    ]
    assert risks and risks == sorted(risks, reverse=True)  # weakest (highest risk) first
    funding = report.find("section", id="report-funding")
    assert sections.index("report-funding") > sections.index("scenarios")
    assert funding.find("table", class_="funding-table").find_all("tr", class_="funding-total")
    assert "£" in funding.text and "default cost bands" not in funding.text
