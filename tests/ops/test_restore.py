"""`vigil restore` refuses what it cannot vouch for, names what is wrong, and leaves the target
instance empty: a truncated archive, an edited member, an edited manifest, a non-empty target."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from fastapi.testclient import TestClient

from tests.ops.conftest import Instance, post_report
from vigil.app import create_app
from vigil.ops.archive import signature
from vigil.ops.snapshot import existing_tables


def _backup(source: Instance, archive: Path, *args: str) -> None:
    made = source.vigil("backup", "--output", str(archive), *args)
    assert made.exit_code == 0, made.output


def _refused(target: Instance, archive: Path, reason: str) -> None:
    result = target.vigil("restore", str(archive))
    assert result.exit_code == 2, result.output
    assert "restore refused" in result.output and reason in result.output, result.output
    assert existing_tables(target.settings.sqlalchemy_url) == []
    evidence = target.settings.data_dir / "evidence"
    assert not evidence.exists() or not any(evidence.iterdir())


def _rewritten(archive: Path, into: Path, change: dict[str, bytes]) -> Path:
    """The archive with some members' content replaced, everything else as it was."""
    with tarfile.open(archive) as old, tarfile.open(into, "w", format=tarfile.PAX_FORMAT) as new:
        for member in old:
            data = old.extractfile(member)
            assert data is not None
            content = change.get(member.name, data.read())
            member.size = len(content)
            new.addfile(member, io.BytesIO(content))
    return into


def _json(manifest: dict[str, object]) -> bytes:
    return json.dumps(manifest).encode()


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive) as tar:
        data = tar.extractfile(name)
        assert data is not None
        return data.read()


def test_truncated_tampered_and_resigned_archives_are_refused(
    client: TestClient,
    source: Instance,
    target: Instance,
    reporter: dict[str, str],
    tmp_path: Path,
) -> None:
    report_id = post_report(client, reporter, "Stones thrown at the window")
    archive = tmp_path / "good.tar"
    _backup(source, archive)
    whole = archive.read_bytes()

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(whole[: len(whole) // 2])
    _refused(target, truncated, "truncated")
    # Cut at a member boundary, the manifest (the last member) is what is missing.
    no_manifest = tmp_path / "no-manifest.tar"
    with tarfile.open(archive) as old, tarfile.open(no_manifest, "w") as new:
        for member in old:
            if member.name != "manifest.json":
                new.addfile(member, old.extractfile(member))
    _refused(target, no_manifest, "has no manifest")

    manifest = json.loads(_member(archive, "manifest.json"))
    database = manifest["database"]["member"]
    content = bytearray(_member(archive, database))
    content[len(content) // 2] ^= 0xFF
    edited = _rewritten(archive, tmp_path / "edited.tar", {database: bytes(content)})
    _refused(target, edited, f"member {database} does not match its checksum")

    manifest["database"]["tables"]["reports"] = 0
    forged = _rewritten(archive, tmp_path / "forged.tar", {"manifest.json": _json(manifest)})
    _refused(target, forged, "the manifest's signature does not match")

    # Signed with the right key (a bug, or someone holding it), the counts still have to match
    # what was loaded: the loaded database is emptied again.
    manifest["signature"] = signature(source.settings.audit_key, manifest)
    resigned = _rewritten(archive, tmp_path / "resigned.tar", {"manifest.json": _json(manifest)})
    _refused(target, resigned, "table reports holds 1 rows after the restore")

    # Nothing was left behind: the good archive restores into the same target.
    restored = target.vigil("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    with TestClient(create_app(target.settings)) as restored_client:
        got = restored_client.get(f"/api/v1/reports/{report_id}", headers=reporter)
        assert got.status_code == 200, got.text


def test_restore_refuses_an_instance_that_holds_data(source: Instance, tmp_path: Path) -> None:
    archive = tmp_path / "backup.tar"
    _backup(source, archive)
    result = source.vigil("restore", str(archive))
    assert result.exit_code == 2, result.output
    assert "is not empty" in result.output


def test_keys_stay_out_of_the_archive_unless_asked(source: Instance, tmp_path: Path) -> None:
    _backup(source, tmp_path / "ids.tar")
    keys = json.loads(_member(tmp_path / "ids.tar", "keys.json"))
    assert keys["included"] is False and "audit_key" not in keys
    assert len(keys["audit_key_id"]) == 16
    assert source.settings.audit_key not in _member(tmp_path / "ids.tar", "keys.json").decode()

    with_keys = source.vigil("backup", "--output", str(tmp_path / "keys.tar"), "--include-keys")
    assert with_keys.exit_code == 0, with_keys.output
    assert "warning: the archive will hold the keys" in with_keys.output
    keys = json.loads(_member(tmp_path / "keys.tar", "keys.json"))
    assert keys["included"] is True and keys["audit_key"] == source.settings.audit_key
    assert (tmp_path / "keys.tar").stat().st_mode & 0o077 == 0
