"""The statistics page as its readers meet it: the acting organisation's counts, equal to what
its incidents give, narrowed by the incident list's filters, by week, month or year and against
the year before; every chart with a table and a CSV of the same numbers; only for analysts and
above, never another organisation's counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import Node, html, sign_in
from tests.reports.statistics_world import StatsWorld, build_stats_world
from vigil.core.config import Settings
from vigil.reports.statistics import CHARTS, bucket_key

Table = dict[str, tuple[int, ...]]


@pytest.fixture
def world(committed: Session, settings: Settings) -> StatsWorld:
    return build_stats_world(committed, settings)


def _section(page: Node, chart: str) -> Node:
    return page.find("section", id=f"chart-{chart}")


def _table(page: Node, chart: str) -> Table:
    body = _section(page, chart).find("tbody")
    return {
        row.find("th").text: tuple(int(td.text) for td in row.find_all("td"))
        for row in body.find_all("tr")
    }


def _headline(page: Node) -> str:
    return page.find("p", id="headline").text


def test_the_page_counts_the_organisations_incidents_by_month_category_and_place(
    client: TestClient, world: StatsWorld
) -> None:
    sign_in(client, world.analyst)
    page = html(client.get("/statistics"))

    assert page.find("a", href="/statistics").text == "Statistics"  # the main menu
    assert "3 incidents from" in _headline(page)
    assert "1 in the same period a year before" in _headline(page)
    over_time = _table(page, "over-time")
    assert len(over_time) == 12  # every month of the period, empty ones as 0
    assert sum(v[0] for v in over_time.values()) == 3
    assert sorted(v[0] for v in over_time.values())[-2:] == [1, 2]
    assert _table(page, "type")["Threat (spoken, written, online, bomb or hoax threats)"] == (2,)
    assert _table(page, "type")["Damage or desecration of property"] == (1,)
    bias = _table(page, "bias")
    assert bias["Antisemitism"] == (2,) and bias["Racism and xenophobia"] == (1,)
    assert bias["Unspecified"] == (1,) and bias["Other"] == (0,)  # the code, not other places
    assert sum(v[0] for v in bias.values()) == 4  # more than the 3 incidents: rule 4
    assert "adds up to more than the number of incidents" in _section(page, "bias").text
    ihra = _table(page, "ihra")
    assert sum(v[0] for v in ihra.values()) == 4 and ihra["Unspecified"] == (2,)
    assert ihra["IHRA 4: Denying the fact, scale, methods or intent of the Holocaust."] == (1,)
    assert _table(page, "target-kind")["An institution"] == (1,)
    assert _table(page, "target-kind")["Unspecified"] == (1,)
    assert _table(page, "country") == {"Germany": (2,), "Unspecified": (1,)}
    assert _table(page, "city") == {"Berlin (DE)": (1,), "Munich (DE)": (1,), "Unspecified": (1,)}
    regions = _table(page, "region")
    assert sum(v[0] for v in regions.values()) == 3 and regions["Unspecified"] == (1,)
    drawn = _section(page, "region").find("figure", class_="region-map").find("svg")
    titled = [t.text for t in drawn.find_all("title")]
    for label, (n,) in regions.items():  # each known region is on the map with its count
        if label != "Unspecified":
            assert any(t.startswith(label.rsplit(" (", 1)[0]) and str(n) in t for t in titled)
    assert "Figures as of" in page.find("p", id="freshness").text
    for chart in CHARTS:  # every chart is an SVG image with a title, beside its table
        svg = _section(page, chart).find("svg")
        assert svg.attrs["role"] == "img" and svg.find("title").text
        assert _section(page, chart).find("table").find("caption").text


def test_rows_link_to_the_incident_list_with_the_same_filter(
    client: TestClient, world: StatsWorld
) -> None:
    sign_in(client, world.analyst)
    page = html(client.get("/statistics?country=DE"))
    offered = page.find("datalist", id="region-names").find_all("option")
    assert "Bayern" in [o.attrs["value"] for o in offered]  # the region filter's choices
    links = {a.text: a.attrs["href"] for a in _section(page, "type").find_all("a")}
    query = parse_qs(urlsplit(links["Damage or desecration of property"]).query)
    assert query["type"] == ["damage"] and query["country"] == ["DE"]
    listed = html(client.get(links["Damage or desecration of property"]))
    assert "1 incident" in listed.find("p", id="result-count").text
    # The list has no IHRA filter: with one in use, no row claims to show its incidents.
    narrowed = html(client.get("/statistics?ihra=ihra.4"))
    assert _section(narrowed, "type").find("tbody").find_all("a") == []


@pytest.mark.parametrize(
    ("query", "total"),
    [
        ("type=damage", 1),
        ("bias=racism_xenophobia", 1),
        ("bias=antisemitism&bias=racism_xenophobia", 2),
        ("ihra=ihra.4", 1),
        ("status=verified", 1),
        ("target_kind=property", 1),
        ("country=DE", 2),
        ("city=berlin", 1),
        ("country=DE&region=Bayern", 1),
    ],
)
def test_filters_narrow_the_counts(
    client: TestClient, world: StatsWorld, query: str, total: int
) -> None:
    sign_in(client, world.analyst)
    page = html(client.get(f"/statistics?{query}"))
    assert sum(v[0] for v in _table(page, "over-time").values()) == total, query
    noun = "incident" if total == 1 else "incidents"
    assert f"{total} {noun} from" in _headline(page)


def test_week_and_year_steps_fill_every_bucket_of_the_period(
    client: TestClient, world: StatsWorld
) -> None:
    sign_in(client, world.analyst)
    start, end = world.three_months_ago, world.last_month + dt.timedelta(days=27)
    period = f"from={start.isoformat()}&to={end.isoformat()}"
    weeks = _table(html(client.get(f"/statistics?{period}&grain=week")), "over-time")
    first_key, last_key = bucket_key(start, "week"), bucket_key(end, "week")
    assert list(weeks)[0] == first_key and list(weeks)[-1] == last_key
    assert len(weeks) >= 8 and sum(v[0] for v in weeks.values()) == 3
    expected = {bucket_key(world.last_month + dt.timedelta(days=d), "week") for d in (9, 11)}
    assert {k for k, v in weeks.items() if k in expected} == expected
    years = _table(html(client.get("/statistics?from=2020-01-01&grain=year")), "over-time")
    assert list(years)[0] == "2020" and list(years)[-1] == str(world.today.year)
    assert years[str(world.last_month.year)][0] >= 2
    assert sum(v[0] for v in years.values()) == 4  # the year-before incident is in the period


def test_year_over_year_puts_each_month_beside_the_same_month_a_year_before(
    client: TestClient, world: StatsWorld
) -> None:
    sign_in(client, world.analyst)
    page = html(client.get("/statistics"))
    yoy = _table(page, "year-over-year")
    assert len(yoy) == 12
    assert (2, 1) in yoy.values()  # last month: two now, one a year before
    assert sum(v[0] for v in yoy.values()) == 3 and sum(v[1] for v in yoy.values()) == 1
    legend = [t.text for t in _section(page, "year-over-year").find_all("text")]
    assert any(world.year_before.isoformat()[:4] in t for t in legend)


def test_each_charts_csv_holds_exactly_its_table(client: TestClient, world: StatsWorld) -> None:
    sign_in(client, world.analyst)
    query = "country=DE&grain=month"
    page = html(client.get(f"/statistics?{query}"))
    for chart in CHARTS:
        link = _section(page, chart).find("a", class_="csv-link").attrs["href"]
        assert link == f"/statistics/{chart}.csv?{query}"
        response = client.get(link)
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/csv"
        )
        rows = list(csv.reader(io.StringIO(response.text)))
        header = [th.text for th in _section(page, chart).find("thead").find_all("th")]
        assert rows[0] == ["key", *header], chart
        assert {r[1]: tuple(int(v) for v in r[2:]) for r in rows[1:]} == _table(page, chart)
    assert client.get(f"/statistics/secrets.csv?{query}").status_code == 404


@pytest.mark.parametrize("who", ["viewer", "reporter"])
def test_viewers_and_reporters_may_not_see_the_figures(
    client: TestClient, world: StatsWorld, who: str
) -> None:
    sign_in(client, getattr(world, who))
    response = client.get("/statistics")
    assert response.status_code == 403
    assert "analysts, coordinators and admins" in response.text
    assert client.get("/statistics/type.csv").status_code == 403


def test_another_organisation_sees_only_its_own_counts(
    client: TestClient, world: StatsWorld
) -> None:
    sign_in(client, world.other_analyst)
    page = html(client.get("/statistics"))
    assert "1 incident from" in _headline(page)
    assert _table(page, "country") == {"France": (1,), "Unspecified": (0,)}
    shown = " ".join(_section(page, chart).text for chart in CHARTS)
    assert "Germany" not in shown and "Berlin" not in shown and "Munich" not in shown
    rows = list(csv.reader(io.StringIO(client.get("/statistics/city.csv").text)))
    assert [r[1] for r in rows[1:]] == ["Paris (FR)", "Unspecified"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("grain=day", "grain", "choose week, month or year"),
        ("from=2026-13-01", "from", "enter a date such as 2026-05-01"),
        ("from=2026-05-01&to=2026-04-01", "", "end must be after its start"),
        ("type=bomb", "type", "type"),
        ("from=1990-01-01&grain=week", "grain", "choose a longer step"),
    ],
)
def test_bad_filters_say_what_is_wrong(
    client: TestClient, world: StatsWorld, query: str, field: str, message: str
) -> None:
    sign_in(client, world.analyst)
    response = client.get(f"/statistics?{query}")
    assert response.status_code == 422
    alert = html(response).find(role="alert").text
    assert message in alert and field in alert
    assert client.get(f"/statistics/type.csv?{query}").status_code == 422
