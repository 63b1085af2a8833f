"""The shortcuts the TAXII server takes for speed give the answers of the slow path: one
collection looked up by its audience is the collection the full listing gives (or none), and
the store's statistics are taken on PostgreSQL when asked."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.sharing.taxii_world import make_world
from vigil.core.config import Settings
from vigil.core.errors import NotFound
from vigil.orgs import accounts
from vigil.sharing import store, taxii


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
