"""When the audit log gets sealed (audit.seal): right after each request that wrote entries,
one pass shared among the requests waiting for it, and by the worker every few seconds, with a
full pass every few minutes for entries that committed too late for the quick ones."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.jobs import PeriodicTask

log = logging.getLogger("vigil.audit")
SEAL_EVERY_SECONDS = 5.0
FULL_SEAL_EVERY_SECONDS = 300.0


def wrote_entries(session: Session) -> bool:
    """Whether the session's transaction adds audit entries (to seal once it has committed)."""
    return bool(session.info.get("audited")) or any(
        isinstance(o, audit.AuditEntry) for o in session.new
    )


def seal_audit(settings: Settings, *, recent_only: bool = False) -> None:
    """Chain the committed, unsealed audit entries now (one transaction); see audit.seal.

    A pass that fails (e.g. on a row someone wrote that cannot even be read) is logged, never
    raised: the request's change is committed already and the worker has other work; the next
    pass tries again and `vigil audit verify` names the entry.
    """
    try:
        with transaction(settings.sqlalchemy_url) as session:
            audit.seal(
                session,
                key=settings.audit_key,
                data_dir=settings.data_dir,
                recent_only=recent_only,
            )
    except Exception:
        log.exception("audit sealing pass failed")


@dataclass
class _SealState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: bool = False
    wanted: bool = False


_seal_states: dict[tuple[str, str], _SealState] = {}
_seal_states_lock = threading.Lock()


def seal_audit_after_commit(settings: Settings) -> None:
    """Seal after a request committed audit entries, sharing one sealing pass among requests.

    When no pass is running, this request seals, as before. When one is, the request only asks
    for one more pass and returns: the running pass loops until nobody asks any more, so every
    entry committed before a request ended is sealed by a pass that starts after it. Under load
    one pass seals the entries of many requests in one transaction (DECISIONS 13 allows batches)
    instead of each request opening its own and queueing on the sealing lock.
    """
    key = (settings.sqlalchemy_url, str(settings.data_dir))
    with _seal_states_lock:
        state = _seal_states.setdefault(key, _SealState())
    with state.lock:
        state.wanted = True
        if state.running:
            return
        state.running = True
    try:
        while True:
            with state.lock:
                if not state.wanted:
                    state.running = False
                    return
                state.wanted = False
            seal_audit(settings, recent_only=True)
    except BaseException:
        with state.lock:
            state.running = False
        raise


def _seal_recent(session: Session, settings: Settings) -> None:
    audit.seal(session, key=settings.audit_key, data_dir=settings.data_dir, recent_only=True)


def _seal_all(session: Session, settings: Settings) -> None:
    audit.seal(session, key=settings.audit_key, data_dir=settings.data_dir)


PERIODIC_TASKS = (
    PeriodicTask("audit.seal_recent", SEAL_EVERY_SECONDS, _seal_recent),
    # Finds the entries committed too late for the quick passes (audit.LATE_ENTRY_WINDOW).
    PeriodicTask("audit.seal_all", FULL_SEAL_EVERY_SECONDS, _seal_all),
)
