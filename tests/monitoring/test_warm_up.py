"""A worker that starts loads the analysis's models in a thread of its own, before any article
arrives, and stops as usual; `--once` runs (the tests, the CLI) leave them for their first
article."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from vigil.core.config import Settings
from vigil.core.db import get_engine, transaction
from vigil.monitoring import warm_up
from vigil.monitoring.analysing import analyse_articles
from vigil.worker import run_worker


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_starting_worker_loads_the_models_before_any_article(settings: Settings) -> None:
    warm_up.loaded.clear()
    run_worker(settings, once=True)
    assert not warm_up.loaded.is_set(), "a --once run loads nothing it does not need"

    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(settings,), kwargs={"stop": stop})
    worker.start()
    try:
        assert warm_up.loaded.wait(timeout=120), "the worker never loaded the models"
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_analysis_job_loads_the_models_before_its_first_statement(settings: Settings) -> None:
    """On SQLite a transaction holds the write lock from its first statement: loading the models
    (seconds) inside it would keep everyone from signing in meanwhile."""
    warm_up.loaded.clear()
    first: list[bool] = []

    def before(*_: object) -> None:
        if not first:
            first.append(warm_up.loaded.is_set())

    engine = get_engine(settings.sqlalchemy_url)
    event.listen(engine, "before_cursor_execute", before)
    try:
        with transaction(settings.sqlalchemy_url) as session:
            analyse_articles(session, {"article_ids": [1]}, settings)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert first == [True]
