"""Aiming an alert on the map in a real browser (issue 19), on a phone and a desktop: the
readable sites are on the map in clusters with counts, a circle drawn by dragging fills the
centre and radius inputs and the preview names a reached site, a polygon drawn by clicks fills
the polygon field, and the alert is then confirmed and sent. The incident list's map gathers
incidents at one place into a cluster with its count. Any request leaving loopback and any
console error (e.g. a CSP violation) fails the test (the `page` fixture)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.alerts.factories import VIENNA, build_world
from tests.e2e.a11y import described, violations, with_axe
from tests.e2e.conftest import serve
from tests.e2e.test_alerts_browser import _email, _sign_in
from tests.orgs.factories import make_org, make_person
from tests.playbooks.factories import make_incident
from vigil.core.config import Settings
from vigil.core.policy import Role

pytestmark = pytest.mark.browser

PAIR = r"-?\d+\.\d+,-?\d+\.\d+"


def _map_box(page: Page) -> tuple[float, float, float, float]:
    box = page.locator("#alert-map").bounding_box()
    assert box is not None
    return box["x"], box["y"], box["width"], box["height"]


@pytest.mark.parametrize("width", [375, 1280])
def test_aim_an_alert_on_the_map(page: Page, settings: Settings, width: int) -> None:
    world = build_world(settings, sites=3, contacts=2, site_tlp="green")
    page.set_viewport_size({"width": width, "height": 900})
    with_axe(page.context, settings)
    with serve(settings) as url:
        _sign_in(page, url, _email(settings, world.coordinator_id), "/alerts/new")
        page.locator("#alert-map.map-ready[data-sites-drawn='3']").wait_for()
        # The three sites in Vienna are one cluster showing its count (Graz's is not shared).
        cluster = page.locator("#alert-map .marker-cluster", has_text=re.compile(r"^\s*3\s*$"))
        cluster.wait_for()
        assert cluster.is_visible()
        legend = page.locator("#site-legend li:not([hidden])")
        assert legend.all_inner_texts() == ["Place of worship"]

        # The preview counts once the alert says what happened.
        page.get_by_label("What happened").fill("Armed attack")
        page.get_by_label("Area in words").fill("Vienna centre")
        # A typed centre brings the map to Vienna; place names show at that zoom.
        page.get_by_label("Latitude").fill(str(VIENNA[0]))
        page.get_by_label("Longitude").fill(str(VIENNA[1]))
        page.get_by_label("Radius (km)").fill("2")
        page.get_by_label("Radius (km)").dispatch_event("change")
        page.locator("#alert-map .place-label", has_text="Vienna").first.wait_for()
        found = violations(page)  # the markers, clusters, labels and drawing buttons too
        assert not found, "\n".join(described("/alerts/new", found))

        # A circle by dragging: pressed below the cluster, pulled out sideways.
        page.get_by_role("button", name="Draw a circle: press at its centre and drag").click()
        x, y, w, h = _map_box(page)
        start = (x + w / 2, y + h / 2 + 30)
        page.mouse.move(*start)
        page.mouse.down()
        page.mouse.move(start[0] + 90, start[1], steps=6)
        page.mouse.up()
        page.wait_for_function("Number(document.getElementById('f-circle_radius_km').value) !== 2")
        lat = float(page.get_by_label("Latitude").input_value())
        lon = float(page.get_by_label("Longitude").input_value())
        radius = float(page.get_by_label("Radius (km)").input_value())
        assert abs(lat - VIENNA[0]) < 0.05 and abs(lon - VIENNA[1]) < 0.05, (lat, lon)
        assert 0.1 < radius < 5, radius
        assert page.locator("#alert-map path.alert-area").count() == 1
        named = page.locator("#preview .preview-sites a").first
        named.wait_for()
        assert re.fullmatch(r"Site \d+", named.inner_text())
        assert named.get_attribute("href", timeout=1000).startswith("/sites/")  # type: ignore[union-attr]

        # A polygon by clicking its corners, finished with the toolbar's action.
        page.get_by_role("button", name="Draw a polygon: click its corners").click()
        x, y, w, h = _map_box(page)
        for dx, dy in ((-0.3, -0.3), (0.3, -0.3), (0.3, 0.3), (-0.3, 0.3)):
            page.mouse.click(x + w / 2 + dx * w, y + h / 2 + dy * h)
        page.get_by_role("button", name="Finish").click()
        polygon = page.locator("#f-polygon")
        page.wait_for_function("document.getElementById('f-polygon').value !== ''")
        pairs = polygon.input_value().split(" ")
        assert len(pairs) == 5 and pairs[0] == pairs[-1], pairs
        assert all(re.fullmatch(PAIR, pair) for pair in pairs)
        assert page.locator("#alert-map path.alert-area").count() == 2

        # Then the usual: what happened, choices, review, confirm, sent.
        page.get_by_label("Headline").fill("Shots fired near Stephansplatz")
        page.get_by_label("Urgency").select_option("Immediate")
        page.get_by_label("Severity").select_option("Extreme")
        page.get_by_label("Certainty").select_option("Observed")
        page.wait_for_function(
            "document.querySelector('#preview .preview-count') !== null"
            " && document.getElementById('f-polygon').value !== ''"
        )
        width_now: int = page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= width, f"/alerts/new scrolls sideways ({width_now} px)"
        page.get_by_role("button", name="Review and send").click()
        page.locator("#summary").wait_for()
        page.get_by_role("button", name="Confirm: send the alert").click()
        page.wait_for_url(re.compile(rf"{re.escape(url)}/alerts/\d+$"))
        assert "messages are on their way" in page.locator(".flash").inner_text()


def test_incident_list_map_clusters_with_counts(
    page: Page, settings: Settings, committed: Session
) -> None:
    org = make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    places = {"Berlin": (52.52, 13.405), "Munich": (48.137, 11.575)}
    for city, (lat, lon) in places.items():
        for n in range(6 if city == "Berlin" else 4):
            incident = make_incident(committed, org, coordinator, hours_ago=n + 1)
            incident.city, incident.lat, incident.lon = city, lat, lon
    committed.commit()
    page.set_viewport_size({"width": 1280, "height": 900})
    with serve(settings) as url:
        _sign_in(page, url, coordinator.email, "/incidents")
        clusters = page.locator(".map .marker-cluster")
        clusters.first.wait_for()
        counts = sorted(int(text) for text in clusters.all_inner_texts())
        assert counts == [4, 6]
        assert page.locator(".map path.incident-marker").count() == 0  # none drawn apart
