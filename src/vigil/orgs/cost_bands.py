"""What a measure's cost class costs, per organisation (issue 21): a currency and a money range
for low, medium and high, set by the organisation's administrators, so a site's plan shows
money ranges, totals and a funding-application table.

Until an organisation sets its own, the plan uses DEFAULT_BANDS, in euros: low up to 1,000
(a written procedure, signage, a briefing), medium 1,000-10,000 (a camera or intercom, a door
upgrade, a training day), high 10,000-100,000 (vehicle barriers, glazing film over a facade,
an access control system). They are orders of magnitude to plan with, not quotes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import NotFound
from vigil.core.policy import Principal, Role
from vigil.orgs import service as orgs_service
from vigil.orgs.models import CostBands
from vigil.orgs.schemas import CostBandsRead, CostBandsUpdate

COST_CLASSES = ("low", "medium", "high")
DEFAULT_CURRENCY = "EUR"
DEFAULT_BANDS: dict[str, tuple[int, int]] = {
    "low": (0, 1_000),
    "medium": (1_000, 10_000),
    "high": (10_000, 100_000),
}
FIELDS = tuple(f"{cost}_{end}" for cost in COST_CLASSES for end in ("min", "max"))


def _read(org_id: int, row: CostBands | None) -> CostBandsRead:
    if row is None:
        values = {
            f"{cost}_{end}": DEFAULT_BANDS[cost][i]
            for cost in COST_CLASSES
            for i, end in enumerate(("min", "max"))
        }
        return CostBandsRead(org_id=org_id, currency=DEFAULT_CURRENCY, is_default=True, **values)
    values = {field: getattr(row, field) for field in FIELDS}
    return CostBandsRead(org_id=org_id, currency=row.currency, is_default=False, **values)


def bands_of(session: Session, org_id: int) -> CostBandsRead:
    """The organisation's bands, or the defaults; for a caller that already checked the reader
    may see what they cost (an assessment's plan, a site's measures)."""
    return _read(org_id, session.get(CostBands, org_id))


def read_cost_bands(*, session: Session, principal: Principal, org_id: int) -> CostBandsRead:
    """The bands, for the organisation's members (and platform administrators)."""
    org = orgs_service.get_organisation(session=session, principal=principal, ref=org_id)
    if not (principal.is_platform_admin or principal.has_role(org.id, Role.viewer)):
        raise NotFound("No such organisation, or you may not see its cost bands.")
    return bands_of(session, org.id)


def set_cost_bands(
    *, session: Session, principal: Principal, org_id: int, data: CostBandsUpdate
) -> CostBandsRead:
    """Set the currency and every band at once (its administrators); audited before/after."""
    org = orgs_service.get_organisation(session=session, principal=principal, ref=org_id)
    orgs_service.require_org_admin(principal, org.id)
    row = session.get(CostBands, org.id)
    before = _read(org.id, row)
    if row is None:
        row = CostBands(org_id=org.id)
        session.add(row)
    row.currency = data.currency
    for field in FIELDS:
        setattr(row, field, getattr(data, field))
    row.updated_at = utcnow()
    session.flush()
    _audit(session, principal, org.id, before, _read(org.id, row))
    return _read(org.id, row)


def reset_cost_bands(*, session: Session, principal: Principal, org_id: int) -> CostBandsRead:
    """Back to Vigil's defaults (its administrators)."""
    org = orgs_service.get_organisation(session=session, principal=principal, ref=org_id)
    orgs_service.require_org_admin(principal, org.id)
    row = session.get(CostBands, org.id)
    before = _read(org.id, row)
    if row is not None:
        session.delete(row)
        session.flush()
        _audit(session, principal, org.id, before, _read(org.id, None))
    return _read(org.id, None)


def _audit(
    session: Session, principal: Principal, org_id: int, before: CostBandsRead, after: CostBandsRead
) -> None:
    changed = {
        field: {"from": getattr(before, field), "to": getattr(after, field)}
        for field in ("currency", *FIELDS, "is_default")
        if getattr(before, field) != getattr(after, field)
    }
    if not changed:
        return
    audit.log_action(
        session,
        principal,
        "org.cost_bands",
        target_type="organisation",
        target_id=org_id,
        org_id=org_id,
        detail=changed,
    )
