"""Records of the domains above alerts that an alert may be composed from, such as a
monitoring signal: the compose form starts from the record's values (`/alerts/new?FIELD=id`),
carries its id in a hidden field through the confirmation, and tells the record's domain the
alert it became once it is sent.

Alerts cannot import those domains (they import alerts), so each declares its `ComposeSource`
under `COMPOSE_PAGE` (`Domain.page_parts()`), as the site page's parts are declared."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from vigil.core.domains import parts_of
from vigil.core.errors import Invalid
from vigil.core.policy import Principal

COMPOSE_PAGE = "alerts.compose"


@dataclass(frozen=True)
class ComposeSource:
    """`field`: the query parameter and hidden form field naming the record by id.
    `prefill(session=, principal=, record_id=)`: the form's values for an alert about it.
    `describe(request, record_id)`: the line the form shows about it.
    `sent(session=, principal=, record_id=, alert_id=)`: the alert was sent."""

    field: str
    prefill: Callable[..., Mapping[str, Any]]
    describe: Callable[[Request, int], str]
    sent: Callable[..., None]


def compose_sources(request: Request) -> tuple[ComposeSource, ...]:
    return parts_of(request, COMPOSE_PAGE)


def _record_id(source: ComposeSource, value: Any) -> int | None:
    given = str(value or "").strip()
    if not given:
        return None
    if not given.isdigit() or not 0 < int(given) < 2**31:
        raise Invalid(source.field, "the record must be given by its number")
    return int(given)


def prefilled(
    request: Request, session: Session, principal: Principal, given: Mapping[str, Any]
) -> dict[str, Any]:
    """The form's values from the record the query names (the first source named), or {}."""
    for source in compose_sources(request):
        record_id = _record_id(source, given.get(source.field))
        if record_id is not None:
            values = source.prefill(session=session, principal=principal, record_id=record_id)
            return {**values, source.field: str(record_id)}
    return {}


def tell_sent(
    request: Request,
    session: Session,
    principal: Principal,
    values: Mapping[str, Any],
    alert_id: int,
) -> None:
    """Tell each record the sent form named that it became this alert."""
    for source in compose_sources(request):
        record_id = _record_id(source, values.get(source.field))
        if record_id is not None:
            source.sent(
                session=session, principal=principal, record_id=record_id, alert_id=alert_id
            )
