"""HTML pages of notices: the list, the form to publish one, and one notice with its TLP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError
from vigil.core.pages import (
    SignedInDep,
    Viewer,
    page_router,
    parse_form,
    redirect,
    render,
    tr,
    undo,
)
from vigil.core.policy import DEFAULT_TLP, TLP
from vigil.notices import service
from vigil.notices.schemas import NoticeCreate
from vigil.orgs import service as orgs_service
from vigil.orgs.recipients import TLP_ORDER

router = page_router()

PAGE_SIZE = 20


@router.get("/notices")
def notices_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Notices shared with you, newest first."""
    page = service.list_notices(
        session=session, principal=viewer.principal, limit=PAGE_SIZE, offset=offset
    )
    return render(request, "notices/list.html", {"page": page})


def _new_notice_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    organisations = orgs_service.list_organisations(session=session, principal=viewer.principal)
    context = {
        "organisations": [o for o in organisations if o.id != viewer.principal.acting_org_id],
        "tlps": TLP_ORDER,
        "form": form or {"tlp": DEFAULT_TLP.value, "recipients": []},
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "notices/new.html", context, status_code=status)


@router.get("/notices/new")
def new_notice_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """The form to publish a notice for your organisation."""
    return _new_notice_page(request, session, viewer)


@router.post("/notices/new")
def create_notice(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    tlp: Annotated[str, Form()] = DEFAULT_TLP.value,
    recipient_org_ids: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies it
) -> Response:
    """Publish the notice and show it."""
    try:
        data = parse_form(
            NoticeCreate,
            title=title,
            body=body,
            tlp=tlp,
            recipients={"organisation_ids": recipient_org_ids},
        )
        notice = service.create_notice(session=session, principal=viewer.principal, data=data)
    except DomainError as exc:
        undo(session, exc)
        form = {"title": title, "body": body, "tlp": tlp, "recipients": recipient_org_ids}
        return _new_notice_page(request, session, viewer, form=form, error=exc)
    return redirect(f"/notices/{notice.id}", request, tr(request, "The notice is published."))


@router.get("/notices/{notice_id:int}")
def notice_page(
    request: Request, notice_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """One notice, if it is shared with you."""
    notice = service.read_notice(session=session, principal=viewer.principal, notice_id=notice_id)
    names = {
        o.id: o.name
        for o in orgs_service.list_organisations(session=session, principal=viewer.principal)
    }
    context = {"notice": notice, "org_names": names, "tlp": TLP(notice.tlp)}
    return render(request, "notices/detail.html", context)
