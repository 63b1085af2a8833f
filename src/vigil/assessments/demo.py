"""Demonstration assessments for `vigil demo load`: most demo sites answered against the shipped
methodology made for their type, with answers drawn from a seeded random generator (so every
load gives the same figures), completed, some approved, and one synagogue assessed twice a year
apart so the compare page has something to show; /portfolio is alive after `make run`."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.assessments import service, versions
from vigil.assessments.methodology import Methodology, Question
from vigil.assessments.models import Assessment, MethodologyVersion
from vigil.core.domains import DemoData
from vigil.core.policy import Principal
from vigil.orgs.principals import load_principal
from vigil.sites import directory as sites_directory
from vigil.sites.demo import COORDINATORS

if TYPE_CHECKING:
    from vigil.sites.models import Site

SEED = "vigil-demo-assessments"
SKIP_EVERY = 7  # every 7th site has no assessment yet, as in a real network
REASSESSED = "Synagogue Rykestrasse"
REASSESSED_DAYS_AGO = 380


def demo_answer(rng: random.Random, methodology: Methodology, q: Question, care: float) -> str:
    """An answer from a site that has taken `care` (0..1) of its security."""
    if rng.random() < 0.03:
        return "na"
    if q.kind == "yes_no":
        roll = rng.random()
        return "yes" if roll < care else ("partly" if roll < care + (1 - care) / 2 else "no")
    if q.kind == "maturity":
        return str(max(0, min(4, round(care * 4 + rng.uniform(-1.2, 1.2)))))
    scale = methodology.scoring.number_scales[q.scale or ""]
    ranked = sorted(range(len(scale.bands)), key=lambda i: scale.bands[i].value)
    band = ranked[min(len(ranked) - 1, int(rng.random() * care * len(ranked) + care))]
    low = scale.bands[band - 1].max if band > 0 else scale.min
    high = scale.bands[band].max
    number = high if high is not None else min(scale.max, (low or 0) + 10)
    return f"{number:g}"


def _assess(
    session: Session,
    principal: Principal,
    site: Site,
    version: MethodologyVersion,
    methodology: Methodology,
    rng: random.Random,
    care: float,
) -> Assessment:
    assessment = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=version.id
    )
    answers = {
        q.id: demo_answer(rng, methodology, q, care)
        for s in methodology.applicable_sections(site.type)
        for q in s.questions
    }
    service.save_answers(
        session=session, principal=principal, assessment_id=assessment.id, answers=answers
    )
    return service.complete_assessment(
        session=session, principal=principal, assessment_id=assessment.id
    )


def load_assessments(session: Session, demo: DemoData) -> None:
    ids, people = demo.org_ids, demo.people
    if session.scalar(select(Assessment.id).limit(1)) is not None:
        return
    shipped = [(v, versions.methodology_of(v)) for v in versions.ensure_shipped(session)]
    principals = {}
    for org, email in COORDINATORS.items():
        principal = load_principal(session, person_id=people[email], acting_org_id=ids[org])
        if principal is not None:
            principals[ids[org]] = principal
    rng = random.Random(SEED)
    sites = sites_directory.all_sites(session=session)
    for n, site in enumerate(sites):
        principal = principals.get(site.owner_org_id)
        made_for = [(v, m) for v, m in shipped if site.type in m.applies_to]
        if principal is None or not made_for or n % SKIP_EVERY == SKIP_EVERY - 1:
            continue
        version, methodology = made_for[0]
        care = rng.uniform(0.25, 0.9)
        if site.name == REASSESSED:
            earlier = _assess(session, principal, site, version, methodology, rng, care - 0.2)
            back = dt.timedelta(days=REASSESSED_DAYS_AGO)
            earlier.created_at -= back
            if earlier.completed_at is not None:
                earlier.completed_at -= back
            service.approve_assessment(
                session=session, principal=principal, assessment_id=earlier.id
            )
        done = _assess(session, principal, site, version, methodology, rng, care)
        if n % 2 == 0:
            service.approve_assessment(session=session, principal=principal, assessment_id=done.id)
