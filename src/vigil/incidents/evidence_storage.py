"""The evidence store: files on disk under their SHA-256, received in chunks and moved into place
atomically, so identical content is kept once and a reader never sees half a file.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from vigil.core.config import Settings
from vigil.core.errors import Invalid
from vigil.incidents.evidence_content import SNIFF_BYTES, Received

CHUNK_BYTES = 1024 * 1024


class FileTooLarge(Invalid):
    status = 413
    title = "File too large"


def store_dir(settings: Settings) -> Path:
    return settings.data_dir / "evidence"


def blob_path(settings: Settings, sha256: str) -> Path:
    return store_dir(settings) / sha256[:2] / sha256


@contextmanager
def temporary_file(settings: Settings) -> Iterator[tuple[Path, IO[bytes]]]:
    """A file in the store's own directory (so it can be renamed into place), removed after."""
    tmp_dir = store_dir(settings) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=tmp_dir, prefix="upload-", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    try:
        with handle:
            yield path, handle
    finally:
        path.unlink(missing_ok=True)


def receive(upload: BinaryIO, into: IO[bytes], limit: int) -> Received:
    """Copy the upload in chunks, hashing it and watching whether it is UTF-8 text."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size, head, is_utf8, has_nul = 0, b"", True, False
    while chunk := upload.read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise FileTooLarge("file", f"the file is larger than the limit of {limit} bytes")
        digest.update(chunk)
        into.write(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        has_nul = has_nul or b"\0" in chunk
        if is_utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        is_utf8 = False
    into.flush()
    os.fsync(into.fileno())
    return Received(
        sha256=digest.hexdigest(),
        size=size,
        head=head,
        is_utf8=is_utf8,
        has_nul=has_nul,
    )


def place_file(settings: Settings, source: Path, sha256: str) -> None:
    """Move a finished file to its content address; identical content is kept once."""
    target = blob_path(settings, sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)  # atomic: a reader sees the whole file or none
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def place_bytes(settings: Settings, data: bytes) -> str:
    """Store content made in memory (an image's copy without metadata); returns its SHA-256."""
    sha256 = hashlib.sha256(data).hexdigest()
    if not blob_path(settings, sha256).exists():
        with temporary_file(settings) as (path, handle):
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            place_file(settings, path, sha256)
    return sha256
