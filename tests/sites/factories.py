"""Sites for tests, written through the sites service as the API would."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from vigil.core.policy import TLP, Principal
from vigil.orgs.models import Organisation, Person
from vigil.orgs.principals import load_principal
from vigil.orgs.recipients import Recipients
from vigil.sites import service
from vigil.sites.kinds import SiteType
from vigil.sites.models import Site
from vigil.sites.schemas import SiteCreate

BERLIN = (52.5200, 13.4050)
_seq = itertools.count(1)


def acting(session: Session, person: Person, org: Organisation) -> Principal:
    principal = load_principal(session, person_id=person.id, acting_org_id=org.id)
    assert principal is not None
    return principal


def make_site(
    session: Session,
    principal: Principal,
    *,
    tlp: TLP = TLP.amber_strict,
    recipient_orgs: list[int] | None = None,
    **fields: Any,
) -> Site:
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"Site {n}",
        "type": SiteType.place_of_worship,
        "address": f"Teststrasse {n}",
        "city": "Berlin",
        "country": "DE",
        "lat": BERLIN[0],
        "lon": BERLIN[1],
        "capacity": 300,
        "typical_attendance": 120,
    }
    values.update(fields)
    data = SiteCreate(
        **values, tlp=tlp, recipients=Recipients(organisation_ids=recipient_orgs or [])
    )
    return service.create_site(session=session, principal=principal, data=data)


def square(lat: float, lon: float, half_deg: float = 0.0005) -> dict[str, Any]:
    """A closed square perimeter around a point."""
    ring = [
        [lon - half_deg, lat - half_deg],
        [lon + half_deg, lat - half_deg],
        [lon + half_deg, lat + half_deg],
        [lon - half_deg, lat + half_deg],
        [lon - half_deg, lat - half_deg],
    ]
    return {"type": "Polygon", "coordinates": [ring]}
