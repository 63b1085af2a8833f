"""The page a site contact without an account opens from a signed roll-call link: are you
safe? No sign-in; the link's signature and expiry are the permission. A link that expired, or
whose roll-call is over, shows a page saying so and records nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.pages import page_router, parse_form, render
from vigil.core.signed_links import LinkRefused
from vigil.playbooks import rollcall
from vigil.playbooks.schemas import RollCallAnswer

router = page_router()
FormStr = Annotated[str, Form()]


def _refused(request: Request, refused: LinkRefused) -> Response:
    context = {"refusal": refused, "reason": refused.reason.value}
    return render(
        request, "playbooks/answer_link_refused.html", context, status_code=refused.status
    )


@router.get("/rollcall/{token}")
def answer_link_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """The page a site contact opens from the link they were sent: are you safe?"""
    try:
        entry = rollcall.entry_for_token(session, token, secret_key=settings.secret_key)
    except LinkRefused as refused:
        return _refused(request, refused)
    return render(request, "playbooks/answer_link.html", {"entry": entry, "token": token})


@router.post("/rollcall/{token}")
def answer_link(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, answer: FormStr = ""
) -> Response:
    """Record the answer given through a signed link."""
    data = parse_form(RollCallAnswer, answer=answer)
    try:
        entry = rollcall.answer_by_link(session, token, data.answer, secret_key=settings.secret_key)
    except LinkRefused as refused:
        return _refused(request, refused)
    return render(
        request, "playbooks/answer_link.html", {"entry": entry, "token": token, "thanks": True}
    )
