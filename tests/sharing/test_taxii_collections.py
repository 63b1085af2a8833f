"""The shortcuts the TAXII server takes for speed give the answers of the slow path: one
collection looked up by its audience is the collection the full listing gives (or none), a
page read through windows holds what the access rule gives over the whole collection, and the
store's statistics are taken on PostgreSQL when asked."""

from __future__ import annotations

import pytest
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from tests.sharing.taxii_world import add_incident, make_world, share_with
from vigil.core.config import Settings
from vigil.core.errors import NotFound
from vigil.core.policy import TLP, Principal, visible_clause
from vigil.orgs import accounts
from vigil.sharing import store, taxii, taxii_paging
from vigil.sharing.models import StixObject


def test_one_collection_by_its_audience_is_the_one_the_listing_gives(
    committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    orgs = [world.owner, world.partner, world.partner_child, world.peer, world.stranger]
    audiences = ["clear", *(f"organisation:{o.id}" for o in orgs)]
    audiences += [f"network:{n}" for n in range(1, 4)]
    kinds_found: set[str] = set()
    for key, person in world.people.items():
        principal = accounts.principal_for(committed, person.id)
        listed = {c.id: c for c in taxii.collections_of(committed, settings, principal)}
        for audience in audiences:
            wanted = taxii.collection_id(settings, audience)
            for remembered in (True, False):
                if not remembered:
                    taxii._AUDIENCES.clear()  # the slow path: the full listing
                try:
                    found = taxii.get_collection(committed, settings, principal, wanted)
                except NotFound:
                    assert wanted not in listed, (key, audience, remembered)
                    continue
                expected = listed[wanted]
                kinds_found.add(audience.partition(":")[0])
                assert (found.id, found.title, found.can_write, found.org_id) == (
                    expected.id,
                    expected.title,
                    expected.can_write,
                    expected.org_id,
                ), (key, audience, remembered)
    assert kinds_found == {"clear", "network", "organisation"}


def test_keep_statistics_analyses_on_postgresql_only(
    committed: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "ANALYZE_AFTER_ROWS", 0)
    analysed = store.keep_statistics(committed)
    assert analysed == (committed.get_bind().dialect.name == "postgresql")
    committed.commit()


def _rule_over_the_collection(
    session: Session, collection: taxii.Collection, principal: Principal
) -> list[str]:
    """The slow path: the access rule applied to the whole collection in one query (the
    latest version of each object), in paging order."""
    newer = aliased(StixObject)
    stmt = (
        select(StixObject.stix_id)
        .where(collection.holds, visible_clause(StixObject, principal))
        .where(
            ~exists().where(newer.stix_id == StixObject.stix_id, newer.version > StixObject.version)
        )
        .order_by(StixObject.date_added, StixObject.id)
    )
    return list(session.scalars(stmt))


def test_pages_read_through_windows_hold_what_the_rule_gives_over_the_collection(
    committed: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page tests the rule on a window of the collection and widens it until the page is
    full: whatever the page size and the widest window, every reader gets exactly the rows
    the rule gives over the whole collection, in order, once; and a collection a reader may
    not open stays closed, even when a page of it would hold its owner's identity alone."""
    world = make_world(committed, settings)
    for number in range(24):  # mostly rows the partner may not read, between ones it may
        incident = add_incident(committed, world.owner, TLP.amber, f"Window {number}")
        if number % 7 == 3:
            share_with(committed, incident, world.partner)
    store.refresh(committed, settings, since=None)
    committed.commit()
    orgs = [world.owner, world.partner, world.partner_child, world.peer, world.stranger]
    wanted = [taxii.collection_id(settings, f"organisation:{o.id}") for o in orgs]
    wanted += [taxii.collection_id(settings, "clear")]
    opened = 0
    for widest in (taxii_paging.MAX_WINDOW, 2):
        monkeypatch.setattr(taxii_paging, "MAX_WINDOW", widest)
        for key, person in world.people.items():
            principal = accounts.principal_for(committed, person.id)
            for collection_id in wanted:
                try:
                    found = taxii.get_collection(committed, settings, principal, collection_id)
                except NotFound:
                    with pytest.raises(NotFound):
                        taxii_paging.collection_page(
                            committed,
                            settings,
                            principal,
                            collection_id,
                            taxii_paging.ObjectFilter(),
                        )
                    continue
                opened += 1
                expected = _rule_over_the_collection(committed, found, principal)
                for limit in (1, 3, 1000):
                    query = taxii_paging.ObjectFilter(limit=limit)
                    got: list[str] = []
                    while True:
                        _, page = taxii_paging.collection_page(
                            committed, settings, principal, collection_id, query
                        )
                        assert len(page.rows) <= limit
                        got += [row.stix_id for row in page.rows]
                        if not page.more:
                            break
                        query = taxii_paging.ObjectFilter(limit=limit, next=page.next)
                    assert got == expected, (key, collection_id, limit, widest)
    assert opened >= 8
