"""STIX 2.1 bundles in: a partner's incidents become records of the organisation that made them
(a remote organisation, DECISIONS 30), shared with the organisation that imported them, under
their own TLP; everything Vigil does not map is kept raw with the import and listed.

All or nothing per bundle: every check (structure, references, markings, senders, the fields
of each incident) runs before anything is written, and a refusal names every problem. The same
object id and version imported again changes nothing; a newer version updates its record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.errors import Forbidden, NotFound
from vigil.core.policy import DEFAULT_TLP, TLP, Principal, Role, acting_org
from vigil.incidents import transfer as incidents_transfer
from vigil.incidents.typology import Source
from vigil.orgs import remote as remote_orgs
from vigil.sharing import import_mapping as stix_in
from vigil.sharing import import_records
from vigil.sharing.extension import VIGIL_EXTENSION_ID, VIGIL_IDENTITY_ID
from vigil.sharing.ids import instance_namespace
from vigil.sharing.import_bundle import check, read_bundle
from vigil.sharing.import_mapping import Problem
from vigil.sharing.import_schemas import Outcome, StixImportRead
from vigil.sharing.mapping import organisation_ref
from vigil.sharing.markings import MARKING_TLP

# Incident fields as STIX names them, for errors a partner can act on.
STIX_FIELD = {"title": "name", "narrative": "description", "place": "location"}
ALWAYS_KNOWN = frozenset({*MARKING_TLP, VIGIL_IDENTITY_ID, VIGIL_EXTENSION_ID})


@dataclasses.dataclass
class Plan:
    """What an import will do, decided before anything is written."""

    objects: list[dict[str, Any]]
    outcomes: dict[int, Outcome]  # by position in the bundle
    tlp_of: dict[str, TLP]  # marking-definition id -> level
    org_of: dict[str, int]  # identity id -> organisation (local, or remote known here)
    local_ids: frozenset[str]
    located: dict[str, str] = dataclasses.field(default_factory=dict)  # located-at relations
    sender_of: dict[int, str] = dataclasses.field(default_factory=dict)  # position -> identity
    new_senders: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    creates: list[tuple[int, Any, str]] = dataclasses.field(default_factory=list)
    updates: list[tuple[int, Any, str, int]] = dataclasses.field(default_factory=list)
    matched: dict[int, int] = dataclasses.field(default_factory=dict)  # position -> incident
    whole: bool = True  # a bundle (True) or a page of a peer's collection


def importing_org(principal: Principal) -> int:
    """The organisation importing: the acting one, for its coordinators; the command line
    (the operator, no person) may import into the organisation it names."""
    if principal.is_platform_admin and principal.person_id is None:
        if principal.acting_org_id is None:
            raise Forbidden("Say which organisation imports (--org).")
        return principal.acting_org_id
    return acting_org(principal, Role.coordinator)


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


def _unknown_references(
    session: Session, objects: list[dict[str, Any]], known: set[str]
) -> list[Problem]:
    wanted: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for position, obj in enumerate(objects):
        for field, ref in stix_in.references(obj):
            if ref not in known:
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


def _location(plan: Plan, newest: dict[str, int], obj: dict[str, Any]) -> dict[str, Any] | None:
    ref = stix_in.location_ref(obj) or plan.located.get(obj["id"])
    position = newest.get(ref) if ref else None
    return plan.objects[position] if position is not None else None


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
            **remote_orgs.remote_organisations(session, {*identities, *senders_named}),
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
        and o.get("relationship_type") == "located-at"
        and str(o.get("target_ref", "")).startswith("location--")
    }
    incidents = [p for p in newest.values() if objects[p]["type"] == "incident"]
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

    sender = _sender(obj, default_sender)
    if sender is None:
        return problem(
            "created_by_ref",
            "is missing, and the bundle has no single identity to take for its sender: Vigil "
            "keeps every record with the organisation that made it",
        )
    plan.sender_of[position] = sender
    if sender in plan.local_ids:
        plan.outcomes[position] = Outcome.local
        return []
    if sender not in plan.org_of and sender not in plan.new_senders:
        identity = next((o for o in plan.objects if o["id"] == sender), None)
        # A peer's collection may not carry its senders' identities: one known by its id
        # alone is named by it until its identity comes.
        by_id_alone = not plan.whole and identity is None and sender.startswith("identity--")
        if not by_id_alone and (identity is None or identity["type"] != "identity"):
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
        fields = stix_in.incident_fields(obj, _location(plan, newest, obj))
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


def tlp_of(plan: Plan, obj: Mapping[str, Any]) -> TLP:
    """The object's TLP; unmarked, the default of a new record (AMBER+STRICT): the importing
    organisation only."""
    return stix_in.object_tlp(obj, plan.tlp_of) or DEFAULT_TLP


def _red_needs_a_person(plan: Plan, principal: Principal) -> None:
    if principal.person_id is not None:
        return
    check(
        Problem(
            index=position,
            stix_id=plan.objects[position]["id"],
            field="object_marking_refs",
            message="is TLP:RED: only the person it was given to may import it (through the API "
            "or the page), and becomes its only reader here",
        )
        for position, _, _ in plan.creates + [u[:3] for u in plan.updates]
        if tlp_of(plan, plan.objects[position]) is TLP.red
    )


def write_incidents(session: Session, plan: Plan) -> dict[int, int]:
    """Create and update the incidents; returns position -> incident id of each record
    (matched ones too). Who may read them is the caller's to add."""

    def values(position: int, fields: Any) -> dict[str, Any]:
        obj = plan.objects[position]
        return {
            **incidents_transfer.incident_values(fields),
            "tlp": tlp_of(plan, obj).value,
            "status": stix_in.incident_status(obj).value,
        }

    created = incidents_transfer.bulk_insert_incidents(
        session=session,
        rows=[
            {**values(p, f), "owner_org_id": plan.org_of[s], "source": Source.partner.value}
            for p, f, s in plan.creates
        ],
    )
    records = dict(plan.matched)
    records.update({p: i for (p, _, _), i in zip(plan.creates, created, strict=True)})
    for position, fields, _, incident_id in plan.updates:
        incidents_transfer.replace_imported_incident(
            session=session, incident_id=incident_id, values=values(position, fields)
        )
        records[position] = incident_id
    return records


