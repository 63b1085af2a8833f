"""Platform administration's people page: find a person and erase them (orgs.erasure), after
typing their e-mail address again to confirm."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError
from vigil.core.pages import FormStr, SignedInDep, page_router, redirect, render, tr, undo
from vigil.orgs import erasure

router = page_router()


@router.get("/admin/people")
def people_page(
    request: Request, session: SessionDep, viewer: SignedInDep, q: str = ""
) -> Response:
    """Find people by e-mail or name, to erase one (platform administrators)."""
    found = erasure.find_people(session=session, principal=viewer.principal, query=q[:254])
    return render(request, "orgs/people.html", {"q": q, "found": found})


@router.get("/admin/people/{person_id:int}/erase")
def erase_page(
    request: Request, person_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """What erasing this person removes and keeps, and the form to confirm it."""
    person = erasure.get_person(session=session, principal=viewer.principal, person_id=person_id)
    return render(request, "orgs/erase_person.html", {"person": person, "error": None})


@router.post("/admin/people/{person_id:int}/erase")
def erase(
    request: Request,
    person_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    confirm_email: FormStr = "",
) -> Response:
    """Erase the person: their name, e-mail, password, second factor, sessions, tokens and
    memberships go; the records they wrote stay, by a former member."""
    try:
        erasure.erase_person(
            session=session,
            principal=viewer.principal,
            person_id=person_id,
            confirm_email=confirm_email,
        )
    except DomainError as exc:
        undo(session, exc)
        person = erasure.get_person(
            session=session, principal=viewer.principal, person_id=person_id
        )
        context = {"person": person, "error": exc}
        return render(request, "orgs/erase_person.html", context, status_code=exc.status)
    return redirect("/admin/people", request, tr(request, "The person is erased."))
