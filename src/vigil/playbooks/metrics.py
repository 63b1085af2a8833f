"""How fast responses go, per organisation or per network: median time to acknowledge, to
stabilise and to return to routine, tasks that ran late per stage, and all of it by incident type.

Definitions (shown on the metrics page too):
- acknowledge: from the incident's recording in Vigil (`created_at`) to the playbook's activation;
- stabilise: from `occurred_from` to the completion of the last `stabilise` task, counted once
  every stabilise task is done;
- routine: from `occurred_from` to the moment the last reopening criterion was met (DOMAIN.md);
- late tasks: tasks past their due time and not done, or done after it.

Only incidents the viewer may read count (core.policy). For a network, responses of members the
viewer may not read add to two totals only, never to a time or a type (DECISIONS 7).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.policy import Principal
from vigil.incidents import service as incidents_service
from vigil.orgs import service as orgs_service
from vigil.playbooks.models import Activation, Task
from vigil.playbooks.templates import SCHEDULED_STAGES, Stage


class Durations(BaseModel):
    responses: int
    acknowledge_median_seconds: int | None
    stabilise_median_seconds: int | None
    routine_median_seconds: int | None
    stabilised: int = Field(description="Responses whose stabilise tasks are all done.")
    back_to_routine: int


class TypeDurations(Durations):
    incident_type: str


class PlaybookMetrics(BaseModel):
    scope: Literal["organisation", "network"]
    org_id: int
    network_id: int | None
    network_name: str = ""
    overall: Durations
    late_tasks_by_stage: dict[str, int]
    by_type: list[TypeDurations]
    network_responses_total: int | None = Field(
        None, description="Every response in the network, readable or not (a total only)."
    )
    network_back_to_routine_total: int | None = None


def _median(values: list[float]) -> int | None:
    return int(statistics.median(values)) if values else None


def _durations(rows: list[tuple[float, float | None, float | None]]) -> Durations:
    stabilise = [r[1] for r in rows if r[1] is not None]
    routine = [r[2] for r in rows if r[2] is not None]
    return Durations(
        responses=len(rows),
        acknowledge_median_seconds=_median([r[0] for r in rows]),
        stabilise_median_seconds=_median(stabilise),
        routine_median_seconds=_median(routine),
        stabilised=len(stabilise),
        back_to_routine=len(routine),
    )


def _seconds(delta: dt.timedelta) -> float:
    return max(0.0, delta.total_seconds())


def playbook_metrics(
    *, session: Session, principal: Principal, network_id: int | None = None
) -> PlaybookMetrics:
    org_id = principal.acting_org_id
    if org_id is None:
        raise Invalid("X-Vigil-Org", "say which organisation you act for")
    network_name = ""
    if network_id is None:
        in_scope = Activation.org_id == org_id
    else:
        network_name, owners = orgs_service.network_of_member(
            session=session, principal=principal, network_id=network_id
        )
        in_scope = Activation.org_id.in_(owners)
    incidents = incidents_service.readable_incidents(principal=principal)
    readable = (
        select(Activation.id)
        .join(incidents, incidents.c.id == Activation.incident_id)
        .where(in_scope)
        .subquery()
    )

    stabilise = (
        select(
            Task.activation_id,
            func.count().label("total"),
            func.count(Task.completed_at).label("done"),
            func.max(Task.completed_at).label("last"),
        )
        .where(Task.stage == Stage.stabilise.value, Task.activation_id.in_(select(readable.c.id)))
        .group_by(Task.activation_id)
        .subquery()
    )
    rows = session.execute(
        select(
            incidents.c.type,
            incidents.c.created_at,
            incidents.c.occurred_from,
            Activation.activated_at,
            Activation.returned_to_routine_at,
            stabilise.c.total,
            stabilise.c.done,
            stabilise.c.last,
        )
        .select_from(Activation)
        .join(incidents, incidents.c.id == Activation.incident_id)
        .outerjoin(stabilise, stabilise.c.activation_id == Activation.id)
        .where(Activation.id.in_(select(readable.c.id)))
    ).all()
    by_type: dict[str, list[tuple[float, float | None, float | None]]] = defaultdict(list)
    for kind, created, occurred, activated, routine, total, done, last in rows:
        stabilised = last if total and done == total and last is not None else None
        by_type[kind].append(
            (
                _seconds(activated - created),
                _seconds(stabilised - occurred) if stabilised else None,
                _seconds(routine - occurred) if routine else None,
            )
        )

    now = utcnow()
    late = or_(
        and_(Task.completed_at.is_(None), Task.due_at < now),
        Task.completed_at > Task.due_at,
    )
    late_rows = session.execute(
        select(Task.stage, func.sum(case((late, 1), else_=0)))
        .where(Task.activation_id.in_(select(readable.c.id)))
        .group_by(Task.stage)
    ).all()
    late_by_stage = {s.value: 0 for s in SCHEDULED_STAGES}
    late_by_stage.update({stage: int(n or 0) for stage, n in late_rows})

    everything = [r for values in by_type.values() for r in values]
    result = PlaybookMetrics(
        scope="network" if network_id else "organisation",
        org_id=org_id,
        network_id=network_id,
        network_name=network_name,
        overall=_durations(everything),
        late_tasks_by_stage=late_by_stage,
        by_type=[
            TypeDurations(incident_type=kind, **_durations(values).model_dump())
            for kind, values in sorted(by_type.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
    )
    if network_id is not None:
        total, routine = session.execute(
            select(func.count(), func.count(Activation.returned_to_routine_at)).where(in_scope)
        ).one()
        result.network_responses_total = int(total)
        result.network_back_to_routine_total = int(routine)
    return result
