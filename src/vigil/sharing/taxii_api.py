"""The TAXII 2.1 server at /taxii2/: discovery, one API root, collections, objects (read and
POST), object versions, manifest and status, as the OASIS TAXII 2.1 specification words them.

Every answer is `application/taxii+json;version=2.1`; every error is a TAXII error message.
The routes parse and call `sharing.taxii` and `sharing.taxii_paging` (reads) and
`sharing.taxii_writes` (POST, status).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from vigil.core.config import Settings
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError, Invalid, NotFound
from vigil.core.policy import Principal
from vigil.sharing import taxii, taxii_paging, taxii_writes
from vigil.sharing.taxii_auth import TaxiiPrincipalDep

TAXII_MEDIA = taxii.TAXII_MEDIA
API_ROOT = "/taxii2/vigil/"


class TaxiiResponse(JSONResponse):
    media_type = TAXII_MEDIA


def error_message(status: int, title: str, description: str, headers: dict[str, str]) -> Response:
    """A TAXII error message (TAXII 2.1, 3.6.1)."""
    body = {"title": title, "description": description, "http_status": str(status)}
    return TaxiiResponse(body, status_code=status, headers=headers)


class TaxiiRoute(APIRoute):
    """Routes whose every failure, in a dependency or the handler, is a TAXII error message."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def taxii_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                return error_message(exc.status, exc.title, exc.detail, exc.headers)
            except RequestValidationError as exc:
                detail = "; ".join(str(e.get("msg", "")) for e in exc.errors())
                return error_message(422, "Invalid input", detail, {})
            except StarletteHTTPException as exc:
                headers = dict(exc.headers or {})
                return error_message(exc.status_code, "Error", str(exc.detail), headers)

        return taxii_handler


class NotAcceptable(DomainError):
    status = 406
    title = "Not acceptable"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"


def _is_taxii21(media: str) -> bool:
    kind, *params = [p.strip().lower() for p in media.split(";")]
    versions = [p.removeprefix("version=") for p in params if p.startswith("version=")]
    return kind == "application/taxii+json" and versions in ([], ["2.1"])


def accepts_taxii(request: Request) -> None:
    """406 unless the client accepts TAXII 2.1 (or says nothing, or anything)."""
    accept = request.headers.get("accept", "").strip()
    ranges = [r.split(";")[0].strip() for r in accept.split(",") if r.strip()]
    if not accept or "*/*" in ranges or any(_is_taxii21(r) for r in accept.split(",")):
        return
    raise NotAcceptable(f"This server answers {TAXII_MEDIA}; the request accepts {accept}.")


# Not in Vigil's OpenAPI: TAXII 2.1 is specified by OASIS, its clients discover it at /taxii2/,
# and it answers TAXII error messages, not the problem+json that document declares.
router = APIRouter(
    prefix="/taxii2",
    tags=["taxii"],
    include_in_schema=False,
    route_class=TaxiiRoute,
    default_response_class=TaxiiResponse,
    dependencies=[Depends(accepts_taxii)],
)


def _query(request: Request) -> taxii_paging.ObjectFilter:
    params = request.query_params

    def listed(name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in params.get(name, "").split(",") if v.strip())

    raw_limit = params.get("limit", str(taxii_paging.DEFAULT_PAGE))
    if not raw_limit.isdigit() or int(raw_limit) < 1:
        raise Invalid("limit", "must be a whole number of at least 1")
    after = params.get("added_after")
    return taxii_paging.ObjectFilter(
        added_after=taxii.parse_timestamp("added_after", after) if after else None,
        ids=listed("match[id]"),
        types=listed("match[type]"),
        versions=listed("match[version]") or ("last",),
        spec_versions=listed("match[spec_version]"),
        limit=min(int(raw_limit[:7]), taxii_paging.MAX_PAGE),
        next=params.get("next") or None,
    )


def _paged(page: taxii_paging.Page, body: dict[str, Any] | str) -> Response:
    headers = {}
    if page.first_added and page.last_added:
        headers["X-TAXII-Date-Added-First"] = taxii.taxii_time(page.first_added)
        headers["X-TAXII-Date-Added-Last"] = taxii.taxii_time(page.last_added)
    if isinstance(body, str):
        return Response(body, media_type=TAXII_MEDIA, headers=headers)
    return TaxiiResponse(body, headers=headers)


