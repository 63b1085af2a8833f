"""The acting organisation's own figures for its analysts and above (DOMAIN.md counting rule 6):
every counted incident of the organisation, whatever its marking, as counts only. Counting is
done by `counting.counts`; this decides who may see them."""

from __future__ import annotations

from typing import cast

from pydantic import ValidationError
from sqlalchemy.orm import Session

from vigil.core.errors import Invalid
from vigil.core.policy import Principal, Role, acting_org
from vigil.reports.counting import Dim, counts
from vigil.reports.facts import COUNTED, PUBLISHED
from vigil.reports.figures import freshness
from vigil.reports.schemas import FigureCellRead, FiguresQuery, FiguresRead, FreshnessRead

BASES = {"counted": COUNTED, "published": PUBLISHED}


def own_figures(*, session: Session, principal: Principal, query: FiguresQuery) -> FiguresRead:
    """The acting organisation's counts by `query.by` under its filters, with the total."""
    org_id = acting_org(principal, Role.analyst)
    by = [cast(Dim, d) for d in query.by]
    filters = query.model_copy(update={"by": [], "basis": "counted"})
    basis = BASES[query.basis]
    try:
        found = counts(session=session, org_ids=[org_id], filters=filters, by=by, basis=basis)
        total = (
            counts(session=session, org_ids=[org_id], filters=filters, by=(), basis=basis)
            if by
            else found
        ).get((), 0)
    except ValidationError as exc:  # filters the incident list refuses, if the schema missed one
        raise Invalid.from_validation(exc) from exc
    cells = [
        FigureCellRead(key=dict(zip(by, key, strict=True)), incidents=n)
        for key, n in sorted(found.items())
        if by
    ]
    state = freshness(session)
    return FiguresRead(
        basis=query.basis,
        by=list(query.by),
        freshness=FreshnessRead(
            refreshed_at=state.refreshed_at, pending_changes=state.pending_changes
        ),
        cells=cells,
        total=total,
    )
