"""A worker loads what the analysis needs (the gazetteer's automaton, the language model, the
lexicons and the lemma dictionaries of every language Vigil reads) when it starts, in a thread
of its own, rather than when the first article arrives: those take seconds, once a process, and
the first signal after a restart should not wait for them (bench/monitoring.py measures both)."""

from __future__ import annotations

import logging
import threading
import time

from vigil.core.config import Settings
from vigil.core.jobs import Runner
from vigil.core.text_language import LANGUAGES
from vigil.monitoring.analysis import analyse
from vigil.monitoring.entities import EntityMatcher
from vigil.monitoring.relevance import lexicon_for

log = logging.getLogger("vigil.monitoring")
loaded = threading.Event()  # set once this process has loaded them
_loading = threading.Lock()


def ensure_loaded() -> float:
    """Load them unless this process has; the seconds it took (0 when loaded already).

    The analysis job calls it before it opens its transaction: on SQLite a transaction holds
    the write lock from its first statement, and loading takes seconds in which nobody could
    sign in."""
    with _loading:
        if loaded.is_set():
            return 0.0
        started = time.monotonic()
        matcher = EntityMatcher.build(sites=[(0, "Vigil", [], 0.0, 0.0)])
        for language in LANGUAGES:  # building a site's matcher loaded each language's lemmas
            lexicon_for(language)
        analyse(title="Vigil", text="Vigil reads the news of the day.", matcher=matcher)
        loaded.set()
        return time.monotonic() - started


def load_models(settings: Settings, *, worker: str, stop: threading.Event, once: bool) -> int:
    """Loads them and ends; nothing in `once` mode (`vigil worker --once` and the tests load them
    with their first analysis job, if any)."""
    if once or loaded.is_set():
        return 0
    seconds = ensure_loaded()
    log.info("monitoring models loaded", extra={"worker": worker, "seconds": round(seconds, 2)})
    return 0


WARM_UP = Runner(name="monitoring-warm-up", run=load_models, stop_seconds=lambda _: 0.0)
