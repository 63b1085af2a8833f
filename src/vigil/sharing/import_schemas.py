"""What a STIX import answers: what became of the bundle, object by object."""

from __future__ import annotations

import datetime as dt
import enum

from pydantic import BaseModel, Field

from vigil.core.policy import TLP


class Outcome(enum.StrEnum):
    """What became of one object of an imported bundle."""

    created = "created"  # a new record of its sender
    updated = "updated"  # a newer version replaced the record's fields
    unchanged = "unchanged"  # this version was imported before: nothing written again
    outdated = "outdated"  # an older version than the one imported before: ignored
    local = "local"  # made by an organisation of this instance: its records are made here
    used = "used"  # read for a record: its sender, place, marking, relationship, definition
    kept = "kept"  # not mapped by Vigil: kept as raw STIX with the import
    refused = "refused"  # from a peer: TLP:RED, or wrong (the audit log says why); not kept


class ImportedObject(BaseModel):
    position: int = Field(description="The object's index in the bundle's `objects`.")
    stix_id: str
    stix_type: str
    version: dt.datetime | None = Field(None, description="Its `modified` (or `created`).")
    outcome: Outcome
    tlp: TLP | None = Field(None, description="Its TLP (none for markings and observables).")
    sender_org_id: int | None = None
    incident_id: int | None = Field(None, description="The incident it became or updated.")


class SenderRead(BaseModel):
    org_id: int
    name: str
    stix_identity_id: str | None
    remote: bool


class StixImportRead(BaseModel):
    id: int
    org_id: int = Field(description="The organisation that imported (the records' recipient).")
    bundle_id: str
    filename: str
    sha256: str
    created_at: dt.datetime
    object_count: int
    counts: dict[Outcome, int] = Field(description="How many objects had each outcome.")
    senders: list[SenderRead] = Field(description="The organisations the records belong to.")
    incident_ids: list[int] = Field(description="Incidents created or updated, in bundle order.")
    records: list[ImportedObject] = Field(description="Objects that became or matched records.")
    kept: list[ImportedObject] = Field(
        description="Objects Vigil does not map, kept as raw STIX with the import (the first "
        "1,000; `counts` has them all)."
    )
