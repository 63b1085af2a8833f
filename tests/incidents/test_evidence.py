"""Evidence through the JSON API, on SQLite and PostgreSQL: typed by content, stored once,
images without their metadata for everyone outside the report's organisation."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import base_settings
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from vigil.app import create_app
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.errors import PROBLEM, Invalid
from vigil.core.policy import Role
from vigil.incidents.evidence_content import strip_metadata
from vigil.incidents.models import Evidence

MIB = 1024 * 1024
GPS_IFD = 0x8825
BERLIN_GPS = {1: "N", 2: (52.0, 31.0, 28.0), 3: "E", 4: (13.0, 23.0, 37.0)}


def gps_jpeg() -> bytes:
    """A small photo as a phone takes it: camera make, and where it was taken."""
    image = Image.new("RGB", (64, 48), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update(BERLIN_GPS)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken outside the synagogue")
    return out.getvalue()


def report_body(tlp: str = "amber+strict", **extra: Any) -> dict[str, Any]:
    return {
        "title": "Graffiti on the community centre",
        "occurred_from": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat(),
        "type": "damage",
        "tlp": tlp,
        **extra,
    }


@pytest.fixture
def world(committed: Session, settings: Settings) -> dict[str, Any]:
    """Owner organisation A; B shares a network with A; C shares nothing with anyone."""
    a, b, c = make_org(committed), make_org(committed), make_org(committed)
    make_network(committed, a, b)
    people = {
        "reporter": make_person(committed, settings, org=a, role=Role.reporter),
        "viewer": make_person(committed, settings, org=a, role=Role.viewer),
        "coordinator": make_person(committed, settings, org=a, role=Role.coordinator),
        "partner": make_person(committed, settings, org=b, role=Role.coordinator),
        "stranger": make_person(committed, settings, org=c, role=Role.org_admin),
    }
    headers = {name: token_headers(committed, person) for name, person in people.items()}
    committed.commit()
    return {"headers": headers, "stranger_org_id": c.id}


def submit_report(client: TestClient, world: dict[str, Any], tlp: str = "green") -> int:
    response = client.post(
        "/api/v1/reports", json=report_body(tlp), headers=world["headers"]["reporter"]
    )
    assert response.status_code == 201, response.text
    report_id: int = response.json()["id"]
    return report_id


def upload(
    client: TestClient,
    report_id: int,
    headers: dict[str, str],
    content: bytes,
    filename: str,
    content_type: str = "application/octet-stream",
) -> Any:
    return client.post(
        f"/api/v1/reports/{report_id}/evidence",
        files={"file": (filename, content, content_type)},
        headers=headers,
    )


def stored_files(settings: Settings) -> list[Path]:
    """Every file under the evidence store, temporary ones included."""
    root = settings.data_dir / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def evidence_rows(session: Session) -> int:
    count = session.scalar(select(func.count()).select_from(Evidence))
    session.rollback()
    return count or 0


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


def test_owner_gets_the_photo_with_its_gps_and_a_partner_gets_it_without_metadata(
    client: TestClient, world: dict[str, Any]
) -> None:
    h = world["headers"]
    report_id = submit_report(client, world, tlp="green")
    photo = gps_jpeg()

    created = upload(client, report_id, h["reporter"], photo, "IMG_0042.JPG", "image/jpeg")

    assert created.status_code == 201, created.text
    evidence = created.json()
    assert evidence["media_type"] == "image/jpeg"
    assert evidence["size"] == len(photo)
    assert evidence["metadata_stripped"] is False
    original = client.get(f"/api/v1/evidence/{evidence['id']}/content", headers=h["viewer"])
    assert original.status_code == 200
    assert original.content == photo
    assert dict(Image.open(io.BytesIO(original.content)).getexif().get_ifd(GPS_IFD)) == BERLIN_GPS

    seen = client.get(f"/api/v1/evidence/{evidence['id']}", headers=h["partner"])
    assert seen.status_code == 200
    assert seen.json()["metadata_stripped"] is True
    assert seen.json()["uploaded_by"] is None
    copy = client.get(f"/api/v1/evidence/{evidence['id']}/content", headers=h["partner"])
    assert copy.status_code == 200
    assert copy.headers["content-type"] == "image/jpeg"
    assert copy.headers["content-disposition"] == 'attachment; filename="IMG_0042.JPG"'
    assert copy.headers["x-content-type-options"] == "nosniff"
    assert len(copy.content) == seen.json()["size"]
    stripped = Image.open(io.BytesIO(copy.content))
    assert stripped.size == (64, 48)
    assert len(stripped.getexif()) == 0
    assert stripped.getexif().get_ifd(GPS_IFD) == {}
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(stripped.info)
    assert b"PhoneMaker" not in copy.content


def test_a_recipient_organisation_also_gets_the_image_without_metadata(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    h = world["headers"]
    body = report_body("amber+strict", recipients={"organisation_ids": [world["stranger_org_id"]]})
    report = client.post("/api/v1/reports", json=body, headers=h["reporter"])
    assert report.status_code == 201, report.text
    evidence = upload(client, report.json()["id"], h["reporter"], gps_jpeg(), "a.jpg").json()

    copy = client.get(f"/api/v1/evidence/{evidence['id']}/content", headers=h["stranger"])

    assert copy.status_code == 200
    assert Image.open(io.BytesIO(copy.content)).getexif().get_ifd(GPS_IFD) == {}


def test_same_content_is_stored_once(
    client: TestClient, world: dict[str, Any], committed: Session, settings: Settings
) -> None:
    h = world["headers"]
    first, second = submit_report(client, world), submit_report(client, world)
    photo = gps_jpeg()

    one = upload(client, first, h["reporter"], photo, "one.jpg")
    again = upload(client, first, h["coordinator"], photo, "again.jpg")
    other = upload(client, second, h["reporter"], photo, "other.jpg")

    assert (one.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json()["id"] == one.json()["id"]
    assert other.json()["id"] != one.json()["id"]
    assert other.json()["sha256"] == one.json()["sha256"]
    # The original and its copy without metadata, once each, at their content address.
    files = stored_files(settings)
    assert len(files) == 2
    sha = one.json()["sha256"]
    assert settings.data_dir / "evidence" / sha[:2] / sha in files
    assert evidence_rows(committed) == 2


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "invoice.pdf", "executable program"),
        (b"Not a PDF at all, only words.\n", "invoice.pdf", "text/plain"),
        (gps_jpeg(), "scan.pdf", "image/jpeg"),
        (b"PK\x03\x04" + b"\x00" * 200, "minutes.pdf", "application/zip"),
    ],
)
def test_a_file_named_pdf_that_is_not_one_is_refused_and_nothing_is_stored(
    client: TestClient,
    world: dict[str, Any],
    committed: Session,
    settings: Settings,
    content: bytes,
    name: str,
    says: str,
) -> None:
    report_id = submit_report(client, world)

    response = upload(
        client, report_id, world["headers"]["reporter"], content, name, "application/pdf"
    )

    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["file"]
    assert "PDF" in body["detail"] and says in body["detail"]
    assert evidence_rows(committed) == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "run", "executable program"),
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "photo", "executable program"),
        (bytes(range(256)) * 4, "data.bin", "no type Vigil knows"),
        ("Grüße aus Köln".encode("latin-1"), "letter.txt", "not valid UTF-8"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 300, "broken.jpg", "cannot be read"),
        (b"", "empty.txt", "empty"),
    ],
)
def test_unknown_executable_or_broken_content_is_refused(
    client: TestClient,
    world: dict[str, Any],
    committed: Session,
    settings: Settings,
    content: bytes,
    name: str,
    says: str,
) -> None:
    report_id = submit_report(client, world)

    response = upload(client, report_id, world["headers"]["reporter"], content, name)

    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["file"]
    assert says in body["detail"]
    assert evidence_rows(committed) == 0
    assert stored_files(settings) == []


def multipart_stream(total: int, boundary: str) -> Iterator[bytes]:
    """A multipart upload of `total` bytes, produced a MiB at a time."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="video.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    chunk = b"%PDF-1.7\n" + b"0" * (MIB - 9)
    for _ in range(total // MIB):
        yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_200_mb_upload_is_413_naming_the_limit_and_nothing_is_stored(
    client: TestClient,
    world: dict[str, Any],
    committed: Session,
    settings: Settings,
    declared: bool,
) -> None:
    report_id = submit_report(client, world)
    boundary = uuid.uuid4().hex
    total = 200 * MIB
    headers = {
        **world["headers"]["reporter"],
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    if declared:
        headers["Content-Length"] = str(sum(len(c) for c in multipart_stream(total, boundary)))

    response = client.post(
        f"/api/v1/reports/{report_id}/evidence",
        content=multipart_stream(total, boundary),
        headers=headers,
    )

    body = assert_problem(response, 413)
    assert "limit" in body["detail"]
    assert str(settings.evidence_max_bytes + 64 * 1024) in body["detail"]
    assert evidence_rows(committed) == 0
    assert stored_files(settings) == []


def test_files_up_to_the_evidence_limit_pass_the_global_body_limit(
    db_url: str, tmp_path: Path, world: dict[str, Any], committed: Session
) -> None:
    settings = base_settings(db_url, tmp_path / "data", evidence_max_bytes=2 * MIB)
    with TestClient(create_app(settings)) as client:
        report_id = submit_report(client, world)
        h = world["headers"]["reporter"]
        text = b"line of a long witness statement\n" * (2 * MIB // 33)
        at_limit = text + b"x" * (2 * MIB - len(text))

        accepted = upload(client, report_id, h, at_limit, "statement.txt")
        refused = upload(client, report_id, h, at_limit + b"y", "statement2.txt")

    assert settings.max_body_bytes < 2 * MIB
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["size"] == 2 * MIB
    body = assert_problem(refused, 413)
    assert [e["field"] for e in body["errors"]] == ["file"]
    assert str(2 * MIB) in body["detail"]
    assert evidence_rows(committed) == 1
    assert len(stored_files(settings)) == 1


def test_the_global_body_limit_still_holds_elsewhere(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = client.post(
        "/api/v1/reports",
        content=b" " * (MIB + 1),
        headers={**world["headers"]["reporter"], "Content-Type": "application/json"},
    )

    assert assert_problem(response, 413)["detail"].endswith(f"limit of {MIB} bytes.")


def test_outsider_without_access_gets_404_and_cannot_attach(
    client: TestClient, world: dict[str, Any], committed: Session, settings: Settings
) -> None:
    h = world["headers"]
    report_id = submit_report(client, world, tlp="green")
    evidence_id = upload(client, report_id, h["reporter"], gps_jpeg(), "a.jpg").json()["id"]
    files_before = stored_files(settings)

    assert client.get(f"/api/v1/evidence/{evidence_id}", headers=h["stranger"]).status_code == 404
    content = client.get(f"/api/v1/evidence/{evidence_id}/content", headers=h["stranger"])
    assert content.status_code == 404
    listed = client.get(f"/api/v1/reports/{report_id}/evidence", headers=h["stranger"])
    assert listed.status_code == 404
    attach = upload(client, report_id, h["stranger"], b"hello\n", "note.txt")
    assert attach.status_code == 404
    assert client.get(f"/api/v1/evidence/{evidence_id}").status_code == 401
    assert evidence_rows(committed) == 1
    assert stored_files(settings) == files_before


def test_only_the_report_organisations_reporters_may_attach(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    h = world["headers"]
    report_id = submit_report(client, world, tlp="green")

    partner = upload(client, report_id, h["partner"], b"hello\n", "note.txt")
    viewer = upload(client, report_id, h["viewer"], b"hello\n", "note.txt")
    coordinator = upload(client, report_id, h["coordinator"], b"hello\n", "note.txt")

    assert (partner.status_code, viewer.status_code) == (403, 403)
    assert coordinator.status_code == 201
    assert evidence_rows(committed) == 1


def test_a_text_file_is_accepted_and_served_as_text(
    client: TestClient, world: dict[str, Any]
) -> None:
    h = world["headers"]
    report_id = submit_report(client, world)
    statement = "Zeugenaussage: zwei Männer, 18:30, Richtung Bahnhof.\n".encode()

    created = upload(client, report_id, h["reporter"], statement, "../../etc/aussage", "text/html")

    assert created.status_code == 201, created.text
    assert created.json()["media_type"] == "text/plain"
    assert created.json()["filename"] == "aussage"
    listed = client.get(f"/api/v1/reports/{report_id}/evidence", headers=h["viewer"])
    assert [e["id"] for e in listed.json()] == [created.json()["id"]]
    got = client.get(f"/api/v1/evidence/{created.json()['id']}/content", headers=h["viewer"])
    assert got.content == statement
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert got.headers["content-disposition"] == 'attachment; filename="aussage.txt"'


def test_file_names_lose_paths_and_direction_tricks(
    client: TestClient, world: dict[str, Any]
) -> None:
    report_id = submit_report(client, world)
    # U+202E turns "invoice\u202etxt.exe" into "invoiceexe.txt" on screen.
    created = upload(
        client, report_id, world["headers"]["reporter"], b"just text\n", "C:\\x\\inv\u202egpj.exe"
    )

    assert created.status_code == 201, created.text
    assert created.json()["filename"] == "invgpj.exe"


def test_uploads_and_downloads_are_audited(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    h = world["headers"]
    report_id = submit_report(client, world, tlp="green")
    evidence_id = upload(client, report_id, h["reporter"], gps_jpeg(), "a.jpg").json()["id"]
    client.get(f"/api/v1/evidence/{evidence_id}/content", headers=h["coordinator"])
    client.get(f"/api/v1/evidence/{evidence_id}/content", headers=h["partner"])

    entries = committed.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "evidence", AuditEntry.target_id == str(evidence_id))
        .order_by(AuditEntry.id)
    ).all()

    assert [e.action for e in entries] == [
        "evidence.upload",
        "evidence.download",
        "evidence.download",
    ]
    assert ['"metadata_stripped": false' in e.detail for e in entries[1:]] == [True, False]
    assert len({e.actor_id for e in entries}) == 3


def test_a_heic_photo_stays_with_the_owner_organisation(
    client: TestClient, world: dict[str, Any]
) -> None:
    h = world["headers"]
    report_id = submit_report(client, world, tlp="green")
    # The start of an iPhone photo: an ISO-BMFF "ftyp" box of brand heic.
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 512

    created = upload(client, report_id, h["reporter"], heic, "IMG_0001.HEIC")

    assert created.status_code == 201, created.text
    assert created.json()["media_type"] == "image/heic"
    url = f"/api/v1/evidence/{created.json()['id']}/content"
    assert client.get(url, headers=h["viewer"]).content == heic
    assert client.get(url, headers=h["partner"]).status_code == 403


def metadata_free(data: bytes, media_type: str, tmp_path: Path) -> Image.Image:
    source = tmp_path / "source"
    source.write_bytes(data)
    stripped = strip_metadata(source, media_type)
    assert stripped is not None
    image = Image.open(io.BytesIO(stripped))
    image.load()
    return image


def test_png_loses_its_text_and_keeps_its_transparency(tmp_path: Path) -> None:
    image = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    text = PngImagePlugin.PngInfo()
    text.add_text("Location", "52.5246 N, 13.3937 E")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=text)

    clean = metadata_free(out.getvalue(), "image/png", tmp_path)

    assert clean.format == "PNG"
    assert clean.mode == "RGBA" and clean.getpixel((0, 0)) == (0, 0, 0, 0)
    assert "Location" not in clean.info


def test_webp_loses_its_exif(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update(BERLIN_GPS)
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 10)).save(out, "WEBP", exif=exif)

    clean = metadata_free(out.getvalue(), "image/webp", tmp_path)

    assert clean.format == "WEBP"
    assert "exif" not in clean.info and len(clean.getexif()) == 0


def test_a_photo_taken_sideways_stays_upright_without_its_orientation_tag(
    tmp_path: Path,
) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 0, 255)).save(out, "JPEG", exif=exif)

    clean = metadata_free(out.getvalue(), "image/jpeg", tmp_path)

    assert clean.size == (20, 40)
    assert len(clean.getexif()) == 0


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 7_000)).save(out, "PNG")  # 70 megapixels in a few kilobytes

    with pytest.raises(Invalid, match="pixels"):
        metadata_free(out.getvalue(), "image/png", tmp_path)
