"""Finding alerts for the list page: live ones only or all, by severity, sorted by a column
(newest first by default), a page at a time. The API's list (service.list_alerts) keeps its own
order and paging."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.alerts.cap import Severity
from vigil.alerts.documents import alert_reads
from vigil.alerts.models import Alert, AlertState
from vigil.alerts.schemas import AlertRead
from vigil.alerts.service import live_clause
from vigil.core.listing import Sort, Sorting, ranked
from vigil.core.policy import TLP, Principal, scope

PAGE_SIZE = 50
# Alerts are tens to hundreds per organisation: created_at has an index for the default order,
# the other columns are sorted from the readable rows.
SORTING = Sorting(
    columns={
        "when": lambda: [Alert.created_at],
        "alert": lambda: [func.lower(Alert.headline), func.lower(Alert.event)],
        "severity": lambda: [ranked(Alert.severity, [s.value for s in Severity])],
        "state": lambda: [ranked(Alert.state, [s.value for s in AlertState])],
        "area": lambda: [func.lower(Alert.area_desc)],
        "tlp": lambda: [ranked(Alert.tlp, [t.value for t in reversed(TLP)])],
    },
    default=Sort("when", descending=True),
    tie=lambda: Alert.id,
)


def find_alerts(
    *,
    session: Session,
    principal: Principal,
    current_only: bool,
    severities: Sequence[str],
    sort: Sort,
    page: int,
) -> tuple[list[AlertRead], int]:
    """A page of the alerts `principal` may read, and how many match."""
    stmt = scope(select(Alert), Alert, principal)
    if current_only:
        stmt = stmt.where(live_clause())
    if severities:
        stmt = stmt.where(Alert.severity.in_(severities))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(*SORTING.order_by(sort)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return alert_reads(session=session, principal=principal, alerts=list(rows)), total
