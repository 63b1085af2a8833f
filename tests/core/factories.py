"""One committed record of each kind the API changes in place (a notice, a site with an
assessment and a measure, an incident with a playbook, a sent alert), made through the API as
an organisation's only org_admin, for tests that walk every operation of the schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person, token_headers
from tests.playbooks.factories import make_incident
from vigil.assessments import versions
from vigil.core.config import Settings
from vigil.core.policy import Role

BERLIN = {"lat": 52.52, "lon": 13.405}


@dataclass
class World:
    headers: dict[str, str]
    ids: dict[str, Any]  # path parameters by name
    required: dict[str, Any]  # a valid value of each required body field, by name


def created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def build_api_world(client: TestClient, committed: Session, settings: Settings) -> World:
    """The records, and neighbours to find: a partner organisation in a network, a child one."""
    org, partner = make_org(committed), make_org(committed)
    make_org(committed, parent=org)
    make_network(committed, org, partner)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    viewer = make_person(committed, settings, org=org, role=Role.viewer)
    incident = make_incident(committed, org, admin)
    version = {v.code: v for v in versions.ensure_shipped(committed)}["places_of_worship"]
    headers = token_headers(committed, admin, org)
    committed.commit()
    api = "/api/v1"
    notice = created(client.post(f"{api}/notices", headers=headers, json={"title": "Patrols"}))
    site = created(
        client.post(
            f"{api}/sites",
            headers=headers,
            json={"name": "Synagogue", "type": "place_of_worship", **BERLIN, "capacity": 300},
        )
    )
    assessment = created(
        client.post(
            f"{api}/sites/{site['id']}/assessments",
            headers=headers,
            json={"methodology_version_id": version.id},
        )
    )
    measure = created(
        client.post(f"{api}/sites/{site['id']}/measures", headers=headers, json={"text": "Gate"})
    )
    activation = created(
        client.post(
            f"{api}/incidents/{incident.id}/playbook",
            headers=headers,
            json={"template_code": "armed_attack"},
        )
    )
    alert = created(
        client.post(
            f"{api}/alerts?send=true",
            headers=headers,
            json={
                "event": "Armed attack",
                "urgency": "Immediate",
                "severity": "Extreme",
                "certainty": "Observed",
                "area_desc": "Berlin centre",
                "circle": {**BERLIN, "radius_km": 2},
            },
        )
    )["alert"]
    peer = created(
        client.post(
            f"{api}/sharing/peers",
            headers=headers,
            json={
                "name": "Partner instance",
                "api_root": "https://taxii.example.org/taxii2/root/",
                "collection_id": "partner-collection",
                "organisations": [org.id],
            },
        )
    )
    feed = created(
        client.post(
            f"{api}/alerts/feeds",
            headers=headers,
            json={"name": "Police alerts", "url": "https://alerts.example.org/feed.atom"},
        )
    )
    source = created(
        client.post(
            f"{api}/monitoring/sources",
            headers=headers,
            json={"name": "Local news", "url": "https://news.example.org/feed.xml"},
        )
    )
    page = b"<html><body><h1>Council meets</h1><p>The council met on Monday.</p></body></html>"
    uploaded = created(
        client.post(
            f"{api}/monitoring/sources/{source['id']}/uploads",
            headers=headers,
            files=[("files", ("council.html", page, "text/html"))],
        )
    )
    task = activation["tasks"][0]
    ids = {
        "org_id": org.id,
        "person_id": viewer.id,
        "notice_id": notice["id"],
        "site_id": site["id"],
        "assessment_id": assessment["id"],
        "measure_id": measure["id"],
        "incident_id": incident.id,
        "task_id": task["id"],
        "code": activation["reopening_criteria"][0]["code"],
        "alert_id": alert["id"],
        "peer_id": peer["id"],
        "feed_id": feed["id"],
        "source_id": source["id"],
        "article_id": uploaded["article_ids"][0],
    }
    required = {
        "version": task["version"],
        "answers": {},
        "org_id": org.id,
        "subscribed": True,
        "name": "Police alerts",
        "url": "https://alerts.example.org/feed.atom",
        "verdict": "relevant",
        "label": "Staff sign-in",
        "issuer": "https://id.example.org",
        "client_id": "vigil",
        "role_map": {"staff": "reporter"},
        "currency": "EUR",
        "low_min": 0,
        "low_max": 1_000,
        "medium_min": 1_000,
        "medium_max": 10_000,
        "high_min": 10_000,
        "high_max": 100_000,
    }
    return World(headers=headers, ids=ids, required=required)
