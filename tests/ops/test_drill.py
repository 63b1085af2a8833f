"""The restore drill: reports keep arriving through the API while `vigil backup` runs; the copy
restored into an empty instance holds every report acknowledged before the backup began, and
its audit chain verifies."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from tests.ops.conftest import Instance, post_report
from vigil.app import create_app

# Reports acknowledged before the backup starts, at least, so the drill restores real traffic.
BEFORE_BACKUP = 5


def test_backup_under_load_restores_every_acknowledged_report(
    client: TestClient,
    source: Instance,
    target: Instance,
    reporter: dict[str, str],
    tmp_path: Path,
) -> None:
    acknowledged: list[tuple[float, int]] = []
    stop, enough = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def keep_reporting() -> None:
        try:
            while not stop.is_set():
                report_id = post_report(client, reporter, f"Report {len(acknowledged)}")
                acknowledged.append((time.monotonic(), report_id))
                if len(acknowledged) >= BEFORE_BACKUP:
                    enough.set()
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
            enough.set()

    evidence = client.post(
        f"/api/v1/reports/{post_report(client, reporter, 'With a photo')}/evidence",
        files={"file": ("note.txt", b"what the witness wrote down", "text/plain")},
        headers=reporter,
    )
    assert evidence.status_code == 201, evidence.text
    poster = threading.Thread(target=keep_reporting)
    poster.start()
    try:
        assert enough.wait(timeout=60), "reports were not acknowledged in time"
        assert not failures, failures
        backup_started = time.monotonic()
        archive = tmp_path / "drill.tar"
        made = source.vigil("backup", "--output", str(archive))
        during = [rid for at, rid in acknowledged if at > backup_started]
    finally:
        stop.set()
        poster.join(timeout=60)
    assert not failures, failures
    assert made.exit_code == 0, made.output
    assert "verified" in made.output
    before = [rid for at, rid in acknowledged if at <= backup_started]
    assert len(before) >= BEFORE_BACKUP

    restored = target.vigil("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "audit chain verified" in restored.output
    verified = target.vigil("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "chain intact" in verified.output

    with TestClient(create_app(target.settings)) as restored_client:
        for report_id in before:
            got = restored_client.get(f"/api/v1/reports/{report_id}", headers=reporter)
            assert got.status_code == 200, (report_id, got.text)
        photo = restored_client.get(
            f"/api/v1/evidence/{evidence.json()['id']}/content", headers=reporter
        )
        assert photo.status_code == 200, photo.text
        assert photo.content == b"what the witness wrote down"
        # Reports acknowledged while the backup ran are in it or not, never half: each reads.
        for report_id in during:
            assert restored_client.get(
                f"/api/v1/reports/{report_id}", headers=reporter
            ).status_code in (200, 404)
