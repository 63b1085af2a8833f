"""What a coordinator makes of a signal besides a decision: an incident (reported through the
incidents domain as a report from open-source monitoring and triaged at once into a new
incident, so duplicates, sharing and history work as for any other) or an alert (composed on
the alerts' form, pre-filled from the signal). Either way the signal says what it became."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from vigil.alerts import service as alerts_service
from vigil.alerts.schemas import AlertCreate
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.policy import TLP, Principal, Role
from vigil.incidents import reports as reports_service
from vigil.incidents import service as incidents_service
from vigil.incidents.schemas import Place, ReportCreate, TriageDecision
from vigil.incidents.typology import IncidentType, Precision, Source
from vigil.monitoring import signals
from vigil.monitoring.inbox import story_articles
from vigil.monitoring.inbox_schemas import SignalAlertCreate
from vigil.monitoring.models import Article, Signal, SignalStatus, Story
from vigil.sites import service as sites_service

if TYPE_CHECKING:
    from vigil.sites.models import Site

TARGET = "monitoring_signals"
TITLE_CHARS = 300
OPENING_CHARS = 600  # of the first article's text, in the incident's narrative
ALERT_RADIUS_KM = 2


def _require_owner_coordinator(principal: Principal, signal: Signal) -> None:
    """Only the signal's organisation acts on it, through its coordinators, acting for it."""
    if principal.acting_org_id != signal.owner_org_id or not principal.has_role(
        signal.owner_org_id, Role.coordinator
    ):
        raise Forbidden("Coordinators of the signal's organisation, acting for it, act on it.")


def _story(session: Session, signal: Signal) -> Story:
    story = session.get(Story, signal.story_id)
    if story is None:
        raise NotFound("This signal's story is no longer kept.")
    return story


def _site(session: Session, principal: Principal, signal: Signal) -> Site | None:
    if signal.site_id is None:
        return None
    try:
        return sites_service.get_site(session=session, principal=principal, site_id=signal.site_id)
    except NotFound:
        return None


def _watch_reasons(signal: Signal) -> list[dict[str, Any]]:
    """What of the watchlist the story touched, from the signal's reasons (signals.py)."""
    try:
        reasons = json.loads(signal.reasons or "[]")
    except ValueError:
        return []
    return [
        r
        for r in (reasons if isinstance(reasons, list) else [])
        if isinstance(r, dict) and str(r.get("label", "")).startswith("watch:")
    ]


def _site_named(signal: Signal) -> bool:
    """Whether the story names the signal's site itself (not only a place near it)."""
    return any(
        r.get("kind") == "site" and r.get("site_id") == signal.site_id
        for r in _watch_reasons(signal)
    )


