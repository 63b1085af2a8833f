"""Playbooks in several languages (issue 17): templates carry each text per language, the room
and the playbooks page show the reader's language with the English fallback marked, activations
from before (plain English, or a snapshot that no longer loads) still show, the API lists every
language of a title, and `vigil playbooks lint` reports each text missing a declared language."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.html import html, sign_in
from tests.playbooks.factories import make_team
from tests.playbooks.test_templates import GOOD, line_of, problems_of
from vigil.cli import app as cli_app
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.playbooks.models import Activation
from vigil.playbooks.templates import LIBRARY, parse_template

TRANSLATED = GOOD.replace(
    "title: A small playbook", "languages: [en, cs, de]\ntitle: A small playbook"
)


def _translated(text: str, *, german: bool = True) -> str:
    """GOOD with every text given in en, cs and de (or without German)."""
    out = []
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        name = key.strip().removeprefix("- ")
        if name in {"title", "guidance", "text"} and value:
            pad = " " * (len(key) - len(key.lstrip()) + (2 if key.strip().startswith("- ") else 0))
            out.append(f"{key}:")
            out.append(f"{pad}  en: {value}")
            out.append(f"{pad}  cs: {value} (cs)")
            if german:
                out.append(f"{pad}  de: {value} (de)")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _lint(tmp_path: Path, text: str) -> tuple[int, str]:
    path = tmp_path / "small.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["playbooks", "lint", str(path)])
    return result.exit_code, result.output


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_playbooks_are_complete_in_english_czech_and_german(path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["playbooks", "lint", str(path)])
    assert result.exit_code == 0, result.output
    assert "complete in en, cs, de" in result.output


def test_lint_names_file_line_and_key_of_each_text_missing_german(tmp_path: Path) -> None:
    complete = _translated(TRANSLATED)
    assert _lint(tmp_path, complete)[0] == 0
    broken = complete.replace("\n      de: Call the police (de)\n", "\n")
    code, output = _lint(tmp_path, broken)
    assert code == 1
    line = line_of(broken, "en: Call the police")
    assert output.splitlines() == [
        f"{tmp_path / 'small.yaml'}:{line}: tasks.1.title: no text in de"
    ]


def test_lint_reports_a_language_the_file_does_not_declare(tmp_path: Path) -> None:
    typo = _translated(TRANSLATED).replace(
        "  cs: Police all-clear (cs)", "  cz: Police all-clear (cs)"
    )
    code, output = _lint(tmp_path, typo)
    assert code == 1
    assert "reopening_criteria.0.text: no text in cs" in output
    assert "reopening_criteria.0.text: cz is not among the file's languages (en, cs, de)" in output


def test_plain_strings_stay_english_and_a_mapping_needs_english() -> None:
    assert parse_template(GOOD, file="x").languages == ["en"]
    no_english = _translated(GOOD).replace("      en: Call the police\n", "")
    [(line, key, reason)] = problems_of(no_english)
    assert key.startswith("tasks.1.title") and "must have English" in reason
    assert line == line_of(no_english, "cs: Call the police (cs)")
    long = _translated(GOOD).replace("cs: Be ready (cs)", "cs: " + "x" * 301)
    assert any("longer than 300" in r for _, _, r in problems_of(long))
    assert any(
        "English ('en') must be one of the languages" in r
        for _, _, r in problems_of(GOOD.replace("code: small", "code: small\nlanguages: [cs]"))
    )


def _activate(
    client: TestClient, team_headers: dict[str, str], incident_id: int, code: str
) -> None:
    answer = client.post(
        f"/api/v1/incidents/{incident_id}/playbook",
        json={"template_code": code},
        headers=team_headers,
    )
    assert answer.status_code == 201, answer.text


def test_room_shows_the_readers_language_and_marks_the_english_fallback(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    _activate(client, team.coordinator_headers, team.incident_id, "bomb_threat")
    sign_in(client, team.member.email)
    room = f"/incidents/{team.incident_id}/room"

    czech = html(client.get(room, params={"lang": "cs"}))
    titles = [t.text for t in czech.find_all("strong", class_="task-title")]
    assert "Zavolejte policii" in titles and "Call the police" not in titles
    assert not czech.find_all("span", class_="fallback")
    assert "Policie odvolala nebezpečí" in czech.find("ul", class_="criteria").text
    checklists = " ".join(c.text for c in czech.find_all("ul", class_="checklist"))
    assert "Předmět nepřemisťujte, neotvírejte ani nezakrývejte" in checklists
    meta = czech.find("div", id="room-live").find("p", class_="meta").text
    assert "Hrozba výbušninou nebo podezřelý předmět" in meta

    german = html(client.get(room, params={"lang": "de"}))
    assert "Rufen Sie die Polizei" in [
        t.text for t in german.find_all("strong", class_="task-title")
    ]

    french = html(client.get(room, params={"lang": "fr"}))  # no French in the shipped files
    marked = [
        t.find("span", class_="fallback") for t in french.find_all("strong", class_="task-title")
    ]
    assert all(m.attrs["lang"] == "en" for m in marked)
    assert "Call the police" in [m.text for m in marked]
    assert len(french.find_all("small", class_="fallback-note")) > len(marked)

    english = html(client.get(room, params={"lang": "en"}))
    assert not english.find_all(class_="fallback") and "Call the police" in english.text


def test_playbooks_page_and_api_give_titles_in_every_language(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    _activate(client, team.coordinator_headers, team.incident_id, "armed_attack")
    listed = client.get("/api/v1/playbooks", headers=team.member_headers).json()
    bomb = next(p for p in listed if p["code"] == "bomb_threat")
    assert bomb["title"] == "Bomb threat or suspicious item"
    assert bomb["titles"]["cs"] == "Hrozba výbušninou nebo podezřelý předmět"
    assert bomb["titles"]["de"] == "Bombendrohung oder verdächtiger Gegenstand"
    playbook = client.get(
        f"/api/v1/incidents/{team.incident_id}/playbook", headers=team.member_headers
    ).json()
    assert playbook["title"] == "Armed attack or marauding attacker at a crowded place"

    sign_in(client, team.member.email)
    page = html(client.get("/playbooks", params={"lang": "de"}))
    running = page.find("ul", class_="responses-active").text
    assert "Bewaffneter Angriff oder umherziehender Täter an einem belebten Ort" in running


def test_a_version_published_in_plain_english_and_an_unreadable_snapshot_still_show(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    published = client.post(
        "/api/v1/playbooks",
        json={
            "source": GOOD.replace("incident_types: [threat]", "incident_types: [extreme_violence]")
        },
        headers=team.coordinator_headers,
    )
    assert published.status_code == 201, published.text
    assert published.json()["titles"] == {"en": "A small playbook"}
    _activate(client, team.coordinator_headers, team.incident_id, "small")
    sign_in(client, team.member.email)
    room = f"/incidents/{team.incident_id}/room"
    page = html(client.get(room, params={"lang": "cs"}))
    assert "Call the police" in [s.text for s in page.find_all("span", class_="fallback")]

    # A snapshot from an older Vigil that no longer loads: the stored English, marked.
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(
            update(Activation)
            .values(template_text="tasks: [")
            .where(Activation.incident_id == team.incident_id)
        )
    page = html(client.get(room, params={"lang": "cs"}))
    assert "Call the police" in [s.text for s in page.find_all("span", class_="fallback")]
    meta = page.find("div", id="room-live").find("p", class_="meta")
    assert meta.find("span", class_="fallback").text == "A small playbook"
