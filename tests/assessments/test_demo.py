"""The demonstration assessments: most demo sites assessed with deterministic answers, some
approved, one re-assessed (so compare has two), the portfolio ranked; loading twice adds none."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.html import db_rows, html, sign_in
from vigil.assessments.models import Assessment, SiteRisk
from vigil.core.config import Settings
from vigil.demo import DEMO_PASSWORD, load_demo
from vigil.sites.models import Site


def test_demo_assessments_fill_the_portfolio_once(client: TestClient, settings: Settings) -> None:
    load_demo(settings)
    first = db_rows(settings, select(Assessment))
    sites = db_rows(settings, select(Site))
    assert len(first) >= len(sites) * 2 // 3
    assert all(a.status in ("completed", "approved") for a in first)
    assert any(a.status == "approved" for a in first)
    per_site = db_rows(
        settings,
        select(func.count()).select_from(Assessment).group_by(Assessment.site_id),
    )
    assert max(per_site) == 2
    risks = db_rows(settings, select(SiteRisk.band))
    assert len(set(risks)) >= 2, "the demo portfolio has more than one risk band"

    load_demo(settings)
    assert len(db_rows(settings, select(Assessment))) == len(first)

    sign_in(client, "coordinator@jcs-berlin.example", DEMO_PASSWORD)
    portfolio = html(client.get("/portfolio"))
    ranked = portfolio.find("table", class_="portfolio-table").find("tbody").find_all("tr")
    assert len(ranked) >= 10 and portfolio.find("ol", class_="weakness-list")
    for a in first:
        page = client.get(f"/assessments/{a.id}")
        assert page.status_code in (200, 404), a.id  # 404: another organisation's, not shared
        if page.status_code == 200:
            assert html(page).find("svg", class_="risk-matrix")
    twice = db_rows(
        settings,
        select(Assessment.site_id).group_by(Assessment.site_id).having(func.count() == 2),
    )
    listed = html(client.get(f"/sites/{twice[0]}/assessments"))
    links = [a.attrs["href"] for a in listed.find("table", class_="assessment-table").find_all("a")]
    link = next(href for href in links if href.startswith("/assessments/compare?"))
    assert html(client.get(link)).find("table", class_="compare-sections")
