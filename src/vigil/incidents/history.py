"""An incident's history as its reader may see it: the incident's audit entries, with the ids of
the reports, incidents and sites they name resolved through core.policy like every other output
(an id of a record the reader may not read shows as null)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from vigil.core.identity import FORMER_MEMBER
from vigil.core.policy import Principal, References
from vigil.incidents import service
from vigil.incidents.models import Incident, Report
from vigil.incidents.queries import SITE, references_with_sites
from vigil.orgs import directory as orgs_directory

# Keys of an entry's detail that name a record, and the model of that record.
NAMED: dict[str, Any] = {
    "from_report": Report,
    "report": Report,
    "reports": Report,
    "into": Incident,
    "was_in": Incident,
    "received": Incident,  # incidents.received_triage: linked as the same event
}
# Fields of an "incident.update" entry's changes ([before, after]) that name a record.
CHANGED: dict[str, Any] = {"site_id": SITE}


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    actor: str
    action: str
    detail: dict[str, Any]


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _named(detail: dict[str, Any]) -> list[tuple[Any, int | None]]:
    found: list[tuple[Any, int | None]] = []
    for key, model in NAMED.items():
        found += [(model, i) for i in _ids(detail.get(key))]
    changes = detail.get("changes")
    if isinstance(changes, dict):
        for key, model in CHANGED.items():
            found += [(model, i) for i in _ids(changes.get(key))]
    return found


def _shown(value: Any, model: Any, refs: References) -> Any:
    if isinstance(value, list):
        return [_shown(v, model, refs) for v in value]
    return refs.shown(model, value) if _ids(value) else value


def shown_detail(detail: dict[str, Any], refs: References) -> dict[str, Any]:
    shown = {k: _shown(v, NAMED[k], refs) if k in NAMED else v for k, v in detail.items()}
    changes = detail.get("changes")
    if isinstance(changes, dict):
        shown["changes"] = {
            k: _shown(v, CHANGED[k], refs) if k in CHANGED else v for k, v in changes.items()
        }
    return shown


def shown_details(
    session: Session, principal: Principal, details: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Entries' details as `principal` may see them, resolved in one query per model."""
    refs = references_with_sites(session, principal, [n for d in details for n in _named(d)])
    return [shown_detail(d, refs) for d in details]


def incident_history(
    *, session: Session, principal: Principal, incident_id: int
) -> list[HistoryRow]:
    """Every change of the incident, oldest first; NotFound for an incident it may not read."""
    entries = service.incident_history(
        session=session, principal=principal, incident_id=incident_id
    )
    details = shown_details(session, principal, [json.loads(e.detail or "{}") for e in entries])
    # The audit log keeps the name an entry was written with; an erased person is shown as such.
    erased = orgs_directory.erased_ids(session=session, person_ids=[e.actor_id for e in entries])
    return [
        HistoryRow(e.at, FORMER_MEMBER if e.actor_id in erased else e.actor, e.action, d)
        for e, d in zip(entries, details, strict=True)
    ]
