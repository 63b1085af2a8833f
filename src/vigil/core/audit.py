"""Append-only, HMAC-chained audit log of every mutation and every login attempt.

Entries are inserted freely inside the caller's transaction; `seal()` later chains them, in the
order it finds them, into `audit_seals` (DECISIONS 13). Both tables reject UPDATE and DELETE by
trigger. The chain head is checkpointed to a file in the data directory and to the log, so that
deleting the newest entries together with their seals is detected as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Index, String, Text, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.policy import Principal

log = logging.getLogger("vigil.audit")
GENESIS = "0" * 64
CHECKPOINT_FILE = "audit-head.json"
SEAL_BATCH = 1000
# How far below the newest sealed entry a quick sealing pass still looks for late commits.
LATE_ENTRY_WINDOW = 10_000


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(254), default="")
    org_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")


class AuditSeal(Base):
    __tablename__ = "audit_seals"

    seq: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a deleted entry must leave its seal behind for verify() to name it.
    entry_id: Mapped[int] = mapped_column(unique=True)
    hash: Mapped[str] = mapped_column(String(64))


def record(
    session: Session,
    *,
    action: str,
    actor_id: int | None = None,
    actor: str = "",
    org_id: int | None = None,
    target_type: str = "",
    target_id: Any = "",
    ip: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction: it lands exactly when its change does."""
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor_id,
        actor=actor,
        org_id=org_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip=ip,
        detail=json.dumps(detail or {}, sort_keys=True, default=str),
    )
    session.add(entry)
    # Tells the request boundary to seal after the commit; `session.new` alone misses an entry
    # that a later query already flushed.
    session.info["audited"] = True
    return entry