def _object_page(
    session: Session,
    settings: Settings,
    principal: Principal,
    collection_id: str,
    query: taxii_paging.ObjectFilter,
) -> taxii_paging.Page:
    """A page of one object's versions in a collection; 404 when the reader finds none."""
    _, page = taxii_paging.collection_page(session, settings, principal, collection_id, query)
    if not page.rows and not query.next:
        raise NotFound("No such object in this collection, or you may not read it.")
    return page


@router.get("/")
def discovery(request: Request, _principal: TaxiiPrincipalDep) -> dict[str, Any]:
    """TAXII server discovery: this server's one API root."""
    root = str(request.base_url).rstrip("/") + API_ROOT
    return {
        "title": "Vigil TAXII 2.1",
        "description": "STIX 2.1 objects of this Vigil instance, read through its access policy.",
        "default": root,
        "api_roots": [root],
    }


@router.get("/vigil/")
def api_root(_principal: TaxiiPrincipalDep) -> dict[str, Any]:
    """The API root's information."""
    return {
        "title": "Vigil",
        "description": "Collections are audiences: TLP:CLEAR, each network's TLP:GREEN, each "
        "organisation's TLP:AMBER. TLP:RED never leaves.",
        "versions": [TAXII_MEDIA],
        "max_content_length": taxii_writes.MAX_CONTENT_BYTES,
    }


@router.get("/vigil/collections/")
def collections(
    session: SessionDep, settings: SettingsDep, principal: TaxiiPrincipalDep
) -> dict[str, Any]:
    """The collections you may read."""
    found = taxii.collections_of(session, settings, principal)
    return {"collections": [c.as_taxii() for c in found]}


@router.get("/vigil/collections/{collection_id}/")
def collection(
    collection_id: str, session: SessionDep, settings: SettingsDep, principal: TaxiiPrincipalDep
) -> dict[str, Any]:
    """One collection you may read."""
    return taxii.get_collection(session, settings, principal, collection_id).as_taxii()


@router.get("/vigil/collections/{collection_id}/objects/")
def get_objects(
    collection_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: TaxiiPrincipalDep,
) -> Response:
    """A page of the collection's objects you may read (match[...], added_after, limit, next)."""
    query = _query(request)
    _, page = taxii_paging.collection_page(session, settings, principal, collection_id, query)
    return _paged(page, taxii_paging.objects_envelope(page))


@router.post("/vigil/collections/{collection_id}/objects/", status_code=202)
async def add_objects(
    collection_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: TaxiiPrincipalDep,
) -> Response:
    """Add an envelope of objects to your organisation's collection; answered with a status."""
    content_type = request.headers.get("content-type", "")
    if not _is_taxii21(content_type):
        raise UnsupportedMediaType(f"Send the envelope as {TAXII_MEDIA}.")
    found = taxii.get_collection(session, settings, principal, collection_id)
    raw = await taxii_writes.read_body(request)
    status = taxii_writes.add_objects(
        session=session, principal=principal, collection=found, raw=raw
    )
    return TaxiiResponse(status, status_code=202)


@router.get("/vigil/collections/{collection_id}/manifest/")
def get_manifest(
    collection_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: TaxiiPrincipalDep,
) -> Response:
    """What the collection holds for you: id, date added, version, media type."""
    query = _query(request)
    _, page = taxii_paging.collection_page(session, settings, principal, collection_id, query)
    return _paged(page, taxii_paging.manifest(page))


@router.get("/vigil/collections/{collection_id}/objects/{object_id}/")
def get_object(
    collection_id: str,
    object_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: TaxiiPrincipalDep,
) -> Response:
    """One object of the collection (its latest version unless match[version] says)."""
    query = replace(_query(request), ids=(object_id,))
    page = _object_page(session, settings, principal, collection_id, query)
    return _paged(page, taxii_paging.objects_envelope(page))


@router.get("/vigil/collections/{collection_id}/objects/{object_id}/versions/")
def get_object_versions(
    collection_id: str,
    object_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: TaxiiPrincipalDep,
) -> Response:
    """The versions of one object of the collection, oldest first."""
    query = replace(_query(request), ids=(object_id,), versions=("all",))
    page = _object_page(session, settings, principal, collection_id, query)
    return _paged(page, taxii_paging.versions(page))


@router.get("/vigil/status/{status_id}/")
def get_status(status_id: str, session: SessionDep, principal: TaxiiPrincipalDep) -> Any:
    """The outcome of one POST of objects by your organisation."""
    return taxii_writes.get_status(session=session, principal=principal, status_id=status_id)
