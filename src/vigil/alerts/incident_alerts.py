"""The alerts about one incident, as the incident's response shows them: its timeline lists
those sent, its live room watches for any change. Each reader sees the alerts they may read
(core.policy): an alert has its own sharing, apart from its incident's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from vigil.alerts.models import Alert, AlertState
from vigil.core.policy import TLP, Principal, scope
from vigil.orgs import directory as orgs_directory

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Row


def sent_alerts(
    *, session: Session, principal: Principal, incident_id: int, latest: int | None = None
) -> Sequence[Row[Alert, str | None]]:
    """The sent alerts about the incident that the principal may read, each with its author's
    name (None when it has none), in one query: oldest first, or with `latest` only the newest
    that many, newest first (a timeline of a long incident reads a bounded number)."""
    stmt = scope(
        select(Alert, orgs_directory.name_of(person_id=Alert.author_id)).where(
            Alert.incident_id == incident_id, Alert.sent_at.is_not(None)
        ),
        Alert,
        principal,
    )
    if latest is None:
        stmt = stmt.order_by(Alert.sent_at, Alert.id)
    else:
        stmt = stmt.order_by(Alert.sent_at.desc(), Alert.id.desc()).limit(latest)
    return session.execute(stmt).all()


def readable_alert_ids(
    *, session: Session, principal: Principal, incident_id: int
) -> tuple[int, ...]:
    """Ids of the alerts about the incident the principal may read, in order: two readers with
    the same ids see the same alerts in the incident room."""
    stmt = select(Alert.id).where(Alert.incident_id == incident_id).order_by(Alert.id)
    return tuple(session.scalars(scope(stmt, Alert, principal)))


def last_alert_change_query(*, incident_id: int) -> Select[dt.datetime | None]:
    """When an alert about the incident last changed, readable or not, as a query to compose:
    a change of it tells the live room to look again (it shows no alert)."""
    return select(func.max(Alert.updated_at)).where(Alert.incident_id == incident_id)


@dataclass(frozen=True)
class SentAlertRef:
    """What names a sent alert from outside: its CAP identifier, its sharing and when it went."""

    id: int
    incident_id: int
    identifier: str
    owner_org_id: int
    tlp: TLP
    sent_at: dt.datetime


def sent_alert_refs(*, session: Session, incident_ids: Iterable[int]) -> list[SentAlertRef]:
    """The sent alerts about the incidents (never drafts, never RED), unscoped: the sharing
    domain keeps of them only those that reach every reader of their incident."""
    wanted = sorted(set(incident_ids))
    if not wanted:
        return []
    stmt = (
        select(Alert)
        .where(
            Alert.incident_id.in_(wanted),
            Alert.sent_at.is_not(None),
            Alert.state != AlertState.draft.value,
            Alert.tlp != TLP.red.value,
        )
        .order_by(Alert.sent_at, Alert.id)
    )
    return [
        SentAlertRef(
            id=alert.id,
            incident_id=alert.incident_id,
            identifier=alert.identifier,
            owner_org_id=alert.owner_org_id,
            tlp=TLP(alert.tlp),
            sent_at=alert.sent_at,
        )
        for alert in session.scalars(stmt)
        if alert.incident_id is not None and alert.sent_at is not None
    ]
