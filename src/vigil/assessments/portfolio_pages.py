"""HTML pages across assessments: the portfolio of sites ranked by risk (map, table, common
weaknesses, sites lacking their tier's duties), and the methodologies: the shipped ones and an
organisation's own versions, read, copied as YAML, published (errors by line and key) and
withdrawn."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response

from vigil.assessments import portfolio as portfolio_service
from vigil.assessments import versions
from vigil.assessments.models import MethodologyVersion
from vigil.core.datafile import DataFileError
from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError
from vigil.core.pages import SignedInDep, Viewer, page_router, redirect, render, tr, undo
from vigil.core.policy import Role
from vigil.geo.forms import map_home
from vigil.orgs import service as orgs_service

router = page_router()

MAX_YAML_CHARS = 2 * 1024 * 1024


@router.get("/portfolio")
def portfolio_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """Every site you may see, riskiest first, on a map, with the weaknesses most share."""
    found = portfolio_service.portfolio(session=session, principal=viewer.principal)
    points = [
        {
            "id": s.site_id,
            "lat": s.lat,
            "lon": s.lon,
            "title": f"{s.name} ({s.risk})" if s.risk is not None else s.name,
            "url": f"/sites/{s.site_id}",
        }
        for s in found.sites
    ]
    context = {
        "portfolio": found,
        "points": points,
        "assessed": sum(1 for s in found.sites if s.risk is not None),
        "lacking": [s for s in found.sites if s.lacking_duties],
        "home_map": map_home(
            orgs_service.acting_country(session=session, principal=viewer.principal)
        ),
    }
    return render(request, "assessments/portfolio.html", context)


def _may_publish(viewer: Viewer) -> bool:
    return viewer.acting is not None and viewer.acting.role.at_least(Role.coordinator)


@router.get("/methodologies")
def methodologies_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """The shipped methodologies and your organisations' own versions, with their status."""
    found = versions.list_versions(
        session=session, principal=viewer.principal, include_withdrawn=True
    )
    context = {
        "rows": [(v, versions.methodology_of(v)) for v in found],
        "may_publish": _may_publish(viewer),
    }
    return render(request, "assessments/methodologies.html", context)


@router.get("/methodologies/{version_id:int}")
def methodology_page(
    request: Request, version_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """One methodology version: its sections, questions and measures."""
    version = versions.get_version(
        session=session, principal=viewer.principal, version_id=version_id
    )
    context = {
        "version": version,
        "methodology": versions.methodology_of(version),
        "may_publish": _may_publish(viewer),
        "may_withdraw": version.owner_org_id is not None
        and version.status == "published"
        and viewer.principal.has_role(version.owner_org_id, Role.coordinator),
    }
    return render(request, "assessments/methodology.html", context)


def _edit_page(
    request: Request,
    viewer: Viewer,
    *,
    based_on: MethodologyVersion | None,
    yaml_text: str,
    error: DomainError | None = None,
) -> Response:
    problems: list[dict[str, Any]] = []
    if isinstance(error, DataFileError):
        problems = [
            {"line": p.line, "key": p.key or "", "reason": p.reason} for p in error.data_problems
        ]
    context = {
        "based_on": based_on,
        "yaml_text": yaml_text,
        "error": error,
        "problems": problems,
        "file": error.file if isinstance(error, DataFileError) else "",
        "may_publish": _may_publish(viewer),
    }
    status = error.status if error else 200
    return render(request, "assessments/methodology_edit.html", context, status_code=status)


@router.get("/methodologies/{version_id:int}/copy")
def copy_methodology_page(
    request: Request, version_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Make your organisation's own version: the YAML to change, then publish."""
    version = versions.get_version(
        session=session, principal=viewer.principal, version_id=version_id
    )
    return _edit_page(request, viewer, based_on=version, yaml_text=version.yaml_text)


@router.post("/methodologies/publish")
def publish_methodology(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    yaml_text: Annotated[str, Form(max_length=MAX_YAML_CHARS)] = "",
    based_on_id: Annotated[int | None, Form()] = None,
) -> Response:
    """Publish the YAML as your organisation's next version (coordinators)."""
    based_on = None
    try:
        if based_on_id is not None:
            based_on = versions.get_version(
                session=session, principal=viewer.principal, version_id=based_on_id
            )
        version = versions.publish_version(
            session=session,
            principal=viewer.principal,
            yaml_text=yaml_text,
            based_on_id=based_on_id,
        )
    except DomainError as exc:
        undo(session, exc)
        return _edit_page(request, viewer, based_on=based_on, yaml_text=yaml_text, error=exc)
    message = tr(request, "Published as version %(v)s.", v=version.version)
    return redirect(f"/methodologies/{version.id}", request, message)


@router.post("/methodologies/{version_id:int}/withdraw")
def withdraw_methodology(
    request: Request, version_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Withdraw your organisation's version: it takes no new assessments or answers."""
    versions.withdraw_version(session=session, principal=viewer.principal, version_id=version_id)
    return redirect(f"/methodologies/{version_id}", request, tr(request, "Withdrawn."))
