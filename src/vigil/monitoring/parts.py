"""What monitoring adds to the pages of the domains below it: on an incident made from a
signal, the signal it came from and the incidents it is likely the same event as (with the
merge the incident page offers); on the alerts' compose form, a signal to start from."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.compose_parts import ComposeSource
from vigil.core.config import Settings
from vigil.core.pages import tr
from vigil.core.policy import Principal, Role, scope
from vigil.incidents import duplicates
from vigil.incidents.parts import IncidentPart
from vigil.incidents.schemas import IncidentRead
from vigil.monitoring import signal_actions
from vigil.monitoring.models import Signal

INCIDENT_TEMPLATE = "monitoring/_incident_part.html"


def incident_part(
    *, session: Session, settings: Settings, principal: Principal, incident: IncidentRead
) -> IncidentPart:
    """The signal a reader may read that the incident was made from, and, for those who may
    merge it, the likely duplicates; nothing for any other incident."""
    stmt = scope(select(Signal.id).where(Signal.incident_id == incident.id), Signal, principal)
    signal_id = session.scalar(stmt.order_by(Signal.id).limit(1))
    context: dict[str, Any] = {"signal_id": signal_id, "candidates": []}
    if signal_id is not None and principal.has_role(incident.owner_org_id, Role.coordinator):
        context["candidates"] = duplicates.incident_candidates(
            session=session, principal=principal, incident_id=incident.id
        )
    return IncidentPart(template=INCIDENT_TEMPLATE, context=context)


def _describe(request: Request, signal_id: int) -> str:
    return tr(
        request,
        "About monitoring signal #%(id)s: the signal will link to the alert once it is sent.",
        id=signal_id,
    )


def _prefill(*, session: Session, principal: Principal, record_id: int) -> dict[str, Any]:
    return signal_actions.alert_values(session=session, principal=principal, signal_id=record_id)


def _sent(*, session: Session, principal: Principal, record_id: int, alert_id: int) -> None:
    signal_actions.link_alert(
        session=session, principal=principal, signal_id=record_id, alert_id=alert_id
    )


SIGNAL_COMPOSE = ComposeSource(field="signal_id", prefill=_prefill, describe=_describe, sent=_sent)
