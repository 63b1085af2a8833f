"""Backing up a running instance into one archive and restoring it into an empty one.

A backup seals the audit log, copies the database on one snapshot (ops.snapshot), adds the
evidence files (content-addressed, so a file is never changed once written: copying them after
the snapshot finds every file the snapshot names) and the keys' identifiers, then reads the
archive back before it counts as verified. A restore checks everything it can before it writes:
the archive's checksums and signature, an empty target, the keys; then it loads the database,
compares the counts and verifies the audit chain up to the manifest's head, and only then puts
the database and the evidence in place. Any refusal leaves the target as empty as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigil import __version__
from vigil.core import audit, audit_checkpoint, sealing
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker, transaction, utcnow
from vigil.core.errors import DomainError, Invalid
from vigil.incidents.evidence_storage import store_dir
from vigil.ops import archive, snapshot
from vigil.ops.models import FAILED, OK, BackupRun

ARCHIVE_PREFIX = "vigil-"


@dataclass
class Backup:
    path: Path
    size_bytes: int
    manifest: dict[str, Any]


def encryption_key_ids(settings: Settings) -> list[str]:
    """Identifiers of the keys data at rest is encrypted with (the derived one if none is set)."""
    listed = [k.strip() for k in settings.encryption_keys.split(",") if k.strip()]
    return [archive.key_id(k) for k in listed] or [archive.key_id("derived:" + settings.secret_key)]


def _keys_file(settings: Settings, *, include_keys: bool) -> dict[str, Any]:
    keys: dict[str, Any] = {
        "audit_key_id": archive.key_id(settings.audit_key),
        "encryption_key_ids": encryption_key_ids(settings),
        "included": include_keys,
    }
    if include_keys:
        keys["audit_key"] = settings.audit_key
        keys["encryption_keys"] = settings.encryption_keys
        keys["secret_key"] = settings.secret_key
    return keys


def _evidence(settings: Settings) -> list[tuple[str, Path]]:
    root = store_dir(settings)
    if not root.is_dir():
        return []
    found = (p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts)
    return [(f"{archive.FILES}/evidence/{p.relative_to(root).as_posix()}", p) for p in found]


def archive_name(now: dt.datetime) -> str:
    return f"{ARCHIVE_PREFIX}{now.strftime('%Y%m%dT%H%M%S%fZ')}.tar"


def make_backup(
    settings: Settings,
    *,
    target: Path | None = None,
    include_keys: bool = False,
    scheduled: bool = False,
) -> Backup:
    """Write one archive of the instance (to BACKUP_DIR unless `target` is given), read it back,
    and record the run (ok or failed) and an audit entry."""
    started = utcnow()
    target = target or settings.backups_path / archive_name(started)
    audit.use_key(settings.sqlalchemy_url, settings.audit_key)
    try:
        made = _write_backup(settings, target, include_keys=include_keys, started=started)
    except Exception as exc:
        error = exc.detail if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        _record(settings, started, scheduled, status=FAILED, path=target, error=error)
        raise
    _record(settings, started, scheduled, status=OK, path=target, made=made)
    return made


def _write_backup(
    settings: Settings, target: Path, *, include_keys: bool, started: dt.datetime
) -> Backup:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Entries written before the backup are chained into the head the manifest names.
    sealing.seal_audit(settings)
    url = settings.sqlalchemy_url
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as work:
        staging = Path(work)
        copy = staging / snapshot.member_name(url)
        facts = snapshot.take_snapshot(url, copy)
        keys_path = staging / archive.KEYS
        keys = _keys_file(settings, include_keys=include_keys)
        keys_path.write_text(json.dumps(keys, indent=1))
        if include_keys:
            keys_path.chmod(0o600)
        manifest = {
            "format": archive.FORMAT,
            "vigil_version": __version__,
            "created_at": started.isoformat(),
            "database": {
                "kind": snapshot.database_kind(url),
                "member": copy.name,
                "migration": facts.migration,
                "tables": facts.tables,
            },
            "audit": {"seq": facts.audit_seq, "hash": facts.audit_hash},
            "keys": {k: v for k, v in keys.items() if k.endswith("_id") or k.endswith("_ids")}
            | {"included": include_keys},
        }
        members = [(copy.name, copy), (archive.KEYS, keys_path), *_evidence(settings)]
        size = archive.write_archive(target, members, manifest, key=settings.audit_key)
    if include_keys:
        target.chmod(0o600)
    written = archive.read_archive(target, key=settings.audit_key, into=None)
    return Backup(path=target, size_bytes=size, manifest=written)


def _record(
    settings: Settings,
    started: dt.datetime,
    scheduled: bool,
    *,
    status: str,
    path: Path,
    made: Backup | None = None,
    error: str = "",
) -> None:
    with transaction(settings.sqlalchemy_url) as session:
        run = BackupRun(
            started_at=started,
            finished_at=utcnow(),
            scheduled=scheduled,
            status=status,
            path=str(path),
            size_bytes=made.size_bytes if made else 0,
            verified=made is not None,
            audit_seq=made.manifest["audit"]["seq"] if made else 0,
            error=error[:4000],
        )
        session.add(run)
        session.flush()
        detail: dict[str, Any] = {"path": str(path), "scheduled": scheduled}
        if made:
            detail |= {"size_bytes": made.size_bytes, "audit_seq": run.audit_seq}
            detail["keys_included"] = made.manifest["keys"]["included"]
        else:
            detail["error"] = error[:500]
        action = "backup.made" if made else "backup.failed"
        audit.record(
            session,
            action=action,
            actor="system",
            target_type="backup",
            target_id=run.id,
            detail=detail,
        )
    sealing.seal_audit(settings)


def restore_backup(settings: Settings, source: Path) -> dict[str, Any]:
    """Restore the archive into this instance, which must be empty; returns the manifest once
    the database, its counts and its audit chain are verified and everything is in place."""
    url = settings.sqlalchemy_url
    audit.use_key(url, settings.audit_key)
    if tables := snapshot.existing_tables(url):
        raise Invalid(
            "database",
            "is not empty (%(count)s tables, e.g. %(first)s): restore only into an empty "
            "database, never over an instance's data",
            count=len(tables),
            first=tables[0],
        )
    evidence = store_dir(settings)
    if evidence.is_dir() and any(evidence.iterdir()):
        raise Invalid(
            "evidence", "%(path)s is not empty: restore only into an empty instance", path=evidence
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.data_dir, prefix=".restore-") as work:
        staging = Path(work)
        manifest = archive.read_archive(source, key=settings.audit_key, into=staging)
        _check_keys(settings, manifest)
        database = manifest["database"]
        if database["kind"] != snapshot.database_kind(url):
            raise Invalid(
                "database",
                "the backup is of a %(kind)s database, this instance uses %(ours)s",
                kind=database["kind"],
                ours=snapshot.database_kind(url),
            )
        head = manifest["audit"]
        with snapshot.restored(url, staging / database["member"]) as (facts, check_url):
            _check_counts(database["tables"], facts.tables)
            _check_chain(settings, check_url, head, staging / "checkpoint")
            if (staging / archive.FILES / "evidence").is_dir():
                evidence.parent.mkdir(parents=True, exist_ok=True)
                if evidence.is_dir():
                    evidence.rmdir()
                shutil.move(staging / archive.FILES / "evidence", evidence)
    audit_checkpoint.reset_checkpoint(settings.data_dir)
    if head["seq"]:
        audit.write_checkpoint(settings.data_dir, head["seq"], head["hash"])
    with transaction(url) as session:
        audit.record(
            session,
            action="backup.restored",
            actor="system",
            target_type="backup",
            detail={"archive": source.name, "created_at": manifest["created_at"]},
        )
    sealing.seal_audit(settings)
    return manifest


def _check_keys(settings: Settings, manifest: dict[str, Any]) -> None:
    missing = sorted(
        set(manifest["keys"]["encryption_key_ids"]) - set(encryption_key_ids(settings))
    )
    if missing:
        raise Invalid(
            "keys",
            "VIGIL_ENCRYPTION_KEYS lacks the key(s) %(ids)s the backup's data is encrypted with",
            ids=", ".join(missing),
        )


def _check_counts(expected: dict[str, int], found: dict[str, int]) -> None:
    for table, count in sorted(expected.items()):
        if found.get(table) != count:
            raise Invalid(
                "database",
                "table %(table)s holds %(found)s rows after the restore, the manifest says "
                "%(count)s",
                table=table,
                found=found.get(table),
                count=count,
            )


def _check_chain(settings: Settings, url: str, head: dict[str, Any], checkpoint: Path) -> None:
    """The restored chain must verify and end exactly at the manifest's head."""
    if head["seq"]:
        audit.write_checkpoint(checkpoint, head["seq"], head["hash"])
    with get_sessionmaker(url, readonly=True)() as session:
        _, findings = audit.verify(session, key=settings.audit_key, data_dir=checkpoint)
    if findings:
        raise Invalid(
            "audit",
            "the restored audit chain does not verify: %(finding)s (%(count)s problem(s))",
            finding=str(findings[0]),
            count=len(findings),
        )
