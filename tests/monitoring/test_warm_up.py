"""A worker that starts loads the analysis's models in a thread of its own, before any article
arrives, and stops as usual; `--once` runs (the tests, the CLI) leave them for their first
article."""

from __future__ import annotations

import threading

import pytest

from vigil.core.config import Settings
from vigil.monitoring import warm_up
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
