"""The page where an organisation's administrators say what a low, medium and high cost
measure costs in their currency (issue 21), so site plans show money and funding tables."""

from __future__ import annotations

from typing import Any

from babel.numbers import list_currencies
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError
from vigil.core.pages import (
    FormStr,
    SignedInDep,
    page_router,
    parse_form,
    redirect,
    render,
    tr,
    undo,
)
from vigil.orgs import cost_bands
from vigil.orgs.models import Organisation
from vigil.orgs.pages import administered_org
from vigil.orgs.schemas import CostBandsUpdate

router = page_router()

# Offered first in the currency list (any ISO 4217 code typed is accepted).
COMMON_CURRENCIES = ("EUR", "CZK", "GBP", "PLN", "CHF", "USD", "ILS", "BGN", "SEK", "DKK")


def _page(
    request: Request,
    session: Session,
    org: Organisation,
    *,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Response:
    current = cost_bands.bands_of(session, org.id)
    context: dict[str, Any] = {
        "org": org,
        "current": current,
        "form": form or {k: str(v) for k, v in current.model_dump().items()},
        "classes": cost_bands.COST_CLASSES,
        "currencies": (
            *COMMON_CURRENCIES,
            *sorted(set(list_currencies()) - set(COMMON_CURRENCIES)),
        ),
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "orgs/cost_bands.html", context, status_code=status)


@router.get("/orgs/{slug}/admin/costs")
def cost_bands_page(
    request: Request, slug: str, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The organisation's currency and money range per cost class (its administrators)."""
    return _page(request, session, administered_org(session, viewer, slug))


@router.post("/orgs/{slug}/admin/costs")
def save_cost_bands(
    request: Request,
    slug: str,
    session: SessionDep,
    viewer: SignedInDep,
    currency: FormStr = "",
    low_min: FormStr = "",
    low_max: FormStr = "",
    medium_min: FormStr = "",
    medium_max: FormStr = "",
    high_min: FormStr = "",
    high_max: FormStr = "",
) -> Response:
    """Save the currency and the three ranges together."""
    org = administered_org(session, viewer, slug)
    form = {"currency": currency, "low_min": low_min, "low_max": low_max}
    form |= {"medium_min": medium_min, "medium_max": medium_max}
    form |= {"high_min": high_min, "high_max": high_max}
    try:
        data = parse_form(CostBandsUpdate, **{k: v.strip() for k, v in form.items()})
        cost_bands.set_cost_bands(
            session=session, principal=viewer.principal, org_id=org.id, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return _page(request, session, org, form=form, error=exc)
    message = tr(request, "The cost bands of %(org)s are saved.", org=org.name)
    return redirect(f"/orgs/{org.slug}/admin/costs", request, message)


@router.post("/orgs/{slug}/admin/costs/reset")
def reset_cost_bands(
    request: Request, slug: str, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Back to Vigil's default bands."""
    org = administered_org(session, viewer, slug)
    cost_bands.reset_cost_bands(session=session, principal=viewer.principal, org_id=org.id)
    message = tr(request, "The cost bands of %(org)s are Vigil's defaults again.", org=org.name)
    return redirect(f"/orgs/{org.slug}/admin/costs", request, message)