def add_senders(session: Session, principal: Principal, plan: Plan) -> None:
    """The remote organisation of each sender the plan met for the first time."""
    for identity_id, identity in plan.new_senders.items():
        plan.org_of[identity_id] = remote_orgs.remote_organisation(
            session=session,
            principal=principal,
            identity_id=identity_id,
            name=str(identity.get("name", "")),
            sectors=[str(s) for s in identity.get("sectors") or ()],
        )


def _share_with_importer(
    session: Session, principal: Principal, plan: Plan, records: Mapping[int, int], org_id: int
) -> None:
    recipients = {
        (incident_id, None, principal.person_id)
        if tlp_of(plan, plan.objects[position]) is TLP.red
        else (incident_id, org_id, None)
        for position, incident_id in records.items()
    }
    incidents_transfer.add_incident_recipients(session=session, recipients=sorted(recipients))


def import_bundle(
    *, session: Session, settings: Settings, principal: Principal, raw: bytes, filename: str = ""
) -> StixImportRead:
    """Import one bundle into the importing organisation, all or nothing; audited."""
    org_id = importing_org(principal)
    bundle_id, objects = read_bundle(
        raw,
        max_bytes=settings.stix_import_max_bytes,
        max_objects=settings.stix_import_max_objects,
    )
    plan = plan_import(session=session, settings=settings, principal=principal, objects=objects)
    _red_needs_a_person(plan, principal)
    add_senders(session, principal, plan)
    records = write_incidents(session, plan)
    _share_with_importer(session, principal, plan, records, org_id)
    rows = import_records.object_rows(plan, records, tlp_of)
    sha256 = hashlib.sha256(raw).hexdigest()
    import_id = import_records.save_import(
        session=session,
        principal=principal,
        org_id=org_id,
        bundle_id=bundle_id,
        filename=filename,
        sha256=sha256,
        rows=rows,
    )
    result = import_records.import_read(session=session, import_id=import_id)
    audit.log_action(
        session,
        principal,
        "sharing.import",
        target_type="stix_imports",
        target_id=import_id,
        org_id=org_id,
        detail={
            "bundle_id": bundle_id,
            "file": filename,
            "sha256": sha256,
            "counts": {k.value: v for k, v in result.counts.items()},
            "incident_ids": result.incident_ids,
        },
    )
    return result


def get_import(*, session: Session, principal: Principal, import_id: int) -> StixImportRead:
    """An import, for the person who made it and the coordinators of its organisation."""
    found = import_records.importer_of(session, import_id)
    if found is None:
        raise NotFound("No such import, or you may not see it.")
    org_id, person_id = found
    mine = person_id is not None and person_id == principal.person_id
    if not (mine or principal.has_role(org_id, Role.coordinator)):
        raise NotFound("No such import, or you may not see it.")
    return import_records.import_read(session=session, import_id=import_id)
