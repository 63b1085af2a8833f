"""Retention through `vigil retention run` and the worker's task, on SQLite and PostgreSQL:
what is past its period goes (public reports never made incidents, reporters' contacts, the
evidence of incidents closed long ago), what is not stays, a dry run changes nothing, and each
run that removed something leaves its counts, and nothing personal, in a verified audit log."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.conftest import base_settings
from tests.html import db_rows
from tests.incidents.test_api import report_body
from tests.orgs.factories import make_org, make_person, token_headers
from tests.test_cli import Vigil, _env
from vigil.app import create_app
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.policy import Role
from vigil.incidents.models import Evidence, Incident, Report, ReportVersion
from vigil.ops import DOMAIN as OPS
from vigil.worker import run_worker

DAYS = 30
LONG_AGO = utcnow() - dt.timedelta(days=DAYS + 10)


@pytest.fixture
def settings(db_url: str, tmp_path: Any) -> Settings:
    return base_settings(
        db_url,
        tmp_path / "data",
        retention_public_report_days=DAYS,
        retention_contact_days=DAYS,
        retention_evidence_days=DAYS,
    )


@dataclass
class Reports:
    untriaged: int
    rejected: int
    fresh_public: int
    closed: int  # a member's report, made an incident that was closed long ago
    open: int  # a member's report whose incident is still open
    closed_incident: int


def _public(client: TestClient, slug: str, text: str) -> int:
    body = {
        "what_happened": text,
        "when": (utcnow() - dt.timedelta(days=1)).isoformat(),
        "where": "Berlin",
        "type": "threat",
        "contact": "witness@example.org",
    }
    sent = client.post(f"/api/v1/public/{slug}/reports", json=body)
    assert sent.status_code == 201, sent.text
    (report_id,) = db_rows(settings_of(client), select(Report.id).order_by(Report.id.desc()))[:1]
    return int(report_id)


def settings_of(client: TestClient) -> Settings:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return settings


def _member_report(
    client: TestClient, h: dict[str, dict[str, str]], files: list[bytes]
) -> tuple[int, int]:
    report = client.post("/api/v1/reports", json=report_body(), headers=h["reporter"])
    assert report.status_code == 201, report.text
    report_id = report.json()["id"]
    for n, content in enumerate(files):
        attached = client.post(
            f"/api/v1/reports/{report_id}/evidence",
            files={"file": (f"note{n}.txt", content, "text/plain")},
            headers=h["reporter"],
        )
        assert attached.status_code == 201, attached.text
    decided = client.post(
        f"/api/v1/reports/{report_id}/triage",
        json={"action": "new_incident"},
        headers=h["coordinator"],
    )
    assert decided.status_code == 200, decided.text
    return report_id, decided.json()["incident_id"]


@pytest.fixture
def reports(committed: Session, settings: Settings) -> Reports:
    org = make_org(committed)
    org.accepts_public_reports = True
    h = {
        "reporter": token_headers(
            committed, make_person(committed, settings, org=org, role=Role.reporter)
        ),
        "coordinator": token_headers(
            committed, make_person(committed, settings, org=org, role=Role.coordinator)
        ),
    }
    committed.commit()
    with TestClient(create_app(settings)) as client:
        untriaged = _public(client, org.slug, "Someone filmed the entrance for an hour.")
        rejected = _public(client, org.slug, "A leaflet under the door, not about us.")
        fresh = _public(client, org.slug, "A man shouted at the gate this morning.")
        rejecting = client.post(
            f"/api/v1/reports/{rejected}/triage",
            json={"action": "reject", "reason": "Not an incident"},
            headers=h["coordinator"],
        )
        assert rejecting.status_code == 200, rejecting.text
        closed, closed_incident = _member_report(client, h, [b"only here\n", b"shared note\n"])
        still_open, _ = _member_report(client, h, [b"shared note\n"])
    with transaction(settings.sqlalchemy_url) as session:
        old = [untriaged, rejected, closed]
        session.execute(update(Report).where(Report.id.in_(old)).values(created_at=LONG_AGO))
        session.execute(
            update(Incident)
            .where(Incident.id == closed_incident)
            .values(status="closed", updated_at=LONG_AGO)
        )
    return Reports(untriaged, rejected, fresh, closed, still_open, closed_incident)


def _evidence_files(settings: Settings) -> set[str]:
    return {p.name for p in (settings.data_dir / "evidence").glob("??/*")}


def _runs(settings: Settings) -> list[audit.AuditEntry]:
    return db_rows(
        settings, select(audit.AuditEntry).where(audit.AuditEntry.action == "retention.run")
    )


def test_retention_run_removes_what_is_past_its_period_and_audits_the_counts(
    reports: Reports, settings: Settings, committed: Session
) -> None:
    vigil = Vigil(
        {
            **_env(settings.sqlalchemy_url, settings.data_dir),
            "VIGIL_RETENTION_PUBLIC_REPORT_DAYS": str(DAYS),
            "VIGIL_RETENTION_CONTACT_DAYS": str(DAYS),
            "VIGIL_RETENTION_EVIDENCE_DAYS": str(DAYS),
        }
    )
    files_before = _evidence_files(settings)
    assert len(files_before) == 2

    dry = vigil("retention", "run", "--dry-run")

    assert dry.exit_code == 0, dry.output
    said = dry.output.splitlines()
    assert "reporter_contacts: would remove 3 (kept 30 days)" in said
    assert "public_reports: would remove 2 (kept 30 days)" in said
    assert "evidence_files: would remove 2 (kept 30 days)" in said
    assert "article_text: would remove 0 (kept 30 days)" in said
    assert len(db_rows(settings, select(Report.id))) == 5 and _runs(settings) == []

    done = vigil("retention", "run")

    assert done.exit_code == 0, done.output
    assert "public_reports: removed 2 (kept 30 days)" in done.output.splitlines()
    left = {r.id: r for r in db_rows(settings, select(Report))}
    assert set(left) == {reports.fresh_public, reports.closed, reports.open}
    assert not db_rows(
        settings,
        select(ReportVersion.id).where(
            ReportVersion.report_id.in_([reports.untriaged, reports.rejected])
        ),
    )
    assert left[reports.closed].contact_encrypted is None
    assert left[reports.fresh_public].contact_encrypted is not None
    assert left[reports.open].contact_encrypted is not None
    assert db_rows(settings, select(Evidence.report_id)) == [reports.open]
    assert len(_evidence_files(settings)) == 1  # the shared note stays with the open incident
    (run,) = _runs(settings)
    detail = json.loads(run.detail)
    assert detail == {
        "removed": {
            "reporter_contacts": 3,
            "public_reports": 2,
            "evidence_files": 2,
            "article_text": 0,
        }
    }
    assert "witness" not in run.detail

    again = vigil("retention", "run")
    assert again.exit_code == 0 and "public_reports: removed 0" in again.output
    assert len(_runs(settings)) == 1  # nothing removed, nothing to say
    with committed.begin():
        audit.seal(committed, key=settings.audit_key, data_dir=settings.data_dir)
    with committed.begin():
        _, findings = audit.verify(committed, key=settings.audit_key, data_dir=settings.data_dir)
    assert findings == []


def test_the_worker_enforces_retention_and_zero_keeps_forever(
    reports: Reports, settings: Settings, db_url: str, tmp_path: Any
) -> None:
    kept_forever = base_settings(db_url, settings.data_dir)
    run_worker(kept_forever, once=True, domains=[OPS])
    assert len(db_rows(settings, select(Report.id))) == 5 and _runs(settings) == []
    said = Vigil(_env(db_url, settings.data_dir))("retention", "run").output
    assert "public_reports: kept forever (VIGIL_RETENTION_PUBLIC_REPORT_DAYS is 0)" in said

    run_worker(settings, once=True, domains=[OPS])

    assert len(db_rows(settings, select(Report.id))) == 3
    (run,) = _runs(settings)
    assert run.actor == "system" and json.loads(run.detail)["removed"]["public_reports"] == 2
