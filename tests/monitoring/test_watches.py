"""Watches through the API and the command line: coordinators manage, members read, refusals
say what is wrong."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.orgs.factories import make_org, make_person, token_headers
from tests.sites.factories import acting, make_site
from tests.test_cli import _env
from vigil.core.config import Settings, get_settings
from vigil.core.policy import Role
from vigil.monitoring.watch_cli import watches_app

API = "/api/v1/monitoring/watches"


def test_coordinators_manage_watches_and_members_read_them(
    committed: Session, settings: Settings, client: TestClient
) -> None:
    org = make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    viewer = make_person(committed, settings, org=org, role=Role.viewer)
    site = make_site(committed, acting(committed, coordinator, org), name="Old Synagogue")
    boss, reader = token_headers(committed, coordinator), token_headers(committed, viewer)
    committed.commit()

    term = client.post(API, headers=boss, json={"kind": "term", "value": "Stolperstein"})
    assert term.status_code == 201, term.text
    place = client.post(
        API,
        headers=boss,
        json={"kind": "place", "value": "Potsdam", "lat": 52.39, "lon": 13.06, "radius_km": 5},
    )
    assert place.status_code == 201, place.text
    aliases = client.post(
        API,
        headers=boss,
        json={"kind": "site", "site_id": site.id, "aliases": ["Alte Synagoge", "the Old Shul"]},
    )
    assert aliases.status_code == 201, aliases.text
    assert aliases.json()["aliases"] == ["Alte Synagoge", "the Old Shul"]
    assert aliases.json()["lat"] == site.lat

    listed = client.get(API, headers=reader).json()
    assert sorted(w["kind"] for w in listed) == ["place", "site", "term"]
    only_terms = client.get(API, headers=reader, params={"kind": "term"}).json()
    assert [w["value"] for w in only_terms] == ["Stolperstein"]
    refused = client.post(API, headers=reader, json={"kind": "term", "value": "arson"})
    assert refused.status_code == 403
    no_point = client.post(API, headers=boss, json={"kind": "place", "value": "Somewhere"})
    assert no_point.status_code == 422 and "lat and lon" in no_point.text
    stranger = make_org(committed)
    foreign = make_site(
        committed,
        acting(committed, make_person(committed, settings, org=stranger, role=Role.analyst),
               stranger),
    )  # fmt: skip
    committed.commit()
    not_ours = client.post(API, headers=boss, json={"kind": "site", "site_id": foreign.id})
    assert not_ours.status_code == 422 and "site of your organisation" in not_ours.text

    assert client.delete(f"{API}/{term.json()['id']}", headers=reader).status_code == 403
    assert client.delete(f"{API}/{term.json()['id']}", headers=boss).status_code == 204
    assert "Stolperstein" not in client.get(API, headers=reader).text


def test_watches_from_the_command_line(
    committed: Session, settings: Settings, tmp_path: Path
) -> None:
    org = make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    viewer = make_person(committed, settings, org=org, role=Role.viewer)
    committed.commit()
    env = _env(settings.sqlalchemy_url, tmp_path / "data")

    def run(*args: str) -> tuple[int, str]:
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(watches_app, list(args), env=env)
        finally:
            get_settings.cache_clear()
        return result.exit_code, result.output

    code, out = run("add", "term", "--org", org.slug, "--by", coordinator.email,
                    "--value", "memorial stone")  # fmt: skip
    assert code == 0, out
    watch_id = out.split()[1]
    code, out = run("list", "--org", org.slug, "--by", viewer.email)
    assert code == 0 and f"{watch_id}\tterm\tmemorial stone" in out
    code, out = run("add", "place", "--org", org.slug, "--by", coordinator.email)
    assert code == 2 and "lat and lon" in out
    code, out = run("add", "term", "--org", org.slug, "--by", viewer.email, "--value", "arson")
    assert code == 2 and "Coordinator or higher" in out
    code, out = run("remove", watch_id, "--org", org.slug, "--by", coordinator.email)
    assert code == 0, out
    code, out = run("list", "--org", org.slug, "--by", viewer.email)
    assert code == 0 and out.strip() == ""
