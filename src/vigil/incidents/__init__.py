"""Incidents: reports (accounts as submitted) and incidents (the events built from them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.core.domains import Domain


def domain() -> Domain:
    """What incidents add: reports, triage, evidence, duplicates and transfer, their tables,
    and the demo's 300 incidents."""
    from vigil.core.domains import Domain
    from vigil.incidents import (
        api,
        demo,
        duplicates_api,
        evidence,
        evidence_api,
        evidence_pages,
        models,
        pages,
        public_pages,
        report_pages,
        transfer_api,
        triage_pages,
    )

    return Domain(
        name="incidents",
        routers=(
            # Before api.router: /incidents/export.csv must not be taken for /incidents/{id}.
            transfer_api.router,
            api.router,
            evidence_api.router,
            duplicates_api.router,
            pages.router,
            evidence_pages.router,
            report_pages.router,
            triage_pages.router,
            public_pages.router,
        ),
        nav=(("/incidents", "Incidents", True),),
        models=(models, evidence),
        encrypted_columns=(models.Report.contact_encrypted,),
        demo=demo.load_incidents,
    )
