"""Every HTML page of the response under one router, so the app includes the domain once:
the incident room and its live stream, the after-action review, the signed roll-call link, and
the playbooks overview with its metrics."""

from __future__ import annotations

from fastapi import APIRouter

from vigil.playbooks import link_pages, overview_pages, review_pages, room_pages, room_stream

router = APIRouter(include_in_schema=False)
for part in (
    room_pages.router,
    room_stream.router,
    review_pages.router,
    link_pages.router,
    overview_pages.router,
):
    router.include_router(part)
