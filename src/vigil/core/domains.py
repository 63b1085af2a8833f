"""What a domain package contributes to Vigil, declared in one `Domain` object.

The app, the worker, the CLI, the table list and `vigil demo load` loop over the ordered list of
domains in `vigil.domains` and read these objects; none of them names a domain. Each package
declares its own in a function, `domain()` in its `__init__`, which imports the package's routers,
models and jobs only when called. Built at import time instead, the object would import every
router whenever anything imports, say, `vigil.orgs.models` (core does), and those routers import
core back: a cycle. Called once from `vigil.domains`, above every package, nothing is imported
half-way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import InstrumentedAttribute

    from vigil.core.config import Settings
    from vigil.core.jobs import Handler, PeriodicTask, Runner

# Not a secret: the shared password of the demonstration accounts, printed by `make run`.
DEMO_PASSWORD = "vigil-demo-password"  # noqa: S105

# An entry of the main navigation: path, label, available yet (a domain still to come is shown
# on the dashboard, not linked).
NavEntry = tuple[str, str, bool]


@dataclass
class DemoData:
    """What `vigil demo load` passes from one domain's demo loader to the next: the organisations
    and people the first loaders made, which the later ones give records to."""

    settings: Settings
    password: str = DEMO_PASSWORD
    org_ids: dict[str, int] = field(default_factory=dict)  # slug -> id
    people: dict[str, int] = field(default_factory=dict)  # e-mail -> person id
    logins: list[tuple[str, str]] = field(default_factory=list)  # e-mail, what it may do


# Adds the domain's demonstration records in the load's one transaction; loading twice changes
# nothing (DECISIONS 25).
DemoLoader = Callable[[Session, DemoData], None]


@dataclass(frozen=True)
class Domain:
    """Everything one package adds; each field is optional.

    `routers` are mounted in the order given (the first route that matches a path wins).
    `models` are the modules whose tables Alembic and the tests create. `encrypted_columns` are
    re-encrypted by `vigil keys rotate`. `job_handlers` do the outbox's jobs by kind,
    `periodic_tasks` run on a schedule once per tick across worker processes, `runners` are loops
    of their own that each worker runs in a thread (alert deliveries with their pool). `cli`
    mounts Typer sub-apps under their names; `nav` adds main-navigation entries; `demo` adds
    demonstration data.
    """

    name: str
    routers: tuple[APIRouter, ...] = ()
    nav: tuple[NavEntry, ...] = ()
    models: tuple[ModuleType, ...] = ()
    encrypted_columns: tuple[InstrumentedAttribute[Any], ...] = ()
    job_handlers: Mapping[str, Handler] = field(default_factory=lambda: MappingProxyType({}))
    periodic_tasks: tuple[PeriodicTask, ...] = ()
    runners: tuple[Runner, ...] = ()
    cli: tuple[tuple[str, typer.Typer], ...] = ()
    demo: DemoLoader | None = None
