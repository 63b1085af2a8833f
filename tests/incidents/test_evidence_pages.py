"""Evidence on the incident page, on SQLite and PostgreSQL: the section htmx loads (and its page
without JavaScript), uploading through its form, errors shown on the page, and what a reader
outside the owner organisation sees and downloads. HTML is parsed, never grepped."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import base_settings
from tests.html import Node, alerts, csrf_of, db_rows, flash_after, html, sign_in
from tests.incidents import test_pages
from tests.incidents.test_evidence import BERLIN_GPS, GPS_IFD, gps_jpeg, stored_files
from tests.incidents.test_pages import World, add_incident
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.policy import TLP
from vigil.incidents.models import Evidence

HTMX = {"HX-Request": "true"}
world = test_pages.world  # the organisation, its members and an outsider in a shared network
KIB = 1024


def evidence_fragment(client: TestClient, incident_id: int) -> Node:
    """The evidence section as the incident page loads it: the hx-get of its placeholder."""
    page = html(client.get(f"/incidents/{incident_id}"))
    placeholder = page.find("section", id="evidence")
    assert placeholder.attrs["hx-trigger"] == "load"
    response = client.get(placeholder.attrs["hx-get"], headers=HTMX)
    assert response.status_code == 200, response.text
    fragment = html(response)
    assert fragment.find_all("html") == []
    return fragment


def upload_form(section: Node, incident_id: int) -> Node:
    return section.find("form", action=f"/incidents/{incident_id}/evidence")


def post_upload(
    client: TestClient,
    incident_id: int,
    content: bytes,
    filename: str,
    content_type: str = "application/octet-stream",
    *,
    csrf: bool = True,
) -> httpx.Response:
    """Fill the section's upload form the way a browser does and send it."""
    form = upload_form(evidence_fragment(client, incident_id), incident_id)
    data = {n.attrs["name"]: n.attrs["value"] for n in form.find_all("input", type="hidden")}
    if not csrf:
        del data["csrf_token"]
    return client.post(
        form.attrs["action"],
        data=data,
        files={"file": (filename, content, content_type)},
        follow_redirects=False,
    )


def evidence_links(section: Node) -> dict[str, str]:
    """File name -> download address, of each listed file."""
    return {a.text: a.attrs["href"] for a in section.find_all("a", class_="evidence-name")}


def evidence_count(settings: Settings) -> int:
    return len(db_rows(settings, select(Evidence)))


