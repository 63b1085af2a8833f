"""The Atom feed of current alerts (sent, not expired, not replaced), as CAP feeds are usually
published: each entry links to its CAP 1.2 document. Scoped by core.policy, so the anonymous
public sees the TLP:CLEAR alerts only."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - builds XML only, never parses it

from sqlalchemy.orm import Session

from vigil.alerts.cap import cap_time
from vigil.alerts.models import Alert
from vigil.alerts.service import current_alerts
from vigil.core.db import utcnow
from vigil.core.policy import Principal

ATOM = "http://www.w3.org/2005/Atom"
A = f"{{{ATOM}}}"


def atom_feed(*, session: Session, principal: Principal, base_url: str) -> bytes:
    ET.register_namespace("", ATOM)
    alerts: list[Alert] = current_alerts(session=session, principal=principal, limit=200)
    feed = ET.Element(f"{A}feed")
    _text(feed, "id", f"{base_url}/api/v1/alerts/feed.atom")
    _text(feed, "title", "Vigil: current alerts")
    newest = max((a.sent_at for a in alerts if a.sent_at), default=utcnow())
    _text(feed, "updated", cap_time(newest))
    ET.SubElement(feed, f"{A}link", rel="self", href=f"{base_url}/api/v1/alerts/feed.atom")
    author = ET.SubElement(feed, f"{A}author")
    _text(author, "name", "Vigil")
    for alert in alerts:
        entry = ET.SubElement(feed, f"{A}entry")
        _text(entry, "id", f"urn:vigil:alert:{alert.identifier}")
        _text(entry, "title", alert.headline or alert.event)
        _text(entry, "updated", cap_time(alert.sent_at or alert.created_at))
        _text(entry, "summary", alert.instruction or alert.description or alert.area_desc)
        ET.SubElement(entry, f"{A}category", term=alert.severity)
        ET.SubElement(
            entry,
            f"{A}link",
            rel="alternate",
            type="application/cap+xml",
            href=f"{base_url}/api/v1/alerts/{alert.id}.cap.xml",
        )
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, f"{A}{name}").text = value
