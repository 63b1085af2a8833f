"""Append-only, HMAC-chained audit log of every mutation and every login attempt.

Entries are inserted freely inside the caller's transaction; `seal()` later chains them, in the
order it finds them (id order), into `audit_seals` (DECISIONS 13). Both tables reject UPDATE and
DELETE by trigger. The chain head is checkpointed to a file in the data directory and to the log,
so that deleting the newest entries together with their seals is detected as well.

Only entries Vigil wrote are sealed: `record()` signs each one, in the transaction writing it,
with a MAC (HMAC-SHA256, audit key) over every field and a random nonce but not the id, which
exists only after the insert (signing it would take an UPDATE, which the trigger forbids, or a
sequence round trip per entry). The nonce makes each entry unique instead: a verbatim copy under
a new id (a replay) repeats it, which a unique index refuses and sealing and verify look for
should the index be dropped; once sealed, the chain binds the entry to its id. A sealing pass
stops at the first entry whose MAC or nonce is bad, sealing nothing after it, and logs it at
error; verify reports it. Left open is the short time before sealing: an unsealed entry can be
deleted, or moved to another id, unnoticed, but not forged, altered or replayed.

Entries sealed before signing began carry no MAC: their seal vouches for them. Migration 0011
seals, with the audit key, those the previous version left unsealed, so that every entry is then
sealed or signed, and an unsealed unsigned entry is a forgery. The audit key is one key, not a
list: every seal is keyed with it, so a new key fails the whole chain (`keys rotate` rotates the
encryption keys only); the MAC shares the key and is exactly as rotatable as the chain.
Entries since migration 0030 are signed and chained over their detail's hash, so retention can
redact the detail (`core.audit_detail`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Index, String, Text, func, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from vigil.core.audit_checkpoint import read_checkpoint, write_checkpoint
from vigil.core.audit_detail import REDACTED, detail_digest, detail_problem
from vigil.core.config import get_settings
from vigil.core.db import Base, utcnow
from vigil.core.policy import Principal

log = logging.getLogger("vigil.audit")
GENESIS = "0" * 64
SEAL_BATCH = 1000
# How far below the newest sealed entry a quick sealing pass still looks for late commits.
LATE_ENTRY_WINDOW = 10_000
NONCE_BYTES = 16
# Passes meet a bad entry again and again (after every request): logged once in this long.
REFUSAL_LOG_SECONDS = 300.0


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
    # Entries written since migration 0030 are signed and chained over this hash of their
    # detail, not the detail itself, so that retention can redact the detail (`REDACTED`, the
    # only UPDATE the table's trigger lets through) and the chain still verifies.
    detail_sha256: Mapped[str | None] = mapped_column(String(64))
    # Null only on entries sealed before entries were signed (migration 0011).
    nonce: Mapped[str | None] = mapped_column(String(2 * NONCE_BYTES), unique=True, index=True)
    mac: Mapped[str | None] = mapped_column(String(64))


class AuditSeal(Base):
    __tablename__ = "audit_seals"

    seq: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a deleted entry must leave its seal behind for verify() to name it.
    entry_id: Mapped[int] = mapped_column(unique=True)
    hash: Mapped[str] = mapped_column(String(64))


_keys: dict[URL, str] = {}


def use_key(database_url: str, key: str) -> None:
    """Sign what this process writes to that database with `key`: the app and the worker call
    it with the settings they were given; other processes (the CLI) sign with get_settings()'s."""
    _keys[make_url(database_url)] = key


def _signing_key(session: Session) -> str:
    key = _keys.get(session.get_bind().engine.url)
    return key if key is not None else get_settings().audit_key


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
    """Add a signed entry in the caller's transaction: it lands exactly when its change does."""
    entry = AuditEntry(
        at=utcnow(),
        # As the database gives them back, so that the signature checks out when read.
        actor_id=None if actor_id is None else int(actor_id),
        actor=actor,
        org_id=None if org_id is None else int(org_id),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip=ip,
        detail=json.dumps(detail or {}, sort_keys=True, default=str),
        nonce=secrets.token_hex(NONCE_BYTES),
    )
    entry.detail_sha256 = detail_digest(entry.detail)
    entry.mac = entry_mac(_signing_key(session), entry)
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


def _content(entry: AuditEntry) -> list[Any]:
    return [
        entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        entry.actor_id,
        entry.actor,
        entry.org_id,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.ip,
        # getattr: migration 0011 chains rows of a table from before the hash column.
        entry.detail
        if (digest := getattr(entry, "detail_sha256", None)) is None
        else f"sha256:{digest}",
    ]


def _canonical(entry: AuditEntry) -> bytes:
    fields = [entry.id, *_content(entry)]
    if entry.nonce is not None or entry.mac is not None:
        # Entries sealed before signing began are hashed as they were then.
        fields += [entry.nonce, entry.mac]
    return json.dumps(fields, separators=(",", ":")).encode()


def entry_hash(key: str, prev: str, entry: AuditEntry) -> str:
    """The entry's link in the chain: its id, content and signature, and the previous link."""
    return hmac.new(key.encode(), prev.encode() + _canonical(entry), hashlib.sha256).hexdigest()


def entry_mac(key: str, entry: AuditEntry) -> str:
    """The signature `record` gives an entry: its nonce and content (the id is not known yet)."""
    fields = json.dumps([entry.nonce, *_content(entry)], separators=(",", ":")).encode()
    return hmac.new(key.encode(), b"audit-entry\0" + fields, hashlib.sha256).hexdigest()


