"""What every domain uses and no domain owns."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.core.domains import Domain


def domain() -> Domain:
    """Core's own part, declared like a domain's: the health checks, its tables, outbox e-mail
    and audit sealing."""
    from vigil.core import audit, auth, health, jobs, mail, ratelimit, sealing
    from vigil.core.domains import Domain

    return Domain(
        name="core",
        routers=(health.router,),
        models=(audit, auth, jobs, ratelimit),
        job_handlers={mail.SEND_EMAIL: mail.send_email},
        periodic_tasks=sealing.PERIODIC_TASKS,
    )
