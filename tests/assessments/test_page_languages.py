"""Assessment pages, the report and its PDF in the reader's language, on SQLite and PostgreSQL:
a Czech reader answers Czech questions and gets a Czech PDF, a Polish reader (no Polish in the
methodology) gets the English marked as such, and every score is the same in every language.
A shipped version stored before it had translations gets them without changing its results."""

from __future__ import annotations

import json

import pypdfium2 as pdfium
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.assessments.test_pages import World, completed, world  # noqa: F401 - the fixture
from tests.html import Node, html, sign_in
from vigil.assessments import service, versions
from vigil.assessments.methodology import SHIPPED_DIR
from vigil.assessments.models import Assessment, MethodologyVersion
from vigil.core.localised import text_in


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def first_question(page: Node) -> Node:
    return page.find("fieldset", data_question="gov.01").find("legend")


def test_czech_reader_answers_in_czech_and_gets_a_czech_pdf(
    client: TestClient,
    world: World,  # noqa: F811 - the fixture imported above
    committed: Session,
) -> None:
    q = world.methodology.question("gov.01")
    a = completed(committed, world, "weak")
    sign_in(client, world.reporter.email)
    page = html(client.get(f"/assessments/{a}/sections/governance?lang=cs"))
    assert page.find("html").attrs["lang"] == "cs"
    legend = first_question(page)
    assert text_in(q.text, "cs") in legend.text
    assert text_in(q.text, "en") not in page.text
    assert not page.find_all(class_="fallback")
    assert page.find("h1").text.strip() == "Řízení a bezpečnostní plán"
    maturity = page.find("fieldset", data_question="gov.05")
    # The question's own Czech wording of its levels (issue 21), not the general labels.
    own = world.methodology.question("gov.05").level_text(0)
    assert own and text_in(own, "cs") in " ".join(maturity.text.split())

    pdf = client.get(f"/assessments/{a}/report.pdf?lang=cs")
    assert pdf.status_code == 200
    text = " ".join(pdf_text(pdf.content).split())
    assert "Řízení a bezpečnostní plán" in text
    assert "Governance and security plan" not in text
    officer = text_in(world.methodology.measure("m.gov.officer").text, "cs")
    assert " ".join(officer.split()[:6]) in text


def test_polish_reader_gets_the_english_marked_as_a_fallback(
    client: TestClient,
    world: World,  # noqa: F811
    committed: Session,
) -> None:
    q = world.methodology.question("gov.01")
    a = completed(committed, world, "weak")
    sign_in(client, world.reporter.email)
    page = html(client.get(f"/assessments/{a}/sections/governance?lang=pl"))
    assert page.find("html").attrs["lang"] == "pl"
    marked = first_question(page).find("span", class_="fallback")
    assert marked.attrs["lang"] == "en" and marked.text == text_in(q.text, "en")
    assert first_question(page).find("small", class_="fallback-note")
    h1 = page.find("h1").find("span", class_="fallback")
    assert h1.attrs["lang"] == "en" and h1.text == "Governance and security plan"
    # German is in the file: a German reader gets it, not marked.
    german = html(client.get(f"/assessments/{a}/sections/governance?lang=de"))
    assert text_in(q.text, "de") in first_question(german).text
    assert not german.find_all(class_="fallback")
    # The result page marks the measures and sections it shows in English, too.
    result = html(client.get(f"/assessments/{a}?lang=pl"))
    assert result.find("p", class_="measure-text").find("span", class_="fallback", lang="en")


def shown_numbers(page: Node) -> list[tuple[str, str, str]]:
    return [
        (d.attrs["data-value"], d.attrs["data-formula"], d.attrs["data-inputs"])
        for d in page.find_all("details", class_="explain")
    ]


def test_scores_are_the_same_in_every_language(
    client: TestClient,
    world: World,  # noqa: F811
    committed: Session,
) -> None:
    a = completed(committed, world, "weak")
    stored = committed.get(Assessment, a)
    assert stored is not None and stored.result_json
    result = json.loads(stored.result_json)
    sign_in(client, world.reporter.email)
    pages = {lang: html(client.get(f"/assessments/{a}?lang={lang}")) for lang in ("en", "cs", "pl")}
    numbers = {lang: shown_numbers(page) for lang, page in pages.items()}
    assert len(numbers["en"]) > 20
    assert numbers["en"] == numbers["cs"] == numbers["pl"]
    headline = pages["cs"].find("div", class_="risk-headline").find("details", class_="explain")
    assert float(headline.attrs["data-value"]) == result["risk"]["risk"]["value"]
    # What is stored stays English whatever the language of the person who completed it.
    titles = [s["title"] for s in result["vulnerability"]["sections"]]
    assert titles[0] == "Governance and security plan"


def english_only(text: str) -> str:
    """A shipped file as it was before its translations: every text in English only."""

    def strip(value: object) -> object:
        if isinstance(value, dict):
            if set(value) == {"en", "cs", "de"}:
                return value["en"]
            return {k: strip(v) for k, v in value.items() if k != "languages"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return yaml.safe_dump(strip(yaml.safe_load(text)), allow_unicode=True, sort_keys=False)


def test_a_stored_english_version_gets_the_translations_and_keeps_its_scores(
    client: TestClient,
    world: World,  # noqa: F811
    committed: Session,
) -> None:
    row = committed.get(MethodologyVersion, world.version)
    assert row is not None
    shipped = (SHIPPED_DIR / "places_of_worship.yaml").read_text(encoding="utf-8")
    # A stored version whose scores differ from the file is not replaced under its number.
    reweighted = english_only(shipped).replace("weight: 3", "weight: 2", 1)
    row.yaml_text = reweighted
    committed.commit()
    versions.ensure_shipped(committed)
    committed.commit()
    assert row.yaml_text == reweighted

    row.yaml_text = english_only(shipped)  # as a database made before the translations has it
    committed.commit()
    a = completed(committed, world, "weak")
    before = committed.get(Assessment, a)
    assert before is not None
    stored, rescored = before.result_json, service.score_now(committed, before).as_dict()

    again = {v.code: v for v in versions.ensure_shipped(committed)}["places_of_worship"]
    committed.commit()
    assert again.id == world.version and again.yaml_text == shipped
    after = committed.get(Assessment, a)
    assert after is not None and after.result_json == stored
    assert service.score_now(committed, after).as_dict() == rescored
    committed.commit()
    sign_in(client, world.reporter.email)
    page = html(client.get(f"/assessments/{a}/sections/governance?lang=cs"))
    assert page.find("h1").text.strip() == "Řízení a bezpečnostní plán"
