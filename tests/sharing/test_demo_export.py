"""Every object the demo data exports, for each demo organisation, passes the strict validator
and names no person."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.orgs.factories import token_headers
from tests.sharing.stix_checks import assert_strictly_valid, objects_of
from vigil.core.config import Settings
from vigil.demo import load_demo
from vigil.orgs import accounts
from vigil.orgs.models import Person

COORDINATORS = [
    "coordinator@jcs-berlin.example",
    "coordinator@prague-security.example",
    "coordinator@vienna-crisis.example",
    "liaison@police-berlin.example",
]


def test_demo_bundles_are_strictly_valid_and_name_no_person(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    load_demo(settings)
    people = committed.execute(select(Person.name, Person.email)).all()
    headers = {}
    for email in COORDINATORS:
        person = accounts.person_by_email(committed, email)
        assert person is not None, email
        headers[email] = token_headers(committed, person)
    committed.commit()

    seen = 0
    for email, auth in headers.items():
        response = client.get("/api/v1/sharing/stix/bundle?limit=5000", headers=auth)
        if response.status_code == 403:  # not an analyst anywhere: may not export
            continue
        assert response.status_code == 200, (email, response.text)
        bundle = response.json()
        assert_strictly_valid(bundle)
        seen += len(objects_of(bundle, "incident"))
        text = json.dumps(bundle)
        for name, address in people:
            assert address not in text and f'"{name}"' not in text, (email, name)
    assert seen > 100
