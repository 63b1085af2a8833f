"""A member's copy of their own data (GDPR art. 15 and 20): their profile and memberships, the
ids and titles of the records they wrote that they may still read, and what the audit log says
they did. Other people's data stays out: no record's content, no audit entry's detail (it may
name others), no record of an organisation they have left.

Here, above every domain, because the records a person wrote are in all of them; each
shareable table is found through core.policy's `Shareable`, so a new domain's records are in
the export without a line here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import Base, utcnow
from vigil.core.policy import Principal, Shareable, visible_clause
from vigil.orgs import accounts, tokens

# The first of these a record's table has is what the export calls its title.
TITLE_COLUMNS = ("title", "name", "headline", "label", "stix_id")


def _shareable_models() -> list[type[Any]]:
    models = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, Shareable)]
    return sorted(models, key=lambda model: model.__tablename__)


def _authored(session: Session, principal: Principal) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for model in _shareable_models():
        title = next((getattr(model, c) for c in TITLE_COLUMNS if hasattr(model, c)), None)
        columns = [model.id, model.owner_org_id] + ([title] if title is not None else [])
        rows = session.execute(
            select(*columns)
            .where(model.author_id == principal.person_id, visible_clause(model, principal))
            .order_by(model.id)
        )
        records = [
            {"id": row[0], "org_id": row[1], "title": row[2] if title is not None else ""}
            for row in rows
        ]
        if records:
            found[model.__tablename__] = records
    return found


def _audit_entries(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            audit.AuditEntry.at,
            audit.AuditEntry.action,
            audit.AuditEntry.org_id,
            audit.AuditEntry.target_type,
            audit.AuditEntry.target_id,
        )
        .where(audit.AuditEntry.actor_id == person_id)
        .order_by(audit.AuditEntry.id)
    )
    return [
        {"at": at.isoformat(), "action": action, "org_id": org, "target": [kind, target]}
        for at, action, org, kind, target in rows
    ]


def personal_export(*, session: Session, principal: Principal) -> dict[str, Any]:
    """Everything the export holds, as JSON-ready data; the export itself is audited."""
    me = accounts.me_read(session=session, principal=principal)
    api_tokens = [
        {"name": t.name, "hint": t.hint, "created_at": t.created_at.isoformat()}
        for t in tokens.list_tokens(session=session, principal=principal)
    ]
    export = {
        "exported_at": utcnow().isoformat(),
        "profile": me.model_dump(mode="json", exclude={"memberships", "acting_org_id"}),
        "memberships": [m.model_dump(mode="json") for m in me.memberships],
        "api_tokens": api_tokens,
        "records_authored": _authored(session, principal),
        "audit_entries": _audit_entries(session, me.id),
    }
    audit.log_action(session, principal, "person.export", target_type="person", target_id=me.id)
    return export
