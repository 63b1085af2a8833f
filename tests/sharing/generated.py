"""Generated records for the mapping tests: every TLP that may leave, every type, bias,
precision and target kind, built as the read schemas the mapping takes (no database)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from vigil.core.policy import TLP
from vigil.incidents.schemas import IncidentRead, Place
from vigil.incidents.typology import (
    IHRA_INDICATORS,
    Bias,
    IncidentType,
    Precision,
    Severity,
    Source,
    Status,
    TargetKind,
)
from vigil.notices.schemas import NoticeRead
from vigil.orgs.models import Organisation
from vigil.sharing import mapping
from vigil.sharing.export import bundle_of
from vigil.sharing.extension import extension_definition, vigil_identity
from vigil.sharing.schemas import ALL_TYPOLOGY_FIELDS, PlacePrecision, SharingProfileRead

NAMESPACE = uuid.UUID("0b6c2a52-1f7e-4d8e-9a3c-6f1d2e3a4b5c")
CREATED = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
SHAREABLE = [TLP.clear, TLP.green, TLP.amber, TLP.amber_strict]
OWNER = Organisation(id=7, name="Community Security Example", created_at=CREATED)
PLACES = [
    Place(
        lat=52.52,
        lon=13.405,
        address="Oranienburger Str. 30",
        city="Berlin",
        country="DE",
        precision=Precision.exact,
    ),
    Place(lat=50.0755, lon=14.4378, city="Prague", country="CZ", precision=Precision.street),
    Place(lat=48.2, lon=16.37, city="Vienna", country="AT", precision=Precision.city),
    Place(country="FR", precision=Precision.country),
    Place(),
]


def profile(
    *, narrative: bool = False, precision: PlacePrecision = PlacePrecision.city, **extra: Any
) -> SharingProfileRead:
    return SharingProfileRead(
        org_id=OWNER.id,
        share_narrative=narrative,
        place_precision=precision,
        typology_fields=extra.get("fields", list(ALL_TYPOLOGY_FIELDS)),
        updated_at=extra.get("updated_at"),
    )


def context(sharing: SharingProfileRead) -> mapping.Context:
    return mapping.Context(
        namespace=NAMESPACE,
        owner_ref=mapping.organisation_ref(NAMESPACE, OWNER.id),
        profile=sharing,
    )


def incident(n: int, **changes: Any) -> IncidentRead:
    """The n-th generated incident: each list is walked round, so a few dozen cover them all."""
    bias = [list(Bias)[n % len(Bias)]]
    values: dict[str, Any] = {
        "id": n,
        "owner_org_id": OWNER.id,
        "tlp": SHAREABLE[n % len(SHAREABLE)],
        "status": list(Status)[n % len(Status)],
        "source": Source.member,
        "title": f"Generated incident {n}",
        "narrative": f"What happened, told by the witness, number {n}.",
        "occurred_from": CREATED - dt.timedelta(days=n),
        "occurred_to": CREATED - dt.timedelta(days=n) + dt.timedelta(hours=2) if n % 2 else None,
        "timezone": "Europe/Berlin",
        "place": PLACES[n % len(PLACES)],
        "type": list(IncidentType)[n % len(IncidentType)],
        "bias": bias
        + ([Bias.antisemitism] if n % 3 == 0 and Bias.antisemitism not in bias else []),
        "ihra": sorted(IHRA_INDICATORS)[: n % 4] if n % 3 == 0 else [],
        "target_kind": [None, *TargetKind][n % (len(TargetKind) + 1)],
        "injuries": n % 3,
        "damage": "",
        "police_reported": bool(n % 2),
        "police_reference": f"POL-{n}",
        "severity": list(Severity)[n % len(Severity)],
        "merged_into_id": None,
        "site_id": None,
        "created_at": CREATED + dt.timedelta(minutes=n),
        "updated_at": CREATED + dt.timedelta(minutes=n, seconds=30),
    }
    values.update(changes)
    return IncidentRead(**values)


def notice(n: int) -> NoticeRead:
    return NoticeRead(
        id=n,
        title=f"Notice {n}",
        body="Stewards at every entrance." if n % 2 else "",
        tlp=SHAREABLE[n % len(SHAREABLE)],
        owner_org_id=OWNER.id,
        owner_org_name=OWNER.name,
        author_id=99,
        created_at=CREATED,
        updated_at=CREATED + dt.timedelta(hours=n),
    )


PROFILES = [
    profile(narrative=narrative, precision=precision, fields=fields)
    for narrative, precision, fields in itertools.product(
        (False, True), PlacePrecision, (list(ALL_TYPOLOGY_FIELDS), [], ALL_TYPOLOGY_FIELDS[:2])
    )
]


def generated_bundle(count: int = 66) -> dict[str, Any]:
    """`count` incidents (each under one of the profiles in turn) and a few notices."""
    objects: list[dict[str, Any]] = [
        vigil_identity(),
        extension_definition(),
        mapping.organisation_identity(NAMESPACE, OWNER),
    ]
    for n in range(count):
        objects += mapping.incident_objects(incident(n), context(PROFILES[n % len(PROFILES)]))
    objects += [mapping.notice_note(notice(n), context(profile())) for n in range(4)]
    return bundle_of(objects)
