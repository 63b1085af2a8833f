"""What alert tests build: sites with contacts written straight to the tables, and a committed
little world (a coordinator's organisation in a network with a peer, sites with prioritised
contacts around Vienna) with helpers to compose and send."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person
from vigil.alerts import endpoints, service
from vigil.alerts.schemas import AlertCreate
from vigil.core.config import Settings
from vigil.core.crypto import encrypt
from vigil.core.db import transaction
from vigil.core.policy import Principal, Role
from vigil.orgs import accounts
from vigil.orgs.models import Organisation
from vigil.sites.models import Site, SiteContact

_seq = itertools.count(1)


def make_site(
    session: Session,
    settings: Settings,
    org: Organisation,
    *,
    lat: float,
    lon: float,
    type: str = "place_of_worship",
    city: str = "",
    country: str = "",
    contacts: int = 1,
    tlp: str = "amber+strict",
) -> Site:
    n = next(_seq)
    site = Site(
        owner_org_id=org.id,
        name=f"Site {n}",
        type=type,
        city=city,
        country=country,
        lat=lat,
        lon=lon,
        tlp=tlp,
    )
    session.add(site)
    session.flush()
    for priority in range(1, contacts + 1):
        email = f"site{n}-contact{priority}@example.org"
        session.add(
            SiteContact(
                site_id=site.id,
                priority=priority,
                name=f"Contact {priority} of site {n}",
                email_encrypted=encrypt(
                    email, keys=settings.encryption_keys, secret_key=settings.secret_key
                ),
            )
        )
    session.flush()
    return site


VIENNA = (48.2082, 16.3738)


@dataclass
class World:
    org_id: int
    peer_id: int
    coordinator_id: int
    member_id: int
    site_ids: list[int] = field(default_factory=list)
    far_site_id: int = 0

    def principal(self, session: Session, person_id: int | None = None) -> Principal:
        found = accounts.principal_for(session, person_id or self.coordinator_id)
        return replace(found, acting_org_id=self.org_id)


def build_world(
    settings: Settings,
    *,
    sites: int = 3,
    contacts: int = 2,
    webhook_urls: tuple[str, ...] = (),
    site_tlp: str = "amber+strict",
) -> World:
    with transaction(settings.sqlalchemy_url) as session:
        org = make_org(session)
        peer = make_org(session)
        make_network(session, org, peer)
        coordinator = make_person(session, settings, org=org, role=Role.coordinator)
        admin = make_person(session, settings, org=peer, role=Role.org_admin)
        member = make_person(session, settings, org=peer, role=Role.viewer)
        world = World(org.id, peer.id, coordinator.id, member.id)
        for i in range(sites):
            owner = org if i % 2 == 0 else peer
            site = make_site(
                session,
                settings,
                owner,
                lat=VIENNA[0] + i * 0.001,
                lon=VIENNA[1],
                contacts=contacts,
                city="Vienna",
                country="AT",
                tlp=site_tlp,
            )
            world.site_ids.append(site.id)
        far = make_site(session, settings, peer, lat=47.07, lon=15.44, city="Graz", country="AT")
        world.far_site_id = far.id
        admin_principal = replace(accounts.principal_for(session, admin.id), acting_org_id=peer.id)
        for url in webhook_urls:
            endpoints.add_webhook(
                session=session, principal=admin_principal, settings=settings, url=url
            )
        member_principal = accounts.principal_for(session, member.id)
        endpoints.subscribe(session=session, principal=member_principal, org_id=peer.id, on=True)
    return world


def alert_input(**overrides: object) -> AlertCreate:
    data: dict[str, object] = {
        "event": "Armed attack",
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Observed",
        "response_types": ["Shelter"],
        "headline": "Shots fired near Stephansplatz",
        "description": "An attacker with a firearm was seen moving north.",
        "instruction": "Lock the doors and keep everyone inside.",
        "area_desc": "Vienna, 2 km around Stephansplatz",
        "circle": {"lat": VIENNA[0], "lon": VIENNA[1], "radius_km": 2},
        "expires": dt.datetime.now(dt.UTC) + dt.timedelta(hours=2),
    }
    data.update(overrides)
    return AlertCreate.model_validate(data)


def send(
    settings: Settings, world: World, *, confirm_expired: bool = False, **overrides: object
) -> int:
    """Compose and send an alert; returns its id."""
    with transaction(settings.sqlalchemy_url) as session:
        principal = world.principal(session)
        alert = service.create_alert(
            session=session, principal=principal, settings=settings, data=alert_input(**overrides)
        )
        service.send_alert(
            session=session,
            principal=principal,
            settings=settings,
            alert_id=alert.id,
            confirm_expired=confirm_expired,
        )
        return alert.id
