"""The assessment report's PDF in Hebrew, read back from where its glyphs were printed: a
Hebrew note with a date and a Latin street name, the site's Latin name and the report's tables
run right to left (issue 17)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.assessments.factories import answer_all, operator_with_site, shipped
from tests.core.bidi_pdf import line_with
from tests.html import sign_in
from tests.orgs.factories import make_person
from vigil.assessments import service, versions
from vigil.core.config import Settings
from vigil.core.policy import Role

NOTE = "נבדק ב־12.03.2025 ליד Rykestrasse."


def test_hebrew_assessment_pdf_runs_right_to_left_with_the_date_and_street_inside(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org, principal, site = operator_with_site(committed, settings)
    version = shipped(committed)
    methodology = versions.methodology_of(version)
    a = service.start_assessment(
        session=committed, principal=principal, site_id=site.id, version_id=version.id
    )
    answers = answer_all(methodology, site.type, "weak")
    first = next(iter(answers))
    service.save_answers(
        session=committed,
        principal=principal,
        assessment_id=a.id,
        answers=answers,
        notes={first: NOTE},
    )
    service.complete_assessment(session=committed, principal=principal, assessment_id=a.id)
    reader = make_person(committed, settings, org=org, role=Role.viewer)
    committed.commit()
    sign_in(client, reader.email)
    pdf = client.get(f"/assessments/{a.id}/report.pdf?lang=he")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"

    note = line_with(pdf.content, "נבדק", "Rykestrasse")
    checked, near = note.word("נבדק"), note.word("ליד")
    assert (checked.reads, near.reads) == ("rtl", "rtl"), note.visual
    date, street = note.word("12.03.2025"), note.word("Rykestrasse")
    assert (date.reads, street.reads) == ("ltr", "ltr"), note.visual
    # Read from the right: checked, on the date, near, the street.
    assert checked.left > date.right > date.left > near.right > near.left > street.right
    # The site's Latin name stays whole and left to right inside the Hebrew title and table.
    name = line_with(pdf.content, "Synagogue", "Rykestrasse")
    assert name.word("Synagogue").right < name.word("Rykestrasse").left
    # A table's first column (the row's label) is the rightmost.
    facts = line_with(pdf.content, "Synagogue Rykestrasse")
    assert facts.right > facts.page_width / 2
