"""A real `vigil worker` process whose only work is one periodic task that counts its runs into
a table of its own; tests/core/test_periodic.py runs two of them against one database.

Usage: python -m tests.core.tick_worker READY_FILE EVERY_SECONDS (settings from VIGIL_*).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.db import UTCDateTime, utcnow
from vigil.core.domains import Domain
from vigil.core.jobs import PeriodicTask, worker_name
from vigil.worker import run_worker

TASK = "test.count_ticks"
# Not one of Vigil's tables: made by the test in its throwaway database only.
runs = Table(
    "test_tick_runs",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("worker", String(128), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)


def count_tick(session: Session, _settings: Settings) -> None:
    session.execute(insert(runs).values(worker=worker_name(), at=utcnow()))


class Ticking(Domain):
    """A domain whose one contribution is the counting task."""

    name = "ticks"

    def __init__(self, every_seconds: float) -> None:
        self.every_seconds = every_seconds

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        return (PeriodicTask(TASK, self.every_seconds, count_tick),)


if __name__ == "__main__":
    ready, every = Path(sys.argv[1]), float(sys.argv[2])
    settings = Settings()
    ready.write_text(str(os.getpid()))
    run_worker(settings, domains=[Ticking(every)])
