"""The public form as the offline outbox and witnesses meet it, on SQLite and PostgreSQL: one
idempotency key is one report and one receipt however often and however simultaneously it is
sent, receipt codes are short and read as people type them (old long ones still work), a photo
keeps its pixels and loses its metadata, a point is rounded on the server too, and bad input
gets a 4xx that names the field."""

from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import alerts, csrf_of, db_rows, html, submit
from tests.incidents.test_evidence import BERLIN_GPS, GPS_IFD, gps_jpeg
from tests.incidents.test_pages import public_form
from tests.orgs.factories import make_org
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.crypto import token_hash
from vigil.incidents import reports as reports_service
from vigil.incidents.evidence_storage import blob_path
from vigil.incidents.models import Evidence, Report
from vigil.incidents.receipts import ALPHABET
from vigil.orgs.models import Organisation

CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
KEY = "k7Q2m9XD4tPa-offline-outbox_0001"
METRES_PER_DEGREE = 111_320


@dataclass
class World:
    org: Organisation


@pytest.fixture
def world(committed: Session) -> World:
    org = make_org(committed)
    org.accepts_public_reports = True
    committed.commit()
    return World(org=org)


def form_values(**overrides: str) -> dict[str, str]:
    # The pages' form values name no organisation: the form's address does.
    return public_form(None, **overrides)  # type: ignore[arg-type]


def receipt_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return str(html(response).find("code", id="receipt-code").text)


def post(
    client: TestClient, world: World, *, files: Any = None, headers: Any = None, **fields: str
) -> httpx.Response:
    path = f"/report/{world.org.slug}"
    return submit(client, path, path, form_values(**fields), files=files, headers=headers)


def test_the_same_key_twice_is_one_report_with_one_receipt_and_spends_no_limit(
    world: World, settings: Settings
) -> None:
    client = TestClient(create_app(settings.model_copy(update={"public_report_burst": 1})))

    first = receipt_of(post(client, world, submission_key=KEY))
    again = receipt_of(post(client, world, headers={"Idempotency-Key": KEY}))
    other = post(client, world, submission_key=KEY[::-1])

    assert CODE.fullmatch(first) and again == first
    assert other.status_code == 429  # a new report meets the limit the repeat did not spend
    (report,) = db_rows(settings, select(Report))
    assert report.submission_key_hash and KEY not in report.submission_key_hash
    assert report.receipt_encrypted and first not in report.receipt_encrypted


def test_the_api_answers_the_same_idempotency_key_with_the_same_receipt(
    world: World, settings: Settings
) -> None:
    client = TestClient(create_app(settings))
    path = f"/api/v1/public/{world.org.slug}/reports"
    body = {
        "what_happened": "Stones thrown at the windows.",
        "when": "2026-11-30T21:00:00+01:00",
        "where": "Oranienburger Str. 30, Berlin",
        "type": "damage",
    }

    first = client.post(path, json=body, headers={"Idempotency-Key": KEY})
    again = client.post(path, json=body, headers={"Idempotency-Key": KEY})
    other = client.post(path, json=body)
    bad = client.post(path, json=body, headers={"Idempotency-Key": "short"})

    assert first.status_code == again.status_code == other.status_code == 201, first.text
    assert CODE.fullmatch(first.json()["receipt"])
    assert again.json()["receipt"] == first.json()["receipt"] != other.json()["receipt"]
    assert bad.status_code == 422 and "submission_key" in bad.text
    assert len(db_rows(settings, select(Report))) == 2


