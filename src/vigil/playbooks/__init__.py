"""Response playbooks: templates, activations, tasks, the timeline, roll-calls, reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.core.domains import Domain


def domain() -> Domain:
    """What playbooks add: their API and pages, tables, the check that e-mails an overdue
    first-minutes task, and the demo's responses."""
    from vigil.core.domains import Domain
    from vigil.playbooks import api, demo, escalation, models, pages

    return Domain(
        name="playbooks",
        routers=(api.router, pages.router),
        nav=(("/playbooks", "Playbooks", True),),
        models=(models,),
        job_handlers={escalation.CHECK_OVERDUE: escalation.check_overdue},
        demo=demo.load_playbooks,
    )
