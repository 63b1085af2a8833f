"""The site list as a person uses it: sorted by a column (order proven with data), page numbers
and the total, the last filters applied on a bare visit and cleared, saved filters made, listed
and deleted (and nobody else's seen or deleted), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import Node, alerts, csrf_of, db_rows, flash_after, html, sign_in
from tests.orgs.factories import make_org, make_person
from tests.sites.factories import acting, make_site
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import TLP, Role
from vigil.orgs.models import Person, SavedFilter
from vigil.sites.kinds import SiteType


@dataclass
class World:
    analyst: Person
    colleague: Person


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    org = make_org(committed)
    analyst = make_person(committed, settings, org=org, role=Role.analyst)
    principal = acting(committed, analyst, org)
    for name, capacity, city, kind, tlp in (
        ("Cemetery", 50, "Berlin", SiteType.museum, TLP.red),
        ("Ahava school", 800, "Potsdam", SiteType.school, TLP.clear),
        ("Beth synagogue", 300, "Berlin", SiteType.place_of_worship, TLP.green),
        ("Beth community", 300, "Aachen", SiteType.community_centre, TLP.amber),
    ):
        make_site(committed, principal, name=name, capacity=capacity, city=city, type=kind,
                  tlp=tlp)  # fmt: skip
    colleague = make_person(committed, settings, org=org, role=Role.analyst)
    committed.commit()
    return World(analyst=analyst, colleague=colleague)


def names(page: Node) -> list[str]:
    rows = page.find("table", class_="site-table").find("tbody").find_all("tr")
    return [row.find("a").text for row in rows]


def test_sorting_by_a_column_orders_the_rows_and_marks_the_header(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.analyst.email)

    default = html(client.get("/sites"))
    by_capacity = html(client.get("/sites", params={"sort": "capacity", "dir": "desc"}))
    by_place = html(client.get("/sites", params={"sort": "place"}))
    by_sharing = html(client.get("/sites", params={"sort": "tlp"}))

    assert names(default) == ["Ahava school", "Beth community", "Beth synagogue", "Cemetery"]
    # equal capacities keep one order: the id breaks the tie, in the same direction
    assert names(by_capacity) == ["Ahava school", "Beth community", "Beth synagogue", "Cemetery"]
    assert names(by_place) == ["Beth community", "Cemetery", "Beth synagogue", "Ahava school"]
    assert names(by_sharing) == ["Ahava school", "Beth synagogue", "Beth community", "Cemetery"]
    header = by_capacity.find("th", aria_sort="descending")
    assert header.find("a").text == "Capacity ▼ (sorted descending)"
    # the sorted column's link turns the direction; another column starts ascending
    assert header.find("a").attrs["href"] == "/sites?sort=capacity&dir=asc"
    name_link = by_capacity.find("a", class_="sort-link")
    assert name_link.attrs["href"] == "/sites"  # the default order says nothing
    assert default.find("th", aria_sort="ascending").find("a").attrs["href"] == (
        "/sites?sort=name&dir=desc"
    )


def test_an_unknown_sort_is_refused_and_the_list_still_shown(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.analyst.email)

    bad = client.get("/sites", params={"sort": "owner_secret"})
    wrong_way = client.get("/sites", params={"sort": "name", "dir": "sideways"})

    assert bad.status_code == 422
    assert alerts(html(bad)) == ["sort: sort by one of: name, type, place, capacity, tlp"]
    assert len(names(html(bad))) == 4  # the usual order, the page still usable
    assert wrong_way.status_code == 422
    assert alerts(html(wrong_way)) == ["dir: the direction is asc or desc"]


def test_page_numbers_and_total(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigil.sites import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    sign_in(client, world.analyst.email)

    second = html(client.get("/sites", params={"sort": "capacity", "page": 2}))

    assert second.find(id="page-range").text == "2–2 of 4"
    current = second.find("ul", class_="page-links").find("a", aria_current="page")
    assert current.text == "2" and current.attrs["aria-label"] == "Page 2"
    links = {a.text: a.attrs["href"] for a in second.find("ul", class_="page-links").find_all("a")}
    assert links == {
        "First": "/sites?sort=capacity&dir=asc",
        "Previous": "/sites?sort=capacity&dir=asc",
        "1": "/sites?sort=capacity&dir=asc",
        "2": "/sites?sort=capacity&dir=asc&page=2",
        "3": "/sites?sort=capacity&dir=asc&page=3",
        "4": "/sites?sort=capacity&dir=asc&page=4",
        "Next": "/sites?sort=capacity&dir=asc&page=3",
        "Last": "/sites?sort=capacity&dir=asc&page=4",
    }
    assert names(second) == ["Beth synagogue"]
    beyond = html(client.get("/sites", params={"page": 9}))
    assert beyond.find("main").find("a", href="/sites").text == "Back to the first page"


def test_last_filters_come_back_on_a_bare_visit_until_cleared(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.analyst.email)
    client.get("/sites", params={"city": "Berlin", "sort": "capacity"})

    back = client.get("/sites", follow_redirects=False)
    shown = html(client.get(back.headers["location"]))

    assert back.status_code == 303
    assert back.headers["location"] == "/sites?city=Berlin&sort=capacity&dir=asc&remembered=1"
    assert shown.find("p", class_="remembered-note").text.startswith(
        "Filters remembered from your last visit."
    )
    assert names(shown) == ["Cemetery", "Beth synagogue"]
    # another person's list is their own
    client.cookies.clear()
    sign_in(client, world.colleague.email)
    assert client.get("/sites", follow_redirects=False).status_code == 200
    client.cookies.clear()
    sign_in(client, world.analyst.email)
    page = html(client.get("/sites", params={"city": "Berlin"}))
    cleared = client.post(
        "/sites/filters/forget", data={"csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert cleared.status_code == 303
    after = flash_after(client, cleared)
    assert len(names(after)) == 4
    assert after.find_all("p", class_="remembered-note") == []


def test_choosing_no_filters_forgets_the_last_ones(client: TestClient, world: World) -> None:
    sign_in(client, world.analyst.email)
    client.get("/sites", params={"city": "Berlin"})

    client.get("/sites", params={"q": "", "city": ""})  # the form sent empty

    assert client.get("/sites", follow_redirects=False).status_code == 200


def save(client: TestClient, page: Node, name: str, query: str) -> Node:
    response = client.post(
        "/sites/saved-filters",
        data={"csrf_token": csrf_of(page), "name": name, "query": query},
        follow_redirects=False,
    )
    return flash_after(client, response)


def test_saved_filters_are_made_listed_replaced_and_deleted(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.analyst.email)
    page = html(client.get("/sites", params={"city": "Berlin"}))
    query = page.find("form", class_="save-filters").find("input", name="query").attrs["value"]

    saved = save(client, page, "  Berlin sites ", query)
    again = save(client, page, "berlin SITES", "city=Berlin&sort=capacity&dir=desc&evil=1")
    unnamed = save(client, page, "   ", query)
    too_long = save(client, page, "x" * 101, query)

    assert query == "city=Berlin"
    assert saved.find(class_="flash").text == "The filters are saved as “Berlin sites”."
    links = saved.find("nav", class_="saved-filters").find_all("a")
    assert [(a.text, a.attrs["href"]) for a in links] == [("Berlin sites", "/sites?city=Berlin")]
    assert again.find(class_="flash").text == "The saved filters “berlin SITES” are replaced."
    (row,) = db_rows(settings, select(SavedFilter))
    assert row.query == "city=Berlin&sort=capacity&dir=desc"  # only the list's own parameters
    assert alerts(unnamed) == ["name: give the filters a name"]
    assert alerts(too_long) == ["name: at most 100 characters"]
    deleted = flash_after(
        client,
        client.post(
            f"/sites/saved-filters/{row.id}/delete",
            data={"csrf_token": csrf_of(again)},
            follow_redirects=False,
        ),  # fmt: skip
    )
    assert deleted.find(class_="flash").text == "The saved filters “berlin SITES” are deleted."
    assert deleted.find_all("nav", class_="saved-filters") == []
    actions = db_rows(settings, select(AuditEntry.action).order_by(AuditEntry.id))
    assert actions[-3:] == ["saved_filter.save", "saved_filter.save", "saved_filter.delete"]


def test_nobody_sees_or_deletes_anothers_saved_filters(
    client: TestClient, world: World, settings: Settings
) -> None:
    sign_in(client, world.analyst.email)
    save(client, html(client.get("/sites", params={"city": "Berlin"})), "Mine", "city=Berlin")
    (mine,) = db_rows(settings, select(SavedFilter))
    client.cookies.clear()
    sign_in(client, world.colleague.email)
    page = html(client.get("/sites"))

    theirs = client.post(
        f"/sites/saved-filters/{mine.id}/delete",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    other_list = client.post(
        f"/incidents/saved-filters/{mine.id}/delete",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    no_token = client.post(f"/sites/saved-filters/{mine.id}/delete", follow_redirects=False)

    assert page.find_all("nav", class_="saved-filters") == []
    assert theirs.status_code == 404 and other_list.status_code == 404
    assert no_token.status_code == 403
    assert len(db_rows(settings, select(SavedFilter))) == 1
