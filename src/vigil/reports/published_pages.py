"""Published annual reports, for everyone without signing in: the TLP:CLEAR page at its stable
URL (/published/{organisation}/{report}), its PDF, and the figures widget other sites may
embed in a frame. Everything shown is what publishing froze."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import NotFound
from vigil.core.localisation import for_organisation
from vigil.core.middleware import frame_ancestors
from vigil.core.pages import ViewerDep, page_router, render
from vigil.orgs import directory
from vigil.orgs import service as orgs_service
from vigil.reports import annual_published
from vigil.reports.annual_view import body_context, pdf_response

router = page_router()
BASE = "/published/{org_slug}"


def _org(request: Request, session: Session, org_slug: str) -> tuple[int, str]:
    """The organisation whose page this is: its language and zone for a visitor without theirs."""
    org = directory.organisation_by_slug(session=session, slug=org_slug)
    if org is None:
        raise NotFound("No organisation here.")
    for_organisation(request, locale=org.default_locale, zone=orgs_service.organisation_zone(org))
    return org.id, org.name


def _context(request: Request, session: Session, org_slug: str, slug: str) -> dict[str, Any]:
    org_id, name = _org(request, session, org_slug)
    content = annual_published.published_report(session=session, org_id=org_id, slug=slug)
    return body_context(request, content, org_name=name, draft=False) | {
        "org_slug": org_slug,
        "published_at": content["published_at"],
    }


@router.get(BASE + "/widget")
@frame_ancestors("*")
def widget(request: Request, org_slug: str, session: SessionDep, viewer: ViewerDep) -> Response:
    """The latest published report's headline figures, for other sites to embed."""
    org_id, name = _org(request, session, org_slug)
    content = annual_published.latest_published(session=session, org_id=org_id)
    context = {
        "content": content,
        "figures": content["figures"],
        "org_name": name,
        "org_slug": org_slug,
    }
    return render(request, "reports/annual_widget.html", context)


@router.get(BASE + "/{slug}.pdf")
def published_pdf(
    request: Request,
    org_slug: str,
    slug: str,
    session: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
) -> Response:
    """The published report as a PDF."""
    context = _context(request, session, org_slug, slug)
    return pdf_response(request, context, settings=settings, filename=f"{org_slug}-{slug}.pdf")


@router.get(BASE + "/{slug}")
def published(
    request: Request, org_slug: str, slug: str, session: SessionDep, viewer: ViewerDep
) -> Response:
    """The published report: a TLP:CLEAR page at a stable URL."""
    return render(
        request, "reports/annual_published.html", _context(request, session, org_slug, slug)
    )
