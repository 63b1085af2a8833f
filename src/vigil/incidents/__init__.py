"""Incidents: reports (accounts as submitted) and incidents (the events built from them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vigil.core.domains import DemoData, Domain

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy.orm import InstrumentedAttribute, Session


class Incidents(Domain):
    """Reports, triage, evidence, duplicates and transfer, the incidents around a site (its page's
    part and API), and the demo's incidents, linked to the demo sites near them."""

    name = "incidents"
    nav = (("/incidents", "Incidents"),)

    def routers(self) -> Sequence[APIRouter]:
        from vigil.incidents import (
            api,
            duplicates_api,
            evidence_api,
            evidence_pages,
            list_pages,
            pages,
            public_pages,
            received_triage_api,
            received_triage_pages,
            report_pages,
            transfer_api,
            triage_pages,
        )

        return (
            # Before api.router: /incidents/export.csv must not be taken for /incidents/{id}.
            transfer_api.router,
            # Before api.router and duplicates_api.router: "received" is not an incident's id.
            received_triage_api.router,
            api.router,
            api.sites_router,
            evidence_api.router,
            duplicates_api.router,
            list_pages.router,
            pages.router,
            evidence_pages.router,
            report_pages.router,
            triage_pages.router,
            received_triage_pages.router,
            public_pages.router,
        )

    def models(self) -> Sequence[ModuleType]:
        from vigil.incidents import models

        return (models,)

    def encrypted_columns(self) -> Sequence[InstrumentedAttribute[Any]]:
        from vigil.incidents.models import Report

        return (Report.contact_encrypted,)

    def page_parts(self) -> Mapping[str, Any]:
        from vigil.incidents.site_pages import incidents_around
        from vigil.sites.parts import SITE_PAGE

        return {SITE_PAGE: incidents_around}

    def load_demo(self, session: Session, demo: DemoData) -> None:
        from vigil.incidents.demo import load_incidents

        load_incidents(session, demo)


DOMAIN = Incidents()
