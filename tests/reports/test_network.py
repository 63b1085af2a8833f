"""Network figures: a member sees every member organisation's incidents, RED included, as totals
only; small figures are suppressed so that an attacker solving the integer program over all
that is published cannot recover them; nobody outside the network gets them; the page, the CSV
and the JSON API publish the same cells suppressed the same way."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import html, sign_in
from tests.reports.network_attacker import ranges
from tests.reports.network_world import PERIOD, SECRET, NetworkWorld, build_network_world
from vigil.core.config import Settings
from vigil.core.errors import Invalid, NotFound
from vigil.reports.counting import FigureFilters
from vigil.reports.disclosure import Mark, audit
from vigil.reports.network import network_figures
from vigil.reports.network_tables import Shown

# What the analyst of A knows of each base cell: A's own incident (an own figure, rule 6) and
# B's GREEN threat (readable record by record).
KNOWN = {("2026-01", "threat", "DE"): 1, ("2026-02", "damage", "DE"): 1}
CODE_KNOWN = {"unspecified": 2}
TRUE = {
    ("2026-01", "threat", "DE"): 2,
    ("2026-01", "damage", "DE"): 5,
    ("2026-02", "threat", "DE"): 5,
    ("2026-02", "damage", "DE"): 5,
}
TRUE_CODES = {"antisemitism": 1, "unspecified": 16}


@pytest.fixture
def world(committed: Session, settings: Settings) -> NetworkWorld:
    return build_network_world(committed, settings)


def _api(client: TestClient, world: NetworkWorld) -> dict[str, Any]:
    response = client.get(f"/api/v1/statistics/network/{world.network_id}?{PERIOD}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _true_value(table: str, row: str, column: str) -> int:
    if table == "bias" and row != "total":
        return TRUE_CODES[row]
    return sum(
        n
        for (month, kind, country), n in TRUE.items()
        if (row == "total" or row in (month, month[:4], country))
        and (column in ("total", "incidents") or column == kind)
    )


def _naive(published: dict[str, Any]) -> dict[str, Any]:
    """The same publication with only the primary figures hidden."""
    naive = copy.deepcopy(published)
    for table in naive["tables"]:
        for row in [*table["rows"], table["total"]]:
            for column, cell in zip(table["columns"], row["cells"], strict=True):
                if cell["mark"] == "hidden":
                    cell.update(value=_true_value(table["name"], row["label"], column), mark=None)
    return naive


def test_an_attacker_cannot_recover_a_suppressed_figure_that_primary_suppression_alone_gives_away(
    client: TestClient, world: NetworkWorld
) -> None:
    sign_in(client, world.analyst_email)
    published = _api(client, world)
    small = ("month", "2026-01", "threat")

    naive = ranges(_naive(published), KNOWN, CODE_KNOWN)
    assert naive[small] == (2, 2)  # row total minus the visible damage: pinned

    protected = ranges(published, KNOWN, CODE_KNOWN)
    assert small in protected and ("bias", "antisemitism", "incidents") in protected
    for key, (low, high) in protected.items():
        assert high - low >= 2, (key, low, high)
    assert protected[small] == (2, 4)
    # The CSV download publishes the same: the attacker learns no more from it.
    text = client.get(f"/statistics/network/{world.network_id}.csv?{PERIOD}").text
    assert ranges(_from_csv(text), KNOWN, CODE_KNOWN) == protected


def _from_csv(text: str) -> dict[str, Any]:
    """The CSV's lines in the JSON API's shape of tables."""
    tables: dict[str, dict[str, Any]] = {}
    for name, label, column, value, mark in list(csv.reader(io.StringIO(text)))[1:]:
        table = tables.setdefault(name, {"name": name, "columns": [], "rows": {}})
        if column not in table["columns"]:
            table["columns"].append(column)
        cell = {"value": int(value) if value else None, "mark": mark or None}
        table["rows"].setdefault(label, {"label": label, "cells": []})["cells"].append(cell)
    for table in tables.values():
        table["total"] = table["rows"].pop("total")
        table["rows"] = list(table["rows"].values())
    return {"tables": list(tables.values())}


def test_a_member_sees_the_network_totals_with_the_red_incidents_counted_only(
    client: TestClient, world: NetworkWorld
) -> None:
    sign_in(client, world.analyst_email)
    published = _api(client, world)
    assert published["network_id"] == world.network_id
    month = next(t for t in published["tables"] if t["name"] == "month")
    assert month["total"]["cells"][-1] == {"value": 17, "mark": None}  # B: 16, RED too; A: 1
    body = client.get(f"/api/v1/statistics/network/{world.network_id}?{PERIOD}").text
    page = client.get(f"/statistics/network/{world.network_id}?{PERIOD}").text
    table = client.get(f"/statistics/network/{world.network_id}.csv?{PERIOD}").text
    for text in (body, page, table):
        assert SECRET not in text and "Berlin" not in text
        assert not any(f"/incidents/{i}" in text for i in world.b_ids)
        assert '"title"' not in text and '"incident_id"' not in text


def test_nobody_outside_the_network_gets_its_figures(
    client: TestClient, world: NetworkWorld
) -> None:
    sign_in(client, world.outsider_email)
    base = f"/statistics/network/{world.network_id}"
    for path in (base, base + ".csv", f"/api/v1/statistics/network/{world.network_id}"):
        assert client.get(path).status_code in (403, 404), path
    client.cookies.clear()
    assert client.get(f"/api/v1/statistics/network/{world.network_id}").status_code == 401


def _expected_text(cell: dict[str, Any]) -> str:
    if cell["mark"] == "small":
        return "fewer than 5"
    if cell["mark"] == "hidden":
        return "hidden *"
    return str(cell["value"])


def test_page_csv_and_json_publish_the_same_cells_suppressed_the_same_way(
    client: TestClient, world: NetworkWorld
) -> None:
    sign_in(client, world.analyst_email)
    published = _api(client, world)
    page = html(client.get(f"/statistics/network/{world.network_id}?{PERIOD}"))
    lines = list(
        csv.reader(
            io.StringIO(client.get(f"/statistics/network/{world.network_id}.csv?{PERIOD}").text)
        )
    )
    assert lines[0] == ["table", "row", "column", "value", "mark"]
    from_csv = {(t, r, c): (v, m) for t, r, c, v, m in lines[1:]}
    marks = set()
    for table in published["tables"]:
        shown = page.find("table", data_table=table["name"])
        page_rows = [[td.text for td in tr.find_all("td")] for tr in shown.find_all("tr")[1:]]
        json_rows = [
            [_expected_text(c) for c in row["cells"]] for row in [*table["rows"], table["total"]]
        ]
        assert page_rows == json_rows, table["name"]
        for row in [*table["rows"], table["total"]]:
            for column, cell in zip(table["columns"], row["cells"], strict=True):
                value = "" if cell["value"] is None else str(cell["value"])
                assert from_csv[table["name"], row["label"], column] == (value, cell["mark"] or "")
                marks.add(cell["mark"])
    assert {"small", "hidden"} <= marks


def test_network_figures_are_chosen_by_calendar_year_and_nothing_else(
    client: TestClient, committed: Session, world: NetworkWorld
) -> None:
    sign_in(client, world.analyst_email)
    base = f"/api/v1/statistics/network/{world.network_id}?"
    for query in ("year=1800", "year=twenty", "year=2026.5"):
        response = client.get(base + query)
        assert response.status_code == 422, query
        assert SECRET not in response.text
    page = client.get(f"/statistics/network/{world.network_id}?year=99999")
    assert page.status_code == 422
    # Overlapping periods could be subtracted from each other: only calendar years are offered.
    for start, end in ((dt.date(2026, 2, 1), None), (dt.date(2026, 1, 1), dt.date(2026, 3, 1))):
        with pytest.raises(Invalid):
            network_figures(
                session=committed,
                principal=world.analyst,
                network_id=world.network_id,
                filters=FigureFilters(start=start, end=end),
            )
    # The service takes the figures' filters, and refuses all but the period.
    for narrowed in ({"q": "Unreadable"}, {"city": "Berlin"}, {"type": ["threat"]}):
        with pytest.raises(Invalid):
            network_figures(
                session=committed,
                principal=world.analyst,
                network_id=world.network_id,
                filters=FigureFilters.model_validate(narrowed),
            )


def test_the_service_counts_what_the_viewer_knows_and_leaves_nothing_exposed(
    committed: Session, world: NetworkWorld
) -> None:
    filters = FigureFilters(start=dt.date(2026, 1, 1))
    figures = network_figures(
        session=committed, principal=world.analyst, network_id=world.network_id, filters=filters
    )
    system, index = figures.tables.system, figures.tables.index
    # B's GREEN January threat is read record by record; A's own February damage is an own figure.
    assert system.known(index["cell", "2026-01", "threat"]) == 1
    assert system.known(index["cell", "2026-02", "damage"]) == 1
    assert system.value(index["total",]) == 17
    assert figures.figure("cell", "2026-01", "threat") == Shown(None, Mark.small)
    assert audit(system, figures.protected.hidden) == []
    with pytest.raises(NotFound):
        network_figures(
            session=committed,
            principal=world.analyst,
            network_id=world.network_id + 1000,
            filters=filters,
        )
