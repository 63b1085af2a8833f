"""Unit tests of the access rule in SQL (`core.policy.scope`), one row of the TLP table at a time.

Each case also asks `tests.policy_oracle`, so the oracle the property test relies on is pinned to
the same named examples as the SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person
from tests.policy_oracle import OrgStructure, SharedRecord, may_read
from vigil.core import policy
from vigil.core.config import Settings
from vigil.core.policy import ANONYMOUS, TLP, Principal, Role, readable_ids, references, scope
from vigil.notices.models import Notice
from vigil.orgs.models import Membership, Organisation, Person, network_members
from vigil.orgs.principals import load_principal


def make_notice(
    session: Session,
    owner: Organisation,
    tlp: TLP,
    *,
    author: Person | None = None,
    recipient_orgs: Iterable[Organisation] = (),
    recipient_people: Iterable[Person] = (),
) -> Notice:
    notice = Notice(
        owner_org_id=owner.id,
        author_id=author.id if author else None,
        tlp=tlp.value,
        title=f"{tlp.value} notice",
    )
    session.add(notice)
    session.flush()
    rows = [{"record_id": notice.id, "org_id": o.id, "person_id": None} for o in recipient_orgs]
    rows += [{"record_id": notice.id, "org_id": None, "person_id": p.id} for p in recipient_people]
    if rows:
        session.execute(insert(Notice.__recipients__), rows)
    return notice


def principal_of(session: Session, person: Person | None) -> Principal:
    if person is None:
        return ANONYMOUS
    found = load_principal(session, person_id=person.id)
    assert found is not None
    return found


def sql_reads(session: Session, person: Person | None, notice: Notice) -> bool:
    stmt = scope(
        select(Notice.id).where(Notice.id == notice.id), Notice, principal_of(session, person)
    )
    return session.scalar(stmt) is not None


def oracle_reads(session: Session, person: Person | None, notice: Notice) -> bool:
    networks: dict[int, set[int]] = {}
    for network_id, org_id in session.execute(select(network_members)).all():
        networks.setdefault(network_id, set()).add(org_id)
    structure = OrgStructure(
        parent_of=dict(session.execute(select(Organisation.id, Organisation.parent_id)).all()),
        network_orgs=networks,
    )
    memberships: dict[int, str] = {}
    if person is not None:
        memberships = dict(
            session.execute(
                select(Membership.org_id, Membership.role).where(Membership.person_id == person.id)
            ).all()
        )
    table = Notice.__recipients__
    rows = session.execute(
        select(table.c.org_id, table.c.person_id).where(table.c.record_id == notice.id)
    ).all()
    record = SharedRecord(
        owner_org=notice.owner_org_id,
        author=notice.author_id,
        tlp=notice.tlp,
        recipient_orgs=frozenset(r.org_id for r in rows if r.org_id is not None),
        recipient_people=frozenset(r.person_id for r in rows if r.person_id is not None),
    )
    return may_read(person.id if person else None, memberships, structure, record)


def reads(session: Session, person: Person | None, notice: Notice) -> bool:
    """What the SQL decides, after checking the oracle decides the same."""
    decided = sql_reads(session, person, notice)
    assert oracle_reads(session, person, notice) == decided, "SQL and oracle disagree"
    return decided


# --- clear ---------------------------------------------------------------------------------


def test_clear_is_readable_by_anonymous_and_by_strangers(
    session: Session, settings: Settings
) -> None:
    owner, elsewhere = make_org(session), make_org(session)
    stranger = make_person(session, settings, org=elsewhere)
    notice = make_notice(session, owner, TLP.clear)

    assert reads(session, None, notice)
    assert reads(session, stranger, notice)


def test_anonymous_reads_nothing_but_clear(session: Session) -> None:
    owner = make_org(session)
    for level in (TLP.green, TLP.amber, TLP.amber_strict, TLP.red):
        assert not reads(session, None, make_notice(session, owner, level)), level


# --- green ---------------------------------------------------------------------------------


def test_green_reaches_members_of_the_owners_network(session: Session, settings: Settings) -> None:
    owner, peer = make_org(session), make_org(session)
    make_network(session, owner, peer)
    peer_member = make_person(session, settings, org=peer)

    assert reads(session, peer_member, make_notice(session, owner, TLP.green))


def test_green_hidden_from_organisation_outside_the_owners_networks(
    session: Session, settings: Settings
) -> None:
    owner, peer, stranger_org = make_org(session), make_org(session), make_org(session)
    make_network(session, owner, peer)
    make_network(session, peer, stranger_org)  # a network of a peer is not the owner's
    stranger = make_person(session, settings, org=stranger_org)

    assert not reads(session, stranger, make_notice(session, owner, TLP.green))


def test_amber_does_not_reach_the_owners_network(session: Session, settings: Settings) -> None:
    owner, peer = make_org(session), make_org(session)
    make_network(session, owner, peer)
    peer_member = make_person(session, settings, org=peer)

    assert not reads(session, peer_member, make_notice(session, owner, TLP.amber))


# --- amber ---------------------------------------------------------------------------------


def test_amber_reaches_child_of_recipient(session: Session, settings: Settings) -> None:
    owner, recipient = make_org(session), make_org(session)
    child = make_org(session, parent=recipient)
    child_member = make_person(session, settings, org=child)
    notice = make_notice(session, owner, TLP.amber, recipient_orgs=[recipient])

    assert reads(session, child_member, notice)


def test_amber_reaches_grandchild_of_recipient(session: Session, settings: Settings) -> None:
    owner, recipient = make_org(session), make_org(session)
    grandchild = make_org(session, parent=make_org(session, parent=recipient))
    member = make_person(session, settings, org=grandchild)
    notice = make_notice(session, owner, TLP.amber, recipient_orgs=[recipient])

    assert reads(session, member, notice)


def test_amber_does_not_reach_parent_or_sibling_of_recipient(
    session: Session, settings: Settings
) -> None:
    owner, parent = make_org(session), make_org(session)
    recipient, sibling = make_org(session, parent=parent), make_org(session, parent=parent)
    parent_member = make_person(session, settings, org=parent)
    sibling_member = make_person(session, settings, org=sibling)
    notice = make_notice(session, owner, TLP.amber, recipient_orgs=[recipient])

    assert not reads(session, parent_member, notice)
    assert not reads(session, sibling_member, notice)


def test_amber_without_recipients_stays_in_the_owner_organisation(
    session: Session, settings: Settings
) -> None:
    owner = make_org(session)
    child = make_org(session, parent=owner)
    child_member = make_person(session, settings, org=child)
    owner_viewer = make_person(session, settings, org=owner)
    notice = make_notice(session, owner, TLP.amber)

    assert reads(session, owner_viewer, notice)
    assert not reads(session, child_member, notice)


# --- amber+strict --------------------------------------------------------------------------


def test_amber_strict_reaches_recipient_members_but_not_its_child(
    session: Session, settings: Settings
) -> None:
    owner, recipient = make_org(session), make_org(session)
    child = make_org(session, parent=recipient)
    recipient_member = make_person(session, settings, org=recipient)
    child_member = make_person(session, settings, org=child)
    notice = make_notice(session, owner, TLP.amber_strict, recipient_orgs=[recipient])

    assert reads(session, recipient_member, notice)
    assert not reads(session, child_member, notice)


def test_amber_strict_hidden_from_network_peer(session: Session, settings: Settings) -> None:
    owner, peer = make_org(session), make_org(session)
    make_network(session, owner, peer)
    peer_member = make_person(session, settings, org=peer)

    assert not reads(session, peer_member, make_notice(session, owner, TLP.amber_strict))


# --- red -----------------------------------------------------------------------------------


def test_red_hidden_from_owner_viewer_but_visible_to_author(
    session: Session, settings: Settings
) -> None:
    owner = make_org(session)
    author = make_person(session, settings, org=owner, role=Role.analyst)
    viewer = make_person(session, settings, org=owner, role=Role.viewer)
    analyst = make_person(session, settings, org=owner, role=Role.analyst)
    notice = make_notice(session, owner, TLP.red, author=author)

    assert reads(session, author, notice)
    assert not reads(session, viewer, notice)
    assert not reads(session, analyst, notice)


def test_red_visible_to_owner_coordinator_and_org_admin(
    session: Session, settings: Settings
) -> None:
    owner = make_org(session)
    coordinator = make_person(session, settings, org=owner, role=Role.coordinator)
    org_admin = make_person(session, settings, org=owner, role=Role.org_admin)
    notice = make_notice(session, owner, TLP.red)

    assert reads(session, coordinator, notice)
    assert reads(session, org_admin, notice)


def test_red_hidden_from_coordinator_of_another_organisation(
    session: Session, settings: Settings
) -> None:
    owner, recipient = make_org(session), make_org(session)
    coordinator = make_person(session, settings, org=recipient, role=Role.org_admin)
    notice = make_notice(session, owner, TLP.red, recipient_orgs=[recipient])

    assert not reads(session, coordinator, notice)


def test_red_reaches_named_person_outside_the_owner(session: Session, settings: Settings) -> None:
    owner, elsewhere = make_org(session), make_org(session)
    named = make_person(session, settings, org=elsewhere)
    colleague = make_person(session, settings, org=elsewhere)
    notice = make_notice(session, owner, TLP.red, recipient_people=[named])

    assert reads(session, named, notice)
    assert not reads(session, colleague, notice)


def test_red_reaches_named_owner_viewer(session: Session, settings: Settings) -> None:
    owner = make_org(session)
    viewer = make_person(session, settings, org=owner)
    notice = make_notice(session, owner, TLP.red, recipient_people=[viewer])

    assert reads(session, viewer, notice)


# --- across levels -------------------------------------------------------------------------


def test_named_person_without_any_membership_reads_every_level(
    session: Session, settings: Settings
) -> None:
    owner = make_org(session)
    named = make_person(session, settings)
    for level in TLP:
        assert reads(session, named, make_notice(session, owner, level, recipient_people=[named]))


def test_owner_member_reads_every_level_but_red(session: Session, settings: Settings) -> None:
    owner = make_org(session)
    viewer = make_person(session, settings, org=owner)
    for level in TLP:
        assert reads(session, viewer, make_notice(session, owner, level)) == (level != TLP.red)


def test_platform_admin_reads_nothing_extra(session: Session, settings: Settings) -> None:
    owner = make_org(session)
    admin = make_person(session, settings, platform_admin=True)
    for level in TLP:
        notice = make_notice(session, owner, level)
        assert reads(session, admin, notice) == (level == TLP.clear), level


def test_looser_level_admits_everyone_a_stricter_one_admits(
    session: Session, settings: Settings
) -> None:
    owner, recipient = make_org(session), make_org(session)
    child = make_org(session, parent=recipient)
    make_network(session, owner, recipient)
    people = [
        make_person(session, settings, org=org, role=role)
        for org in (owner, recipient, child)
        for role in (Role.viewer, Role.coordinator)
    ]
    readers_by_level = []
    for level in TLP:  # strictest first
        notice = make_notice(session, owner, level, recipient_orgs=[recipient])
        readers_by_level.append({p.id for p in people if reads(session, p, notice)})

    for stricter, looser in zip(readers_by_level, readers_by_level[1:], strict=False):
        assert stricter <= looser
    assert readers_by_level[0] < readers_by_level[-1]


# --- references ----------------------------------------------------------------------------


def test_references_show_the_readable_ids_in_one_query_per_model_whatever_the_count(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, elsewhere = make_org(session), make_org(session)
    stranger = make_person(session, settings, org=elsewhere)
    notices = [make_notice(session, owner, level) for level in TLP for _ in range(3)]
    principal = principal_of(session, stranger)
    statements: list[str] = []
    engine = session.get_bind()

    def listen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        refs = references(session, principal, [(Notice, n.id) for n in notices] + [(Notice, None)])
    finally:
        event.remove(engine, "before_cursor_execute", listen)

    assert len(statements) == 1
    assert [refs.shown(Notice, n.id) for n in notices] == [
        n.id if n.tlp == TLP.clear.value else None for n in notices
    ]
    assert refs.shown(Notice, None) is None
    # Ids of a model no output asked about are not readable by default.
    assert refs.shown(Organisation, owner.id) is None
    # Past the bound parameters one query takes, the ids are asked in chunks: same answer.
    monkeypatch.setattr(policy, "REFERENCE_IDS_PER_QUERY", 2)
    chunked = readable_ids(session, principal, Notice, [n.id for n in notices])
    assert chunked == {n.id for n in notices if n.tlp == TLP.clear.value}
