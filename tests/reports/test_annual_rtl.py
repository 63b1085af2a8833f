"""The annual report's PDF in Hebrew, read back from where its glyphs were printed: the page
runs right to left, and a date and a Latin place name inside a Hebrew sentence keep their own
left-to-right order in the right place (issue 17)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.core.bidi_pdf import Line, line_with, lines
from tests.html import sign_in, submit
from tests.reports.annual_world import incident
from tests.reports.test_annual_pages import create, make_team
from vigil.core.config import Settings

SENTENCE = "האירוע התרחש ב־12.03.2025 ליד Oranienburger Straße בברלין."
NOTABLE = "מדבקות שנאה בתחנת Alexanderplatz בבוקר."
A4_MARGIN_PT = 14 / 25.4 * 72  # the side margin of annual_pdf.html's @page


def assert_reads_right_to_left(line: Line, *hebrew: str) -> None:
    """Each Hebrew word reads right to left and the first written is printed rightmost."""
    placed = [line.word(w) for w in hebrew]
    assert [p.reads for p in placed] == ["rtl"] * len(placed), line.visual
    rights = [p.right for p in placed]
    assert rights == sorted(rights, reverse=True), (line.visual, rights)


def assert_right_aligned(line: Line) -> None:
    """The line ends at the right margin and leaves its room on the left."""
    right_gap = line.page_width - line.right
    assert right_gap < A4_MARGIN_PT + 12, (line.visual, right_gap)
    assert line.left - A4_MARGIN_PT > right_gap + 60, (line.visual, line.left)


def test_hebrew_annual_pdf_runs_right_to_left_with_the_date_and_place_inside(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    clear = incident(
        committed, settings, team.principal, local=dt.datetime(2025, 2, 3, 10), tlp="clear"
    )
    committed.commit()
    sign_in(client, team.coordinator.email)
    builder = create(client)
    assert submit(client, builder, builder + "/sections/summary", {"text": SENTENCE}).is_redirect
    picked = submit(
        client, builder, builder + "/notable", {"incident_id": str(clear), "summary": NOTABLE}
    )
    assert picked.status_code == 303
    pdf = client.get(builder + ".pdf?lang=he")
    assert pdf.status_code == 200

    line = line_with(pdf.content, "האירוע", "Oranienburger")
    assert_reads_right_to_left(line, "האירוע", "התרחש", "ליד", "בברלין")
    assert_right_aligned(line)
    # The Latin name reads left to right, whole, between the words around it.
    oranienburger, strasse = line.word("Oranienburger"), line.word("Straße")
    assert (oranienburger.reads, strasse.reads) == ("ltr", "ltr")
    assert oranienburger.right < strasse.left
    assert line.word("בברלין").right < oranienburger.left
    assert strasse.right < line.word("ליד").left
    # The date reads day, month, year from the left, after "took place on" (to its left).
    date = line.word("12.03.2025")
    assert date.reads == "ltr"
    assert line.word("ליד").right < date.left and date.right < line.word("התרחש").left

    # The organisation's name (Latin) comes first, so it is printed rightmost, before the dates.
    head = line_with(pdf.content, team.org.name, "2025-01-01")
    assert head.word(team.org.name.split()[0]).left > head.word("2025-01-01").right, head.visual
    assert head.word("2025-01-01").left > head.word("2025-12-31").right, head.visual
    # A notable incident: its date, then its summary to the left; the Latin name inside reads
    # left to right.
    notable = line_with(pdf.content, "2025-02-03", "מדבקות")
    assert notable.word("2025-02-03").left > notable.word("מדבקות").right, notable.visual
    assert_reads_right_to_left(notable, "מדבקות", "שנאה")
    assert line_with(pdf.content, "Alexanderplatz").word("Alexanderplatz").reads == "ltr"
    # Page numbers read "1 / 4", not "4 / 1".
    pages = len([line for line in lines(pdf.content) if " / " in line.visual])
    assert line_with(pdf.content, f"1 / {pages}").visual.strip().startswith(f"1 / {pages}")
