"""Procedure guidance cards (issue 21): the shipped cards load in en, cs and de, every card a
methodology question or a playbook task names exists (an unknown one is an error at its key),
and each card is a page for signed-in members in their language, linked from the questions
that ask whether the procedure exists, on the assessment form and the methodology page."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.assessments.test_pages import World, completed, world  # noqa: F401 - the fixture
from tests.html import html, sign_in
from vigil.assessments.methodology import SHIPPED_DIR, parse_methodology, shipped_methodologies
from vigil.assessments.procedure_cards import CARDS_DIR, load_card, parse_card, shipped_cards
from vigil.core.datafile import DataFileError, line_finder
from vigil.core.localised import text_in
from vigil.playbooks.templates import LIBRARY, parse_template, shipped_templates

CARDS = {
    "unattended_item",
    "bomb_threat_call",
    "evacuation",
    "invacuation_lockdown",
    "run_hide_tell",
}


def test_the_five_cards_load_in_every_language() -> None:
    cards = shipped_cards()
    assert set(cards) == CARDS
    for card in cards.values():
        assert card.languages == ["en", "cs", "de"]
        assert 2 <= len(card.steps) <= 12
        for step in card.steps:
            assert isinstance(step, dict) and set(step) == {"en", "cs", "de"}


def test_every_card_named_by_a_question_or_a_playbook_task_exists() -> None:
    named: set[str] = set()
    for m in shipped_methodologies().values():
        asked = {c for q in m.questions() for c in q.guidance}
        # The procedures' questions link to them: evacuation, invacuation, bomb threat, item.
        assert m.question("pro.01").guidance == ["evacuation"]
        assert "bomb_threat_call" in m.question("pro.05").guidance
        named |= asked
    for template, _text in shipped_templates().values():
        named |= {c for t in template.tasks for c in t.cards}
    assert named == CARDS


def test_an_unknown_card_in_a_question_is_an_error_at_its_key() -> None:
    path = SHIPPED_DIR / "places_of_worship.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("guidance: [evacuation]") == 1
    broken = text.replace("guidance: [evacuation]", "guidance: [evacuaton]")
    with pytest.raises(DataFileError) as raised:
        parse_methodology(broken, file="pow.yaml")
    (problem,) = raised.value.data_problems
    sections = [s["code"] for s in yaml.safe_load(text)["sections"]]
    key = f"sections.{sections.index('procedures')}.questions.0.guidance.0"
    assert problem.key == key
    assert "unknown guidance card 'evacuaton'" in problem.reason
    assert problem.line == broken.splitlines().index("        guidance: [evacuaton]") + 1


def test_an_unknown_card_in_a_playbook_task_is_an_error_at_its_key() -> None:
    text = (LIBRARY / "bomb_threat.yaml").read_text(encoding="utf-8")
    broken = text.replace("cards: [bomb_threat_call]", "cards: [bomb_call]", 1)
    with pytest.raises(DataFileError) as raised:
        parse_template(broken, file="bomb_threat.yaml")
    (problem,) = raised.value.data_problems
    assert problem.key == "tasks.0.cards.0"
    assert "unknown guidance card 'bomb_call'" in problem.reason
    assert problem.line == line_finder(broken)(("tasks", 0, "cards", 0))


def test_a_card_missing_a_language_or_named_unlike_its_file_is_refused(tmp_path: Path) -> None:
    source = (CARDS_DIR / "evacuation.yaml").read_text(encoding="utf-8")
    no_german = source.replace(
        "    de: Die verantwortliche Person", "    fr: Die verantwortliche Person"
    )
    with pytest.raises(DataFileError) as raised:
        parse_card(no_german, file="evacuation.yaml")
    assert raised.value.data_problems[0].key == "steps.0"
    assert "the 'de' text is missing" in raised.value.data_problems[0].reason
    renamed = tmp_path / "evacuate.yaml"
    renamed.write_text(source, encoding="utf-8")
    with pytest.raises(DataFileError, match="the code must be the file name 'evacuate'"):
        load_card(renamed)


def test_card_pages_in_english_and_czech_for_members_only(
    client: TestClient,
    world: World,  # noqa: F811 - the fixture imported above
) -> None:
    assert client.get("/guidance/evacuation", follow_redirects=False).status_code in {303, 401}
    sign_in(client, world.reporter.email)
    card = shipped_cards()["evacuation"]
    for language in ("en", "cs"):
        page = html(client.get("/guidance/evacuation", params={"lang": language}))
        assert page.find("h1").text == text_in(card.title, language)
        steps = page.find("ol", class_="guidance-steps").find_all("li")
        assert [s.text for s in steps] == [
            " ".join(text_in(s, language).split()) for s in card.steps
        ]
    assert page.find("h1").text == "Evakuace"
    listing = html(client.get("/guidance", params={"lang": "cs"}))
    links = {a.attrs["href"] for a in listing.find("ul", class_="guidance-card-list").find_all("a")}
    assert links == {f"/guidance/{code}" for code in CARDS}
    assert client.get("/guidance/no_such_card").status_code == 404


def test_questions_link_their_cards_on_the_form_and_the_methodology_page(
    client: TestClient,
    world: World,  # noqa: F811 - the fixture imported above
    committed: Session,
) -> None:
    a = completed(committed, world, "weak")
    sign_in(client, world.reporter.email)
    form = html(client.get(f"/assessments/{a}/sections/procedures", params={"lang": "cs"}))
    bomb = form.find("fieldset", data_question="pro.05").find("a", data_card="bomb_threat_call")
    assert bomb.attrs["href"] == "/guidance/bomb_threat_call"
    assert bomb.text == "Hrozba výbušninou po telefonu nebo ve zprávě"
    assert not form.find("fieldset", data_question="pro.04").find_all("a")  # asks no procedure
    page = html(client.get(f"/methodologies/{world.version}"))
    lockdown = page.find("li", data_question="pro.03")
    hrefs = [a.attrs["href"] for a in lockdown.find_all("a")]
    assert hrefs == ["/guidance/invacuation_lockdown", "/guidance/run_hide_tell"]
    assert lockdown.find("a").text == "Invacuation and lockdown"
