"""Planning an import: every decision about a bundle's (or a peer page's) objects, made
before anything is written, or BundleRejected naming every problem found."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.policy import TLP, Principal
from vigil.orgs import remote as remote_orgs
from vigil.sharing import import_mapping as stix_in
from vigil.sharing import import_records
from vigil.sharing import import_shapes as shapes
from vigil.sharing.extension import VIGIL_EXTENSION_ID, VIGIL_IDENTITY_ID
from vigil.sharing.ids import instance_namespace
from vigil.sharing.import_bundle import check
from vigil.sharing.import_mapping import Problem
from vigil.sharing.import_schemas import Outcome
from vigil.sharing.mapping import organisation_ref
from vigil.sharing.markings import MARKING_TLP

# Incident fields as STIX names them, for errors a partner can act on.
STIX_FIELD = {"title": "name", "narrative": "description", "place": "location"}
ALWAYS_KNOWN = frozenset({*MARKING_TLP, VIGIL_IDENTITY_ID, VIGIL_EXTENSION_ID})
# The sender of records that name none (no `created_by_ref`, and not one identity in the
# bundle): STIX leaves such a source undefined, so they belong to one remote organisation
# that says so, never to the importing one.
ANONYMOUS = "identity--0a6f3c1e-7d2b-4e8f-9a5c-3b1d2e4f6a70"
ANONYMOUS_NAME = "Unattributed source (no created_by_ref)"


@dataclasses.dataclass
class Plan:
    """What an import will do, decided before anything is written."""

    objects: list[dict[str, Any]]
    outcomes: dict[int, Outcome]  # by position in the bundle
    tlp_of: dict[str, TLP]  # marking-definition id -> level
    org_of: dict[str, int]  # identity id -> organisation (local, or remote known here)
    local_ids: frozenset[str]
    located: dict[str, str] = dataclasses.field(default_factory=dict)  # located-at, targets
    notes_about: dict[str, list[int]] = dataclasses.field(default_factory=dict)  # MISP reports
    read_for: dict[int, list[str]] = dataclasses.field(default_factory=dict)  # objects read
    sender_of: dict[int, str] = dataclasses.field(default_factory=dict)  # position -> identity
    new_senders: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    creates: list[tuple[int, Any, str]] = dataclasses.field(default_factory=list)
    updates: list[tuple[int, Any, str, int]] = dataclasses.field(default_factory=list)
    matched: dict[int, int] = dataclasses.field(default_factory=dict)  # position -> incident
    whole: bool = True  # a bundle (True) or a page of a peer's collection


def _field_of(loc: tuple[Any, ...]) -> str:
    name = str(loc[0]) if loc else ""
    if name in STIX_FIELD:
        return STIX_FIELD[name]
    return f"extensions.{VIGIL_EXTENSION_ID}.{name}" if name else "incident"


def _newest(objects: list[dict[str, Any]]) -> dict[str, int]:
    """The position of the newest version of each object id in the bundle."""
    newest: dict[str, int] = {}
    for position, obj in enumerate(objects):
        held = newest.get(obj["id"])
        if held is None or (stix_in.version_of(obj) or dt.datetime.min.replace(tzinfo=dt.UTC)) > (
            stix_in.version_of(objects[held]) or dt.datetime.min.replace(tzinfo=dt.UTC)
        ):
            newest[obj["id"]] = position
    return newest


def _names_an_original(obj: dict[str, Any], field: str) -> bool:
    """A `derived-from` relationship's target: the original an adopted record was made from,
    which may never have been sent here (the relationship is kept raw)."""
    return (
        field == "target_ref"
        and obj["type"] == "relationship"
        and obj.get("relationship_type") == "derived-from"
    )


def _unknown_references(
    session: Session, objects: list[dict[str, Any]], known: set[str]
) -> list[Problem]:
    wanted: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for position, obj in enumerate(objects):
        for field, ref in stix_in.followed_references(obj):
            if ref not in known and not _names_an_original(obj, field):
                wanted[ref].append((position, obj["id"], field))
    seen = import_records.known_stix_ids(session, wanted)
    return [
        Problem(
            index=position,
            stix_id=stix_id,
            field=field,
            message=f"refers to {ref}, which is neither in the bundle nor known to this instance",
        )
        for ref, uses in wanted.items()
        if ref not in seen
        for position, stix_id, field in uses
    ]


def _sender(obj: dict[str, Any], default: str | None) -> str | None:
    ref = obj.get("created_by_ref") or default
    return ref if isinstance(ref, str) else None


def _object(plan: Plan, newest: dict[str, int], ref: str | None) -> dict[str, Any] | None:
    position = newest.get(ref) if ref else None
    return plan.objects[position] if position is not None else None


def _placing(plan: Plan, obj: dict[str, Any]) -> tuple[str | None, str | None]:
    """(location, the location that one is at) of an incident or MISP event, as ids."""
    if obj["type"] == "incident":
        ref = stix_in.location_ref(obj) or plan.located.get(obj["id"])
    else:
        ref = shapes.event_location_ref(obj) or plan.located.get(obj["id"])
    return ref, plan.located.get(ref) if ref else None


def _event_reports(plan: Plan, obj: dict[str, Any]) -> list[int]:
    """The notes about a MISP event (its event reports), by position; an incident's notes are
    not read (they are kept)."""
    return [] if obj["type"] == "incident" else plan.notes_about.get(obj["id"], [])


def _fields(plan: Plan, newest: dict[str, int], position: int) -> Any:
    """The fields of an incident or MISP event, read with its place and event reports."""
    obj = plan.objects[position]
    ref, parent_ref = _placing(plan, obj)
    notes = [plan.objects[p] for p in _event_reports(plan, obj)]
    location, parent = _object(plan, newest, ref), _object(plan, newest, parent_ref)
    if location is not None and location["type"] != "location":
        location = None
    if obj["type"] != "incident":
        return stix_in.event_fields(obj, location, notes)
    return stix_in.incident_fields(obj, location, parent)


def plan_import(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    objects: list[dict[str, Any]],
    whole: bool = True,
) -> Plan:
    """Every decision of the import, or BundleRejected with every problem found. A bundle is
    `whole`: each reference resolves in it or here; a peer's page is a window on a collection
    whose references may lie on other pages, so there only what a record needs is checked."""
    namespace = instance_namespace(settings)
    local = {
        organisation_ref(namespace, org_id): org_id
        for org_id in remote_orgs.local_organisation_ids(session)
    }
    newest = _newest(objects)
    if whole:
        check(_unknown_references(session, objects, {*newest, *ALWAYS_KNOWN, *local}))
    identities = {o["id"]: o for o in objects if o["type"] == "identity"}
    # Senders known here need not come again with each bundle (or each page of a peer's).
    senders_named = {
        ref
        for o in objects
        if o["type"] == "incident" and isinstance(ref := o.get("created_by_ref"), str)
    }
    plan = Plan(
        objects=objects,
        outcomes={},
        tlp_of=dict(MARKING_TLP),
        org_of={
            **local,
            **remote_orgs.remote_organisations(session, {*identities, *senders_named, ANONYMOUS}),
        },
        local_ids=frozenset(local),
        whole=whole,
    )
    for obj in objects:
        if obj["type"] == "marking-definition" and (level := stix_in.marking_tlp(obj)):
            plan.tlp_of[obj["id"]] = level
    senders = [i for i in identities if i != VIGIL_IDENTITY_ID]
    default_sender = senders[0] if len(senders) == 1 else None
    plan.located = {
        o["source_ref"]: o["target_ref"]
        for o in objects
        if o["type"] == "relationship"
        and o.get("relationship_type") in stix_in.PLACING
        and str(o.get("target_ref", "")).startswith("location--")
    }
    for position in sorted(newest.values()):
        if objects[position]["type"] == "note":
            for ref in shapes.event_contents(objects[position]):
                plan.notes_about.setdefault(ref, []).append(position)
    incidents = [p for p in newest.values() if stix_in.becomes_incident(objects[p])]
    previous = import_records.incident_provenance(session, [objects[p]["id"] for p in incidents])
    problems: list[Problem] = []
    for position in incidents:
        problems += _plan_incident(plan, position, default_sender, previous, newest)
    check(problems)
    return plan


def _plan_incident(
    plan: Plan,
    position: int,
    default_sender: str | None,
    previous: Mapping[str, import_records.Provenance],
    newest: dict[str, int],
) -> list[Problem]:
    obj = plan.objects[position]

    def problem(field: str | None, message: str) -> list[Problem]:
        return [Problem(index=position, stix_id=obj["id"], field=field, message=message)]

    plan.read_for[position] = [r for r in _placing(plan, obj) if r] + [
        plan.objects[p]["id"] for p in _event_reports(plan, obj)
    ]

    sender = _sender(obj, default_sender) or ANONYMOUS
    plan.sender_of[position] = sender
    if sender in plan.local_ids:
        plan.outcomes[position] = Outcome.local
        return []
    if sender not in plan.org_of and sender not in plan.new_senders:
        identity = next((o for o in plan.objects if o["id"] == sender), None)
        # A peer's collection may not carry its senders' identities: one known by its id
        # alone is named by it until its identity comes.
        by_id_alone = not plan.whole and identity is None and sender.startswith("identity--")
        if sender == ANONYMOUS:
            identity = {"name": ANONYMOUS_NAME}
        elif not by_id_alone and (identity is None or identity["type"] != "identity"):
            return problem("created_by_ref", f"{sender} is not an identity this instance knows")
        plan.new_senders[sender] = identity or {}
    earlier = previous.get(obj["id"])
    sender_org = plan.org_of.get(sender)
    if earlier is not None and earlier.sender_org_id != sender_org:
        return problem(
            "created_by_ref",
            f"this incident came before from another organisation (id {earlier.sender_org_id}): "
            "a record keeps the organisation that made it",
        )
    version = stix_in.version_of(obj)
    if earlier is not None and version is not None and earlier.version is not None:
        if version == earlier.version:
            plan.outcomes[position], plan.matched[position] = Outcome.unchanged, earlier.record_id
            return []
        if version < earlier.version:
            plan.outcomes[position], plan.matched[position] = Outcome.outdated, earlier.record_id
            return []
    try:
        fields = _fields(plan, newest, position)
    except ValidationError as exc:
        return [
            Problem(
                index=position,
                stix_id=obj["id"],
                field=_field_of(tuple(e["loc"])),
                message=str(e["msg"]).removeprefix("Value error, "),
            )
            for e in exc.errors()
        ]
    if earlier is None:
        plan.outcomes[position] = Outcome.created
        plan.creates.append((position, fields, sender))
    else:
        plan.outcomes[position] = Outcome.updated
        plan.updates.append((position, fields, sender, earlier.record_id))
    return []
