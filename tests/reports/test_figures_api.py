"""The acting organisation's figures as JSON (`/api/v1/figures`), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.reports.odihr_world import YEAR, World, build_world
from vigil.core.config import Settings
from vigil.reports.counting import FigureFilters
from vigil.reports.facts import COUNTED, PUBLISHED, iter_facts

FIGURES = "/api/v1/figures"


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    return build_world(committed, settings)


def figures(client: TestClient, world: World, who: str = "a_analyst", **params: Any) -> Any:
    response = client.get(FIGURES, params=params, headers=world.headers[who])
    assert response.status_code == 200, response.text
    return response.json()


def recount(session: Session, org_id: int, statuses: tuple[str, ...], by: str) -> Counter[str]:
    """Counted straight from the incidents' facts, one key per value of `by`."""
    found: Counter[str] = Counter()
    for fact in iter_facts(session, statuses=statuses, org_ids=[org_id]):
        values = fact.codes(by) if by in ("bias", "ihra") else (str(getattr(fact, by)),)
        found.update(values)
    return found


@pytest.mark.parametrize("by", ["month", "bias", "type", "city"])
def test_the_cells_and_total_equal_counting_from_the_incidents(
    client: TestClient, world: World, committed: Session, by: str
) -> None:
    for basis, statuses in (("counted", COUNTED), ("published", PUBLISHED)):
        body = figures(client, world, by=by, basis=basis)
        assert body["basis"] == basis and body["by"] == [by]
        cells = {cell["key"][by]: cell["incidents"] for cell in body["cells"]}
        assert cells == dict(recount(committed, world.org_a, statuses, by))
        facts = list(iter_facts(committed, statuses=statuses, org_ids=[world.org_a]))
        assert body["total"] == len(facts)
    assert set(body["freshness"]) == {"refreshed_at", "pending_changes"}


def test_a_bias_total_counts_each_incident_once(client: TestClient, world: World) -> None:
    year = {"start": f"{YEAR}-01-01", "end": f"{YEAR + 1}-01-01"}
    body = figures(client, world, by="bias", basis="published", **year)
    assert body["total"] == 6  # the graffiti has two biases: the cells add up to 7
    assert sum(cell["incidents"] for cell in body["cells"]) == 7


def test_the_period_is_read_in_local_dates(client: TestClient, world: World) -> None:
    period = {"start": f"{YEAR}-01-01", "end": f"{YEAR + 1}-01-01", "basis": "published"}
    assert figures(client, world, **period)["total"] == 6
    by_month = figures(client, world, by="year,month", **period)
    months = {cell["key"]["month"]: cell["incidents"] for cell in by_month["cells"]}
    assert months[f"{YEAR}-01"] == 1  # 23:30 UTC on 31 December, 00:30 in Berlin


def test_dimensions_may_be_comma_separated_or_repeated(client: TestClient, world: World) -> None:
    response = client.get(FIGURES + "?by=type&by=bias", headers=world.headers["a_analyst"])
    assert response.status_code == 200
    assert response.json()["by"] == ["type", "bias"]
    assert figures(client, world, by="type,bias")["cells"] == response.json()["cells"]


def test_filters_narrow_the_figures(client: TestClient, world: World) -> None:
    body = figures(client, world, by="type", city="Munich", basis="published")
    assert body["cells"] == [{"key": {"type": "assault"}, "incidents": 1}]
    assert figures(client, world, tlp="red", basis="published")["total"] == 1


@pytest.mark.parametrize(
    ("by", "named"),
    [("month,colour", "colour"), ("year,month,type,bias", "at most 3"), ("type,type", "twice")],
)
def test_a_bad_dimension_is_refused_naming_it(
    client: TestClient, world: World, by: str, named: str
) -> None:
    response = client.get(FIGURES, params={"by": by}, headers=world.headers["a_analyst"])
    assert response.status_code == 422
    assert named in response.json()["detail"]
    assert response.json()["errors"][0]["field"].startswith("by")


def test_unknown_parameters_and_bases_are_refused(client: TestClient, world: World) -> None:
    headers = world.headers["a_analyst"]
    assert client.get(FIGURES, params={"basis": "all"}, headers=headers).status_code == 422
    assert client.get(FIGURES, params={"colour": "red"}, headers=headers).status_code == 422
    for period in ({"start": "2025-02-01", "end": "2025-01-01"}, {"end": "1899-01-02"}):
        assert client.get(FIGURES, params=period, headers=headers).status_code == 422
    assert client.get(FIGURES, params={"tlp": "purple"}, headers=headers).status_code == 422


def test_only_the_organisations_analysts_see_its_figures(client: TestClient, world: World) -> None:
    assert client.get(FIGURES, headers=world.headers["b_as_a"]).status_code == 403
    assert client.get(FIGURES, headers=world.headers["a_viewer"]).status_code == 403
    assert client.get(FIGURES).status_code == 401
    own = figures(client, world, who="b_analyst", by="bias")
    assert own["total"] == 1
    assert own["cells"] == [{"key": {"bias": "anti_roma"}, "incidents": 1}]


def test_the_openapi_documents_the_figures(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"][FIGURES]["get"]
    assert operation["description"] or operation["summary"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"by", "basis", "start", "end", "type", "bias", "region"} <= names
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/FiguresRead")
    assert FigureFilters.model_fields.keys() <= names
