"""Building blocks of the assessment tests: a site of an organisation, and full answer sets."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person
from vigil.assessments import versions
from vigil.assessments.methodology import Methodology
from vigil.assessments.models import MethodologyVersion
from vigil.assessments.parameters import NumberScale
from vigil.core.config import Settings
from vigil.core.policy import Principal, Role
from vigil.orgs.models import Organisation, OrgKind
from vigil.orgs.principals import load_principal
from vigil.sites import service as sites_service
from vigil.sites.models import Site
from vigil.sites.schemas import SiteCreate


def member(session: Session, settings: Settings, org: Organisation, role: Role) -> Principal:
    person = make_person(session, settings, org=org, role=role)
    principal = load_principal(session, person_id=person.id)
    assert principal is not None
    return principal


def synagogue(session: Session, principal: Principal, *, capacity: int = 450) -> Site:
    return sites_service.create_site(
        session=session,
        principal=principal,
        data=SiteCreate(
            name="Synagogue Rykestrasse",
            type="place_of_worship",
            city="Berlin",
            country="DE",
            lat=52.5386,
            lon=13.4189,
            capacity=capacity,
            typical_attendance=180,
        ),
    )


def operator_with_site(
    session: Session, settings: Settings, role: Role = Role.coordinator
) -> tuple[Organisation, Principal, Site]:
    org = make_org(session, kind=OrgKind.site_operator)
    principal = member(session, settings, org, role)
    return org, principal, synagogue(session, principal)


def shipped(session: Session, code: str = "places_of_worship") -> MethodologyVersion:
    return next(v for v in versions.ensure_shipped(session) if v.code == code)


def answer_all(methodology: Methodology, site_type: str, strength: str) -> dict[str, object]:
    """Every applicable question answered the same way: 'strong' (best) or 'weak' (worst)."""
    answers: dict[str, object] = {}
    for section in methodology.applicable_sections(site_type):
        for q in section.questions:
            if q.kind == "yes_no":
                answers[q.id] = "yes" if strength == "strong" else "no"
            elif q.kind == "maturity":
                answers[q.id] = 4 if strength == "strong" else 0
            else:
                assert q.scale is not None
                scale = methodology.scoring.number_scales[q.scale]
                values = sorted(band.value for band in scale.bands)
                wanted = values[-1] if strength == "strong" else values[0]
                answers[q.id] = _number_scoring(scale, wanted)
    return answers


def _number_scoring(scale: NumberScale, wanted: float) -> float:
    """A number inside the scale whose band scores `wanted`."""
    low = scale.min
    for band in scale.bands:
        if band.value == wanted:
            return band.max if band.max is not None else scale.max
        low = band.max if band.max is not None else low
    raise AssertionError("no band scores that value")
