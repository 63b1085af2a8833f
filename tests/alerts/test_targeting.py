"""Which sites an alert reaches, and the preview's totals."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.alerts.factories import make_site
from tests.orgs.factories import make_network, make_org, make_person
from vigil.alerts.cap import Circle
from vigil.alerts.models import Subscription
from vigil.alerts.targeting import Target, reach, target_sites
from vigil.core.config import Settings
from vigil.core.errors import Invalid

VIENNA = (48.2082, 16.3738)


def ids(found: list[tuple[int, int]]) -> set[int]:
    return {site_id for site_id, _ in found}


def test_circle_keeps_the_sites_inside_not_the_bbox_corners(
    session: Session, settings: Settings
) -> None:
    org = make_org(session)
    centre = make_site(session, settings, org, lat=VIENNA[0], lon=VIENNA[1])
    near = make_site(session, settings, org, lat=48.2300, lon=16.3738)  # ~2.4 km north
    # Inside the circle's bounding box (2.9 km east and 2.2 km north) but 3.6 km away.
    corner = make_site(session, settings, org, lat=48.2280, lon=16.4130)
    far = make_site(session, settings, org, lat=48.3000, lon=16.3738)
    target = Target(circle=Circle(lat=VIENNA[0], lon=VIENNA[1], radius_km=3))
    found = ids(target_sites(session, org_id=org.id, target=target))
    assert found == {centre.id, near.id}
    assert corner.id not in found and far.id not in found


def test_concave_polygon_leaves_out_its_notch(session: Session, settings: Settings) -> None:
    org = make_org(session)
    # An L: the square 48.0..48.4 x 16.0..16.4 without its north-east quarter.
    ring = [
        (48.0, 16.0),
        (48.0, 16.4),
        (48.2, 16.4),
        (48.2, 16.2),
        (48.4, 16.2),
        (48.4, 16.0),
        (48.0, 16.0),
    ]
    inside = make_site(session, settings, org, lat=48.1, lon=16.3)
    edge = make_site(session, settings, org, lat=48.0, lon=16.1)
    notch = make_site(session, settings, org, lat=48.3, lon=16.3)
    found = ids(target_sites(session, org_id=org.id, target=Target(polygons=[ring])))
    assert found == {inside.id, edge.id}
    assert notch.id not in found


def test_countries_cities_and_site_types(session: Session, settings: Settings) -> None:
    org = make_org(session)
    school_at = make_site(
        session, settings, org, lat=47.0, lon=15.4, type="school", city="Graz", country="AT"
    )
    church_at = make_site(session, settings, org, lat=47.1, lon=15.4, city="Graz", country="AT")
    brno = make_site(session, settings, org, lat=49.2, lon=16.6, city="Brno", country="CZ")
    assert ids(target_sites(session, org_id=org.id, target=Target(countries=["at"]))) == {
        school_at.id,
        church_at.id,
    }
    assert ids(target_sites(session, org_id=org.id, target=Target(cities=["brno"]))) == {brno.id}
    typed = Target(countries=["AT", "CZ"], site_types=["school"])
    assert ids(target_sites(session, org_id=org.id, target=typed)) == {school_at.id}


def test_reach_is_own_descendants_and_networks_only(session: Session, settings: Settings) -> None:
    org = make_org(session)
    branch = make_org(session, parent=org)
    peer = make_org(session)
    other_net_peer = make_org(session)
    stranger = make_org(session)
    net = make_network(session, org, peer)
    other_net = make_network(session, peer, other_net_peer)
    sites = {
        o: make_site(session, settings, o, lat=VIENNA[0], lon=VIENNA[1])
        for o in (org, branch, peer, other_net_peer, stranger)
    }
    everywhere = Target(countries=[], circle=Circle(lat=VIENNA[0], lon=VIENNA[1], radius_km=1))
    found = ids(target_sites(session, org_id=org.id, target=everywhere))
    assert found == {sites[org].id, sites[branch].id, sites[peer].id}
    in_net = Target(circle=everywhere.circle, network_ids=[net])
    assert ids(target_sites(session, org_id=org.id, target=in_net)) == {
        sites[org].id,
        sites[peer].id,
    }
    with pytest.raises(Invalid) as caught:
        target_sites(
            session, org_id=org.id, target=Target(circle=everywhere.circle, network_ids=[other_net])
        )
    assert caught.value.field == "network_ids"


def test_no_area_is_refused(session: Session) -> None:
    org = make_org(session)
    with pytest.raises(Invalid) as caught:
        target_sites(session, org_id=org.id, target=Target(site_types=["school"]))
    assert caught.value.field == "area"


def test_preview_counts_first_contacts_and_subscribed_members(
    session: Session, settings: Settings
) -> None:
    org = make_org(session)
    peer = make_org(session)
    make_network(session, org, peer)
    make_site(session, settings, org, lat=VIENNA[0], lon=VIENNA[1], contacts=3)
    make_site(session, settings, peer, lat=VIENNA[0], lon=VIENNA[1], contacts=1)
    make_site(session, settings, peer, lat=VIENNA[0], lon=VIENNA[1], contacts=0)
    member = make_person(session, settings, org=peer)
    session.add(Subscription(person_id=member.id, org_id=peer.id))
    session.flush()
    target = Target(circle=Circle(lat=VIENNA[0], lon=VIENNA[1], radius_km=1))
    counted = reach(session, org_id=org.id, target=target)
    # One first contact per site with contacts (the alternates wait for escalation) + 1 member.
    assert (counted.sites, counted.people) == (3, 3)
