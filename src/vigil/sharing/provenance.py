"""Where received incidents came from, read from the imports that brought them (DECISIONS 30):
the peer or the person's import (for the incident page, the list and the exports, through
`incidents.provenance`), and the STIX id and versions the sender gave them (so that a received
incident leaves again as the sender's object, not as one of ours).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.sharing.ids import stix_time
from vigil.sharing.import_models import StixImport, StixImportObject
from vigil.sharing.import_records import INCIDENTS
from vigil.sharing.mapping import Origin

IDS_PER_QUERY = 500


def _stamp(moment: dt.datetime) -> str:
    """The version as the sender wrote it: milliseconds, or microseconds when it had them."""
    if moment.microsecond % 1000 == 0:
        return stix_time(moment)
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), IDS_PER_QUERY):
        yield wanted[start : start + IDS_PER_QUERY]


def channels_of(*, session: Session, incident_ids: Sequence[int]) -> Mapping[int, str]:
    """For each incident an import brought: the name of the peer whose pull brought it first,
    or "" when a person imported it as a file (incidents.provenance.ChannelLookup)."""
    found: dict[int, str] = {}
    for chunk in _chunks(incident_ids):
        rows = session.execute(
            select(StixImportObject.record_id, StixImport.peer_id, StixImport.peer_name)
            .join(StixImport, StixImport.id == StixImportObject.import_id)
            .where(
                StixImportObject.record_type == INCIDENTS,
                StixImportObject.record_id.in_(chunk),
            )
            .order_by(StixImportObject.id)
        )
        for record_id, peer_id, peer_name in rows:
            if record_id is not None and record_id not in found:
                found[record_id] = peer_name if (peer_id is not None or peer_name) else ""
    return found


def origins_of(session: Session, incident_ids: Iterable[int]) -> dict[int, Origin]:
    """The sender's STIX id of each received incident, with the first and newest versions
    imported (its `created` and `modified` when it leaves again)."""
    found: dict[int, Origin] = {}
    for chunk in _chunks(incident_ids):
        rows = session.execute(
            select(
                StixImportObject.record_id,
                StixImportObject.stix_id,
                func.min(StixImportObject.version),
                func.max(StixImportObject.version),
            )
            .where(
                StixImportObject.record_type == INCIDENTS,
                StixImportObject.record_id.in_(chunk),
                StixImportObject.stix_type == "incident",
            )
            .group_by(StixImportObject.record_id, StixImportObject.stix_id)
        )
        for record_id, stix_id, first, newest in rows:
            if record_id is None or first is None or newest is None:
                continue
            found[record_id] = Origin(
                stix_id=stix_id, created=_stamp(first), modified=_stamp(newest)
            )
    return found
