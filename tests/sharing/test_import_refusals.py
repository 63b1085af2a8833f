"""Bad bundles are refused as a whole with an error that says what is wrong, and nothing of them
is written: not JSON, not a bundle, STIX 2.0, a marking or another reference nobody knows,
invalid STIX, an incident field Vigil cannot take, too large, too many objects."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.sharing.import_world import IMPORT, counts, make_world, partner_bundle
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.sharing.extension import VIGIL_EXTENSION_ID

Bundle = dict[str, Any]


def _object(bundle: Bundle, stix_type: str) -> dict[str, Any]:
    return next(o for o in bundle["objects"] if o["type"] == stix_type)


def _set(stix_type: str, **changes: Any) -> Callable[[Bundle], None]:
    def change(bundle: Bundle) -> None:
        _object(bundle, stix_type).update(changes)

    return change


def _drop(stix_type: str, field: str) -> Callable[[Bundle], None]:
    def change(bundle: Bundle) -> None:
        _object(bundle, stix_type).pop(field)

    return change


def _bundle(**changes: Any) -> Callable[[Bundle], None]:
    def change(bundle: Bundle) -> None:
        bundle.update(changes)

    return change


def _unknown_marking(bundle: Bundle) -> None:
    _object(bundle, "incident")["object_marking_refs"] = [
        "marking-definition--00000000-1111-4222-8333-444444444444"
    ]


def _vigil_bias(bundle: Bundle) -> None:
    _object(bundle, "incident")["extensions"] = {
        VIGIL_EXTENSION_ID: {"extension_type": "property-extension", "bias": ["vegetarians"]}
    }


REFUSED: dict[str, tuple[Callable[[Bundle], None], int, str]] = {
    "stix 2.0 bundle": (_bundle(spec_version="2.0"), 422, "the bundle is STIX 2.0"),
    "not a bundle": (_bundle(type="report"), 422, "not a STIX bundle: its type is 'report'"),
    "no objects": (_bundle(objects=[]), 422, "the bundle has no objects"),
    "object without spec_version": (
        _drop("incident", "spec_version"),
        422,
        "spec_version: is missing (a STIX 2.0 object?)",
    ),
    "object of STIX 2.0": (_set("incident", spec_version="2.0"), 422, "is '2.0'"),
    "id of another type": (
        _set("incident", id="report--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"),
        422,
        "names the type 'report' but the object is a incident",
    ),
    "bad timestamp": (_set("incident", modified="yesterday"), 422, "not a STIX timestamp"),
    "unknown marking": (
        _unknown_marking,
        422,
        "refers to marking-definition--00000000-1111-4222-8333-444444444444, which is neither "
        "in the bundle nor known to this instance",
    ),
    "unknown sender": (
        _set("incident", created_by_ref="identity--99999999-1111-4222-8333-444444444444"),
        422,
        "property created_by_ref: refers to identity--99999999",
    ),
    "invalid stix": (_drop("incident", "name"), 422, "is not valid STIX 2.1"),
    "invalid location": (
        _set("location", latitude=123.0, longitude=10.0),
        422,
        "is not valid STIX 2.1",
    ),
    "a bias Vigil does not know": (
        _vigil_bias,
        422,
        f"property extensions.{VIGIL_EXTENSION_ID}.bias",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_bad_bundle_is_refused_saying_what_is_wrong_and_nothing_is_written(
    case: str, client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    change, status, message = REFUSED[case]
    bundle = partner_bundle()
    change(bundle)

    response = client.post(IMPORT, headers=world.headers, json=bundle)

    assert response.status_code == status, response.text
    assert message in response.json()["detail"], response.json()
    assert response.json()["detail"].startswith("Nothing was imported")
    assert counts(settings) == (0, 0)


def test_not_json_is_refused_with_where_it_broke(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    headers = {**world.headers, "Content-Type": "application/stix+json;version=2.1"}

    response = client.post(IMPORT, headers=headers, content=b'{"type": "bundle", "objects": [')

    assert response.status_code == 400, response.text
    assert "not JSON: Expecting value at line 1, column 32" in response.json()["detail"]
    assert counts(settings) == (0, 0)


def test_a_bundle_with_one_bad_object_among_good_ones_imports_nothing(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    bundle = partner_bundle()
    broken = dict(_object(bundle, "incident"), id="incident--7b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e")
    broken["occurred"] = "not a field of any kind"
    broken["object_marking_refs"] = ["marking-definition--00000000-1111-4222-8333-444444444444"]
    bundle["objects"].append(broken)

    response = client.post(IMPORT, headers=world.headers, json=bundle)

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["index"] == len(bundle["objects"]) - 1 and error["stix_id"] == broken["id"]
    assert counts(settings) == (0, 0)


@pytest.fixture
def small_client(settings: Settings) -> Iterator[TestClient]:
    """The app with limits small enough to pass in a test: 4 KiB and 5 objects."""
    limited = settings.model_copy(
        update={"stix_import_max_bytes": 4096, "stix_import_max_objects": 5}
    )
    with TestClient(create_app(limited)) as test_client:
        yield test_client


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(
    small_client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    bundle = partner_bundle()
    bundle["objects"][0]["description"] = "x" * 80_000  # past the limit and the multipart room

    response = small_client.post(IMPORT, headers=world.headers, json=bundle)

    assert response.status_code == 413, response.text
    assert "larger than the limit" in response.json()["detail"]
    uploaded = small_client.post(
        IMPORT,
        headers=world.headers,
        files={"file": ("big.json", json.dumps(bundle).encode() * 20, "application/json")},
    )
    assert uploaded.status_code == 413, uploaded.text
    assert counts(settings) == (0, 0)


def test_a_file_over_the_limit_within_the_multipart_room_is_refused_by_the_import(
    small_client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    raw = b" " * 4097  # over VIGIL_STIX_IMPORT_MAX_BYTES, under it plus the multipart room

    response = small_client.post(
        IMPORT, headers=world.headers, files={"file": ("big.json", raw, "application/json")}
    )

    assert response.status_code == 413, response.text
    assert "at most 4,096 are imported" in response.json()["detail"]


def test_too_many_objects_are_refused(
    small_client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    bundle = partner_bundle()  # identity, location, incident, relationship, indicator, marking

    response = small_client.post(IMPORT, headers=world.headers, json=bundle)

    assert response.status_code == 413, response.text
    assert "the bundle has 6 objects; at most 5" in response.json()["detail"]
    assert counts(settings) == (0, 0)


def test_neither_json_nor_an_upload_is_refused_as_unsupported(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    headers = {**world.headers, "Content-Type": "text/plain"}

    response = client.post(IMPORT, headers=headers, content=b"hello")

    assert response.status_code == 415, response.text
    assert "application/stix+json" in response.json()["detail"]
