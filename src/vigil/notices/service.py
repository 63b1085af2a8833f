"""Notices: create, read (always through core.policy), update with audited TLP changes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, NotFound
from vigil.core.policy import Principal, Role, acting_org, scope
from vigil.notices.models import Notice
from vigil.notices.schemas import NoticeCreate, NoticePage, NoticeRead, NoticeUpdate
from vigil.orgs import directory as orgs_directory
from vigil.orgs.recipients import (
    Recipients,
    change_tlp,
    get_recipients,
    recipients_of,
    set_recipients,
)


def create_notice(*, session: Session, principal: Principal, data: NoticeCreate) -> Notice:
    org_id = acting_org(principal, Role.analyst)
    notice = Notice(
        owner_org_id=org_id,
        author_id=principal.person_id,
        title=data.title,
        body=data.body,
        tlp=data.tlp.value,
    )
    session.add(notice)
    session.flush()
    set_recipients(session, notice, data.recipients)
    audit.log_action(
        session,
        principal,
        "notice.create",
        target_type="notices",
        target_id=notice.id,
        org_id=org_id,
        detail={"tlp": data.tlp.value},
    )
    return notice


def notice_read(notice: Notice, org_name: str, recipients: Recipients | None) -> NoticeRead:
    """Recipients are given only to members of the owning organisation."""
    return NoticeRead(
        id=notice.id,
        title=notice.title,
        body=notice.body,
        tlp=notice.tlp,
        owner_org_id=notice.owner_org_id,
        owner_org_name=org_name,
        author_id=notice.author_id,
        created_at=notice.created_at,
        updated_at=notice.updated_at,
        recipients=recipients,
    )


def list_notices(
    *, session: Session, principal: Principal, limit: int = 50, offset: int = 0
) -> NoticePage:
    base = scope(select(Notice.id), Notice, principal)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    owners = orgs_directory.organisation_names_subquery()
    rows = session.execute(
        scope(
            select(Notice, owners.c.name).join(owners, owners.c.id == Notice.owner_org_id),
            Notice,
            principal,
        )
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    owned = [n.id for n, _ in rows if n.owner_org_id in principal.org_ids]
    recipients = recipients_of(session, Notice, owned)
    items = [notice_read(n, name, recipients.get(n.id)) for n, name in rows]
    return NoticePage(items=items, total=total, limit=limit, offset=offset)


def get_notice(*, session: Session, principal: Principal, notice_id: int) -> Notice:
    notice = session.scalar(scope(select(Notice).where(Notice.id == notice_id), Notice, principal))
    if notice is None:
        raise NotFound("No such notice, or it is not shared with you.")
    return notice


def read_notice(*, session: Session, principal: Principal, notice_id: int) -> NoticeRead:
    notice = get_notice(session=session, principal=principal, notice_id=notice_id)
    names = orgs_directory.organisation_names(session=session, org_ids=[notice.owner_org_id])
    owned = notice.owner_org_id in principal.org_ids
    recipients = get_recipients(session, notice) if owned else None
    return notice_read(notice, names.get(notice.owner_org_id, ""), recipients)


def update_notice(
    *, session: Session, principal: Principal, notice_id: int, data: NoticeUpdate
) -> Notice:
    notice = get_notice(session=session, principal=principal, notice_id=notice_id)
    if not principal.has_role(notice.owner_org_id, Role.analyst):
        raise Forbidden("Only analysts of the owning organisation may edit this notice.")
    changes = data.model_dump(exclude_unset=True, exclude={"tlp", "recipients"})
    for field, value in changes.items():
        setattr(notice, field, value)
    if data.tlp is not None:
        change_tlp(session, principal, notice, data.tlp)
    if data.recipients is not None:
        set_recipients(session, notice, data.recipients)
    notice.updated_at = utcnow()
    audit.log_action(
        session,
        principal,
        "notice.update",
        target_type="notices",
        target_id=notice.id,
        org_id=notice.owner_org_id,
        detail={"fields": sorted(data.model_dump(exclude_unset=True))},
    )
    return notice


def any_notices(session: Session) -> bool:
    return session.scalar(select(Notice.id).limit(1)) is not None


def notices_changed_since(
    *,
    session: Session,
    since: dt.datetime | None,
    after_id: int,
    limit: int,
    owner_org_id: int | None = None,
) -> list[NoticeRead]:
    """Notices edited at or after `since` (all when None), by id after `after_id`, RED
    included, with their recipients: the source of sharing's STIX store, which applies
    `core.policy` to what it holds when it answers. Unscoped: never show these to a person."""
    owners = orgs_directory.organisation_names_subquery()
    stmt = select(Notice, owners.c.name).join(owners, owners.c.id == Notice.owner_org_id)
    stmt = stmt.where(Notice.id > after_id)
    if since is not None:
        stmt = stmt.where(Notice.updated_at >= since)
    if owner_org_id is not None:
        stmt = stmt.where(Notice.owner_org_id == owner_org_id)
    rows = session.execute(stmt.order_by(Notice.id).limit(limit)).all()
    recipients = recipients_of(session, Notice, [n.id for n, _ in rows])
    return [notice_read(n, name, recipients[n.id]) for n, name in rows]
