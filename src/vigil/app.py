"""create_app(): the web application, mounting each domain's API and pages."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from vigil import __version__
from vigil.alerts.ack_pages import router as alert_ack_pages
from vigil.alerts.api import hooks_router as alert_webhooks_api
from vigil.alerts.api import router as alerts_api
from vigil.alerts.pages import router as alerts_pages
from vigil.assessments.api import router as assessments_api
from vigil.assessments.form_pages import router as assessment_form_pages
from vigil.assessments.pages import router as assessments_pages
from vigil.assessments.portfolio_pages import router as portfolio_pages
from vigil.core import audit, errors, identity, openapi, pages
from vigil.core.config import Settings, get_settings
from vigil.core.health import migration_head
from vigil.core.health import router as health_router
from vigil.core.logs import configure as configure_logs
from vigil.core.middleware import VigilMiddleware
from vigil.core.nul import refuse_nul
from vigil.incidents.api import router as incidents_api
from vigil.incidents.duplicates_api import router as duplicates_api
from vigil.incidents.evidence_api import router as evidence_api
from vigil.incidents.evidence_pages import router as evidence_pages
from vigil.incidents.pages import router as incidents_pages
from vigil.incidents.public_pages import router as public_report_pages
from vigil.incidents.report_pages import router as report_pages
from vigil.incidents.transfer_api import router as transfer_api
from vigil.incidents.triage_pages import router as triage_pages
from vigil.notices.api import router as notices_api
from vigil.notices.pages import router as notices_pages
from vigil.orgs import principals as orgs_principals
from vigil.orgs.account_pages import router as orgs_account_pages
from vigil.orgs.api import router as orgs_api
from vigil.orgs.auth_pages import router as orgs_auth_pages
from vigil.orgs.pages import router as orgs_pages
from vigil.playbooks.api import router as playbooks_api
from vigil.playbooks.pages import router as playbooks_pages
from vigil.sites.api import router as sites_api
from vigil.sites.pages import router as sites_pages

# Navigation of the dashboard shell: (path, label, available yet).
NAV = [
    ("/", "Dashboard", True),
    ("/notices", "Notices", True),
    ("/incidents", "Incidents", True),
    ("/sites", "Sites", True),
    ("/portfolio", "Portfolio", True),
    ("/methodologies", "Methodologies", True),
    ("/alerts", "Alerts", True),
    ("/playbooks", "Playbooks", True),
    ("/sharing", "Sharing", False),
    ("/monitoring", "Monitoring", False),
    ("/reports", "Reports", False),
]


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
    pages.install(app, settings.node_modules)
    identity.install(app, orgs_principals)  # who is who: people and organisations are orgs'
    app.include_router(health_router)
    app.include_router(orgs_api)
    app.include_router(notices_api)
    app.include_router(alerts_api)
    app.include_router(alert_webhooks_api)
    app.include_router(alerts_pages)
    app.include_router(alert_ack_pages)
    app.include_router(assessments_api)
    app.include_router(assessments_pages)
    app.include_router(assessment_form_pages)
    app.include_router(portfolio_pages)
    app.include_router(orgs_auth_pages)
    app.include_router(orgs_account_pages)
    app.include_router(orgs_pages)
    app.include_router(notices_pages)
    # Before incidents_api: /incidents/export.csv must not be taken for /incidents/{id}.
    app.include_router(transfer_api)
    app.include_router(incidents_api)
    app.include_router(evidence_api)
    app.include_router(duplicates_api)
    app.include_router(incidents_pages)
    app.include_router(evidence_pages)
    app.include_router(report_pages)
    app.include_router(triage_pages)
    app.include_router(sites_api)
    app.include_router(sites_pages)
    app.include_router(playbooks_api)
    app.include_router(playbooks_pages)
    app.include_router(public_report_pages)
    openapi.install(app)
    app.add_middleware(VigilMiddleware, settings=settings)
    return app
