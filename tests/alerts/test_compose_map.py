"""The compose map's help to aim (issue 19): the preview names the reached sites the coordinator
may read and only counts the others (DECISIONS 7), the map's site markers are the readable
sites, and place names come from the gazetteer for the map's bounds."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from tests.alerts.factories import VIENNA, World, alert_input, build_world, make_site
from tests.alerts.test_pages import FORM, _email
from tests.html import csrf_of, html, sign_in
from vigil.alerts.reached import preview_with_sites
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Organisation

SECRET_TLPS = ("amber", "amber+strict", "red")


@dataclass
class Aimed:
    world: World
    readable: dict[str, int]  # name: id
    secret: dict[str, int]


def _aimed(settings: Settings) -> Aimed:
    """Org A (the coordinator's) and org B in one network; around Vienna: A's own school, B's
    GREEN museum (shared with the network), and B's AMBER, AMBER+STRICT and RED sites."""
    world = build_world(settings, sites=0)
    readable, secret = {}, {}
    with transaction(settings.sqlalchemy_url) as session:
        org_a = session.get(Organisation, world.org_id)
        org_b = session.get(Organisation, world.peer_id)
        assert org_a and org_b
        shown = (("Own school", org_a, "school", "amber+strict"),
                 ("Peer museum", org_b, "museum", "green"))  # fmt: skip
        for i, (name, org, kind, tlp) in enumerate(shown):
            site = make_site(session, settings, org, lat=VIENNA[0] + i * 0.001, lon=VIENNA[1],
                             type=kind, tlp=tlp)  # fmt: skip
            site.name = name
            readable[name] = site.id
        for i, tlp in enumerate(SECRET_TLPS):
            site = make_site(session, settings, org_b, lat=VIENNA[0] - i * 0.001, lon=VIENNA[1],
                             type="stadium", tlp=tlp)  # fmt: skip
            site.name = f"Hidden {tlp} arena"
            secret[site.name] = site.id
        session.flush()
    return Aimed(world, readable, secret)


def test_preview_names_readable_sites_and_only_counts_the_others(
    client: TestClient, settings: Settings
) -> None:
    aimed = _aimed(settings)
    sign_in(client, _email(settings, aimed.world.coordinator_id))
    token = csrf_of(html(client.get("/alerts/new")))
    response = client.post("/alerts/preview", data={"csrf_token": token, **FORM})
    preview = html(response)
    assert preview.find("p", class_="preview-count").text.startswith("5 sites")
    items = preview.find("ul", class_="preview-sites").find_all("li")
    assert [li.find("a").text for li in items] == ["Own school", "Peer museum"]
    assert [li.find("a").attrs["href"] for li in items] == [
        f"/sites/{aimed.readable['Own school']}",
        f"/sites/{aimed.readable['Peer museum']}",
    ]
    assert "School" in items[0].text and "Museum" in items[1].text
    counted = preview.find("p", class_="preview-unreadable").text
    assert "3 more sites that you may not see" in counted
    for name, site_id in aimed.secret.items():  # never named, not even by id
        assert name not in response.text and "arena" not in response.text
        assert f"/sites/{site_id}" not in response.text
    assert preview.find_all("p", class_="preview-more") == []


def test_listing_is_capped_and_counts_the_rest(settings: Settings) -> None:
    aimed = _aimed(settings)
    with transaction(settings.sqlalchemy_url) as session:
        principal = aimed.world.principal(session)
        counted, sites = preview_with_sites(
            session=session, principal=principal, data=alert_input(), shown=1
        )
    assert (counted.sites, sites.readable, sites.unreadable, sites.more) == (5, 2, 3, 1)
    assert [s.name for s in sites.shown] == ["Own school"]
    assert sites.shown[0].type.value == "school"


def test_map_sites_are_the_readable_ones(client: TestClient, settings: Settings) -> None:
    aimed = _aimed(settings)
    sign_in(client, _email(settings, aimed.world.coordinator_id))
    body = client.get("/alerts/map/sites").json()
    assert {(s["name"], s["type"]) for s in body["sites"]} == {
        ("Own school", "school"),
        ("Peer museum", "museum"),
    }
    assert all(s["url"] == f"/sites/{s['id']}" for s in body["sites"])
    page = html(client.get("/alerts/new"))
    assert page.find("div", id="alert-map").attrs["data-sites"] == "/alerts/map/sites"
    legend = page.find("ul", id="site-legend")
    kinds = {li.attrs["data-kind"]: li.text.strip() for li in legend.find_all("li")}
    assert kinds["place_of_worship"] == "Place of worship" and kinds["school"] == "School"


def test_places_for_the_maps_bounds(client: TestClient, settings: Settings) -> None:
    world = build_world(settings, sites=0)
    bounds = {"bbox": "16.2,48.1,16.5,48.3", "zoom": "12"}
    for url in ("/alerts/map/places", "/alerts/map/sites"):  # signed in only
        anonymous = client.get(url, params=bounds, follow_redirects=False)
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    sign_in(client, _email(settings, world.member_id))
    vienna = "16.2,48.1,16.6,48.33"
    places = client.get("/alerts/map/places", params={"bbox": vienna, "zoom": "12"}).json()
    names = [p["name"] for p in places["places"]]
    assert names[0] == "Vienna" and 1 < len(names) <= 60
    assert all(16.2 <= p["lon"] <= 16.6 and 48.1 <= p["lat"] <= 48.33 for p in places["places"])
    few = client.get("/alerts/map/places", params={"bbox": vienna, "zoom": "12", "limit": "3"})
    assert len(few.json()["places"]) == 3
    # Zoomed out over Europe only the large cities are named, the largest first.
    europe = client.get("/alerts/map/places", params={"bbox": "-10,35,30,60", "zoom": "5"})
    populations = [p["population"] for p in europe.json()["places"]]
    assert populations == sorted(populations, reverse=True) and min(populations) >= 1_000_000


def test_bad_bounds_are_a_clear_422(client: TestClient, settings: Settings) -> None:
    world = build_world(settings, sites=0)
    sign_in(client, _email(settings, world.member_id))
    cases = {
        ("north", "12"): "west,south,east,north",
        ("16.2,48.1,16.5", "12"): "west,south,east,north",
        ("16.5,48.1,16.2,48.3", "12"): "west < east",
        ("16.2,48.1,16.5,95", "12"): "south < north within -90..90",
        ("16.2,48.1,16.5,nan", "12"): "west,south,east,north",
        ("16.2,48.1,16.5,48.3", "far"): "zoom",
    }
    for (bbox, zoom), words in cases.items():
        response = client.get("/alerts/map/places", params={"bbox": bbox, "zoom": zoom})
        assert response.status_code == 422, (bbox, zoom)
        problem = response.json()
        assert words in problem["detail"], problem
        assert problem["errors"][0]["field"] in ("bbox", "zoom")
    too_many = client.get(
        "/alerts/map/places", params={"bbox": "16.2,48.1,16.5,48.3", "zoom": "9", "limit": "61"}
    )
    assert too_many.status_code == 422 and "from 1 to 60" in too_many.json()["detail"]
