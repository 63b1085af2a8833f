"""JSON API of operations: a member's export of their own data."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.ops.personal_export import personal_export

router = APIRouter(prefix="/api/v1", tags=["account"])


def export_download(data: dict[str, Any]) -> Response:
    """The export as a JSON file to save, kept by no cache."""
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="vigil-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/me/export")
def export_my_data(session: SessionDep, principal: PrincipalDep) -> Response:
    """A copy of your own data: profile, memberships, API tokens (names only), the ids and
    titles of the records you wrote, and your audit entries (without their details)."""
    return export_download(personal_export(session=session, principal=principal))