def forgery(key: str, entry: AuditEntry, *, replay_of: int | None) -> str | None:
    """Why an unsealed entry is not one Vigil wrote (`replay_of`: an entry with its nonce)."""
    if entry.nonce is None or entry.mac is None:
        return "not signed: inserted outside Vigil"
    if not hmac.compare_digest(entry.mac, entry_mac(key, entry)):
        return "signature does not match: forged, or edited before it was sealed"
    if problem := detail_problem(entry.detail, entry.detail_sha256):
        return problem
    if replay_of is not None:
        return f"replay of entry {replay_of} (the same nonce)"
    return None


def _replays(session: Session, *where: ColumnElement[bool]) -> dict[int, int]:
    """Entry id -> the lowest other entry id with its nonce, for the entries `where` picks."""
    other = aliased(AuditEntry)
    rows = session.execute(
        select(AuditEntry.id, func.min(other.id))
        .join(other, (other.nonce == AuditEntry.nonce) & (other.id != AuditEntry.id))
        .where(*where)
        .group_by(AuditEntry.id)
    )
    return {entry_id: other_id for entry_id, other_id in rows}


def _not_sealed() -> ColumnElement[bool]:
    return ~select(AuditSeal.entry_id).where(AuditSeal.entry_id == AuditEntry.id).exists()


_refusals_logged: dict[tuple[str, int, str], float] = {}


def _log_refusal(data_dir: Path, entry_id: int, problem: str) -> None:
    said, now = (str(data_dir), entry_id, problem), time.monotonic()
    if said in _refusals_logged and now - _refusals_logged[said] < REFUSAL_LOG_SECONDS:
        return
    _refusals_logged[said] = now
    log.error(
        f"audit entry {entry_id} not sealed, nor any after it: {problem}",
        extra={"audit_entry": entry_id, "problem": problem},
    )


def _lock_for_sealing(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7411001)"))
    # SQLite: the transaction already holds the database write lock (BEGIN IMMEDIATE).


def seal(session: Session, *, key: str, data_dir: Path, recent_only: bool = False) -> int:
    """Chain the unsealed entries that Vigil signed, in id order, up to the first that it did
    not; returns how many were sealed. Call in its own transaction. Never raises for a bad entry:
    it is logged at error and left for verify to report.

    Finding the unsealed entries compares the whole log with the seals, which grows with the
    log. `recent_only` (the sealing after each request) looks only at entries from
    LATE_ENTRY_WINDOW ids below the newest sealed one on: a transaction that commits later than
    that many others is sealed by the next full pass (the worker's, every few minutes). Such a
    pass neither meets nor stops at a bad entry below its window; the full pass does.
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
    refused = False
    while not refused:
        unsealed = select(AuditEntry).where(_not_sealed())
        if lowest is not None:
            unsealed = unsealed.where(AuditEntry.id > lowest)
        batch = session.scalars(unsealed.order_by(AuditEntry.id).limit(SEAL_BATCH)).all()
        if not batch:
            break
        replays = _replays(session, AuditEntry.id.in_([entry.id for entry in batch]))
        for entry in batch:
            problem = forgery(key, entry, replay_of=replays.get(entry.id))
            if problem is not None:
                _log_refusal(data_dir, entry.id, problem)
                refused = True
                break
            seq += 1
            prev = entry_hash(key, prev, entry)
            session.add(AuditSeal(seq=seq, entry_id=entry.id, hash=prev))
            sealed += 1
        session.flush()
    if seq and (checkpoint is None or checkpoint[0] < seq):
        # Also after sealing nothing: migration 0011 may have grown the chain.
        session.info.setdefault("after_commit", []).append(
            lambda: write_checkpoint(data_dir, seq, prev)
        )
    return sealed


@dataclass
class Finding:
    seq: int | None
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else f"seal {self.seq}"
        return f"{where}: {self.problem}"


def verify(session: Session, *, key: str, data_dir: Path) -> tuple[int, list[Finding]]:
    """Walk the chain, then check every unsealed entry's signature and nonce; returns (entries
    checked, problems found, each naming the entry)."""
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
        elif edited := detail_problem(entry.detail, entry.detail_sha256):
            findings.append(Finding(seal_row.seq, entry.id, edited))
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
    unsealed = 0
    replays = _replays(session, _not_sealed())
    waiting = select(AuditEntry).where(_not_sealed()).order_by(AuditEntry.id)
    for waiting_entry in session.scalars(waiting.execution_options(yield_per=2000)):
        checked += 1
        if forged := forgery(key, waiting_entry, replay_of=replays.get(waiting_entry.id)):
            findings.append(Finding(None, waiting_entry.id, forged))
        else:
            unsealed += 1
    if unsealed:
        log.info("audit entries not yet sealed", extra={"count": unsealed})
    for finding in findings:
        log.error(f"audit log tampered: {finding}", extra={"audit_entry": finding.entry_id})
    return checked, findings


def redact_details(session: Session, *, before: dt.datetime, dry_run: bool = False) -> int:
    """Replace by `REDACTED` the details of entries written before `before` (retention of audit
    details); entries from before migration 0030 are chained over their detail and keep it.
    Returns how many were (or, with `dry_run`, would be) redacted."""
    due = (
        AuditEntry.at < before,
        AuditEntry.detail_sha256.is_not(None),
        AuditEntry.detail != REDACTED,
    )
    if dry_run:
        return session.scalar(select(func.count()).select_from(AuditEntry).where(*due)) or 0
    done = session.execute(update(AuditEntry).where(*due).values(detail=REDACTED))
    return int(done.rowcount)  # type: ignore[attr-defined]
