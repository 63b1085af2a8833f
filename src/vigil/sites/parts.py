"""What the domains above sites add to a site's page, such as the incidents around it.

Sites cannot import them (they import sites), so each declares its part under `SITE_PAGE`
(`Domain.page_parts()`) and the site page renders the parts the app was given, in domain order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request
from sqlalchemy.orm import Session

from vigil.core.domains import parts_of
from vigil.core.policy import Principal
from vigil.sites.schemas import SiteRead

SITE_PAGE = "sites.detail"


@dataclass(frozen=True)
class SitePart:
    """One domain's part of a site page: a section (its template, rendered with this part as
    `part` in the page's context) and the points it adds to the site's map."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    points: Sequence[Mapping[str, Any]] = ()


class SitePartMaker(Protocol):
    """What a domain declares under SITE_PAGE: its part for one site, within the radius the
    reader chose on the page."""

    def __call__(
        self,
        *,
        session: Session,
        principal: Principal,
        site: SiteRead,
        radius_km: float,
        now: dt.datetime,
    ) -> SitePart: ...


def site_parts(
    request: Request,
    *,
    session: Session,
    principal: Principal,
    site: SiteRead,
    radius_km: float,
    now: dt.datetime,
) -> list[SitePart]:
    makers: tuple[SitePartMaker, ...] = parts_of(request, SITE_PAGE)
    return [
        make(session=session, principal=principal, site=site, radius_km=radius_km, now=now)
        for make in makers
    ]
