"""The leak test's references half: records the prober may read that name B's secret records.

Organisation A (the prober's) gets incidents at B's secret sites or merged into B's secret
incidents, reports and alerts about B's secret incidents, assessments of B's secret sites, a
roll-call and an after-action review at a secret site, and history entries naming secrets. The
walk opens these too, and no answer may carry a secret record's id: under a JSON key that names
such a record, in a CSV column of that name, in a link, in a CAP document or in words such as
"report #12". Ids of different kinds share numbers, so each check compares one kind only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from vigil.alerts.models import Alert
from vigil.assessments import versions
from vigil.assessments.models import Assessment
from vigil.core import audit
from vigil.core.policy import TLP, Principal
from vigil.incidents.models import Incident, Report, ReportVersion
from vigil.orgs.models import Organisation, Person
from vigil.playbooks.models import Activation, RollCall
from vigil.sites.models import Site

# Names under which an output carries the id of a record, and the kind (path parameter) it is.
REFERENCE_KEYS = {
    "site_id": "site_id",
    "incident_id": "incident_id",
    "merged_into_id": "incident_id",
    "into": "incident_id",
    "was_in": "incident_id",
    "replaces_id": "alert_id",
    "report_id": "report_id",
    "from_report": "report_id",
    "assessment_id": "assessment_id",
    "notice_id": "notice_id",
}
LINK = re.compile(r'href="(?:/api/v1)?/(sites|incidents|reports|alerts|assessments|notices)/(\d+)')
LINK_KINDS = {
    "sites": "site_id",
    "incidents": "incident_id",
    "reports": "report_id",
    "alerts": "alert_id",
    "assessments": "assessment_id",
    "notices": "notice_id",
}
WORDS = [
    (re.compile(r"\breport #(\d+)", re.IGNORECASE), "report_id"),
    (re.compile(r"\b(?:incident|into) #(\d+)", re.IGNORECASE), "incident_id"),
    (re.compile(r"<(?:\w+:)?incidents>incident-(\d+)"), "incident_id"),  # CAP
]
SKIPPED_MEDIA = ("application/pdf",)


def _at(lat: float, lon: float) -> dict[str, Any]:
    return {"lat": lat, "lon": lon, "city": "Berlin", "country": "DE", "precision": "exact"}


def _incident(owner: Organisation, author: Person, title: str, **columns: Any) -> Incident:
    values: dict[str, Any] = {
        "owner_org_id": owner.id,
        "author_id": author.id,
        "tlp": TLP.amber_strict.value,
        "title": title,
        "narrative": "Seen by the prober's organisation.",
        "type": "threat",
        "source": "member",
        "status": "triaged",
        "occurred_from": dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        "lat": 52.52,
        "lon": 13.40,
        "city": "Berlin",
        "country": "DE",
    }
    return Incident(**(values | columns))


def _alert(owner: Organisation, author: Person, **columns: Any) -> Alert:
    now = dt.datetime.now(dt.UTC)
    return Alert(
        owner_org_id=owner.id,
        author_id=author.id,
        tlp=TLP.amber_strict.value,
        identifier=f"vigil-{uuid.uuid4()}",
        sender="a@vigil.example",
        state="sent",
        msg_type="Update",
        references="b@vigil.example,vigil-replaced,2026-01-01T00:00:00+00:00",
        event="Prober's alert",
        urgency="Immediate",
        severity="Extreme",
        certainty="Observed",
        effective=now,
        sent_at=now,
        area_desc="Berlin",
        circle_lat=52.52,
        circle_lon=13.40,
        circle_radius_km=2.0,
        **columns,
    )


def add_referrers(
    session: Session,
    a: Organisation,
    prober: Person,
    principal: Principal,
    secrets: dict[str, list[int]],
) -> dict[str, list[int]]:
    """A's records naming B's `secrets` (kind -> ids); returns their ids by path parameter.

    One record per kind of reference is enough: the prober may read none of B's secrets, and
    pages of many (an assessment's PDF) are slow to render.
    """
    site, incident = secrets["site_id"][0], secrets["incident_id"][0]
    version = versions.ensure_shipped(session)[0]
    own_site = Site(
        owner_org_id=a.id, author_id=prober.id, tlp=TLP.amber_strict.value,
        name="The prober's site", type="school", lat=52.52, lon=13.40,
    )  # fmt: skip
    at_site = _incident(a, prober, "At a secret site", site_id=site)
    merged = _incident(a, prober, "Merged", status="merged", merged_into_id=incident)
    assessment = Assessment(
        owner_org_id=a.id, author_id=prober.id, tlp=TLP.amber_strict.value,
        site_id=site, methodology_version_id=version.id, status="in_progress",
    )  # fmt: skip
    alert = _alert(a, prober, incident_id=incident, replaces_id=secrets["alert_id"][0])
    session.add_all([own_site, at_site, merged, assessment, alert])
    session.flush()
    reports = []
    for status in ("new", "attached"):  # one waits in A's triage queue, one is attached
        report = Report(
            owner_org_id=a.id, author_id=prober.id, tlp=TLP.amber_strict.value, source="member",
            status=status, incident_id=incident,
        )  # fmt: skip
        session.add(report)
        session.flush()
        content = {
            "title": f"Prober's report {status}",
            "narrative": "What the prober saw near a place it may not see.",
            "occurred_from": (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(),
            "type": "threat",
            "place": _at(52.52, 13.40),
            "site_id": site,
        }
        session.add(
            ReportVersion(report_id=report.id, version=1, data=json.dumps(content), author_id=None)
        )
        reports.append(report.id)
    roll_call = RollCall(incident_id=at_site.id, site_id=site, started_by=prober.id)
    session.add(roll_call)
    session.add(
        Activation(
            incident_id=at_site.id, org_id=a.id, template_code="attack", template_version=1,
            template_text="", title="Response", activated_by=prober.id,
        )
    )  # fmt: skip
    for action, detail in (
        ("incident.create", {"from_report": secrets["report_id"][0]}),
        ("incident.update", {"changes": {"site_id": [None, site]}, "status": "triaged"}),
        ("incident.merge", {"into": incident}),
        ("incident.unmerge", {"was_in": incident}),
    ):
        audit.log_action(
            session, principal, action, target_type="incidents", target_id=at_site.id,
            org_id=a.id, detail=detail,
        )  # fmt: skip
    session.flush()
    return {
        "incident_id": [at_site.id, merged.id],
        "site_id": [own_site.id],
        "assessment_id": [assessment.id],
        "alert_id": [alert.id],
        "report_id": reports,
        "roll_call_id": [roll_call.id],
    }


def _json_pairs(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from _json_pairs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _json_pairs(inner)


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [int(v) for v in values if isinstance(v, int) or (isinstance(v, str) and v.isdigit())]


def named_ids(response: Any) -> Iterator[tuple[str, int, str]]:
    """(kind, id, where) of every record the response names."""
    media = response.headers.get("content-type", "")
    if media.startswith(SKIPPED_MEDIA):
        return
    text = response.text
    if "json" in media:
        for key, value in _json_pairs(response.json()):
            if key in REFERENCE_KEYS:
                yield from ((REFERENCE_KEYS[key], i, f"JSON {key}") for i in _ids(value))
    if media.startswith("text/csv"):
        for row in csv.DictReader(io.StringIO(text)):
            for key, value in row.items():
                if key in REFERENCE_KEYS:
                    yield from ((REFERENCE_KEYS[key], i, f"CSV {key}") for i in _ids(value))
    for match in LINK.finditer(text):
        yield LINK_KINDS[match.group(1)], int(match.group(2)), f"link {match.group(0)}"
    for pattern, kind in WORDS:
        for match in pattern.finditer(text):
            yield kind, int(match.group(1)), f"words '{match.group(0)}'"
