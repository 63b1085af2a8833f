"""Demonstration incidents: 360 since the first of January two years ago in six European
cities (DECISIONS 25), each linked to the nearest demo site of its organisation within a
kilometre (DECISIONS 8).
Older ones are mostly verified or closed, as a coordinator leaves them, so the statistics and
the annual report (the published basis) show two full years; the last weeks are still triaged."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.domains import DemoData
from vigil.core.policy import TLP, Principal, Role
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.models import Incident
from vigil.incidents.schemas import Place, PublicReportCreate, ReportCreate, TriageDecision
from vigil.incidents.typology import Bias, IncidentType, Precision, Severity, Status, TargetKind
from vigil.orgs.principals import load_principal
from vigil.orgs.recipients import Recipients
from vigil.sites import service as sites_service

# city, country, lat, lon, owner organisation slug, IANA zone
CITIES = [
    ("Berlin", "DE", 52.5200, 13.4050, "jcs-berlin", "Europe/Berlin"),
    ("Munich", "DE", 48.1374, 11.5755, "jcs-berlin", "Europe/Berlin"),
    ("Prague", "CZ", 50.0755, 14.4378, "prague-community-security", "Europe/Prague"),
    ("Brno", "CZ", 49.1951, 16.6068, "prague-community-security", "Europe/Prague"),
    ("Vienna", "AT", 48.2082, 16.3738, "vienna-city-crisis", "Europe/Vienna"),
    ("Graz", "AT", 47.0707, 15.4395, "vienna-city-crisis", "Europe/Vienna"),
]
STORIES = [
    (
        IncidentType.damage,
        "Graffiti on the community centre",
        "Hateful symbols sprayed on the front wall overnight; photographed and removed.",
    ),
    (
        IncidentType.abusive_behaviour,
        "Verbal abuse outside the synagogue",
        "A man shouted insults at people leaving the evening service.",
    ),
    (
        IncidentType.threat,
        "Threatening e-mail to the school office",
        "An anonymous e-mail threatened to attack the school during the holidays.",
    ),
    (
        IncidentType.hostile_reconnaissance,
        "Person filming the entrance",
        "A person filmed the entrance and the guards for twenty minutes and left when approached.",
    ),
    (
        IncidentType.literature,
        "Antisemitic stickers near the memorial",
        "About thirty stickers with conspiracy slogans on lamp posts near the memorial.",
    ),
    (
        IncidentType.assault,
        "Visitor pushed and spat at",
        "A visitor wearing a kippah was pushed and spat at on the tram stop.",
    ),
    (
        IncidentType.suspicious_item,
        "Unattended bag at the entrance",
        "A bag left by the gate; police cleared it after forty minutes, it held clothes.",
    ),
    (
        IncidentType.cyber,
        "Community website defaced",
        "The website showed hateful images for two hours before it was restored.",
    ),
    (
        IncidentType.intrusion,
        "Attempted entry at the back door",
        "Someone tried to force the back door of the community centre at night.",
    ),
    (
        IncidentType.extreme_violence,
        "Burning object thrown at the door",
        "A burning bottle was thrown at the door of the community centre; the guard put it out.",
    ),
]
STORY_WEIGHTS = [12, 14, 8, 6, 12, 6, 3, 4, 2, 1]
TARGETS = {
    IncidentType.damage: TargetKind.property,
    IncidentType.abusive_behaviour: TargetKind.person,
    IncidentType.threat: TargetKind.institution,
    IncidentType.hostile_reconnaissance: TargetKind.institution,
    IncidentType.literature: TargetKind.property,
    IncidentType.assault: TargetKind.person,
    IncidentType.suspicious_item: TargetKind.institution,
    IncidentType.cyber: TargetKind.online,
    IncidentType.intrusion: TargetKind.property,
    IncidentType.extreme_violence: TargetKind.institution,
}
BIASES = [Bias.antisemitism] * 10 + [
    Bias.anti_muslim,
    Bias.anti_muslim,
    Bias.racism_xenophobia,
    Bias.racism_xenophobia,
    Bias.sexual_orientation_gender_identity,
    Bias.anti_roma,
    Bias.unknown,
]
# How a coordinator leaves an incident: most older ones verified or closed, a few rejected.
SETTLED = [Status.verified] * 9 + [Status.closed] * 8 + [Status.rejected, Status.triaged]
RECENT = [Status.triaged] * 5 + [Status.verified] * 3 + [Status.rejected]
RECENT_DAYS = 45
SEVERITIES = [Severity.minor] * 4 + [Severity.moderate] * 3 + [Severity.severe]
TLPS = [TLP.amber_strict] * 3 + [TLP.green] * 3 + [TLP.amber, TLP.clear]
DEMO_INCIDENTS = 360
LINK_KM = 1.0


def load_incidents(session: Session, demo: DemoData) -> None:
    """Reports submitted and triaged through the service, as a coordinator would."""
    now = dt.datetime.now(dt.UTC)
    if session.scalar(select(Incident.id).limit(1)) is None:
        _load_history(session, demo, now)
    _load_shared_with_police(session, demo, now)


def _load_history(session: Session, demo: DemoData, now: dt.datetime) -> None:
    ids, people, settings = demo.org_ids, demo.people, demo.settings
    rng = random.Random(2026)
    coordinators = {
        "jcs-berlin": people["coordinator@jcs-berlin.example"],
        "prague-community-security": people["coordinator@prague-security.example"],
        "vienna-city-crisis": people["coordinator@vienna-crisis.example"],
    }
    principals: dict[int, Principal] = {}
    # Two whole years and this one: the annual report compares a year with the one before.
    demo_days = (now.date() - dt.date(now.year - 2, 1, 1)).days
    for _ in range(DEMO_INCIDENTS):
        city, country, lat, lon, org_slug, zone = rng.choice(CITIES)
        kind, title, narrative = rng.choices(STORIES, STORY_WEIGHTS)[0]
        biases = sorted({rng.choice(BIASES) for _ in range(1 + (rng.random() < 0.1))})
        ihra = []
        if Bias.antisemitism in biases and rng.random() < 0.45:
            ihra = sorted({f"ihra.{rng.randint(1, 11)}" for _ in range(rng.randint(1, 2))})
        org_id = ids[org_slug]
        principal = load_principal(session, person_id=coordinators[org_slug], acting_org_id=org_id)
        assert principal is not None and principal.has_role(org_id, Role.coordinator)
        principals[org_id] = principal
        days_ago = rng.uniform(1, demo_days)
        data = ReportCreate(
            title=f"{title} ({city})",
            narrative=narrative,
            occurred_from=now - dt.timedelta(days=days_ago, hours=rng.uniform(0, 24)),
            timezone=zone,
            place=Place(
                lat=round(lat + rng.uniform(-0.05, 0.05), 5),
                lon=round(lon + rng.uniform(-0.08, 0.08), 5),
                city=city,
                country=country,
                precision=Precision.street,
            ),
            type=kind,
            bias=biases,
            ihra=ihra,
            target_kind=TARGETS[kind] if rng.random() < 0.85 else None,
            severity=rng.choice(SEVERITIES),
            police_reported=rng.random() < 0.6,
            tlp=rng.choice(TLPS),
        )
        report = reports_service.submit_report(
            session=session, principal=principal, data=data, settings=settings
        )
        incident = service.triage(
            session=session,
            principal=principal,
            report_id=report.id,
            decision=TriageDecision(action="new_incident"),
        )
        if incident is not None:
            incident.status = rng.choice(SETTLED if days_ago > RECENT_DAYS else RECENT).value
    link_to_sites(session, principals)
    _load_waiting_reports(session, ids, settings, now)


# Two incidents of JCS Berlin for the Berlin police: the AMBER one reaches the police's own Vigil
# over the peer link of the tour's second instance (`make partner`); the RED one, though its
# reader there is named, never leaves this instance (DECISIONS 29).
AMBER_FOR_POLICE = "Van circling the Jewish school at drop-off (Berlin)"
RED_FOR_POLICE = "Source names two men planning to attack the summer festival (Berlin)"
FOR_POLICE = [
    (
        AMBER_FOR_POLICE,
        "The same grey van passed the school gate six times during drop-off; the guards noted "
        "its plates for the police.",
        IncidentType.hostile_reconnaissance,
        TLP.amber,
        52.5246,
        13.3921,
    ),
    (
        RED_FOR_POLICE,
        "A trusted source named two men who talk of attacking the community's summer festival; "
        "for the named police liaison only, the source must stay unknown.",
        IncidentType.threat,
        TLP.red,
        52.5287,
        13.4005,
    ),
]


def _load_shared_with_police(session: Session, demo: DemoData, now: dt.datetime) -> None:
    """The two incidents above, each once (by title), reported and triaged by JCS Berlin's
    coordinator: AMBER for the police liaison organisation, RED for its liaison by name."""
    org_id = demo.org_ids["jcs-berlin"]
    principal = load_principal(
        session, person_id=demo.people["coordinator@jcs-berlin.example"], acting_org_id=org_id
    )
    assert principal is not None
    for days, (title, narrative, kind, tlp, lat, lon) in enumerate(FOR_POLICE, start=2):
        if session.scalar(select(Incident.id).where(Incident.title == title)) is not None:
            continue
        recipients = (
            Recipients(person_ids=[demo.people["liaison@police-berlin.example"]])
            if tlp is TLP.red
            else Recipients(organisation_ids=[demo.org_ids["berlin-police-liaison"]])
        )
        data = ReportCreate(
            title=title,
            narrative=narrative,
            occurred_from=now - dt.timedelta(days=days),
            timezone="Europe/Berlin",
            place=Place(lat=lat, lon=lon, city="Berlin", country="DE", precision=Precision.street),
            type=kind,
            bias=[Bias.antisemitism],
            severity=Severity.moderate,
            police_reported=True,
            tlp=tlp,
            recipients=recipients,
        )
        report = reports_service.submit_report(
            session=session, principal=principal, data=data, settings=demo.settings
        )
        service.triage(
            session=session,
            principal=principal,
            report_id=report.id,
            decision=TriageDecision(action="new_incident"),
        )


def link_to_sites(session: Session, principals: dict[int, Principal]) -> None:
    """Each demo incident within LINK_KM of a site of its own organisation names the nearest
    (DECISIONS 8), found as the organisation's coordinator (`principals`, by organisation)."""
    incidents = session.scalars(
        select(Incident).where(Incident.site_id.is_(None), Incident.lat.is_not(None))
    )
    for incident in list(incidents):
        assert incident.lat is not None and incident.lon is not None
        near = sites_service.sites_within(
            session=session,
            principal=principals[incident.owner_org_id],
            lat=incident.lat,
            lon=incident.lon,
            radius_km=LINK_KM,
        )
        own = [site.id for site, _km in near if site.owner_org_id == incident.owner_org_id]
        if own:
            incident.site_id = own[0]


