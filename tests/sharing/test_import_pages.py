"""The STIX import page and command: the form, a posted bundle's result (the records and the
objects kept raw), a bad bundle's problems; the operator's `vigil sharing import`."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import csrf_of, html, sign_in
from tests.orgs.factories import make_person
from tests.sharing.import_world import counts, make_world, partner_bundle
from tests.test_cli import Vigil, _env
from vigil.core.config import Settings
from vigil.core.policy import Role


def test_the_page_imports_an_uploaded_bundle_and_lists_what_it_kept(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    sign_in(client, world.coordinator.email)
    form = html(client.get("/sharing/import"))
    assert form.find("input", type="file", name="bundle")

    response = client.post(
        "/sharing/import",
        data={"csrf_token": csrf_of(form)},
        files={
            "bundle": ("partner.json", json.dumps(partner_bundle()).encode(), "application/json")
        },
    )

    assert response.status_code == 201, response.text
    page = html(response)
    kept = page.find("table", id="kept").find("tbody").find_all("tr")
    assert [row.find_all("td")[0].text for row in kept] == ["indicator"]
    [record] = page.find("table", id="records").find("tbody").find_all("tr")
    assert "created" in record.text and record.find("a").attrs["href"].startswith("/incidents/")
    assert page.find("dd", data_outcome="created").text == "1"


def test_the_page_shows_every_problem_of_a_bad_bundle(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    sign_in(client, world.coordinator.email)
    bundle = partner_bundle()
    for obj in bundle["objects"]:
        if obj["type"] == "incident":
            obj["spec_version"] = "2.0"
    token = csrf_of(html(client.get("/sharing/import")))

    response = client.post(
        "/sharing/import",
        data={"csrf_token": token},
        files={"bundle": ("bad.json", json.dumps(bundle).encode(), "application/json")},
    )

    assert response.status_code == 422
    page = html(response)
    assert "Nothing was imported" in page.find(role="alert").text
    assert "spec_version" in page.find("ul", id="problems").text
    assert counts(settings) == (0, 0)


def test_the_page_refuses_an_analyst(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    analyst = make_person(committed, settings, org=world.importer, role=Role.analyst)
    committed.commit()
    sign_in(client, analyst.email)
    token = csrf_of(html(client.get("/sharing/import")))

    response = client.post(
        "/sharing/import",
        data={"csrf_token": token},
        files={"bundle": ("p.json", json.dumps(partner_bundle()).encode(), "application/json")},
    )

    assert response.status_code == 403
    assert counts(settings) == (0, 0)


def test_the_command_imports_into_the_organisation_it_names(
    committed: Session, settings: Settings, tmp_path: Path
) -> None:
    world = make_world(committed, settings)
    vigil = Vigil(_env(settings.sqlalchemy_url, settings.data_dir))
    file = tmp_path / "partner.json"
    file.write_text(json.dumps(partner_bundle()))

    result = vigil("sharing", "import", str(file), "--org", str(world.importer.id))

    assert result.exit_code == 0, result.output
    assert "1 created" in result.output and "kept raw: indicator--" in result.output
    assert counts(settings) == (1, 1)
    file.write_text("{nope")
    refused = vigil("sharing", "import", str(file), "--org", str(world.importer.id))
    assert refused.exit_code == 2 and "not JSON" in refused.output
