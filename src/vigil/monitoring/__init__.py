"""Open-source monitoring: news and feeds in many languages read from an organisation's
sources, clustered into stories, and the stories that touch its watched sites, places or terms
raised as signals in its monitoring inbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from vigil.core.domains import Domain

if TYPE_CHECKING:
    from fastapi import APIRouter

    from vigil.core.jobs import Handler


class Monitoring(Domain):
    """Open-source monitoring: sources polled by the worker, articles, stories and signals."""

    name = "monitoring"

    def models(self) -> Sequence[ModuleType]:
        from vigil.monitoring import models

        return (models,)

    def routers(self) -> Sequence[APIRouter]:
        # feedback, classifier and watches (mon-signals)
        from vigil.monitoring import feedback_api, watch_api

        return (feedback_api.router, watch_api.router)

    def job_handlers(self) -> Mapping[str, Handler]:
        # analysis, signals and the classifier (mon-signals)
        from vigil.monitoring import analysing, classifier

        return {
            analysing.ANALYSE_ARTICLES: analysing.analyse_articles,
            classifier.TRAIN_CLASSIFIER: classifier.train_classifier,
        }


DOMAIN = Monitoring()
