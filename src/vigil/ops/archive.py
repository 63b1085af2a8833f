"""The backup archive: a tar of the database copy, the evidence files and the keys' identifiers,
closed by a manifest (counts, checksums, audit head) signed with the audit key.

The manifest is the last member, so an archive cut short has none and is refused as truncated;
every member's SHA-256 is taken while it is written and again while it is read back, and the
signature makes an edited manifest (one that would vouch for an edited member) fail too.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import tarfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import IO, Any

from vigil.core.errors import Invalid

FORMAT = 1
MANIFEST = "manifest.json"
KEYS = "keys.json"
FILES = "files"
CHUNK_BYTES = 1024 * 1024


def key_id(key: str) -> str:
    """An identifier of a key that does not reveal it: enough to tell which key is needed."""
    return hashlib.sha256(b"vigil-key-id\0" + key.encode()).hexdigest()[:16]


def signature(key: str, manifest: dict[str, Any]) -> str:
    body = json.dumps({k: v for k, v in manifest.items() if k != "signature"}, sort_keys=True)
    return hmac.new(key.encode(), b"vigil-backup\0" + body.encode(), hashlib.sha256).hexdigest()


class _Hashing(io.RawIOBase):
    """Reads a file through, hashing what passes (each member is read once, as it is written)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def write_archive(
    target: Path, members: Iterable[tuple[str, Path]], manifest: dict[str, Any], *, key: str
) -> int:
    """Write the members, then the signed manifest (its `files` filled in here); the archive
    appears under `target` only once complete. Returns its size in bytes."""
    partial = target.with_name(target.name + ".partial")
    files: dict[str, dict[str, Any]] = {}
    try:
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            for name, path in members:
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with path.open("rb") as handle:
                    reader = _Hashing(handle)
                    tar.addfile(info, reader)
                files[name] = {"sha256": reader.digest.hexdigest(), "size": info.size}
            manifest = {**manifest, "files": files}
            manifest["signature"] = signature(key, manifest)
            body = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(os.path.getmtime(partial))
            tar.addfile(info, io.BytesIO(body))
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise Invalid("archive", "member %(name)s has a path outside the archive", name=name)
    return str(path)


def read_archive(archive: Path, *, key: str, into: Path | None) -> dict[str, Any]:
    """Read every member (extracting it under `into`, or only hashing it), then check them
    against the manifest and the manifest against its signature; returns the manifest.
    Refuses, naming the member, a truncated, edited, missing or added member."""
    if not archive.is_file():
        raise Invalid("archive", "%(path)s is not a file", path=archive)
    hashes: dict[str, tuple[str, int]] = {}
    manifest_bytes: bytes | None = None
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in tar:
                name = _safe_name(member.name)
                if not member.isfile():
                    raise Invalid("archive", "member %(name)s is not a plain file", name=name)
                source = tar.extractfile(member)
                assert source is not None  # a regular file always has content
                if name == MANIFEST:
                    manifest_bytes = source.read()
                    continue
                hashes[name] = _copy(source, None if into is None else into / name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise Invalid(
            "archive",
            "cannot be read, truncated or not a Vigil backup: %(problem)s",
            problem=exc,
        ) from exc
    if manifest_bytes is None:
        raise Invalid("archive", "has no manifest: it is truncated or not a Vigil backup")
    try:
        manifest: dict[str, Any] = json.loads(manifest_bytes)
        listed: dict[str, dict[str, Any]] = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise Invalid("archive", "the manifest cannot be read: %(problem)s", problem=exc) from exc
    _check_members(listed, hashes)
    if manifest.get("format") != FORMAT:
        raise Invalid("archive", "unknown backup format %(format)s", format=manifest.get("format"))
    if not hmac.compare_digest(str(manifest.get("signature", "")), signature(key, manifest)):
        raise Invalid(
            "archive",
            "the manifest's signature does not match: it was edited, or the backup was made "
            "with another audit key (key id %(id)s; this instance's is %(ours)s)",
            id=manifest.get("keys", {}).get("audit_key_id"),
            ours=key_id(key),
        )
    return manifest


def _copy(source: IO[bytes], target: Path | None) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    out = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("wb")
    try:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    return digest.hexdigest(), size


def _check_members(listed: dict[str, dict[str, Any]], found: dict[str, tuple[str, int]]) -> None:
    for name, expected in sorted(listed.items()):
        if name not in found:
            raise Invalid("archive", "member %(name)s is missing", name=name)
        sha, size = found[name]
        if size != expected.get("size"):
            raise Invalid(
                "archive",
                "member %(name)s has %(size)s bytes, the manifest says %(expected)s",
                name=name,
                size=size,
                expected=expected.get("size"),
            )
        if sha != expected.get("sha256"):
            raise Invalid(
                "archive", "member %(name)s does not match its checksum: it was edited", name=name
            )
    for name in sorted(set(found) - set(listed)):
        raise Invalid("archive", "member %(name)s is not in the manifest", name=name)
