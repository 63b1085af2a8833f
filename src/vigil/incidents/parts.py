"""What the domains above incidents add to an incident's page, such as the STIX that would
leave for it (sharing).

Incidents cannot import them (they import incidents), so each declares its part under
`INCIDENT_PAGE` (`Domain.page_parts()`) and the incident page renders the parts the app was
given, in domain order, as the site page does with sites.parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.domains import parts_of
from vigil.core.policy import Principal
from vigil.incidents.schemas import IncidentRead

INCIDENT_PAGE = "incidents.detail"


@dataclass(frozen=True)
class IncidentPart:
    """One domain's part of an incident page: a section (its template, rendered with this part
    as `part` in the page's context)."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


class IncidentPartMaker(Protocol):
    """What a domain declares under INCIDENT_PAGE: its part for one incident the reader may
    read (as that reader reads it)."""

    def __call__(
        self,
        *,
        session: Session,
        settings: Settings,
        principal: Principal,
        incident: IncidentRead,
    ) -> IncidentPart: ...


def incident_parts(
    request: Request,
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    incident: IncidentRead,
) -> list[IncidentPart]:
    makers: tuple[IncidentPartMaker, ...] = parts_of(request, INCIDENT_PAGE)
    return [
        make(session=session, settings=settings, principal=principal, incident=incident)
        for make in makers
    ]
