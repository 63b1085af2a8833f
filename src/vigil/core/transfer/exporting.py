"""Export of the records a principal may see, as CSV, JSON or GeoJSON (RFC 7946), streamed in
batches, the same for every domain.

Rows always come from the domain's policy-scoped query behind its list, so an export never shows
more than the list does. Analysts and above may export; each export is audited with its filter
and size before any row leaves.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker, transaction, utcnow
from vigil.core.errors import Forbidden
from vigil.core.policy import Principal, Role
from vigil.core.transfer.columns import Spec

EXPORT_BATCH_ROWS = 500
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
}

T = TypeVar("T")
F = TypeVar("F", bound=BaseModel)
AsJson = Callable[[Any, Any], dict[str, Any]]


def no_context(session: Session, principal: Principal, batch: list[Any]) -> None:
    return None


def require_exporter(principal: Principal, noun: str) -> None:
    """Analysts and above may export (any format, any domain)."""
    if not any(role.at_least(Role.analyst) for role in principal.roles.values()):
        raise Forbidden(
            "Exporting %(records)s needs the analyst role in an organisation.", records=noun
        )


def audit_export(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    action: str,
    target_type: str,
    detail: dict[str, Any],
) -> None:
    """Audit an export in a short write of its own, before any row leaves.

    An export is a read: its request transaction stays read-only (on SQLite a read that turns
    into a write can fail when another writer committed meanwhile). Flagging the request
    session makes the request boundary seal the entry after it commits.
    """
    with transaction(settings.sqlalchemy_url) as write:
        audit.log_action(write, principal, action, target_type=target_type, detail=detail)
    session.info["audited"] = True


@dataclass(frozen=True)
class Export(Generic[T, F]):
    """How one domain's records leave: `noun` names them in file names, the audit entry's target
    and the refusal; `query(filters, principal)` is the policy-scoped list query.

    `context(session, principal, batch)` is read once per batch, e.g. the records a batch names
    that the principal may read, and handed to `item` (JSON) and `feature` (GeoJSON) with each
    record; an export without `item` has no JSON, one without `feature` no GeoJSON.

    `parts` names what higher domains add to this export (`Domain.page_parts()`, as a page's
    parts): the route gives them to `context` as `parts=` (`with_parts`), e.g. sharing's
    provenance of the incidents it brought in, which incidents cannot import.
    """

    noun: str
    action: str
    query: Callable[[F, Principal], Select[Any]]
    order_by: tuple[Any, ...]
    spec: Spec
    feature: AsJson | None = None
    item: AsJson | None = None
    context: Callable[..., Any] = no_context
    parts: str = ""

    def with_parts(self, parts: tuple[Any, ...]) -> Export[T, F]:
        """This export with `parts` bound to its context (`context(..., parts=parts)`)."""
        return dataclasses.replace(self, context=functools.partial(self.context, parts=parts))

    def count(self, *, session: Session, principal: Principal, filters: F) -> int:
        """Analysts and above may export; what they get is still only what they may see."""
        require_exporter(principal, self.noun)
        stmt = self.query(filters, principal)
        return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    def record(
        self,
        *,
        session: Session,
        settings: Settings,
        principal: Principal,
        filters: F,
        fmt: str,
        rows: int,
    ) -> None:
        """Audit the export, with its filters and size, before any row leaves."""
        audit_export(
            session=session,
            settings=settings,
            principal=principal,
            action=self.action,
            target_type=self.noun,
            detail={
                "format": fmt,
                "filters": filters.model_dump(mode="json", exclude_defaults=True),
                "rows": rows,
            },
        )

    def batches(
        self, settings: Settings, principal: Principal, filters: F
    ) -> Iterator[tuple[list[T], Any]]:
        """Batches of visible records, each with its context, from a session of the stream's own:
        the request's session is closed once the route returns, before the body is streamed."""
        session = get_sessionmaker(settings.sqlalchemy_url, readonly=True)()
        try:
            stmt = (
                self.query(filters, principal)
                .order_by(*self.order_by)
                .execution_options(yield_per=EXPORT_BATCH_ROWS)
            )
            for partition in session.scalars(stmt).partitions():
                batch = list(partition)
                yield batch, self.context(session, principal, batch)
            session.rollback()
        finally:
            session.close()

    def stream(
        self, fmt: str, *, settings: Settings, principal: Principal, filters: F
    ) -> Iterator[bytes]:
        batches = self.batches(settings, principal, filters)
        if fmt == "csv":
            return _csv(self.spec, batches)
        if fmt == "json" and self.item is not None:
            return _json(b'{"items":[', self.item, batches)
        if fmt == "geojson" and self.feature is not None:
            return _json(b'{"type":"FeatureCollection","features":[', self.feature, batches)
        raise ValueError(f"{self.noun} are not exported as {fmt}")

    def response(
        self, fmt: str, *, session: Session, principal: Principal, settings: Settings, filters: F
    ) -> StreamingResponse:
        """Count, audit, then stream as an attachment named for the records and the moment."""
        rows = self.count(session=session, principal=principal, filters=filters)
        self.record(
            session=session,
            settings=settings,
            principal=principal,
            filters=filters,
            fmt=fmt,
            rows=rows,
        )
        filename = f"{self.noun}-{utcnow():%Y%m%d-%H%M%S}.{fmt}"
        return StreamingResponse(
            self.stream(fmt, settings=settings, principal=principal, filters=filters),
            media_type=MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def _csv(spec: Spec, batches: Iterator[tuple[list[Any], Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(spec.header)
    for batch, context in batches:
        writer.writerows(spec.write_row(record, context) for record in batch)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def _json(
    opening: bytes, as_json: AsJson, batches: Iterator[tuple[list[Any], Any]]
) -> Iterator[bytes]:
    """One JSON object whose single list holds the records; `opening` names the list."""
    yield opening
    first = True
    for batch, context in batches:
        parts = []
        for record in batch:
            parts.append(("" if first else ",") + json.dumps(as_json(record, context), default=str))
            first = False
        yield "".join(parts).encode()
    yield b"]}"
