"""A person's filters of the list pages: the last ones they used on each list, applied when
they open it again without a query, and the ones they saved under a name. Both belong to the
person alone: nobody else reads, changes or deletes them. Saving and deleting are audited like
other changes; remembering is not (it happens on every filtered visit).

The query string is kept as the list was shown, with only the list's own parameters: what it
holds is the list page's to parse again, with its usual checks.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound, Unauthorized
from vigil.core.policy import Principal
from vigil.orgs.models import ListPreference, SavedFilter

NAME_MAX_CHARS = 100
QUERY_MAX_CHARS = 2000
SAVED_PER_LIST = 50


def clean_query(query: str, keys: Collection[str]) -> str:
    """The query with only the list's parameters that have a value, in their order."""
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k in keys and v]
    return _not_too_long(urlencode(kept))


def _not_too_long(query: str) -> str:
    if len(query) > QUERY_MAX_CHARS:
        raise Invalid("query", "the filters are too long to keep (at most %(most)s characters)",
                      most=QUERY_MAX_CHARS)  # fmt: skip
    return query


def _person(principal: Principal) -> int:
    if principal.person_id is None:
        raise Unauthorized("Sign in to keep filters.")
    return principal.person_id


def remembered(*, session: Session, principal: Principal, list_name: str) -> str:
    """The query the person last filtered the list with ("" when none)."""
    if principal.person_id is None:
        return ""
    row = session.get(ListPreference, (principal.person_id, list_name))
    return row.query if row else ""


def remember(*, session: Session, principal: Principal, list_name: str, query: str) -> None:
    """Keep `query` as the person's last filters of the list; an empty one forgets them."""
    if principal.person_id is None:
        return
    row = session.get(ListPreference, (principal.person_id, list_name))
    if not query:
        if row is not None:
            session.delete(row)
        return
    if len(query) > QUERY_MAX_CHARS:
        return  # too long to keep: the list still shows it, it is just not remembered
    if row is None:
        session.add(ListPreference(person_id=principal.person_id, list_name=list_name,
                                   query=query, updated_at=utcnow()))  # fmt: skip
    elif row.query != query:
        row.query, row.updated_at = query, utcnow()


def forget(*, session: Session, principal: Principal, list_name: str) -> None:
    remember(session=session, principal=principal, list_name=list_name, query="")


def saved_filters(*, session: Session, principal: Principal, list_name: str) -> list[SavedFilter]:
    """The person's own saved filters of the list, by name."""
    if principal.person_id is None:
        return []
    return list(
        session.scalars(
            select(SavedFilter)
            .where(
                SavedFilter.person_id == principal.person_id, SavedFilter.list_name == list_name
            )  # fmt: skip
            .order_by(func.lower(SavedFilter.name), SavedFilter.id)
        )
    )


def save_filter(
    *, session: Session, principal: Principal, list_name: str, name: str, query: str
) -> tuple[SavedFilter, bool]:
    """Save the filters under a name; a name the person already gave (in any case) is replaced.
    Returns the saved filter and whether it replaced one."""
    person_id = _person(principal)
    name = " ".join(name.split())
    if not name:
        raise Invalid("name", "give the filters a name")
    if len(name) > NAME_MAX_CHARS:
        raise Invalid("name", "at most %(most)s characters", most=NAME_MAX_CHARS)
    if not query:
        raise Invalid("query", "choose some filters or a sort before saving")
    _not_too_long(query)
    mine = saved_filters(session=session, principal=principal, list_name=list_name)
    same = next((s for s in mine if s.name.lower() == name.lower()), None)
    if same is None and len(mine) >= SAVED_PER_LIST:
        raise Invalid("name", "you have %(most)s saved filters here: delete one first",
                      most=SAVED_PER_LIST)  # fmt: skip
    if same is None:
        same = SavedFilter(person_id=person_id, list_name=list_name, name=name, query=query,
                           created_at=utcnow())  # fmt: skip
        session.add(same)
        session.flush()
    else:
        same.name, same.query = name, query
    _log(session, principal, "saved_filter.save", same, replaced=same in mine)
    return same, same in mine


def delete_saved_filter(
    *, session: Session, principal: Principal, list_name: str, filter_id: int
) -> SavedFilter:
    """Delete one of the person's saved filters; another's is not found, as if it did not
    exist."""
    person_id = _person(principal)
    found = session.get(SavedFilter, filter_id)
    if found is None or found.person_id != person_id or found.list_name != list_name:
        raise NotFound("No such saved filter.")
    _log(session, principal, "saved_filter.delete", found)
    session.execute(delete(SavedFilter).where(SavedFilter.id == found.id))
    return found


def _log(
    session: Session, principal: Principal, action: str, saved: SavedFilter, **detail: object
) -> None:
    audit.log_action(
        session,
        principal,
        action,
        target_type="saved_filter",
        target_id=saved.id,
        detail={"list": saved.list_name, "name": saved.name, **detail},
    )