def _place_mentioned(signal: Signal, articles: list[tuple[Article, str]]) -> Place:
    """The place the articles name, with the point the analysis found for it: the one a place
    watch was touched by first, else the first place named."""
    touched = [r.get("place") for r in _watch_reasons(signal) if r.get("kind") == "place"]
    mentioned: list[dict[str, Any]] = []
    for article, _ in articles:
        try:  # the list article_entities keeps: places named are items of kind "place"
            entities = json.loads(article.entities or "[]")
        except ValueError:
            continue
        found = entities if isinstance(entities, list) else []
        mentioned += [m for m in found if isinstance(m, dict) and m.get("kind") == "place"]
    mentioned.sort(key=lambda m: m.get("name") not in touched)  # touched places first, stable
    for mention in mentioned:
        lat, lon = mention.get("lat"), mention.get("lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            return Place(lat=float(lat), lon=float(lon), city=str(mention.get("name", ""))[:200])
    return Place()


def _place(signal: Signal, site: Site | None, articles: list[tuple[Article, str]]) -> Place:
    """At the site when the story names it; else where the articles say, near it or not; else
    the site's town."""
    if site is not None and _site_named(signal):
        return Place(
            lat=site.lat,
            lon=site.lon,
            address=site.address,
            city=site.city,
            country=site.country,
            precision=Precision.exact,
        )
    mentioned = _place_mentioned(signal, articles)
    if mentioned.lat is None and site is not None:
        return Place(city=site.city, country=site.country)
    return mentioned


def _sources_text(articles: list[tuple[Article, str]]) -> str:
    lines = []
    for article, source_name in articles:
        when = article.published_at or article.fetched_at
        lines.append(
            f"- {article.title} ({source_name}, {article.language or '?'}, "
            f"{when:%Y-%m-%d %H:%M} UTC): {article.url}"
        )
    return "\n".join(lines)


def _narrative(story: Story, articles: list[tuple[Article, str]]) -> str:
    opening = next((a.text for a, _ in articles if a.text), "")[:OPENING_CHARS].strip()
    parts = [
        f"From open-source monitoring: {story.article_count} article(s) "
        f"in {story.languages or 'unknown languages'}, first seen {story.first_seen_at:%Y-%m-%d}.",
    ]
    if opening:
        parts.append(opening)
    parts.append("Sources:\n" + _sources_text(articles))
    return "\n\n".join(parts)[:20000]


def _occurred(story: Story, articles: list[tuple[Article, str]]) -> dt.datetime:
    """When it happened as far as the sources say: the earliest publication, never later than
    now (a clock ahead in a feed does not make a future incident)."""
    published = [a.published_at for a, _ in articles if a.published_at is not None]
    earliest = min([*published, story.first_seen_at])
    return min(earliest, utcnow()).replace(microsecond=0)


def _incident_type(signal: Signal, story: Story) -> IncidentType:
    code = signal.incident_type or story.incident_type
    return IncidentType(code) if code in set(IncidentType) else IncidentType.other


@dataclass(frozen=True)
class MadeIncident:
    incident_id: int
    report_id: int


def make_incident(
    *, session: Session, principal: Principal, settings: Settings, signal_id: int
) -> MadeIncident:
    """A report from open-source monitoring (the story's articles as its sources, place and
    type from the signal), triaged at once into a new incident; the signal records it."""
    signal = signals.get_signal(session=session, principal=principal, signal_id=signal_id)
    _require_owner_coordinator(principal, signal)
    if signal.incident_id is not None:
        raise Conflict(
            "An incident was already made from this signal: #%(id)s.", id=signal.incident_id
        )
    story = _story(session, signal)
    articles = story_articles(session, signal)
    site = _site(session, principal, signal)
    data = ReportCreate(
        title=(story.title or f"Monitoring signal #{signal.id}")[:TITLE_CHARS],
        narrative=_narrative(story, articles),
        occurred_from=_occurred(story, articles),
        place=_place(signal, site, articles),
        type=_incident_type(signal, story),
        site_id=site.id if site is not None and _site_named(signal) else None,
        tlp=TLP(signal.tlp),
    )
    report = reports_service.submit_report(
        session=session,
        principal=principal,
        data=data,
        settings=settings,
        source=Source.monitoring,
    )
    incident = incidents_service.triage(
        session=session,
        principal=principal,
        report_id=report.id,
        decision=TriageDecision(action="new_incident"),
    )
    assert incident is not None  # a new incident is always made
    _became(session, principal, signal, SignalStatus.incident, incident_id=incident.id)
    return MadeIncident(incident_id=incident.id, report_id=report.id)


def _became(
    session: Session,
    principal: Principal,
    signal: Signal,
    status: SignalStatus,
    **links: int,
) -> None:
    now = utcnow()
    signal.status = status.value
    signal.decided_by_id, signal.decided_at, signal.updated_at = principal.person_id, now, now
    for name, value in links.items():
        setattr(signal, name, value)
    audit.log_action(
        session,
        principal,
        f"monitoring.signal.{status.value}",
        target_type=TARGET,
        target_id=signal.id,
        org_id=signal.owner_org_id,
        detail=links,
    )


def alert_values(*, session: Session, principal: Principal, signal_id: int) -> dict[str, Any]:
    """The compose form's values for an alert about the signal: the headline from its story,
    the area from its site (a circle around it) or the place its articles name, its sources
    in the description. What happened and what to do stay the coordinator's to write."""
    signal = signals.get_signal(session=session, principal=principal, signal_id=signal_id)
    _require_owner_coordinator(principal, signal)
    story = _story(session, signal)
    articles = story_articles(session, signal)
    site = _site(session, principal, signal)
    place = _place(signal, site, articles)
    located = place.lat is not None and place.lon is not None
    named = site.name if site is not None and _site_named(signal) else ""
    area = ", ".join(p for p in (named, place.city) if p)
    return {
        "signal_id": str(signal.id),
        "incident_id": str(signal.incident_id or ""),
        "tlp": signal.tlp,
        "expires_hours": "4",
        "headline": story.title[:500],
        "event": _incident_type(signal, story).value.replace("_", " ").capitalize(),
        "description": ("Sources:\n" + _sources_text(articles))[:20000],
        "area_desc": area[:500],
        "circle_lat": str(place.lat) if located else "",
        "circle_lon": str(place.lon) if located else "",
        "circle_radius_km": str(ALERT_RADIUS_KM) if located else "",
        "cities": "" if located else place.city,
        "countries": "" if located or place.city else place.country,
    }


def link_alert(*, session: Session, principal: Principal, signal_id: int, alert_id: int) -> None:
    """The alert composed about the signal was saved or sent: the signal records it."""
    signal = signals.get_signal(session=session, principal=principal, signal_id=signal_id)
    _require_owner_coordinator(principal, signal)
    if signal.alert_id is not None and signal.alert_id != alert_id:
        raise Conflict(
            "An alert was already composed about this signal: #%(id)s.", id=signal.alert_id
        )
    _became(session, principal, signal, SignalStatus.alert, alert_id=alert_id)


@dataclass(frozen=True)
class ComposedAlert:
    alert_id: int
    queued: int


def _alert_data(values: dict[str, Any], data: SignalAlertCreate) -> AlertCreate:
    located = bool(values["circle_lat"])
    circle = None
    if located:
        circle = {
            "lat": float(values["circle_lat"]),
            "lon": float(values["circle_lon"]),
            "radius_km": float(values["circle_radius_km"]),
        }
    try:
        return AlertCreate.model_validate(
            {
                "event": data.event or values["event"],
                "urgency": data.urgency,
                "severity": data.severity,
                "certainty": data.certainty,
                "response_types": data.response_types,
                "headline": data.headline or values["headline"],
                "description": data.description or values["description"],
                "instruction": data.instruction,
                "area_desc": data.area_desc or values["area_desc"] or values["headline"],
                "circle": circle,
                "cities": [values["cities"]] if values["cities"] else [],
                "countries": [values["countries"]] if values["countries"] else [],
                "status": data.status,
                "tlp": data.tlp or values["tlp"],
                "incident_id": int(values["incident_id"]) if values["incident_id"] else None,
            }
        )
    except ValidationError as exc:
        raise Invalid.from_validation(exc) from exc


def compose_alert(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    signal_id: int,
    data: SignalAlertCreate,
) -> ComposedAlert:
    """An alert about the signal through the alerts service, filled in from the signal where
    `data` is silent, sent unless `data.send` is false; the signal records it."""
    values = alert_values(session=session, principal=principal, signal_id=signal_id)
    alert = alerts_service.create_alert(
        session=session, principal=principal, settings=settings, data=_alert_data(values, data)
    )
    queued = 0
    if data.send:
        queued = alerts_service.send_alert(
            session=session, principal=principal, settings=settings, alert_id=alert.id
        )
    link_alert(session=session, principal=principal, signal_id=signal_id, alert_id=alert.id)
    return ComposedAlert(alert_id=alert.id, queued=queued)
