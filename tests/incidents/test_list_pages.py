"""The incident list's sorting (order proven with data, ties broken by id), page numbers with
the total, and the last filters brought back on a bare visit, on SQLite and PostgreSQL. The
remembered and saved filters themselves are tested on the site list (tests/sites)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import Node, alerts, html, sign_in
from tests.orgs.factories import make_org, make_person
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents.transfer import bulk_insert_incidents
from vigil.orgs.models import Person

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def analyst(committed: Session, settings: Settings) -> Person:
    org = make_org(committed)
    person = make_person(committed, settings, org=org, role=Role.analyst)
    rows = [
        ("Oldest", 9, "new", "clear", "DE", "Berlin"),
        ("Middle A", 5, "closed", "amber+strict", "CZ", "Praha"),
        ("Middle B", 5, "triaged", "green", "AT", "Wien"),
        ("Newest", 1, "verified", "amber", "DE", "Aachen"),
    ]
    bulk_insert_incidents(
        session=committed,
        rows=[
            {"owner_org_id": org.id, "title": title, "type": "threat", "source": "member",
             "occurred_from": NOW - dt.timedelta(days=days), "status": status, "tlp": tlp,
             "country": country, "city": city}
            for title, days, status, tlp, country, city in rows
        ],
    )  # fmt: skip
    committed.commit()
    return person


def titles(page: Node) -> list[str]:
    rows = page.find("table", class_="incident-table").find("tbody").find_all("tr")
    return [" ".join(row.find("a").text.split()[1:]) for row in rows]


def test_sorted_by_each_column_with_ties_in_id_order(client: TestClient, analyst: Person) -> None:
    sign_in(client, analyst.email)

    def listed(**params: str) -> list[str]:
        response = client.get("/incidents", params=params)
        assert response.status_code == 200, response.text
        return titles(html(response))

    # equal times: the id breaks the tie, in the direction of the sort
    assert listed() == ["Newest", "Middle B", "Middle A", "Oldest"]
    assert listed(sort="when", dir="asc") == ["Oldest", "Middle A", "Middle B", "Newest"]
    assert listed(sort="number", dir="desc") == ["Newest", "Middle B", "Middle A", "Oldest"]
    assert listed(sort="place") == ["Middle B", "Middle A", "Newest", "Oldest"]
    # the lifecycle and TLP from the loosest, not the alphabet
    assert listed(sort="status") == ["Oldest", "Middle B", "Newest", "Middle A"]
    assert listed(sort="tlp") == ["Oldest", "Middle B", "Newest", "Middle A"]
    page = html(client.get("/incidents", params={"sort": "when", "dir": "asc"}))
    header = page.find("th", aria_sort="ascending")
    assert header.find("a").text == "When ▲ (sorted ascending)"
    assert header.find("a").attrs["href"] == "/incidents"  # again: newest first, the default
    assert len(page.find("thead").find_all("a", class_="sort-link")) == 6


def test_a_bad_sort_says_what_is_allowed(client: TestClient, analyst: Person) -> None:
    sign_in(client, analyst.email)

    response = client.get("/incidents", params={"sort": "narrative"})

    assert response.status_code == 422
    assert alerts(html(response)) == [
        "sort: sort by one of: when, number, place, type, status, tlp"
    ]
    assert titles(html(response)) == ["Newest", "Middle B", "Middle A", "Oldest"]
    # a list shown with an error is not remembered
    assert client.get("/incidents", follow_redirects=False).status_code == 200


def test_page_numbers_keep_filters_and_sort(
    client: TestClient, analyst: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigil.incidents import list_pages

    monkeypatch.setattr(list_pages, "PAGE_SIZE", 3)
    sign_in(client, analyst.email)

    first = html(client.get("/incidents", params={"type": "threat", "sort": "tlp"}))
    second = html(client.get("/incidents", params={"type": "threat", "sort": "tlp", "page": 2}))

    assert first.find(id="page-range").text == "1–3 of 4"
    assert first.find(id="result-count").text == "4 incidents"
    pager = first.find("ul", class_="page-links")
    assert [a.text for a in pager.find_all("a")] == ["1", "2", "Next", "Last"]
    assert pager.find("a", rel="next").attrs["href"] == (
        "/incidents?type=threat&sort=tlp&dir=asc&page=2"
    )
    assert second.find(id="page-range").text == "4–4 of 4"
    assert titles(second) == ["Middle A"]
    assert second.find("ul", class_="page-links").find("a", aria_current="page").text == "2"


def test_a_bare_visit_brings_back_the_last_filters(client: TestClient, analyst: Person) -> None:
    sign_in(client, analyst.email)
    client.get("/incidents", params={"country": "DE"})

    shown = html(client.get("/incidents"))

    assert titles(shown) == ["Newest", "Oldest"]
    assert shown.find("p", class_="remembered-note")
    assert shown.find("select", id="q-country").find("option", selected="").attrs["value"] == "DE"
