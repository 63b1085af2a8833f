"""STIX 2.1 bundles in: a partner's incidents become records of the organisation that made them
(a remote organisation, DECISIONS 30), shared with the organisation that imported them, under
their own TLP; everything Vigil does not map is kept raw with the import and listed.

All or nothing per bundle: every check (structure, references, markings, senders, the fields
of each incident) runs before anything is written, and a refusal names every problem. The same
object id and version imported again changes nothing; a newer version updates its record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

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
from vigil.sharing.import_bundle import check, read_bundle
from vigil.sharing.import_mapping import Problem
from vigil.sharing.import_plan import Plan, plan_import
from vigil.sharing.import_schemas import StixImportRead


def importing_org(principal: Principal) -> int:
    """The organisation importing: the acting one, for its coordinators; the command line
    (the operator, no person) may import into the organisation it names."""
    if principal.is_platform_admin and principal.person_id is None:
        if principal.acting_org_id is None:
            raise Forbidden("Say which organisation imports (--org).")
        return principal.acting_org_id
    return acting_org(principal, Role.coordinator)


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
    incidents_transfer.replace_imported_incidents(
        session=session,
        replacements=[(i, values(position, fields)) for position, fields, _, i in plan.updates],
    )
    records.update({position: i for position, _, _, i in plan.updates})
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
