"""Demonstration alerts for `vigil demo load` (DECISIONS 25): a past alert around Berlin's
Oranienburger Strasse, delivered, with answers on its board (one site needed help), a later
monthly Test of the alert chain, marked as a test wherever it shows, and a warning imported
from the police's CAP feed (German and English, its area given only as a NUTS code) waiting as
a draft for the coordinator to draw its area and relay it.

Its deliveries are written as already sent, so starting the demo mails no one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.alerts import acks, imports, service
from vigil.alerts.cap import CapAlert
from vigil.alerts.cap_xml import to_cap_xml
from vigil.alerts.models import Alert, AlertSite, Answer, Delivery, Via
from vigil.alerts.schemas import AlertCreate
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.domains import DemoData
from vigil.core.policy import Principal, Role

DAYS_AGO = 9
TEST_DAYS_AGO = 3


def load_alerts(session: Session, demo: DemoData) -> None:
    ids, people, settings = demo.org_ids, demo.people, demo.settings
    if session.scalar(select(Alert.id).limit(1)) is not None:
        return
    coordinator = Principal(
        person_id=people["coordinator@jcs-berlin.example"],
        roles={ids["jcs-berlin"]: Role.coordinator},
        acting_org_id=ids["jcs-berlin"],
        name="Miriam Koch",
    )
    _past_alert(
        session,
        coordinator,
        settings,
        {
            "event": "Bomb threat",
            "urgency": "Immediate",
            "severity": "Severe",
            "certainty": "Likely",
            "response_types": ["Evacuate", "Monitor"],
            "headline": "E-mailed bomb threat against Jewish sites in Berlin-Mitte",
            "description": "Several community addresses received the same threat at 08:10. "
            "Police assess it as likely a hoax but are checking sites.",
            "instruction": "Check entrances and bins for unattended items, keep people away "
            "from anything suspicious, follow police instructions, answer below.",
            "area_desc": "Berlin-Mitte, 3 km around Oranienburger Strasse",
            "circle": {"lat": 52.5249, "lon": 13.3946, "radius_km": 3},
            "tlp": "amber",
        },
        days_ago=DAYS_AGO,
        answers=[Answer.need_help, Answer.acting, Answer.received, Answer.received],
    )
    _past_alert(
        session,
        coordinator,
        settings,
        {
            "event": "Monthly test of the alert chain",
            "status": "Test",
            "urgency": "Unknown",
            "severity": "Minor",
            "certainty": "Unknown",
            "response_types": ["None"],
            "headline": "Monthly test: please answer Received",
            "instruction": "Nothing to do but answer Received, so we know alerts reach you.",
            "area_desc": "Berlin-Mitte, 3 km around Oranienburger Strasse",
            "circle": {"lat": 52.5249, "lon": 13.3946, "radius_km": 3},
            "tlp": "amber",
        },
        days_ago=TEST_DAYS_AGO,
        answers=[Answer.received, Answer.received, Answer.received],
    )
    _import_police_warning(session, coordinator, settings)


def _past_alert(
    session: Session,
    coordinator: Principal,
    settings: Settings,
    data: dict[str, object],
    *,
    days_ago: int,
    answers: list[Answer],
) -> None:
    """An alert sent `days_ago` and answered a few minutes later, its deliveries done."""
    alert = service.create_alert(
        session=session,
        principal=coordinator,
        settings=settings,
        data=AlertCreate.model_validate(data),
    )
    service.send_alert(session=session, principal=coordinator, settings=settings, alert_id=alert.id)
    then = utcnow() - dt.timedelta(days=days_ago)
    alert.created_at = alert.sent_at = alert.updated_at = alert.effective = then
    alert.expires = then + dt.timedelta(hours=6)
    session.execute(
        update(Delivery)
        .where(Delivery.alert_id == alert.id)
        .values(status="sent", attempts=1, sent_at=then, created_at=then, next_attempt_at=then)
    )
    sites = list(
        session.scalars(
            select(AlertSite.site_id).where(AlertSite.alert_id == alert.id).order_by(AlertSite.id)
        )
    )
    for site_id, answer in zip(sites, answers, strict=False):
        ack = acks._record(session, coordinator, alert, site_id, answer, Via.page, None, "")
        ack.created_at = then + dt.timedelta(minutes=4)
    session.execute(
        update(AlertSite).where(AlertSite.alert_id == alert.id).values(escalate_at=None)
    )
    session.execute(
        update(AlertSite)
        .where(AlertSite.alert_id == alert.id, AlertSite.acknowledged_at.is_not(None))
        .values(acknowledged_at=then + dt.timedelta(minutes=4))
    )


def _import_police_warning(session: Session, coordinator: Principal, settings: Settings) -> None:
    now = utcnow().replace(microsecond=0)
    common = {
        "category": ["Security"],
        "responseType": ["Monitor"],
        "urgency": "Expected",
        "severity": "Moderate",
        "certainty": "Possible",
        "expires": now + dt.timedelta(hours=11),
        "senderName": "Polizei Berlin, Lagezentrum",
        "parameter": [{"valueName": "Lagestufe", "value": "erhöht"}],
    }
    words = [
        (
            "de-DE",
            "Versammlungslage",
            "Erhöhte Gefährdung jüdischer Einrichtungen am Wochenende",
            "Achten Sie auf verdächtige Personen und Gegenstände; Auffälliges unter 110 melden.",
            "Berlin",
        ),
        (
            "en-GB",
            "Demonstrations",
            "Heightened threat to Jewish sites this weekend",
            "Watch for suspicious people and items; report anything unusual on 110.",
            "Berlin",
        ),
    ]
    cap = CapAlert.model_validate(
        {
            "identifier": f"DE-BE-POL-{now:%Y%m%d}-0042",
            "sender": "lagezentrum@polizei.berlin.example",
            "sent": now - dt.timedelta(hours=1),
            "status": "Actual",
            "msgType": "Alert",
            "scope": "Public",
            "info": [
                {
                    **common,
                    "language": language,
                    "event": event,
                    "headline": headline,
                    "instruction": instruction,
                    "area": [
                        {"areaDesc": area, "geocode": [{"valueName": "NUTS3", "value": "DE300"}]}
                    ],
                }
                for language, event, headline, instruction, area in words
            ],
        }
    )
    imports.import_cap(
        session=session, principal=coordinator, settings=settings, data=to_cap_xml(cap)
    )
