"""A committed little world for the inbox's tests: organisation A (a coordinator, a viewer, a
site, two signals, one at the site) and organisation B (a coordinator) that must see none of
A's signals."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests.monitoring.factories import make_signal
from tests.orgs.factories import make_org, make_person, token_headers
from tests.sites.factories import acting, make_site
from vigil.core.config import Settings
from vigil.core.policy import TLP, Role


@dataclass(frozen=True)
class InboxWorld:
    coordinator_email: str
    viewer_email: str
    other_email: str
    a: dict[str, str]  # API headers of A's coordinator
    a_viewer: dict[str, str]
    b: dict[str, str]  # API headers of B's coordinator
    site_id: int
    site_signal: int  # at the site, threat, score 0.9
    place_signal: int  # no site, a place named in the articles, score 0.5
    article_ids: list[int]


def build_inbox_world(committed: Session, settings: Settings) -> InboxWorld:
    org_a, org_b = make_org(committed), make_org(committed)
    coordinator = make_person(committed, settings, org=org_a, role=Role.coordinator)
    viewer = make_person(committed, settings, org=org_a, role=Role.viewer)
    other = make_person(committed, settings, org=org_b, role=Role.coordinator)
    site = make_site(
        committed,
        acting(committed, coordinator, org_a),
        name="Synagogue Rykestrasse",
        address="Rykestr. 53",
        lat=52.5384,
        lon=13.4200,
        tlp=TLP.amber,
    )
    at_site = make_signal(committed, org_a.id, site_id=site.id, site_hit=site.id)
    at_place = make_signal(
        committed,
        org_a.id,
        title="Antisemitic stickers around the City Temple",
        score=0.5,
        incident_type="literature",
        articles=[("Antisemitische Aufkleber rund um den Stadttempel", "de")],
        mentions=[
            {"kind": "place", "key": "place:2761369", "name": "Wien", "lat": 48.2115,
             "lon": 16.3745}
        ],
        reasons=[
            {"label": "watch:term", "term": "Stadttempel", "where": "title", "kind": "term",
             "site_id": None, "name": "Stadttempel"},
            {"label": "type:literature", "term": "Aufkleber", "where": "title", "weight": 0.5},
        ],
        hours_ago=30,
    )  # fmt: skip
    headers = (
        token_headers(committed, coordinator, org_a),
        token_headers(committed, viewer, org_a),
        token_headers(committed, other, org_b),
    )
    committed.commit()
    return InboxWorld(
        coordinator_email=coordinator.email,
        viewer_email=viewer.email,
        other_email=other.email,
        a=headers[0],
        a_viewer=headers[1],
        b=headers[2],
        site_id=site.id,
        site_signal=at_site.id,
        place_signal=at_place.id,
        article_ids=at_site.article_ids,
    )