# Public reports left for triage, so the queue of `make run` is not empty; the second is another
# witness of the first, so once the first becomes an incident it is suggested for the second.
WAITING = [
    (
        "Two men shouted threats at people leaving the Friday service on Oranienburger Strasse.",
        "Oranienburger Str. 30, Berlin",
        IncidentType.threat,
        3,
    ),
    (
        "Men threatened the people coming out of the synagogue on Oranienburger Strasse tonight.",
        "Oranienburger Strasse, Berlin",
        IncidentType.threat,
        2,
    ),
    (
        "Stickers with hateful slogans on the tram stop in front of the Jewish school.",
        "Berlin",
        IncidentType.literature,
        20,
    ),
]


def _load_waiting_reports(
    session: Session, ids: dict[str, int], settings: Settings, now: dt.datetime
) -> None:
    for text, where, kind, hours_ago in WAITING:
        reports_service.submit_public_report(
            session=session,
            settings=settings,
            org_slug="jcs-berlin",
            data=PublicReportCreate(
                what_happened=text,
                when=now - dt.timedelta(hours=hours_ago),
                where=where,
                type=kind,
            ),
            ip=f"demo-{hours_ago}",
        )


def add_demo_incident(*, session: Session, **fields: Any) -> Incident:
    """An incident written as it happened, with its own times, and neither triage nor an audit
    entry: for other domains' demonstration data (a response needs its incident)."""
    incident = Incident(**fields)
    session.add(incident)
    session.flush()
    return incident
