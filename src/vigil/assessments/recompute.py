"""Recompute every assessed site's risk in one batch: threat moves as incidents arrive, while the
vulnerability stays what the site's latest completed assessment found.

One k-d tree query per distance band over all sites per methodology version (threat.py), scoring
in memory (the methodology's parameters compiled once), and the results
written back with one executemany, so the whole portfolio costs a few statements, not one per
site (issue 4: 100,000 sites with 1,000,000 incidents in under a minute).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.assessments import versions
from vigil.assessments.models import Assessment, MethodologyVersion, SiteRisk
from vigil.assessments.risk import (
    RiskInput,
    RiskResult,
    SiteFacts,
    ThreatInputs,
    batch_risk,
    compiled,
)
from vigil.assessments.threat import incident_cells_many
from vigil.core.db import utcnow
from vigil.orgs import directory as orgs_directory
from vigil.sites import directory as sites_directory

DEFAULT_THREAT_LEVEL = 2
WRITE_BATCH_ROWS = 5_000


def risk_columns(result: RiskResult, now: dt.datetime) -> dict[str, object]:
    """A site's current-risk columns from a scored risk, with each number's explanation."""
    return {
        "threat": float(result.threat.threat.value),
        "likelihood": int(result.likelihood.value),
        "impact": int(result.impact.value),
        "risk": int(result.risk.value),
        "band": result.band,
        "nearby_incidents": result.threat.incidents_counted,
        "explanation_json": json.dumps(
            {
                "threat": result.threat.threat.as_dict(),
                "impact": result.impact.as_dict(),
                "likelihood": result.likelihood.as_dict(),
                "risk": result.risk.as_dict(),
            },
            default=str,
        ),
        "computed_at": now,
    }


@dataclass(frozen=True)
class RecomputeStats:
    sites: int
    changed: int  # sites whose risk number changed


@dataclass(frozen=True)
class _Row:
    site_id: int
    lat: float
    lon: float
    facts: SiteFacts
    threat_level: int
    vulnerability: float
    old_risk: int


def recompute_risks(*, session: Session, now: dt.datetime | None = None) -> RecomputeStats:
    now = now or utcnow()
    sites = sites_directory.site_profiles().subquery()
    levels = orgs_directory.threat_levels().subquery()
    rows = session.execute(
        select(
            SiteRisk.site_id,
            SiteRisk.vulnerability,
            SiteRisk.risk,
            Assessment.methodology_version_id,
            sites.c.lat,
            sites.c.lon,
            sites.c.type,
            sites.c.capacity,
            sites.c.typical_attendance,
            levels.c.national_threat_level,
        )
        .join(Assessment, Assessment.id == SiteRisk.assessment_id)
        .join(sites, sites.c.id == SiteRisk.site_id)
        .join(levels, levels.c.id == sites.c.owner_org_id)
    ).all()
    by_version: dict[int, list[_Row]] = defaultdict(list)
    for r in rows:
        facts = SiteFacts(r.type, r.capacity or None, r.typical_attendance or None)
        level = r.national_threat_level or DEFAULT_THREAT_LEVEL
        by_version[r.methodology_version_id].append(
            _Row(r.site_id, r.lat, r.lon, facts, level, r.vulnerability, r.risk)
        )
    changes: list[dict[str, object]] = []
    changed = 0
    for version_id, items in by_version.items():
        version = session.get(MethodologyVersion, version_id)
        assert version is not None  # noqa: S101 - a foreign key keeps it
        methodology = versions.methodology_of(version)
        params = compiled(methodology)
        limits = [min(km, params.radius_km) for km in params.distance_maxima]
        cells = incident_cells_many(
            session,
            points={i.site_id: (i.lat, i.lon) for i in items},
            band_limits_km=limits,
            since=now - dt.timedelta(days=params.lookback_days),
            now=now,
        )
        inputs = [
            RiskInput(
                i.vulnerability, i.facts, ThreatInputs(i.threat_level, cells=cells[i.site_id])
            )
            for i in items
        ]
        for item, result in zip(items, batch_risk(methodology, inputs), strict=True):
            changes.append({"site_id": item.site_id, **risk_columns(result, now)})
            changed += int(result.risk.value) != item.old_risk
    for start in range(0, len(changes), WRITE_BATCH_ROWS):
        session.execute(update(SiteRisk), changes[start : start + WRITE_BATCH_ROWS])
    return RecomputeStats(sites=len(changes), changed=changed)