def test_two_posts_with_one_key_at_the_same_moment_store_one_report(
    world: World, settings: Settings
) -> None:
    app = create_app(settings)
    path = f"/report/{world.org.slug}"
    senders = [TestClient(app) for _ in range(4)]
    tokens = [csrf_of(html(c.get(path))) for c in senders]
    start = threading.Barrier(len(senders))
    answers: list[httpx.Response] = []

    def send(client: TestClient, token: str) -> None:
        data = {"csrf_token": token, **form_values(submission_key=KEY)}
        start.wait()
        answers.append(client.post(path, data=data, headers={"Idempotency-Key": KEY}))

    pairs = zip(senders, tokens, strict=True)
    threads = [threading.Thread(target=send, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    receipts = {receipt_of(answer) for answer in answers}
    assert len(answers) == 4 and len(receipts) == 1
    assert len(db_rows(settings, select(Report))) == 1


def test_a_typed_receipt_is_read_as_meant_and_old_long_receipts_still_work(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    receipt = receipt_of(post(client, world))
    assert set(receipt.replace("-", "")) <= set(ALPHABET)
    typed = receipt.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    old = "Qx3_kd8-Lm2PzR7wYb5tNc4v"  # 24 URL-safe characters, as receipts were before
    (report,) = db_rows(settings, select(Report))
    before = Report(owner_org_id=world.org.id, source="public", tlp="amber")
    committed.add(before)
    before.receipt_hash = token_hash(old)
    committed.commit()

    def status_of(code: str) -> httpx.Response:
        return submit(client, "/report/status", "/report/status", {"receipt": code})

    for form in (typed, receipt.replace("-", ""), f"  {receipt.replace('1', 'I')} ", old):
        shown = html(status_of(form)).find("p", class_="receipt-status")
        assert shown.attrs["data-status"] == "received", form
    wrong = status_of(old.lower())  # old receipts are case-sensitive
    assert wrong.status_code == 404
    assert alerts(html(wrong)) == ["No report has this receipt code."]


def test_the_receipt_page_offers_a_copy_button(client: TestClient, world: World) -> None:
    page = html(post(client, world))
    button = page.find("button", data_copy="receipt-code")
    assert "hidden" in button.attrs  # report-copy.js shows it
    scripts = [s.attrs.get("src", "").split("?")[0] for s in page.find_all("script")]
    assert "/static/report-copy.js" in scripts


def test_a_photo_is_kept_without_its_metadata_only(
    client: TestClient, world: World, settings: Settings
) -> None:
    photo = gps_jpeg()
    assert dict(Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)) == BERLIN_GPS

    receipt_of(post(client, world, files={"photo": ("IMG_0001.jpg", photo, "image/jpeg")}))

    (evidence,) = db_rows(settings, select(Evidence))
    assert evidence.media_type == "image/jpeg" and evidence.uploaded_by is None
    assert evidence.sha256 == evidence.redacted_sha256  # no original is kept
    stored = blob_path(settings, evidence.sha256).read_bytes()
    assert stored != photo and b"PhoneMaker" not in stored
    kept = Image.open(io.BytesIO(stored))
    assert len(kept.getexif()) == 0 and kept.getexif().get_ifd(GPS_IFD) == {}
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(kept.info)
    assert kept.size == Image.open(io.BytesIO(photo)).size


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("scan.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "PDF"),
        ("photo.jpg", b"not a picture at all, just words", "says it is an image"),
    ],
)
def test_what_is_not_a_photo_is_refused_naming_the_field(
    client: TestClient, world: World, settings: Settings, name: str, content: bytes, says: str
) -> None:
    response = post(client, world, files={"photo": (name, content, "application/octet-stream")})

    assert response.status_code == 422
    assert says in html(response).find("p", id="photo-error").text
    assert db_rows(settings, select(Report)) == []


def test_a_point_is_rounded_to_the_organisations_precision_on_the_server(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    committed.merge(world.org).public_location_precision_m = 500
    committed.commit()

    receipt_of(post(client, world, lat="52.524371", lon="13.410538"))

    (report,) = db_rows(settings, select(Report))
    with committed.begin():
        place = reports_service.latest_version(committed, report.id)["place"]
    assert place["precision"] == "city"
    lat_steps = place["lat"] * METRES_PER_DEGREE / 500
    assert abs(lat_steps - round(lat_steps)) < 1e-3  # on the 500 m grid
    assert abs(place["lat"] - 52.524371) <= 250 / METRES_PER_DEGREE + 1e-6
    assert (place["lat"], place["lon"]) != (52.524371, 13.410538)
    assert place["address"] == "Oranienburger Str 30, Berlin"


@pytest.mark.parametrize(
    ("fields", "headers", "field", "says"),
    [
        ({"lat": "52.5"}, None, "form", "give both lat and lon"),
        ({"lat": "north", "lon": "13.4"}, None, "lat", "must be a number"),
        ({"lat": "95", "lon": "13.4"}, None, "lat", "must be at most 90"),
        ({"submission_key": "short"}, None, "submission_key", "16 to 128"),
        ({"submission_key": KEY}, {"Idempotency-Key": KEY + "x"}, "submission_key", "different"),
    ],
)
def test_bad_public_input_is_a_422_naming_the_field(
    client: TestClient,
    world: World,
    settings: Settings,
    fields: dict[str, str],
    headers: dict[str, str] | None,
    field: str,
    says: str,
) -> None:
    response = post(client, world, headers=headers, **fields)

    assert response.status_code == 422
    (message,) = alerts(html(response))
    assert message.startswith(f"{field}:") and says in message, message
    assert db_rows(settings, select(Report)) == []


def test_the_service_worker_is_served_for_the_forms_and_the_form_registers_it(
    client: TestClient, world: World
) -> None:
    worker = client.get("/report/sw.js")
    page = html(client.get(f"/report/{world.org.slug}?lang=cs"))

    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    head = worker.text.splitlines()[:2]
    assert head[0].startswith("const VERSION = ")
    assets = json.loads(head[1].removeprefix("const OFFLINE_ASSETS = ").rstrip(";"))
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    form = page.find("form", id="public-report-form")
    assert form.attrs["data-scope"] == f"/report/{world.org.slug}"
    assert form.attrs["data-worker"] == "/report/sw.js"
    assert form.attrs["enctype"] == "multipart/form-data"
    scripts = [s.attrs["src"].split("?")[0] for s in page.find_all("script") if "src" in s.attrs]
    assert "/static/report-form.js" in scripts
    assert all(s in {a.split("?")[0] for a in assets} for s in scripts)


def test_an_empty_photo_field_as_browsers_send_it_is_no_photo(
    client: TestClient, world: World, settings: Settings
) -> None:
    receipt_of(post(client, world, files={"photo": ("", b"", "application/octet-stream")}))

    assert len(db_rows(settings, select(Report))) == 1
    assert db_rows(settings, select(Evidence)) == []
