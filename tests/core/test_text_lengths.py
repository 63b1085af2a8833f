"""A text longer than its column is a 422 naming the field, on both backends: PostgreSQL refused
it with a 500 (value too long for type character varying), SQLite stored it whole. Found by the
bigger schemathesis run (API token names); the other schemas that allowed more than their column
were found by reading them against the models."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from tests.alerts.test_cap import cap_bytes
from tests.html import db_rows
from tests.orgs.factories import PASSWORD, make_org, make_person, token_headers
from vigil.alerts.models import Alert
from vigil.assessments import versions
from vigil.assessments.models import MethodologyVersion
from vigil.core.config import Settings
from vigil.core.db import get_engine
from vigil.core.errors import is_unstorable_input
from vigil.core.policy import Role
from vigil.notices.models import Notice
from vigil.orgs.models import ApiToken, Person


@pytest.fixture
def coordinator(committed: Session, settings: Settings) -> tuple[Person, dict[str, str]]:
    org = make_org(committed)
    person = make_person(committed, settings, org=org, role=Role.coordinator)
    versions.ensure_shipped(committed)
    headers = token_headers(committed, person, org)
    committed.commit()
    return person, headers


def count(settings: Settings, model: type) -> int:
    return int(db_rows(settings, select(func.count()).select_from(model))[0])


def fields_of(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [e["field"] for e in response.json()["errors"]]


def test_api_token_name_longer_than_its_column_is_refused(
    client: TestClient, coordinator: tuple[Person, dict[str, str]], settings: Settings
) -> None:
    person, headers = coordinator
    tokens = count(settings, ApiToken)

    created = client.post("/api/v1/tokens", headers=headers, json={"name": "n" * 101})
    signed_in = client.post(
        "/api/v1/auth/token",
        json={"email": person.email, "password": PASSWORD, "token_name": "n" * 101},
    )

    assert fields_of(created) == ["name"]
    assert fields_of(signed_in) == ["token_name"]
    assert count(settings, ApiToken) == tokens
    assert client.post("/api/v1/tokens", headers=headers, json={"name": "n" * 100}).is_success


def test_cap_language_longer_than_its_column_is_refused(
    client: TestClient, coordinator: tuple[Person, dict[str, str]], settings: Settings
) -> None:
    _, headers = coordinator
    language = "en-" + "-".join(["abcdefgh"] * 4)  # a well-formed tag of 38 characters
    document = cap_bytes().replace(
        b"<language>en-US</language>", f"<language>{language}</language>".encode()
    )

    response = client.post("/api/v1/alerts/import", content=document, headers=headers)

    assert fields_of(response) == ["cap.info.0.language"]
    assert count(settings, Alert) == 0


def test_methodology_title_longer_than_its_column_is_refused(
    client: TestClient, coordinator: tuple[Person, dict[str, str]], settings: Settings
) -> None:
    _, headers = coordinator
    shipped = client.get("/api/v1/methodologies", headers=headers).json()[0]["id"]
    text = client.get(f"/api/v1/methodologies/{shipped}/yaml", headers=headers).text
    # The title and, when it is given per language, its indented lines.
    title = re.search(r"^title:.*\n(?:[ ]+.*\n)*", text, re.MULTILINE)
    assert title is not None
    versions_before = count(settings, MethodologyVersion)

    response = client.post(
        "/api/v1/methodologies",
        headers=headers,
        json={"yaml": text.replace(title.group(0), "title: " + "T" * 201 + "\n", 1)},
    )

    assert response.status_code == 422, response.text
    assert "title" in response.json()["detail"]
    assert count(settings, MethodologyVersion) == versions_before


def test_a_text_postgresql_cannot_fit_is_input_not_a_server_fault(settings: Settings) -> None:
    """The net under every schema: the database's own refusal answers 422, not 500."""
    if not settings.sqlalchemy_url.startswith("postgresql"):
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    engine = get_engine(settings.sqlalchemy_url)
    with engine.connect() as connection, pytest.raises(DataError) as refused:
        connection.execute(insert(Notice).values(title="T" * 201, owner_org_id=1))

    assert is_unstorable_input(refused.value)
