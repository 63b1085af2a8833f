"""A NUL character (U+0000) is refused with a 422 naming where it was, at every entry of text:
JSON bodies, query strings, path parameters, page forms, multipart fields and file names, CSV
imports (line and column) and CAP imports (the element); nothing is stored. PostgreSQL cannot
store NUL at all and SQLite stores it silently: both backends run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.alerts.test_cap import cap_bytes
from tests.html import db_rows, html, sign_in, submit
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.alerts.models import Alert
from vigil.core.config import Settings
from vigil.core.errors import PROBLEM
from vigil.core.policy import Role
from vigil.incidents.models import Evidence, Report
from vigil.notices.models import Notice
from vigil.orgs.models import Person
from vigil.sites.models import Site

NUL = "\x00"
REFUSED = "must not contain the NUL character (U+0000)"
BOUNDARY = "vigil-test-boundary"


@dataclass
class Caller:
    person: Person
    headers: dict[str, str]


@pytest.fixture
def caller(committed: Session, settings: Settings) -> Caller:
    org = make_org(committed)
    person = make_person(committed, settings, org=org, role=Role.coordinator)
    headers = token_headers(committed, person, org)
    committed.commit()
    return Caller(person, headers)


def count(settings: Settings, model: type) -> int:
    return int(db_rows(settings, select(func.count()).select_from(model))[0])


def refused_fields(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def report_body(**place: Any) -> dict[str, Any]:
    return {
        "title": "Stickers on the door",
        "occurred_from": (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(),
        "type": "literature",
        "place": {"city": "Berlin", "country": "DE", **place},
    }


def multipart(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, dict[str, str]]:
    """A multipart body written byte for byte: (field name, file name or None, content)."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += content + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def test_json_text_with_nul_is_refused_naming_its_path(
    client: TestClient, caller: Caller, settings: Settings
) -> None:
    top = client.post("/api/v1/notices", headers=caller.headers, json={"title": f"a{NUL}b"})
    nested = client.post(
        "/api/v1/reports", headers=caller.headers, json=report_body(city=f"Ber{NUL}lin")
    )
    key = client.post(
        "/api/v1/notices", headers=caller.headers, json={"title": "Patrols", f"x{NUL}": 1}
    )

    assert refused_fields(top) == {"title": REFUSED}
    assert refused_fields(nested) == {"place.city": REFUSED}
    assert refused_fields(key) == {"x\\u0000": REFUSED}
    assert count(settings, Notice) == 0 and count(settings, Report) == 0


def test_query_and_path_parameters_with_nul_are_refused_by_name(
    client: TestClient, caller: Caller
) -> None:
    query = client.get("/api/v1/sites", params={"q": f"syn{NUL}agogue"}, headers=caller.headers)
    path = client.get("/api/v1/public/receipts/abc%00def")

    assert refused_fields(query) == {"q": REFUSED}
    assert refused_fields(path) == {"receipt": REFUSED}


def test_page_form_with_nul_shows_the_field_and_stores_nothing(
    client: TestClient, caller: Caller, settings: Settings
) -> None:
    sign_in(client, caller.person.email)

    response = submit(
        client, "/notices/new", "/notices/new", {"title": f"Patrols{NUL}", "tlp": "amber"}
    )

    assert response.status_code == 422
    detail = html(response).find("p", class_="error-detail").text
    assert detail == f"title: {REFUSED}"
    assert count(settings, Notice) == 0


def test_multipart_field_or_file_name_with_nul_is_refused_and_no_file_kept(
    client: TestClient, caller: Caller, settings: Settings
) -> None:
    report = client.post("/api/v1/reports", headers=caller.headers, json=report_body())
    assert report.status_code == 201, report.text
    url = f"/api/v1/reports/{report.json()['id']}/evidence"
    text = b"What the caller said, word for word."

    body, content_type = multipart(("file", f"call{NUL}.txt", text))
    named = client.post(url, headers={**caller.headers, **content_type}, content=body)
    body, content_type = multipart(("file", "call.txt", text), ("note", None, b"a\x00b"))
    field = client.post(url, headers={**caller.headers, **content_type}, content=body)

    assert refused_fields(named) == {"file": "the file name " + REFUSED}
    assert refused_fields(field) == {"note": REFUSED}
    assert count(settings, Evidence) == 0


@pytest.mark.parametrize(
    ("url", "csv_text", "column"),
    [
        (
            "/api/v1/incidents/import",
            "title,occurred_from,type,city,country\n"
            "Stickers,2026-01-05T10:00:00+01:00,literature,Berlin,DE\n"
            f"Graffiti,2026-01-06T10:00:00+01:00,damage,Ber{NUL}lin,DE\n",
            "city",
        ),
        (
            "/api/v1/sites/import",
            "name,type,city,country,lat,lon\n"
            "Synagogue Nord,place_of_worship,Berlin,DE,52.53,13.41\n"
            f"School{NUL},school,Berlin,DE,52.52,13.40\n",
            "name",
        ),
    ],
)
def test_csv_cell_with_nul_is_an_error_at_its_line_and_column(
    client: TestClient,
    caller: Caller,
    settings: Settings,
    url: str,
    csv_text: str,
    column: str,
) -> None:
    for dry_run in ("true", "false"):
        response = client.post(
            url,
            params={"dry_run": dry_run},
            files={"file": ("rows.csv", csv_text.encode(), "text/csv")},
            headers=caller.headers,
        )

        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert [(e["line"], e["column"]) for e in errors] == [(3, column)]
        assert "NUL" in errors[0]["message"]
        assert "line 3, column " + column in response.json()["detail"]
    assert count(settings, Report) == 0 and count(settings, Site) == 0


@pytest.mark.parametrize(
    ("nul", "element"),
    [
        (b"\x00", "cap.info.0.headline"),
        (b"&#0;", "cap.info.0.headline"),
        (b"&#x0000;", "cap.info.0.headline"),
    ],
)
def test_cap_import_with_nul_names_the_element(
    client: TestClient, caller: Caller, settings: Settings, nul: bytes, element: str
) -> None:
    document = cap_bytes().replace(b"<headline>", b"<headline>Shots" + nul, 1)

    response = client.post("/api/v1/alerts/import", content=document, headers=caller.headers)

    fields = refused_fields(response)
    assert list(fields) == [element]
    assert "U+0000" in fields[element]
    assert count(settings, Alert) == 0
