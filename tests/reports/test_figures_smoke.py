"""The stored figures follow incident writes: marks from triggers, a refresh, the check."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tests.incidents.test_service import new_incident, principal_with
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.reports.counting import FigureFilters, counts
from vigil.reports.figures import check_figures, refresh_figures


def test_refresh_counts_new_incident_and_check_agrees(session: Session, settings: Settings) -> None:
    coordinator = principal_with(session, settings, Role.coordinator)
    new_incident(session, settings, coordinator)
    session.flush()
    assert refresh_figures(session) > 0
    assert check_figures(session) == []
    org = next(iter(coordinator.roles))
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    found = counts(session=session, org_ids=[org], filters=FigureFilters(), by=("month",))
    assert sum(found.values()) == 1
    assert list(found)[0][0] in {
        month,
        (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%Y-%m"),
    }
