"""JSON API of notices; every read passes through core.policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.notices import service
from vigil.notices.schemas import NoticeCreate, NoticePage, NoticeRead, NoticeUpdate

router = APIRouter(prefix="/api/v1/notices", tags=["notices"])


@router.get("", response_model=NoticePage)
def list_notices(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> NoticePage:
    """Notices you may read, newest first."""
    return service.list_notices(session=session, principal=principal, limit=limit, offset=offset)


@router.post("", response_model=NoticeRead, status_code=201)
def create_notice(data: NoticeCreate, session: SessionDep, principal: PrincipalDep) -> NoticeRead:
    """Publish a notice for your organisation (analyst or higher)."""
    notice = service.create_notice(session=session, principal=principal, data=data)
    return service.read_notice(session=session, principal=principal, notice_id=notice.id)


@router.get("/{notice_id}", response_model=NoticeRead)
def get_notice(notice_id: int, session: SessionDep, principal: PrincipalDep) -> NoticeRead:
    """One notice, if it is shared with you."""
    return service.read_notice(session=session, principal=principal, notice_id=notice_id)


@router.patch("/{notice_id}", response_model=NoticeRead)
def update_notice(
    notice_id: int, data: NoticeUpdate, session: SessionDep, principal: PrincipalDep
) -> NoticeRead:
    """Edit a notice; lowering its TLP needs a coordinator and is audited."""
    service.update_notice(session=session, principal=principal, notice_id=notice_id, data=data)
    return service.read_notice(session=session, principal=principal, notice_id=notice_id)
