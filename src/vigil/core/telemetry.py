"""OpenTelemetry traces of requests, SQL statements and outgoing HTTP calls, sent over OTLP/HTTP
when VIGIL_OTLP_ENDPOINT is set; off (and OpenTelemetry not imported) otherwise.

Spans leave with only the attributes named here: a request is known by its route template,
never its path or query string, and no client address, user agent, header, SQL parameter or
exception message (which may quote a value) goes out, so a trace holds no personal data.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from vigil.core.config import Settings
from vigil.core.db import get_engine

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

SERVICE_NAME = "vigil"
TRACES_PATH = "/v1/traces"
# Attributes a span keeps as they are: what was done and how it went, never by whom.
KEPT = frozenset(
    {
        "http.method",
        "http.request.method",
        "http.route",
        "http.status_code",
        "http.response.status_code",
        "http.scheme",
        "url.scheme",
        "http.flavor",
        "network.protocol.version",
        "net.peer.name",
        "net.peer.port",
        "server.address",
        "server.port",
        "db.system",
        "db.system.name",
        "db.name",
        "db.namespace",
        "db.operation",
        "db.operation.name",
        "db.statement",  # the statement with placeholders; SQLAlchemy's values are not captured
        "db.query.text",
        "error.type",
        "exception.type",
    }
)
# Addresses of outgoing calls (webhooks, feeds, peers), kept without query, fragment or login.
URL_ATTRIBUTES = frozenset({"http.url", "url.full"})
EXCLUDED_ROUTES = "/healthz$,/readyz$,/metrics$"  # probes and scrapes: noise, not traces

_lock = threading.Lock()
_started = False


def start(settings: Settings, app: FastAPI | None = None) -> None:
    """Trace this process (once) and, given the app, its requests."""
    global _started
    if not settings.otlp_endpoint:
        return
    with _lock:
        first = not _started
        _started = True
    provider = _provider(settings) if first else None
    if app is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls=EXCLUDED_ROUTES)
    if provider is not None:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        HTTPXClientInstrumentor().instrument()
        # The engine is made once per URL (core.db.get_engine) and shared by every session.
        # The instrumentation declares SQLAlchemy below 2.1 and would skip itself silently; its
        # engine events are the same in 2.1 (tests/core/test_telemetry.py sees the spans).
        SQLAlchemyInstrumentor().instrument(
            engine=get_engine(settings.sqlalchemy_url), skip_dep_check=True
        )


def _provider(settings: Settings) -> Any:
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint.rstrip("/") + TRACES_PATH)
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(_private(exporter)))
    trace.set_tracer_provider(provider)
    return provider


def without_query(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def kept_attributes(attributes: Any) -> dict[str, Any]:
    kept = {k: v for k, v in (attributes or {}).items() if k in KEPT}
    for key in URL_ATTRIBUTES & set(attributes or {}):
        kept[key] = without_query(str(attributes[key]))
    return kept


def private_span(span: ReadableSpan) -> ReadableSpan:
    """A copy of the span with only the attributes it may keep; an exception event keeps its
    type, not its message or stack (either may quote a value)."""
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.trace import SpanKind, Status

    attributes = kept_attributes(span.attributes)
    if span.kind == SpanKind.SERVER:
        for key in URL_ATTRIBUTES:  # a request is known by its route template
            attributes.pop(key, None)
    events = [
        Event(e.name, kept_attributes(e.attributes), timestamp=e.timestamp) for e in span.events
    ]
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _private(exporter: SpanExporter) -> SpanExporter:
    from opentelemetry.sdk.trace.export import SpanExporter

    class PrivateExporter(SpanExporter):
        """Hands the OTLP exporter the private copies of the spans."""

        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            return exporter.export([private_span(s) for s in spans])

        def shutdown(self) -> None:
            exporter.shutdown()

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return exporter.force_flush(timeout_millis)

    return PrivateExporter()
