"""Property test of TAXII against the policy oracle (issue 13): a client gets exactly what its
person may read, RED never.

The worlds are the access-policy property test's (tests/core/test_policy_property.py):
Hypothesis draws organisation trees, networks, people with roles and memberships (several,
or none; platform administrators too) and records at every TLP with random owner, author and
recipient organisations and people. The STIX store is filled from them, and each person's
client reads every collection TAXII lists for it, page by page, through the real ASGI app. The
incident and notice objects it gets must be the records `tests.policy_oracle` says it may read,
less the RED ones, which never leave the instance. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from sqlalchemy import delete
from sqlalchemy.orm import Session

from tests.core.test_policy_property import (
    Inserted,
    Scenario,
    expected_readable,
    insert_scenario,
    remove_everything,
    scenarios,
)
from vigil.core.config import Settings
from vigil.core.policy import TLP
from vigil.sharing import store
from vigil.sharing.ids import instance_namespace, stix_id
from vigil.sharing.markings import TLP2_MARKING_IDS
from vigil.sharing.models import StixObject

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/vigil"
# Small pages, so that paging is part of what is checked.
PAGE = 4


def record_stix_ids(settings: Settings, ids: Inserted) -> list[tuple[str, str]]:
    """Per record of the scenario (by index): the STIX ids of its incident and its notice."""
    namespace = instance_namespace(settings)
    return [
        (
            stix_id(namespace, "incident", "incident", incident_id),
            stix_id(namespace, "note", "notice", notice_id),
        )
        for incident_id, notice_id in zip(
            ids.record_ids["incidents"], ids.record_ids["notices"], strict=True
        )
    ]


def objects_of(client: TestClient, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every object of one collection, through all its pages."""
    found: list[dict[str, Any]] = []
    params: dict[str, str | int] = {"limit": PAGE}
    while True:
        response = client.get(f"{url}objects/", headers=headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        found += body.get("objects", [])
        if not body["more"]:
            return found
        params = {"limit": PAGE, "next": body["next"]}


def taxii_reads(client: TestClient, headers: dict[str, str]) -> tuple[set[str], set[str]]:
    """The ids of every object the client gets from all the collections it may read, and the
    TLP marking refs they carry."""
    listing = client.get(f"{ROOT}/collections/", headers=headers)
    assert listing.status_code == 200, listing.text
    ids: set[str] = set()
    markings: set[str] = set()
    for collection in listing.json().get("collections", []):
        assert collection["can_read"]
        for obj in objects_of(client, f"{ROOT}/collections/{collection['id']}/", headers):
            ids.add(obj["id"])
            markings.update(obj.get("object_marking_refs", []))
    return ids, markings


def clear_store(session: Session) -> None:
    session.rollback()
    session.execute(delete(StixObject.__recipients__))
    session.execute(delete(StixObject))
    session.commit()


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_taxii_gives_every_person_what_the_tlp_table_allows_and_never_red(
    client: TestClient, committed: Session, settings: Settings, scenario: Scenario
) -> None:
    try:
        ids = insert_scenario(committed, scenario)
        store.refresh(committed, settings, since=None)
        committed.commit()
        per_record = record_stix_ids(settings, ids)
        ours = {stix for pair in per_record for stix in pair}
        red = {stix for pair, spec in zip(per_record, scenario.notices, strict=True)
               if spec.tlp == "red" for stix in pair}  # fmt: skip
        for person, spec in enumerate(scenario.people):
            headers = {**ids.headers[person], "Accept": TAXII}
            allowed = {
                stix
                for index in expected_readable(scenario, ids, person)
                for stix in per_record[index]
            } - red
            got, markings = taxii_reads(client, headers)
            where = f"person {person} ({spec}) in {scenario}"
            assert got & ours == allowed, where
            assert TLP2_MARKING_IDS[TLP.red] not in markings, where
    finally:
        clear_store(committed)
        remove_everything(committed)
