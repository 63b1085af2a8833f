"""One page of a peer's collection in: the STIX import's planning and writing (`imports`), with
the readers a peer's link gives instead of "the importing organisation", and per object
rather than all or nothing: an object that is wrong or TLP:RED is refused (kept nowhere,
named in the audit log with its reason) and the rest of the page goes in.

A page is a window on a collection, not a whole bundle: its references may lie on other
pages, so only what a record needs is checked. The same (STIX id, modified) twice changes
nothing; a newer `modified` updates the record; `revoked: true` withdraws it from readers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.policy import SYSTEM, TLP, Principal
from vigil.incidents import received as incidents_received
from vigil.incidents import transfer as incidents_transfer
from vigil.orgs import remote as remote_orgs
from vigil.sharing import import_mapping as stix_in
from vigil.sharing import import_records, imports
from vigil.sharing.import_bundle import BundleRejected
from vigil.sharing.import_schemas import Outcome
from vigil.sharing.markings import MARKING_TLP
from vigil.sharing.peer_records import PeerLink

RED_REFUSED = "object_marking_refs is TLP:RED: never accepted from a peer"
# Outcomes whose object is the version of its record now held here: its marking decides
# who reads the record.
HELD = (Outcome.created, Outcome.updated, Outcome.unchanged)


@dataclasses.dataclass(frozen=True)
class PageIn:
    """What one page did: objects received, refused, and the import that holds the rest."""

    received: int
    refused: int
    import_id: int | None


def link_principal(link: PeerLink) -> Principal:
    """Who brings a peer's objects in: the link itself, acting for its first organisation."""
    return dataclasses.replace(
        SYSTEM, acting_org_id=link.importing_org_id, name=f"peer {link.name}"
    )


def _page_markings(objects: list[dict[str, Any]]) -> dict[str, TLP]:
    levels = dict(MARKING_TLP)
    for obj in objects:
        if obj.get("type") == "marking-definition" and (level := stix_in.marking_tlp(obj)):
            levels[str(obj.get("id"))] = level
    return levels


def _screen(objects: list[dict[str, Any]]) -> tuple[list[int], dict[int, str]]:
    """Positions that go on to planning, and position -> reason of those refused already."""
    levels = _page_markings(objects)
    refused: dict[int, str] = {}
    for position, obj in enumerate(objects):
        problems = stix_in.object_problems(position, obj, thorough=False)
        if problems:
            first = problems[0]
            refused[position] = f"{first.field or 'object'} {first.message}"
        elif stix_in.object_tlp(obj, levels) is TLP.red:
            refused[position] = RED_REFUSED
    return [p for p in range(len(objects)) if p not in refused], refused


def _plan(
    session: Session, settings: Settings, principal: Principal, objects: list[dict[str, Any]]
) -> tuple[imports.Plan, list[int], dict[int, str]]:
    """The import's plan of the page's acceptable objects; objects the planning finds wrong
    are refused one by one (a problem of the page as a whole is raised)."""
    kept, refused = _screen(objects)
    while True:
        try:
            plan = imports.plan_import(
                session=session,
                settings=settings,
                principal=principal,
                objects=[objects[p] for p in kept],
                whole=False,
            )
        except BundleRejected as exc:
            wrong = {p.index: p for p in exc.problems if p.index is not None}
            if not wrong:
                raise
            for index, problem in wrong.items():
                refused[kept[index]] = f"{problem.field or 'object'} {problem.message}"
            kept = [p for i, p in enumerate(kept) if i not in wrong]
            continue
        return plan, kept, refused


def _readers(
    session: Session,
    principal: Principal,
    link: PeerLink,
    plan: imports.Plan,
    records: Mapping[int, int],
) -> list[int]:
    """Give the records their readers by the link's rule; returns the incidents withdrawn."""
    recipients: set[tuple[int, int | None, int | None]] = set()
    green_senders: set[int] = set()
    withdrawn: list[int] = []
    for position, incident_id in records.items():
        if plan.outcomes.get(position) not in HELD:
            continue
        obj = plan.objects[position]
        tlp = imports.tlp_of(plan, obj)
        if obj.get("revoked") is True:
            withdrawn.append(incident_id)
        elif tlp is TLP.green:
            green_senders.add(plan.org_of[plan.sender_of[position]])
        elif tlp in (TLP.amber, TLP.amber_strict):
            recipients.update((incident_id, org_id, None) for org_id in link.org_ids)
    fresh = {records[p] for p in records if plan.outcomes.get(p) is Outcome.created}
    incidents_transfer.add_incident_recipients(
        session=session, recipients=sorted(recipients), fresh=fresh
    )
    remote_orgs.join_networks(
        session=session, principal=principal, org_ids=green_senders, network_ids=link.network_ids
    )
    incidents_received.withdraw_received_incidents(session=session, incident_ids=withdrawn)
    return withdrawn


