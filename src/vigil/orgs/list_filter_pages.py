"""The part of each list page (incidents, sites, alerts) that is about the person looking: the
list's state from its query (filters, sort, page), their last filters applied on a bare visit,
and the forms that save, delete and forget filters. Each list page declares a `ListSpec` and
adds these routes under its own path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.listing import ListState, Sorting
from vigil.core.pages import SignedInDep, Viewer, redirect, shown_error, tr, undo
from vigil.orgs import list_filters


@dataclass(frozen=True)
class ListSpec:
    """A list page: its name (the key of what is remembered), path, filter parameters and the
    columns it sorts by."""

    name: str
    path: str
    filter_keys: frozenset[str]
    sorting: Sorting

    @property
    def kept_keys(self) -> frozenset[str]:
        return self.filter_keys | {"sort", "dir"}


def list_state(
    request: Request, session: Session, viewer: Viewer, spec: ListSpec
) -> tuple[ListState, Invalid | None] | Response:
    """The list as asked for; a bare visit of a person who filtered it before is sent to their
    last filters (the address then says so, and shows them)."""
    params = request.query_params.multi_items()
    if not params:
        last = list_filters.remembered(
            session=session, principal=viewer.principal, list_name=spec.name
        )
        if last:
            return RedirectResponse(f"{spec.path}?{last}&remembered=1", status_code=303)
    filters = [(k, v) for k, v in params if k in spec.filter_keys and v]
    sort, problem = spec.sorting.parse(
        request.query_params.get("sort", ""), request.query_params.get("dir", "")
    )
    state = ListState(
        path=spec.path,
        filters=filters,
        sorting=spec.sorting,
        sort=sort,
        remembered="remembered" in request.query_params,
        saved=list_filters.saved_filters(
            session=session, principal=viewer.principal, list_name=spec.name
        ),
        name=spec.name,
    )
    return state, problem


def remember_state(session: Session, viewer: Viewer, spec: ListSpec, state: ListState) -> None:
    """Keep what the list was shown with as the person's last filters (none: forget them).
    Called only when the list was shown without an error, so a bare visit never lands on one."""
    list_filters.remember(
        session=session, principal=viewer.principal, list_name=spec.name, query=state.query
    )


def add_filter_routes(router: APIRouter, spec: ListSpec) -> None:
    """Forget the last filters, save the current ones under a name, delete a saved one."""

    @router.post(f"{spec.path}/filters/forget")
    def forget_filters(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
        """Forget the filters remembered from the last visit and show the whole list."""
        list_filters.forget(session=session, principal=viewer.principal, list_name=spec.name)
        return redirect(spec.path, request, tr(request, "The filters are cleared."))

    @router.post(f"{spec.path}/saved-filters")
    def save_filters(
        request: Request,
        session: SessionDep,
        viewer: SignedInDep,
        name: Annotated[str, Form(max_length=1000)] = "",
        query: Annotated[str, Form(max_length=10_000)] = "",
    ) -> Response:
        """Save the list's current filters under a name, shown as a link above the list."""
        back = spec.path + (f"?{query}" if query else "")
        try:
            kept = list_filters.clean_query(query, spec.kept_keys)
            back = spec.path + (f"?{kept}" if kept else "")
            saved, replaced = list_filters.save_filter(
                session=session, principal=viewer.principal, list_name=spec.name,
                name=name, query=kept,
            )  # fmt: skip
        except DomainError as exc:
            undo(session, exc)
            return redirect(back, request, shown_error(request, exc), kind="error")
        if replaced:
            message = tr(request, "The saved filters “%(name)s” are replaced.", name=saved.name)
        else:
            message = tr(request, "The filters are saved as “%(name)s”.", name=saved.name)
        return redirect(back, request, message)

    @router.post(f"{spec.path}/saved-filters/{{filter_id:int}}/delete")
    def delete_saved_filters(
        request: Request, filter_id: int, session: SessionDep, viewer: SignedInDep
    ) -> Response:
        """Delete one of your saved filters."""
        gone = list_filters.delete_saved_filter(
            session=session, principal=viewer.principal, list_name=spec.name, filter_id=filter_id
        )
        message = tr(request, "The saved filters “%(name)s” are deleted.", name=gone.name)
        return redirect(spec.path, request, message)
