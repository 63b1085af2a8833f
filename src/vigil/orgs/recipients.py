"""The recipients of shareable records, and their TLP, as every domain writes them.

A record's named recipients are organisations and people, checked here against the tables of
who is who; its TLP may be loosened only by a coordinator of the owner. Reading is
`core.policy`; this is the write side, so that recipients and TLP changes are validated and
audited the same way everywhere.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import Forbidden, Invalid
from vigil.core.policy import TLP, Principal, Role
from vigil.orgs.models import Organisation, Person

TLP_ORDER = [TLP.red, TLP.amber_strict, TLP.amber, TLP.green, TLP.clear]


class Recipients(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_ids: list[int] = Field(default_factory=list, max_length=500)
    person_ids: list[int] = Field(default_factory=list, max_length=500)


def is_loosening(old: TLP, new: TLP) -> bool:
    return TLP_ORDER.index(new) > TLP_ORDER.index(old)


def check_recipients(session: Session, recipients: Recipients) -> None:
    for field, model, ids in (
        ("recipients.organisation_ids", Organisation, recipients.organisation_ids),
        ("recipients.person_ids", Person, recipients.person_ids),
    ):
        wanted = set(ids)
        if not wanted:
            continue
        found = set(session.scalars(select(model.id).where(model.id.in_(wanted))))
        missing = sorted(wanted - found)
        if missing:
            raise Invalid(field, "unknown id(s): %(ids)s", ids=", ".join(map(str, missing)))


def set_recipients(session: Session, record: Any, recipients: Recipients) -> None:
    check_recipients(session, recipients)
    table = type(record).__recipients__
    session.execute(delete(table).where(table.c.record_id == record.id))
    rows = [
        {"record_id": record.id, "org_id": o, "person_id": None}
        for o in set(recipients.organisation_ids)
    ]
    rows += [
        {"record_id": record.id, "org_id": None, "person_id": p} for p in set(recipients.person_ids)
    ]
    if rows:
        session.execute(insert(table), rows)


def get_recipients(session: Session, record: Any) -> Recipients:
    return recipients_of(session, type(record), [record.id])[record.id]


def recipients_of(session: Session, model: Any, ids: list[int]) -> dict[int, Recipients]:
    """The recipients of many records of one model in one query."""
    table = model.__recipients__
    found: dict[int, Recipients] = {i: Recipients() for i in ids}
    if not ids:
        return found
    rows = session.execute(
        select(table.c.record_id, table.c.org_id, table.c.person_id)
        .where(table.c.record_id.in_(ids))
        .order_by(table.c.org_id, table.c.person_id)
    )
    for record_id, org_id, person_id in rows:
        if org_id is not None:
            found[record_id].organisation_ids.append(org_id)
        if person_id is not None:
            found[record_id].person_ids.append(person_id)
    return found


def change_tlp(session: Session, principal: Principal, record: Any, new: TLP) -> None:
    """Loosening TLP is a coordinator action of the owner organisation; every change is audited."""
    old = TLP(record.tlp)
    if new == old:
        return
    if is_loosening(old, new) and not principal.has_role(record.owner_org_id, Role.coordinator):
        raise Forbidden("Only a coordinator of the owning organisation may lower the TLP.")
    record.tlp = new.value
    audit.log_action(
        session,
        principal,
        "tlp.change",
        target_type=type(record).__tablename__,
        target_id=record.id,
        org_id=record.owner_org_id,
        detail={"from": old.value, "to": new.value},
    )
