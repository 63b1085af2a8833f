"""MISP events as a community-security organisation's MISP holds them, built with pymisp's
object model, and the conversions misp-stix makes of them both ways (MISP -> STIX 2.1 with its
MISPtoSTIX21Parser, STIX 2.1 -> MISP with its ExternalSTIX2toMISPParser)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from misp_stix_converter import ExternalSTIX2toMISPParser, MISPtoSTIX21Parser
from misp_stix_converter.tools import load_stix2_content
from pymisp import MISPEvent, MISPObject, MISPOrganisation

SENDER_UUID = "7c1e4f2a-9b3d-4e6a-8f0c-2d5b7a9e1c34"
SENDER_NAME = "Jewish Community Security Vienna (MISP)"
REPORT_TEXT = (
    "# What happened\n\nA swastika was sprayed on the entrance of the community centre and two "
    "windows were broken overnight. Nobody was hurt."
)
PLACE = {"city": "Vienna", "countrycode": "AT", "latitude": 48.2082, "longitude": 16.3738}


def incident_event(
    tag: str,
    *,
    uuid: str = "3f6d2a1b-8c4e-4f7a-9b2d-5e1c0a7f3d92",
    published: bool = True,
) -> MISPEvent:
    """An incident as a MISP event: info, date, threat level, a TLP tag, a description (text
    attribute), a comment, a geolocation object and an event report."""
    event = MISPEvent(force_timestamps=True)
    event.uuid = uuid
    event.info = "Antisemitic graffiti and broken windows at the community centre"
    event.date = dt.date(2026, 3, 14)
    event.threat_level_id = 2
    event.analysis = 2
    event.distribution = 1
    event.timestamp = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
    if published:
        event.published = True
        event.publish_timestamp = dt.datetime(2026, 3, 14, 10, 0, tzinfo=dt.UTC)
    organisation = MISPOrganisation()
    organisation.name, organisation.uuid = SENDER_NAME, SENDER_UUID
    event.Orgc = organisation
    event.add_tag(tag)
    event.add_attribute("text", "Swastika on the entrance, two windows broken.", comment="summary")
    event.add_attribute("comment", "Reported to the police the same morning.")
    place = MISPObject("geolocation")
    for relation, value in PLACE.items():
        place.add_attribute(relation, value)
    event.add_object(place)
    event.add_event_report("Incident report", REPORT_TEXT)
    return event


def to_stix(event: MISPEvent) -> dict[str, Any]:
    """The event as misp-stix converts it: a bundle with a report (published) or a grouping."""
    parser = MISPtoSTIX21Parser()
    parser.parse_misp_event(json.loads(event.to_json()))
    bundle: dict[str, Any] = json.loads(parser.bundle.serialize())
    return bundle


def to_misp(bundle: dict[str, Any]) -> MISPEvent:
    """A STIX 2.1 bundle from outside MISP as misp-stix reads it: one MISP event."""
    parser = ExternalSTIX2toMISPParser()
    parser.load_stix_bundle(load_stix2_content(json.dumps(bundle)))
    parser.parse_stix_bundle(single_event=True)
    event: MISPEvent = parser.misp_event
    return event


def tags(event: MISPEvent) -> set[str]:
    return {t.name for t in event.tags}


def tlp_tags(event: MISPEvent) -> set[str]:
    return {t for t in tags(event) if t.startswith("tlp:")}


def geolocation(event: MISPEvent) -> dict[str, Any]:
    [found] = [o for o in event.objects if o.name == "geolocation"]
    return {a.object_relation: a.value for a in found.attributes}


def report_texts(event: MISPEvent) -> list[str]:
    return [r.content for r in event.event_reports]
