"""Open-source monitoring: news and feeds in many languages read from an organisation's
sources, clustered into stories, and the stories that touch its watched sites, places or terms
raised as signals in its monitoring inbox."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from vigil.core.domains import Domain


class Monitoring(Domain):
    """Open-source monitoring: sources polled by the worker, articles, stories and signals."""

    name = "monitoring"

    def models(self) -> Sequence[ModuleType]:
        from vigil.monitoring import models

        return (models,)


DOMAIN = Monitoring()
