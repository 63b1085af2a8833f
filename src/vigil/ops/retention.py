"""Retention: what each domain keeps of people and others' words is removed once the period its
setting gives ends (docs/privacy.md), by a periodic task of the worker and by `vigil retention
run`. Each domain owns its purge; this module only reads the settings, calls them and writes one
audit entry with the counts per kind (never what was removed).

Audit details are a kind too: an entry's detail is replaced by a redaction marker, and its
chain, which covers the detail's hash (`core.audit_detail`), still verifies. Entries from before
that chain format keep their detail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.jobs import PeriodicTask
from vigil.incidents import retention as incidents_retention
from vigil.monitoring import polling

RETENTION_EVERY_SECONDS = 3600.0

Purge = Callable[[Session, Settings, dt.datetime, bool], int]


@dataclass(frozen=True)
class Kind:
    """One kind of record with a retention period: its name in counts, the setting giving the
    days (0: kept forever) and the purge of the domain that owns it."""

    name: str
    setting: str
    purge: Purge


KINDS = (
    # Before the reports are purged: a dry run then counts what a real run removes.
    Kind(
        "reporter_contacts",
        "retention_contact_days",
        lambda s, cfg, before, dry: incidents_retention.erase_old_contacts(
            s, before=before, dry_run=dry
        ),
    ),
    Kind(
        "public_reports",
        "retention_public_report_days",
        lambda s, cfg, before, dry: incidents_retention.purge_public_reports(
            s, cfg, before=before, dry_run=dry
        ),
    ),
    Kind(
        "evidence_files",
        "retention_evidence_days",
        lambda s, cfg, before, dry: incidents_retention.purge_closed_evidence(
            s, cfg, before=before, dry_run=dry
        ),
    ),
    # Its period is always set (copyright): the purge reads it itself.
    Kind(
        "article_text",
        "monitoring_text_days",
        lambda s, cfg, before, dry: polling.purge_text(s, cfg, dry_run=dry),
    ),
    # Last, so that this run's own entries are not among them (they are new anyway).
    Kind(
        "audit_details",
        "retention_audit_detail_days",
        lambda s, cfg, before, dry: audit.redact_details(s, before=before, dry_run=dry),
    ),
)


def run_retention(session: Session, settings: Settings, *, dry_run: bool = False) -> dict[str, int]:
    """Remove (or with `dry_run` only count) what is past its retention period, in the caller's
    transaction; returns the count per kind whose period is set. A run that removed anything
    writes the counts to the audit log."""
    now = utcnow()
    counts: dict[str, int] = {}
    for kind in KINDS:
        days: int = getattr(settings, kind.setting)
        if days:
            counts[kind.name] = kind.purge(
                session, settings, now - dt.timedelta(days=days), dry_run
            )
    if not dry_run and any(counts.values()):
        audit.record(
            session,
            action="retention.run",
            actor="system",
            target_type="retention",
            detail={"removed": counts},
        )
    return counts


def _retention_task(session: Session, settings: Settings) -> None:
    run_retention(session, settings)


PERIODIC_TASKS = (PeriodicTask("ops.retention", RETENTION_EVERY_SECONDS, _retention_task),)
