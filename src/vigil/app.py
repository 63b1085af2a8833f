"""create_app(): the web application, mounting each domain's API and pages (vigil.domains)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from vigil import __version__
from vigil.core import audit, errors, identity, metrics, openapi, pages, telemetry
from vigil.core.config import Settings, get_settings
from vigil.core.health import migration_head
from vigil.core.logs import configure as configure_logs
from vigil.core.middleware import VigilMiddleware
from vigil.core.nul import refuse_nul
from vigil.domains import DOMAINS, NAV


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """With the embedded worker (SQLite default), jobs run in a thread of the web process."""
    settings: Settings = app.state.settings
    if not settings.runs_embedded_worker:
        yield
        return
    from vigil.worker import run_worker

    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, args=(settings,), kwargs={"stop": stop}, name="vigil-worker", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logs(settings.log_level)
    metrics.start(settings)
    audit.use_key(settings.sqlalchemy_url, settings.audit_key)
    app = FastAPI(
        lifespan=lifespan,
        title="Vigil",
        version=__version__,
        description="Protecting soft targets together. Errors are application/problem+json. "
        "In a partial update (PATCH, an alert's update) a field left out stays as it is and null "
        "is refused, unless the field's description says null clears it. Text holding the NUL "
        "character (U+0000) is refused everywhere.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        dependencies=[Depends(refuse_nul)],
    )
    app.state.settings = settings
    app.state.nav = NAV
    app.state.page_error_handler = None
    app.state.migration_head = migration_head(settings.sqlalchemy_url)
    errors.install(app)
    template_globals = {k: v for domain in DOMAINS for k, v in domain.template_globals().items()}
    page_parts: dict[str, tuple[Any, ...]] = {}
    for domain in DOMAINS:
        for page, part in domain.page_parts().items():
            page_parts[page] = (*page_parts.get(page, ()), part)
    app.state.page_parts = page_parts
    app.state.scrape_gauges = tuple(g for domain in DOMAINS for g in domain.scrape_gauges())
    pages.install(app, settings.node_modules, template_globals)
    for domain in DOMAINS:
        who = domain.identities()
        if who is not None:  # people and organisations: the orgs domain answers for core
            identity.install(app, who)
        for router in domain.routers():
            app.include_router(router)
    openapi.install(app)
    app.add_middleware(VigilMiddleware, settings=settings)
    telemetry.start(settings, app)
    return app