def test_a_file_uploaded_through_the_page_is_listed_with_a_working_download_link(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    incident_id = add_incident(committed, settings, world)
    sign_in(client, world.reporter.email)
    statement = "Zeugenaussage: zwei Männer, 18:30, Richtung Bahnhof.\n".encode()
    form = upload_form(evidence_fragment(client, incident_id), incident_id)
    assert form.attrs["enctype"] == "multipart/form-data"
    file_input = form.find("input", type="file")
    assert {".jpg", ".png", ".webp", ".heic", ".pdf", ".txt", "application/pdf"} <= set(
        file_input.attrs["accept"].split(",")
    )
    assert form.find("label", for_=file_input.attrs["id"])
    assert csrf_of(form)

    response = post_upload(client, incident_id, statement, "aussage.txt", "text/plain")

    assert response.headers["location"] == f"/incidents/{incident_id}#evidence"
    page = flash_after(client, response)
    assert "aussage.txt is attached to report" in page.find("div", class_="flash").text
    section = evidence_fragment(client, incident_id)
    (item,) = section.find_all("li", class_="evidence-item")
    assert "Plain text" in item.text and "uploaded" in item.text
    assert f"{len(statement)} bytes" in item.text
    download = client.get(evidence_links(section)["aussage.txt"])  # the session cookie only
    assert download.status_code == 200
    assert download.content == statement
    assert download.headers["content-disposition"] == 'attachment; filename="aussage.txt"'
    # Without JavaScript the placeholder's link opens the same section as a page of its own.
    fallback = html(client.get(f"/incidents/{incident_id}"))
    link = fallback.find("section", id="evidence").find("a")
    own_page = html(client.get(link.attrs["href"]))
    assert own_page.find("h1").text == f"Evidence of incident #{incident_id}"
    assert "aussage.txt" in evidence_links(own_page)


def test_a_fake_pdf_shows_a_field_error_and_stores_nothing(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    incident_id = add_incident(committed, settings, world)
    sign_in(client, world.reporter.email)

    response = post_upload(
        client, incident_id, b"MZ\x90\x00\x03" + b"\x00" * 200, "invoice.pdf", "application/pdf"
    )

    assert response.status_code == 422, response.text
    page = html(response)
    error = page.find("p", id="file-error").text
    assert "PDF" in error and "executable program" in error
    assert page.find("input", id="evidence-file").attrs["aria-invalid"] == "true"
    assert any("invoice.pdf" in a for a in alerts(page))
    assert upload_form(page, incident_id)  # the form stays, to try another file
    assert evidence_count(settings) == 0
    assert stored_files(settings) == []


def test_too_large_files_show_the_limit_and_are_not_stored(
    db_url: str, tmp_path: Path, world: World, committed: Session
) -> None:
    settings = base_settings(db_url, tmp_path / "data", evidence_max_bytes=64 * KIB)
    incident_id = add_incident(committed, settings, world)
    with TestClient(create_app(settings)) as client:
        sign_in(client, world.reporter.email)
        just_over = post_upload(client, incident_id, b"a" * (64 * KIB + 1), "statement.txt")
        far_over = post_upload(client, incident_id, b"a" * (256 * KIB), "statement.txt")

    assert just_over.status_code == 413
    assert str(64 * KIB) in html(just_over).find("p", id="file-error").text
    # Larger than the request may be: the body is refused before the form is read.
    assert far_over.status_code == 413
    assert far_over.headers["content-type"].startswith("text/html")
    assert str(64 * KIB + 64 * KIB) in html(far_over).find("main").text
    assert evidence_count(settings) == 0
    assert stored_files(settings) == []


def test_an_outsider_who_may_read_the_incident_sees_the_files_and_downloads_photos_without_gps(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    incident_id = add_incident(committed, settings, world, tlp=TLP.green)
    sign_in(client, world.reporter.email)
    photo = gps_jpeg()
    assert post_upload(client, incident_id, photo, "IMG_0042.JPG", "image/jpeg").status_code == 303
    as_owner = evidence_fragment(client, incident_id)
    owners_copy = client.get(evidence_links(as_owner)["IMG_0042.JPG"])
    assert owners_copy.content == photo
    client.cookies.clear()

    sign_in(client, world.outsider.email)
    section = evidence_fragment(client, incident_id)

    assert section.find_all("form", action=f"/incidents/{incident_id}/evidence") == []
    assert section.find_all("input", type="file") == []
    (item,) = section.find_all("li", class_="evidence-item")
    assert "without its metadata" in item.text
    download = client.get(evidence_links(section)["IMG_0042.JPG"])
    assert download.status_code == 200
    assert download.content != photo
    copy = Image.open(io.BytesIO(download.content))
    assert copy.size == (64, 48)
    assert copy.getexif().get_ifd(GPS_IFD) == {}
    assert dict(Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)) == BERLIN_GPS
    assert b"PhoneMaker" not in download.content
    # Posting anyway is refused by the evidence service, shown on the page.
    token = csrf_of(html(client.get(f"/incidents/{incident_id}")))
    refused = client.post(
        f"/incidents/{incident_id}/evidence",
        data={"csrf_token": token, "report_id": str(_report_id(settings))},
        files={"file": ("note.txt", b"hello\n", "text/plain")},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert any("reporter role" in a for a in alerts(html(refused)))
    assert evidence_count(settings) == 1


def _report_id(settings: Settings) -> int:
    (evidence,) = db_rows(settings, select(Evidence))
    report_id: int = evidence.report_id
    return report_id


def test_an_upload_without_the_csrf_token_is_403_and_stores_nothing(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    incident_id = add_incident(committed, settings, world)
    sign_in(client, world.reporter.email)

    response = post_upload(client, incident_id, b"hello\n", "note.txt", csrf=False)

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert evidence_count(settings) == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize("person", ["analyst", "outsider"])
def test_the_section_of_an_unreadable_incident_is_404(
    client: TestClient, world: World, settings: Settings, committed: Session, person: Any
) -> None:
    incident_id = add_incident(committed, settings, world)  # AMBER+STRICT: the outsider cannot
    sign_in(client, getattr(world, person).email)

    response = client.get(f"/incidents/{incident_id}/evidence", headers=HTMX)

    assert response.status_code == (200 if person == "analyst" else 404)
