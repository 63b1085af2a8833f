"""STAND-IN for mon-signals' module of the same name (take theirs at the merge): the few
functions of its contract the inbox calls, so that the inbox's tests run before it lands."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role, scope
from vigil.monitoring.models import Signal, SignalStatus

HIGH_SCORE = 0.8
DECISIONS = (SignalStatus.dismissed, SignalStatus.relevant)


def get_signal(*, session: Session, principal: Principal, signal_id: int) -> Signal:
    found = session.scalar(scope(select(Signal).where(Signal.id == signal_id), Signal, principal))
    if found is None:
        raise NotFound("No such signal, or it is not shared with you.")
    return found


def decide(*, session: Session, principal: Principal, signal_id: int, status: str) -> Signal:
    signal = get_signal(session=session, principal=principal, signal_id=signal_id)
    if status not in {s.value for s in DECISIONS}:
        raise Invalid("status", "choose dismissed or relevant")
    if not principal.has_role(signal.owner_org_id, Role.coordinator):
        raise Forbidden("Coordinators of its organisation decide on a signal.")
    signal.status = status
    signal.decided_by_id, signal.decided_at = principal.person_id, utcnow()
    audit.log_action(
        session,
        principal,
        f"monitoring.signal.{status}",
        target_type="monitoring_signals",
        target_id=signal.id,
        org_id=signal.owner_org_id,
    )
    return signal


def unseen_high_signals(session: Session, principal: Principal) -> int:
    org_id = principal.acting_org_id
    if org_id is None:
        return 0
    stmt = select(func.count(Signal.id)).where(
        Signal.owner_org_id == org_id,
        Signal.status == SignalStatus.new.value,
        Signal.score >= HIGH_SCORE,
    )
    return int(session.scalar(scope(stmt, Signal, principal)) or 0)
