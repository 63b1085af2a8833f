"""Site rules at the service level on SQLite and PostgreSQL; each test is rolled back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person
from tests.sites.factories import BERLIN, acting, make_site, square
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import TLP, Role
from vigil.incidents import queries as incident_queries
from vigil.incidents.transfer import bulk_insert_incidents
from vigil.sites import service
from vigil.sites.models import SiteContact
from vigil.sites.schemas import ContactWrite, SiteUpdate

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def people(session: Session, settings: Settings) -> dict[str, object]:
    org, other = make_org(session), make_org(session)
    make_network(session, org, other)
    found: dict[str, object] = {"org": org, "other": other}
    for role in (Role.viewer, Role.analyst, Role.coordinator):
        person = make_person(session, settings, org=org, role=role)
        found[role.value] = acting(session, person, org)
    found["outsider"] = acting(
        session, make_person(session, settings, org=other, role=Role.org_admin), other
    )
    return found


def test_amber_strict_site_is_for_its_organisation_only(session: Session, people: dict) -> None:
    site = make_site(session, people["analyst"], name="Synagogue Nord")

    assert service.get_site(session=session, principal=people["viewer"], site_id=site.id) is site
    with pytest.raises(NotFound):
        service.get_site(session=session, principal=people["outsider"], site_id=site.id)
    shared = make_site(session, people["analyst"], tlp=TLP.green)
    assert service.get_site(session=session, principal=people["outsider"], site_id=shared.id)


def test_viewer_may_not_create_and_only_a_coordinator_loosens_tlp(
    session: Session, people: dict
) -> None:
    with pytest.raises(Forbidden):
        make_site(session, people["viewer"])
    site = make_site(session, people["analyst"])
    with pytest.raises(Forbidden, match="coordinator"):
        service.update_site(
            session=session,
            principal=people["analyst"],
            site_id=site.id,
            data=SiteUpdate(tlp=TLP.green),
        )
    service.update_site(
        session=session,
        principal=people["coordinator"],
        site_id=site.id,
        data=SiteUpdate(tlp=TLP.green, capacity=900),
    )
    assert (site.tlp, site.capacity) == ("green", 900)
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.target_type.in_(["sites"]), AuditEntry.target_id == str(site.id)
        )
    ).all()
    assert {"site.create", "tlp.change", "site.update"} <= set(actions)


def test_moving_the_point_away_from_the_perimeter_is_refused(
    session: Session, people: dict
) -> None:
    site = make_site(session, people["analyst"], perimeter=square(*BERLIN))
    with pytest.raises(Invalid) as caught:
        service.update_site(
            session=session,
            principal=people["analyst"],
            site_id=site.id,
            data=SiteUpdate(lat=BERLIN[0] + 0.05),
        )
    assert caught.value.field == "perimeter"


def test_list_filters_by_type_city_and_words(session: Session, people: dict) -> None:
    from vigil.sites.schemas import SiteFilters

    make_site(session, people["analyst"], name="Jewish School Mitte", type="school")
    make_site(session, people["analyst"], name="Stadium Ost", type="stadium", city="Leipzig")
    page = service.list_sites(
        session=session, principal=people["viewer"], filters=SiteFilters(type=["school"])
    )
    assert [s.name for s in page.items] == ["Jewish School Mitte"]
    page = service.list_sites(
        session=session, principal=people["viewer"], filters=SiteFilters(city="leipzig")
    )
    assert [s.name for s in page.items] == ["Stadium Ost"]
    page = service.list_sites(
        session=session, principal=people["viewer"], filters=SiteFilters(q="school mitte")
    )
    assert page.total == 1 and page.items[0].recipients is not None
    outsider_page = service.list_sites(session=session, principal=people["outsider"])
    assert outsider_page.total == 0


def test_sites_within_a_radius_nearest_first(session: Session, people: dict) -> None:
    lat, lon = BERLIN
    near = make_site(session, people["analyst"], lat=lat + 0.009, lon=lon)  # about 1 km north
    far = make_site(session, people["analyst"], lat=lat + 0.027, lon=lon)  # about 3 km north
    make_site(session, people["coordinator"], lat=lat, lon=lon + 0.001, tlp=TLP.red)

    found = service.sites_within(
        session=session, principal=people["viewer"], lat=lat, lon=lon, radius_km=2
    )
    assert [s.id for s, _ in found] == [near.id]
    assert found[0][1] == pytest.approx(1.0, abs=0.05)
    wider = service.sites_within(
        session=session, principal=people["viewer"], lat=lat, lon=lon, radius_km=5
    )
    assert [s.id for s, _ in wider] == [near.id, far.id]
    with pytest.raises(Invalid):
        service.sites_within(
            session=session, principal=people["viewer"], lat=91, lon=lon, radius_km=5
        )


def test_incidents_near_a_site_are_those_the_principal_may_read(
    session: Session, people: dict
) -> None:
    site = make_site(session, people["analyst"])
    lat, lon = BERLIN
    org, other = people["org"].id, people["other"].id
    base = {"type": "damage", "source": "member", "status": "triaged", "title": "x"}
    recent = NOW - dt.timedelta(days=10)
    ids = bulk_insert_incidents(
        session=session,
        rows=[
            {**base, "owner_org_id": org, "tlp": "amber+strict", "lat": lat + 0.005, "lon": lon,
             "occurred_from": recent, "title": "near"},
            {**base, "owner_org_id": org, "tlp": "amber+strict", "lat": lat + 0.05, "lon": lon,
             "occurred_from": recent, "title": "far"},
            {**base, "owner_org_id": org, "tlp": "amber+strict", "lat": lat, "lon": lon,
             "occurred_from": NOW - dt.timedelta(days=400), "title": "old"},
            {**base, "owner_org_id": other, "tlp": "amber+strict", "lat": lat, "lon": lon,
             "occurred_from": recent, "title": "not shared"},
            {**base, "owner_org_id": org, "tlp": "amber+strict", "occurred_from": recent,
             "title": "linked, no point", "site_id": site.id},
        ],
    )  # fmt: skip
    found = incident_queries.incidents_near(
        session=session,
        principal=people["viewer"],
        site=site,
        radius_km=2,
        since=NOW - dt.timedelta(days=365),
    )
    assert [i.title for i, _ in found] == ["linked, no point", "near"]
    assert found[1][1] == pytest.approx(0.56, abs=0.05)
    assert ids


def test_contacts_are_encrypted_at_rest_and_hidden_from_viewers(
    session: Session, people: dict, settings: Settings
) -> None:
    site = make_site(session, people["analyst"], tlp=TLP.green)
    service.set_contacts(
        session=session,
        principal=people["analyst"],
        settings=settings,
        site_id=site.id,
        contacts=[
            ContactWrite(name="Rina Levy", role="security lead", email="rina@example.org",
                         phone="+49 30 1234567"),
            ContactWrite(name="Night guard", phone="+49 30 7654321"),
        ],
    )  # fmt: skip
    raw = session.execute(
        select(SiteContact.email_encrypted, SiteContact.phone_encrypted).where(
            SiteContact.site_id == site.id
        )
    ).all()
    stored = " ".join(v or "" for row in raw for v in row)
    assert stored and "rina@example.org" not in stored and "1234567" not in stored

    shown = service.site_contacts(
        session=session, principal=people["analyst"], settings=settings, site_id=site.id
    )
    assert [(c.priority, c.name, c.email) for c in shown] == [
        (1, "Rina Levy", "rina@example.org"),
        (2, "Night guard", None),
    ]
    for who in ("viewer", "outsider"):
        assert (
            service.site_contacts(
                session=session, principal=people[who], settings=settings, site_id=site.id
            )
            == []
        )
    with pytest.raises(Forbidden):
        service.set_contacts(
            session=session,
            principal=people["viewer"],
            settings=settings,
            site_id=site.id,
            contacts=[],
        )


def test_delivery_contacts_of_many_sites_in_priority_order(
    session: Session, people: dict, settings: Settings
) -> None:
    first, second, empty = (make_site(session, people["analyst"]) for _ in range(3))
    for site, names in ((first, ["A1", "A2", "A3"]), (second, ["B1"])):
        service.set_contacts(
            session=session,
            principal=people["analyst"],
            settings=settings,
            site_id=site.id,
            contacts=[ContactWrite(name=n, email=f"{n.lower()}@example.org") for n in names],
        )
    found = service.delivery_contacts(
        session=session, settings=settings, site_ids=[second.id, first.id, empty.id]
    )
    assert [c.name for c in found[first.id]] == ["A1", "A2", "A3"]
    assert [c.email for c in found[second.id]] == ["b1@example.org"]
    assert found[empty.id] == []
