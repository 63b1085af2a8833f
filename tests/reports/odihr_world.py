"""Two organisations with incidents of every status and marking around one year, for the ODIHR
export and the figures API tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents.transfer import bulk_insert_incidents
from vigil.reports.figures import refresh_figures

YEAR = 2025
FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")'


def incident(org_id: int, title: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "owner_org_id": org_id,
        "title": title,
        "narrative": f"Reporter's words about {title}: never exported",
        "occurred_from": dt.datetime(YEAR, 6, 1, 12, tzinfo=dt.UTC),
        "timezone": "Europe/Berlin",
        "type": "damage",
        "target_kind": "property",
        "source": "member",
        "status": "verified",
        "tlp": "clear",
        "city": "Berlin",
        "country": "DE",
        "bias": ["antisemitism"],
    }
    row.update(values)
    return row


@dataclass
class World:
    org_a: int
    org_b: int
    headers: dict[str, dict[str, str]]  # a_viewer, a_analyst, b_analyst, b_as_a
    titles: dict[str, int]


def build_world(session: Session, settings: Settings) -> World:
    org_a, org_b = make_org(session), make_org(session)
    a_viewer = make_person(session, settings, org=org_a, role=Role.viewer)
    a_analyst = make_person(session, settings, org=org_a, role=Role.analyst)
    b_analyst = make_person(session, settings, org=org_b, role=Role.analyst)
    rows = [
        incident(org_a.id, "Graffiti on the synagogue", bias=["antisemitism", "anti_muslim"]),
        incident(
            org_a.id,
            "Man punched at a tram stop",
            type="assault",
            target_kind="person",
            status="closed",
            city="Munich",
            bias=["racism_xenophobia"],
            occurred_from=dt.datetime(YEAR, 3, 1, 9, tzinfo=dt.UTC),
        ),
        incident(org_a.id, "Amber threat letter", type="threat", tlp="amber"),
        incident(
            org_a.id, "Red arson attempt", type="extreme_violence", tlp="red", status="closed"
        ),
        incident(org_a.id, "Triaged clear incident", status="triaged"),
        incident(org_a.id, "New clear incident", status="new"),
        incident(org_a.id, "Rejected clear incident", status="rejected"),
        incident(org_a.id, FORMULA_TITLE, type="abusive_behaviour", bias=[]),
        # 00:30 on 1 January in Berlin, 23:30 on 31 December in UTC.
        incident(
            org_a.id,
            "New Year's night in Berlin",
            occurred_from=dt.datetime(YEAR - 1, 12, 31, 23, 30, tzinfo=dt.UTC),
        ),
        incident(
            org_a.id,
            "Next New Year's night in Berlin",
            occurred_from=dt.datetime(YEAR, 12, 31, 23, 30, tzinfo=dt.UTC),
        ),
        incident(org_b.id, "B's own incident", bias=["anti_roma"]),
    ]
    ids = bulk_insert_incidents(session=session, rows=rows)
    refresh_figures(session)
    headers = {
        "a_viewer": token_headers(session, a_viewer, org_a),
        "a_analyst": token_headers(session, a_analyst, org_a),
        "b_analyst": token_headers(session, b_analyst, org_b),
    }
    headers["b_as_a"] = {**headers["b_analyst"], "X-Vigil-Org": str(org_a.id)}
    session.commit()
    titles = {row["title"]: incident_id for row, incident_id in zip(rows, ids, strict=True)}
    return World(org_a=org_a.id, org_b=org_b.id, headers=headers, titles=titles)
