"""The HTTP side of transfer: export routes made from a domain's `Export`, and the upload an
import route takes, so each domain's routes stay one line of wiring.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.core.domains import parts_of
from vigil.core.policy import Principal
from vigil.core.transfer.exporting import Export
from vigil.core.transfer.importing import Upload


def csv_upload(
    file: Annotated[UploadFile, File(description="UTF-8 CSV with the export's column codes.")],
    dry_run: Annotated[bool, Query(description="Only check the file; write nothing.")] = True,
) -> Upload:
    return Upload(raw=file.file.read(), filename=file.filename or "", dry_run=dry_run)


UploadDep = Annotated[Upload, Depends(csv_upload)]


def add_export_routes(
    router: APIRouter,
    export: Export[Any, Any],
    *,
    path: str,
    filters: type[BaseModel],
    descriptions: Mapping[str, str],
) -> None:
    """`GET {path}.{fmt}` for each format described, taking the list's filters as query
    parameters; mount before a `{path}/{id}` route so `export.csv` is never read as an id."""
    for fmt, description in descriptions.items():
        router.add_api_route(
            f"{path}.{fmt}",
            _export_route(export, fmt, filters),
            methods=["GET"],
            response_class=StreamingResponse,
            name=f"export_{fmt}",
            description=description,
        )


def _export_route(
    export: Export[Any, Any], fmt: str, filters_type: type[BaseModel]
) -> Callable[..., StreamingResponse]:
    def route(
        request: Request,
        session: Session,
        principal: Principal,
        settings: Settings,
        filters: BaseModel,
    ) -> StreamingResponse:
        bound = export.with_parts(parts_of(request, export.parts)) if export.parts else export
        return bound.response(
            fmt, session=session, principal=principal, settings=settings, filters=filters
        )

    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    route.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", keyword, annotation=Request),
            inspect.Parameter("session", keyword, annotation=SessionDep),
            inspect.Parameter("principal", keyword, annotation=PrincipalDep),
            inspect.Parameter("settings", keyword, annotation=SettingsDep),
            inspect.Parameter("filters", keyword, annotation=Annotated[filters_type, Query()]),
        ],
        return_annotation=StreamingResponse,
    )
    return route