def log_action(
    session: Session,
    principal: Principal,
    action: str,
    *,
    target_type: str = "",
    target_id: Any = "",
    org_id: int | None = None,
    ip: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record a mutation done by `principal` (the usual way services write the audit log)."""
    return record(
        session,
        action=action,
        actor_id=principal.person_id,
        actor=principal.name,
        org_id=org_id,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        detail=detail,
    )


def _canonical(entry: AuditEntry) -> bytes:
    fields = [
        entry.id,
        entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        entry.actor_id,
        entry.actor,
        entry.org_id,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.ip,
        entry.detail,
    ]
    return json.dumps(fields, separators=(",", ":")).encode()


def entry_hash(key: str, prev: str, entry: AuditEntry) -> str:
    return hmac.new(key.encode(), prev.encode() + _canonical(entry), hashlib.sha256).hexdigest()


def _lock_for_sealing(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7411001)"))
    # SQLite: the transaction already holds the database write lock (BEGIN IMMEDIATE).


def seal(session: Session, *, key: str, data_dir: Path, recent_only: bool = False) -> int:
    """Chain every unsealed entry; returns how many were sealed. Call in its own transaction.

    Finding the unsealed entries compares the whole log with the seals, which grows with the
    log. `recent_only` (the sealing after each request) looks only at entries from
    LATE_ENTRY_WINDOW ids below the newest sealed one on: a transaction that commits later than
    that many others is sealed by the next full pass (the worker's, every few minutes).
    """
    _lock_for_sealing(session)
    head = session.execute(
        select(AuditSeal.seq, AuditSeal.hash, AuditSeal.entry_id)
        .order_by(AuditSeal.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (head[0], head[1]) if head else (0, GENESIS)
    lowest = head[2] - LATE_ENTRY_WINDOW if head and recent_only else None
    checkpoint = read_checkpoint(data_dir)
    if checkpoint and checkpoint[0] > seq:
        # Extending a truncated chain would hide the truncation; leave it for verify() to report.
        log.error("audit chain shorter than its checkpoint; not sealing", extra={"head": seq})
        return 0
    sealed = 0
    while True:
        unsealed = select(AuditEntry).where(
            ~select(AuditSeal.entry_id).where(AuditSeal.entry_id == AuditEntry.id).exists()
        )
        if lowest is not None:
            unsealed = unsealed.where(AuditEntry.id > lowest)
        batch = session.scalars(unsealed.order_by(AuditEntry.id).limit(SEAL_BATCH)).all()
        if not batch:
            break
        for entry in batch:
            seq += 1
            prev = entry_hash(key, prev, entry)
            session.add(AuditSeal(seq=seq, entry_id=entry.id, hash=prev))
        session.flush()
        sealed += len(batch)
    if sealed:
        session.info.setdefault("after_commit", []).append(
            lambda: write_checkpoint(data_dir, seq, prev)
        )
    return sealed


def write_checkpoint(data_dir: Path, seq: int, head_hash: str) -> None:
    """Keep the newest chain head outside the database (only ever moves forward)."""
    path = data_dir / CHECKPOINT_FILE
    current = read_checkpoint(data_dir)
    if current and current[0] >= seq:
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"seq": seq, "hash": head_hash}))
    tmp.replace(path)
    log.info("audit chain sealed", extra={"audit_seq": seq, "audit_head": head_hash})


def reset_checkpoint(data_dir: Path) -> None:
    """For a brand-new database only: its chain starts again from nothing."""
    (data_dir / CHECKPOINT_FILE).unlink(missing_ok=True)


def read_checkpoint(data_dir: Path) -> tuple[int, str] | None:
    try:
        data = json.loads((data_dir / CHECKPOINT_FILE).read_text())
        return int(data["seq"]), str(data["hash"])
    except (FileNotFoundError, ValueError, KeyError):
        return None


@dataclass
class Finding:
    seq: int | None
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else f"seal {self.seq}"
        return f"{where}: {self.problem}"


def verify(session: Session, *, key: str, data_dir: Path) -> tuple[int, list[Finding]]:
    """Walk the chain; returns (entries checked, problems found, each naming the entry)."""
    findings: list[Finding] = []
    prev = GENESIS
    expected_seq = 1
    checked = 0
    rows = session.execute(
        select(AuditSeal, AuditEntry)
        .join(AuditEntry, AuditEntry.id == AuditSeal.entry_id, isouter=True)
        .order_by(AuditSeal.seq)
        .execution_options(yield_per=2000)
    )
    last_seq = 0
    last_entry_id: int | None = None
    checkpoint = read_checkpoint(data_dir)
    for seal_row, entry in rows:
        after_gap = expected_seq < seal_row.seq
        while expected_seq < seal_row.seq:
            findings.append(
                Finding(
                    expected_seq,
                    None,
                    f"seal missing (deleted), between entries {last_entry_id} "
                    f"and {seal_row.entry_id}",
                )
            )
            expected_seq += 1
        expected_seq = seal_row.seq + 1
        if entry is None:
            findings.append(Finding(seal_row.seq, seal_row.entry_id, "entry deleted"))
        elif entry_hash(key, prev, entry) != seal_row.hash:
            # After a deleted seal the previous hash is gone: this entry cannot be checked, and
            # calling it edited would accuse the wrong entry.
            problem = (
                "cannot be checked: the seal before it was deleted"
                if after_gap
                else "entry edited (hash mismatch)"
            )
            findings.append(Finding(seal_row.seq, entry.id, problem))
        if checkpoint and checkpoint[0] == seal_row.seq and checkpoint[1] != seal_row.hash:
            findings.append(Finding(seal_row.seq, seal_row.entry_id, "differs from the checkpoint"))
        checked += 1
        prev = seal_row.hash
        last_seq = seal_row.seq
        last_entry_id = seal_row.entry_id
    if checkpoint and checkpoint[0] > last_seq:
        findings.append(
            Finding(
                checkpoint[0],
                None,
                f"chain ends at seal {last_seq} but the checkpoint says {checkpoint[0]}: "
                "the newest entries were deleted",
            )
        )
    unsealed = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(~select(AuditSeal.entry_id).where(AuditSeal.entry_id == AuditEntry.id).exists())
    )
    if unsealed:
        log.info("audit entries not yet sealed", extra={"count": unsealed})
    return checked, findings
