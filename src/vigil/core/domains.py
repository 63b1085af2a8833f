"""What a domain package contributes to Vigil, declared in one place: a `Domain` subclass in the
package's `__init__`, instantiated as `DOMAIN`.

The app, the worker, the CLI, the table list and `vigil demo load` loop over the ordered list of
domains in `vigil.domains` and call these methods; none of them names a domain. Each method
imports what it returns only when called, so that each of them loads only its part: the CLI and
the worker start without importing every page, Alembic imports the models alone, and importing
`vigil.orgs.models` (core does) never runs the routers, which import core back (a cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter, Request
    from sqlalchemy.orm import InstrumentedAttribute, Session

    from vigil.core.config import Settings
    from vigil.core.identity import Identities
    from vigil.core.jobs import Handler, PeriodicTask, Runner
    from vigil.core.metrics import ScrapeGauge

# Not a secret: the shared password of the demonstration accounts, printed by `make run`.
DEMO_PASSWORD = "vigil-demo-password"  # noqa: S105

# An entry of the main navigation: path, label. Only built domains have entries: nothing is
# announced as "coming soon".
NavEntry = tuple[str, str]


@dataclass
class DemoData:
    """What `vigil demo load` passes from one domain's demo loader to the next: the organisations
    and people the first loaders made, which the later ones give records to."""

    settings: Settings
    password: str = DEMO_PASSWORD
    org_ids: dict[str, int] = field(default_factory=dict)  # slug -> id
    people: dict[str, int] = field(default_factory=dict)  # e-mail -> person id
    logins: list[tuple[str, str]] = field(default_factory=list)  # e-mail, what it may do


class Domain:
    """Everything one package adds; a subclass overrides what its package contributes."""

    name: ClassVar[str]
    # Main-navigation entries, in menu order.
    nav: ClassVar[tuple[NavEntry, ...]] = ()

    def routers(self) -> Sequence[APIRouter]:
        """API and page routers, mounted in this order: the first route that matches wins."""
        return ()

    def models(self) -> Sequence[ModuleType]:
        """The modules holding the package's tables (for Alembic and the tests)."""
        return ()

    def identities(self) -> Identities | None:
        """Who is who (core.identity): declared by the one package that holds people and
        organisations."""
        return None

    def encrypted_columns(self) -> Sequence[InstrumentedAttribute[Any]]:
        """Columns encrypted at rest (core.crypto), re-encrypted by `vigil keys rotate`."""
        return ()

    def job_handlers(self) -> Mapping[str, Handler]:
        """The outbox's jobs this package does, by kind."""
        return {}

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        """Work on a schedule, run once per tick across all worker processes."""
        return ()

    def runners(self) -> Sequence[Runner]:
        """Loops of the package's own that each worker runs in a thread (e.g. alert deliveries
        with their pool)."""
        return ()

    def scrape_gauges(self) -> Sequence[ScrapeGauge]:
        """Figures of the package's tables that /metrics reads from the database when scraped
        (core.metrics); its counters are declared where they count."""
        return ()

    def template_globals(self) -> Mapping[str, Any]:
        """Functions the package's templates call, added to the shared Jinja environment at app
        start (core.pages.install), not as a side effect of importing a pages module."""
        return {}

    def page_parts(self) -> Mapping[str, Any]:
        """Parts the package adds to a lower domain's page, by the name that page gives its
        parts (e.g. incidents' section of the site page): the lower domain cannot import the
        higher one, so the app hands it the parts (`parts_of`)."""
        return {}

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        """Typer sub-apps, mounted as `vigil NAME ...`."""
        return ()

    def demo_commands(self) -> Sequence[tuple[str, Callable[..., None]]]:
        """Typer commands mounted as `vigil demo NAME` (e.g. sharing's `partner`, the tour's
        second instance)."""
        return ()

    def load_demo(self, session: Session, demo: DemoData) -> None:
        """Add the package's demonstration records in the load's one transaction; loading twice
        changes nothing (DECISIONS 25)."""


def parts_of(request: Request, page: str) -> tuple[Any, ...]:
    """The parts the domains declared for a page (`Domain.page_parts()`), in domain order, as
    the app factory gathered them; the page names the type its parts have."""
    parts: Mapping[str, tuple[Any, ...]] = getattr(request.app.state, "page_parts", {})
    return parts.get(page, ())


class Core(Domain):
    """What no domain owns, declared like a domain's part: the health checks, the web manifest
    and favicon, /metrics and the outbox's queue, core's tables, outbox e-mail and audit
    sealing."""

    name = "core"

    def routers(self) -> Sequence[APIRouter]:
        from vigil.core import health, metrics, webapp

        return (health.router, webapp.router, metrics.router)

    def models(self) -> Sequence[ModuleType]:
        from vigil.core import audit, auth, jobs, ratelimit

        return (audit, auth, jobs, ratelimit)

    def scrape_gauges(self) -> Sequence[ScrapeGauge]:
        from vigil.core import jobs

        return jobs.QUEUE_GAUGES

    def job_handlers(self) -> Mapping[str, Handler]:
        from vigil.core import mail

        return {mail.SEND_EMAIL: mail.send_email}

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        from vigil.core import sealing

        return sealing.PERIODIC_TASKS


CORE = Core()
