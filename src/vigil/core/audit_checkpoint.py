"""The audit chain's newest head kept outside the database, in the data directory, so that
deleting the newest entries together with their seals is detected too (`audit.verify`)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger("vigil.audit")
CHECKPOINT_FILE = "audit-head.json"


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
