"""The procedure guidance cards as pages: a list of them and one page per card, plain HTML
that reads on a phone without JavaScript, linked from the questions that ask whether a
procedure exists and from the playbook tasks that carry it out.

Who may read them: any signed-in member. The advice is public-domain in substance, but the
pages sit inside Vigil's signed-in area like every other page, so a site's people reach them
with the account they already use in an incident, and nothing here is served to the open web.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from vigil.assessments.procedure_cards import card, shipped_cards
from vigil.core.errors import NotFound
from vigil.core.pages import SignedInDep, page_router, render

router = page_router()


@router.get("/guidance")
def cards_page(request: Request, viewer: SignedInDep) -> Response:
    """Every card, by title, with its one-line summary."""
    return render(request, "assessments/guidance_cards.html", {"cards": shipped_cards()})


@router.get("/guidance/{code}")
def card_page(request: Request, code: str, viewer: SignedInDep) -> Response:
    """One card: its summary and numbered steps."""
    found = card(code)
    if found is None:
        raise NotFound("No procedure card '%(code)s'.", code=code)
    return render(request, "assessments/guidance_card.html", {"card": found})
