"""TAXII 2.1 writes: an envelope POSTed to an organisation's collection, and its status.

Objects land in the STIX store as the client organisation's own (provenance: `owner_org_id`
and the person who sent them), at the TLP their markings say (AMBER+STRICT when they carry
none; RED is refused, it would have nobody to go to). Validation on this hot path checks
what the store and the access rule rely on (type, id, spec version, timestamps, markings),
fast; the full `stix2-validator` runs over Vigil's own objects in the tests. A replay of
the same id and version changes nothing and is reported as a success.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import bulk_insert, utcnow
from vigil.core.errors import DomainError, Forbidden, Invalid, NotFound
from vigil.core.policy import DEFAULT_TLP, TLP, Principal, Role
from vigil.sharing import peer_outbox
from vigil.sharing.markings import TLP2_MARKING_IDS, tlp_of_marking
from vigil.sharing.models import POSTED, StixObject, TaxiiStatus
from vigil.sharing.store import keep_statistics, version_of
from vigil.sharing.taxii import Collection, taxii_time, version_text

MAX_CONTENT_BYTES = 20 * 1024 * 1024
MAX_OBJECT_BYTES = 1024 * 1024
STIX_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\Z")
STRICTEST_FIRST = list(TLP)


class ContentTooLarge(DomainError):
    status = 413
    title = "Request entity too large"


async def read_body(request: Request) -> bytes:
    """The request body, refused past MAX_CONTENT_BYTES without reading all of it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CONTENT_BYTES:
        raise ContentTooLarge(f"An envelope may be at most {MAX_CONTENT_BYTES} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_CONTENT_BYTES:
            raise ContentTooLarge(f"An envelope may be at most {MAX_CONTENT_BYTES} bytes.")
    return bytes(body)


def _is_identifier(value: Any, prefix: str | None = None) -> bool:
    if not isinstance(value, str) or "--" not in value:
        return False
    kind, _, raw = value.partition("--")
    if prefix is not None and kind != prefix:
        return False
    # A regular expression, not uuid.UUID(): three ids an object, 500 objects an envelope.
    return bool(UUID_TEXT.match(raw)) and bool(STIX_TYPE.match(kind))


def _timestamp(obj: dict[str, Any], name: str) -> dt.datetime | None:
    raw = obj.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.endswith("Z"):
        raise ValueError(f"{name} must be a UTC timestamp ending in Z")
    return dt.datetime.fromisoformat(raw[:-1] + "+00:00")


def tlp_of(obj: dict[str, Any]) -> TLP:
    """The strictest TLP among the object's markings; AMBER+STRICT when it carries none."""
    found = [t for t in map(tlp_of_marking, obj.get("object_marking_refs", ())) if t]
    return min(found, key=STRICTEST_FIRST.index) if found else DEFAULT_TLP


def check_object(obj: Any) -> str | None:
    """What is wrong with one posted object, or None: the checks the store relies on."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    kind = obj.get("type")
    if not isinstance(kind, str) or not STIX_TYPE.match(kind):
        return "type must be 3-250 lower-case letters, digits and hyphens"
    if not _is_identifier(obj.get("id"), kind):
        return f"id must be {kind}--<uuid>"
    if obj.get("spec_version") != "2.1":
        return "spec_version must be 2.1"
    try:
        created, modified = _timestamp(obj, "created"), _timestamp(obj, "modified")
    except ValueError as exc:
        return str(exc)
    if created and modified and modified < created:
        return "modified must not be before created"
    if "created_by_ref" in obj and not _is_identifier(obj["created_by_ref"], "identity"):
        return "created_by_ref must be an identity id"
    refs = obj.get("object_marking_refs", [])
    if not isinstance(refs, list) or not all(_is_identifier(r, "marking-definition") for r in refs):
        return "object_marking_refs must be a list of marking-definition ids"
    if tlp_of(obj) is TLP.red:
        return "TLP:RED objects are not taken: they could go to nobody"
    return None


def _envelope_objects(raw: bytes) -> list[Any]:
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("body", "is not JSON") from exc
    objects = envelope.get("objects") if isinstance(envelope, dict) else None
    if not isinstance(objects, list):
        raise Invalid("objects", "an envelope is a JSON object with a list of objects")
    return objects


def add_objects(
    *, session: Session, principal: Principal, collection: Collection, raw: bytes
) -> dict[str, Any]:
    """Store an envelope's objects as the collection organisation's; returns the status."""
    org_id = collection.org_id
    if not collection.can_write or org_id is None:
        raise Forbidden("You may add objects only to your own organisation's collection.")
    if not principal.has_role(org_id, Role.analyst):
        raise Forbidden("Adding objects needs the role analyst or higher in your organisation.")
    objects = _envelope_objects(raw)
    now = utcnow()
    successes: list[dict[str, str]] = []
    failures: list[dict[str, str]] = []
    wanted: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    for obj in objects:
        problem = check_object(obj)
        ident = obj.get("id", "") if isinstance(obj, dict) else ""
        if problem is None:
            body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
            if len(body) > MAX_OBJECT_BYTES:
                problem = f"an object may be at most {MAX_OBJECT_BYTES} bytes"
        if problem is not None:
            failures.append({"id": str(ident)[:300], "message": problem})
            continue
        if obj["type"] == "marking-definition" and obj["id"] in TLP2_MARKING_IDS.values():
            successes.append({"id": obj["id"], "message": "the TLP 2.0 marking is known"})
            continue
        version = version_of(obj) if ("modified" in obj or "created" in obj) else version_text(now)
        wanted[(obj["id"], version)] = (obj, body)
    held = {
        (stix_id, version): owner
        for stix_id, version, owner in session.execute(
            select(StixObject.stix_id, StixObject.version, StixObject.owner_org_id).where(
                StixObject.stix_id.in_(sorted({i for i, _ in wanted}))
            )
        )
    }
    rows = []
    for (stix_id, version), (obj, body) in wanted.items():
        outcome = {"id": stix_id, "version": taxii_time(version)}
        if (stix_id, version) in held:
            if held[(stix_id, version)] != org_id:
                failures.append({**outcome, "message": "another organisation holds this version"})
            else:
                successes.append(outcome)
            continue
        successes.append(outcome)
        rows.append(
            {
                "stix_id": stix_id,
                "version": version,
                "stix_type": obj["type"],
                "spec_version": "2.1",
                "date_added": now,
                "record_kind": POSTED,
                "record_id": None,
                "source_updated_at": None,
                "body": body,
                "owner_org_id": org_id,
                "author_id": principal.person_id,
                "tlp": tlp_of(obj).value,
            }
        )
    bulk_insert(session, StixObject.__table__, rows)
    if rows:
        keep_statistics(session)
        peer_outbox.pushes_after_write(session, [org_id])
    status = TaxiiStatus(
        id=str(uuid.uuid4()),
        owner_org_id=org_id,
        person_id=principal.person_id,
        request_timestamp=now,
        total_count=len(objects),
        success_count=len(successes),
        failure_count=len(failures),
        detail=json.dumps({"successes": successes, "failures": failures}),
    )
    session.add(status)
    audit.log_action(
        session,
        principal,
        "sharing.taxii.add",
        target_type="taxii_statuses",
        target_id=status.id,
        org_id=org_id,
        detail={"objects": len(objects), "added": len(rows), "failed": len(failures)},
    )
    return status_resource(status)


def status_resource(status: TaxiiStatus) -> dict[str, Any]:
    detail = json.loads(status.detail)
    return {
        "id": status.id,
        "status": "complete",
        "request_timestamp": taxii_time(status.request_timestamp),
        "total_count": status.total_count,
        "success_count": status.success_count,
        "successes": detail["successes"],
        "failure_count": status.failure_count,
        "failures": detail["failures"],
        "pending_count": 0,
        "pending": [],
    }


def get_status(*, session: Session, principal: Principal, status_id: str) -> dict[str, Any]:
    """A status of a POST by the caller's organisation."""
    status = session.get(TaxiiStatus, status_id[:36])
    if status is None or status.owner_org_id not in principal.org_ids:
        raise NotFound("No such status, or it is not your organisation's.")
    return status_resource(status)