def _rename_senders(session: Session, principal: Principal, plan: imports.Plan) -> None:
    """A remote sender first known by its id alone (its identity was on no page) takes the
    name its identity gives when one comes; a rename of any sender is followed too."""
    for obj in plan.objects:
        identity_id = obj["id"]
        known = identity_id in plan.org_of and identity_id not in plan.local_ids
        if obj["type"] == "identity" and known and identity_id not in plan.new_senders:
            remote_orgs.remote_organisation(
                session=session,
                principal=principal,
                identity_id=identity_id,
                name=str(obj.get("name", "")),
                sectors=[str(s) for s in obj.get("sectors") or ()],
            )


def _version(obj: Any) -> str:
    stamp = obj.get("modified") or obj.get("created") if isinstance(obj, dict) else None
    return stamp if isinstance(stamp, str) else ""


def _stix_id(obj: Any) -> str:
    found = obj.get("id") if isinstance(obj, dict) else None
    return found if isinstance(found, str) else ""


def _rows(
    plan: imports.Plan,
    records: Mapping[int, int],
    kept: list[int],
    refused: Mapping[int, str],
    objects: list[Any],
) -> list[dict[str, Any]]:
    """One row per object of the page, at its position in the page; refused ones keep no raw
    STIX (a RED object is stored nowhere)."""
    rows = import_records.object_rows(plan, records, imports.tlp_of)
    for row in rows:
        row["position"] = kept[row["position"]]
    for position, _ in refused.items():
        obj = objects[position]
        stix_id = _stix_id(obj)
        version = _version(obj)
        rows.append(
            {
                "position": position,
                "stix_id": stix_id[:250],
                "stix_type": stix_id.partition("--")[0][:250],
                "version": stix_in.moment(version) if stix_in.TIMESTAMP.match(version) else None,
                "outcome": Outcome.refused.value,
                "tlp": TLP.red.value if refused[position] == RED_REFUSED else None,
                "sender_org_id": None,
                "record_type": None,
                "record_id": None,
                "raw": None,
            }
        )
    rows.sort(key=lambda row: row["position"])
    return rows


def import_page(
    *, session: Session, settings: Settings, link: PeerLink, objects: list[Any], sha256: str = ""
) -> PageIn:
    """Write one page of a peer's objects in the caller's transaction; audited as one entry
    that names every object with its version and outcome. `sha256` is of the envelope as
    received; without it, of the objects encoded again."""
    if not objects:
        return PageIn(0, 0, None)
    principal = link_principal(link)
    plan, kept, refused = _plan(session, settings, principal, objects)
    imports.add_senders(session, principal, plan)
    _rename_senders(session, principal, plan)
    records = imports.write_incidents(session, plan)
    withdrawn = _readers(session, principal, link, plan, records)
    rows = _rows(plan, records, kept, refused, objects)
    if not sha256:
        body = json.dumps(objects, separators=(",", ":"), ensure_ascii=False).encode()
        sha256 = hashlib.sha256(body).hexdigest()
    import_id = import_records.save_import(
        session=session,
        principal=principal,
        org_id=link.importing_org_id,
        bundle_id=f"bundle--{uuid.uuid4()}",
        filename=f"TAXII pull from {link.name}"[:300],
        sha256=sha256,
        rows=rows,
        peer_id=link.peer_id,
        peer_name=link.name,
    )
    audit.log_action(
        session,
        principal,
        "sharing.peer.pull",
        target_type="stix_imports",
        target_id=import_id,
        org_id=link.importing_org_id,
        detail={
            "peer_id": link.peer_id,
            "peer": link.name,
            "counts": dict(Counter(row["outcome"] for row in rows)),
            "objects": [
                [row["stix_id"], _version(objects[row["position"]]), row["outcome"]] for row in rows
            ],
            "refused": {_stix_id(objects[p]) or f"#{p}": reason for p, reason in refused.items()},
            "withdrawn_incident_ids": withdrawn,
        },
    )
    return PageIn(len(objects), len(refused), import_id)
