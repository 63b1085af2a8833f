"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from vigil.core.db import get_engine
from vigil.core.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "The database is unreachable or not at the newest migration."}},
)
def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the newest migration."""
    url = request.app.state.settings.sqlalchemy_url
    try:
        current = current_revision(get_engine(url))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return JSONResponse(
            {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    head = request.app.state.migration_head
    if current != head:
        return JSONResponse(
            {
                "status": "unavailable",
                "database": "reachable",
                "migration": current,
                "expected": head,
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "reachable", "migration": current})


def migration_head(url: str) -> str | None:
    return head_revision(url)
