"""A small world for the TAXII tests: an owner organisation sharing incidents and notices at
every TLP, a partner it names as recipient (with a child organisation), a peer in its
network and a stranger; the STIX store filled from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import TLP, Role
from vigil.incidents.models import Incident
from vigil.notices.models import Notice
from vigil.orgs.models import Organisation, Person
from vigil.sharing import store
from vigil.sharing.ids import instance_namespace, stix_id

OCCURRED = dt.datetime(2026, 5, 4, 21, 30, tzinfo=dt.UTC)


@dataclass
class World:
    owner: Organisation
    partner: Organisation
    partner_child: Organisation
    peer: Organisation
    stranger: Organisation
    people: dict[str, Person] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # person key -> API token
    # STIX id of each record -> (kind, tlp, named partner)
    records: dict[str, tuple[str, TLP, bool]] = field(default_factory=dict)


def add_incident(session: Session, owner: Organisation, tlp: TLP, title: str) -> Incident:
    incident = Incident(
        owner_org_id=owner.id,
        tlp=tlp.value,
        title=title,
        narrative="Two men put up stickers at night.",
        occurred_from=OCCURRED,
        city="Berlin",
        country="DE",
        precision="city",
        type="literature",
        source="member",
        severity="minor",
        status="triaged",
    )
    session.add(incident)
    session.flush()
    return incident


def share_with(session: Session, record: Incident | Notice, org: Organisation) -> None:
    table = type(record).__recipients__
    session.execute(insert(table), [{"record_id": record.id, "org_id": org.id}])


def make_world(session: Session, settings: Settings) -> World:
    owner, partner, peer, stranger = (make_org(session) for _ in range(4))
    world = World(owner, partner, make_org(session, parent=partner), peer, stranger)
    make_network(session, owner, peer)
    for key, org, role in [
        ("owner", owner, Role.coordinator),
        ("partner", partner, Role.analyst),
        ("child", world.partner_child, Role.viewer),
        ("peer", peer, Role.viewer),
        ("stranger", stranger, Role.analyst),
    ]:
        person = make_person(session, settings, org=org, role=role)
        world.people[key] = person
        world.tokens[key] = token_headers(session, person)["Authorization"].split(" ")[1]
    namespace = instance_namespace(settings)
    for tlp in TLP:
        for named in (False, True):
            incident = add_incident(session, owner, tlp, f"Stickers ({tlp.value}, {named})")
            notice = Notice(owner_org_id=owner.id, tlp=tlp.value, title=f"Notice {tlp.value}")
            session.add(notice)
            session.flush()
            if named:
                share_with(session, incident, partner)
                share_with(session, notice, partner)
            world.records[stix_id(namespace, "incident", "incident", incident.id)] = (
                "incident",
                tlp,
                named,
            )
            world.records[stix_id(namespace, "note", "notice", notice.id)] = ("note", tlp, named)
    store.refresh(session, settings, since=None)
    session.commit()
    return world


def readable(world: World, key: str) -> set[str]:
    """The records' STIX ids each person of the world may read (the TLP table, by hand)."""
    found = set()
    for ident, (_kind, tlp, named) in world.records.items():
        allowed = {
            TLP.clear: True,
            TLP.green: key in ("owner", "peer") or (named and key in ("partner", "child")),
            TLP.amber: key == "owner" or (named and key in ("partner", "child")),
            TLP.amber_strict: key == "owner" or (named and key == "partner"),
            TLP.red: False,
        }[tlp]
        if allowed:
            found.add(ident)
    return found
