"""Demonstration data for `vigil demo load`: a living product on first start (DECISIONS 25).

Each domain adds its part with the demo loader it declares (vigil.domains), in the order of the
list, all in one transaction. Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.domains import DEMO_PASSWORD, DemoData
from vigil.domains import DOMAINS

__all__ = ["DEMO_PASSWORD", "DemoLogins", "load_demo"]


@dataclass
class DemoLogins:
    password: str
    people: list[tuple[str, str]] = field(default_factory=list)


def load_demo(settings: Settings) -> DemoLogins:
    demo = DemoData(settings=settings)
    with transaction(settings.sqlalchemy_url) as session:
        for domain in DOMAINS:
            domain.load_demo(session, demo)
    return DemoLogins(password=demo.password, people=demo.logins)
