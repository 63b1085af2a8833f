"""TAXII 2.1 protocol details over the ASGI app: media types and Accept negotiation, TAXII
error messages (401, 403, 404, 406, 415, 422), filters, keyset paging and its headers, and
the store following edits of the records."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.orgs.factories import PASSWORD
from tests.sharing.taxii_world import World, make_world, readable
from vigil.core.config import Settings
from vigil.incidents.models import Incident
from vigil.sharing import store
from vigil.sharing.taxii import collection_id

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/vigil"


def bearer(world: World, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[key]}", "Accept": TAXII}


def clear_url(settings: Settings) -> str:
    return f"{ROOT}/collections/{collection_id(settings, 'clear')}"


def test_taxii_error_messages(client: TestClient, committed: Session, settings: Settings) -> None:
    world = make_world(committed, settings)
    anonymous = client.get(f"{ROOT}/collections/", headers={"Accept": TAXII})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == TAXII
    assert anonymous.json()["http_status"] == "401" and anonymous.json()["title"]
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    headers = bearer(world, "stranger")
    wrong_accept = client.get(f"{ROOT}/", headers={**headers, "Accept": "application/xml"})
    assert wrong_accept.status_code == 406 and wrong_accept.json()["http_status"] == "406"
    owner_collection = collection_id(settings, f"organisation:{world.owner.id}")
    hidden = client.get(f"{ROOT}/collections/{owner_collection}/objects/", headers=headers)
    assert hidden.status_code == 404
    not_taxii = client.post(f"{clear_url(settings)}/objects/", headers=headers, json={})
    assert not_taxii.status_code == 415
    read_only = client.post(
        f"{clear_url(settings)}/objects/",
        headers={**headers, "Content-Type": TAXII},
        content=b'{"objects": []}',
    )
    assert read_only.status_code == 403 and read_only.json()["http_status"] == "403"
    bad_cursor = client.get(f"{clear_url(settings)}/objects/?next=nonsense", headers=headers)
    assert bad_cursor.status_code == 422


def test_basic_auth_with_password_or_token(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)

    def basic(user: str, password: str) -> dict[str, str]:
        raw = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {raw}", "Accept": TAXII}

    email = world.people["partner"].email
    assert client.get(f"{ROOT}/collections/", headers=basic(email, PASSWORD)).status_code == 200
    assert client.get(f"{ROOT}/", headers=basic("any", world.tokens["partner"])).status_code == 200
    assert client.get(f"{ROOT}/", headers=basic(email, "wrong password!")).status_code == 401


def test_keyset_pages_filters_and_date_added_headers(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    headers = bearer(world, "owner")
    url = f"{clear_url(settings)}/objects/"
    seen: list[str] = []
    page = client.get(url, headers=headers, params={"limit": 2})
    while True:
        assert page.status_code == 200 and page.headers["content-type"] == TAXII
        body = page.json()
        seen += [o["id"] for o in body["objects"]]
        assert page.headers["X-TAXII-Date-Added-First"] <= page.headers["X-TAXII-Date-Added-Last"]
        if not body["more"]:
            break
        page = client.get(url, headers=headers, params={"limit": 2, "next": body["next"]})
    whole = client.get(url, headers=headers).json()["objects"]
    assert seen == [o["id"] for o in whole] and len(seen) == len(set(seen))
    notes = client.get(url, headers=headers, params={"match[type]": "note"}).json()["objects"]
    assert {o["type"] for o in notes} == {"note"} and len(notes) == 2
    one = client.get(url, headers=headers, params={"match[id]": notes[0]["id"]}).json()
    assert [o["id"] for o in one["objects"]] == [notes[0]["id"]]
    last = page.headers["X-TAXII-Date-Added-Last"]
    later = client.get(url, headers=headers, params={"added_after": last}).json()
    assert later["objects"] == []
    spec = client.get(url, headers=headers, params={"match[spec_version]": "2.0"}).json()
    assert spec["objects"] == []


def test_an_edit_reaches_the_store_and_red_leaves_it(
    committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    clear = committed.scalars(select(Incident).where(Incident.tlp == "clear")).first()
    assert clear is not None
    committed.execute(update(Incident).where(Incident.id == clear.id).values(title="Renamed"))
    committed.commit()
    store.refresh_changed(committed, settings)
    committed.commit()
    rows = committed.scalars(
        select(store.StixObject).where(
            store.StixObject.record_kind == "incident", store.StixObject.record_id == clear.id
        )
    ).all()
    assert rows and any('"name":"Renamed"' in r.body for r in rows)
    committed.execute(update(Incident).where(Incident.id == clear.id).values(tlp="red"))
    committed.commit()
    store.refresh_changed(committed, settings)
    committed.commit()
    gone = committed.scalars(
        select(store.StixObject).where(
            store.StixObject.record_kind == "incident", store.StixObject.record_id == clear.id
        )
    ).all()
    assert gone == []
    assert readable(world, "owner")
