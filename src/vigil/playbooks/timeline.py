"""The incident's timeline in one ordered view: what the response logged (tasks, log entries,
roll-call answers, reopening), the incident's own status changes and edits (its audit history)
its reports and the alerts sent about it, each with time, author and source; exported as CSV
and PDF for the police and the after-action review. Reports and alerts have their own sharing:
each reader sees those they may read.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any, TypeVarTuple

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from vigil.alerts import incident_alerts
from vigil.core.audit import AuditEntry
from vigil.core.db import utcnow
from vigil.core.localisation import DEFAULT_LOCALE, gettext_for
from vigil.core.pages import templates
from vigil.core.policy import Principal
from vigil.incidents import history as incident_history
from vigil.incidents import reports as reports_service
from vigil.incidents import service as incidents_service
from vigil.playbooks.models import TimelineEntry
from vigil.playbooks.schemas import TimelineItem
from vigil.playbooks.service import readable_incident

if TYPE_CHECKING:
    from vigil.incidents.models import Incident

Ts = TypeVarTuple("Ts")
CSV_COLUMNS = ["at", "kind", "author", "source", "text", "corrects", "corrected_by", "id"]
HISTORY_SHOWN = ("incident.", "tlp.change", "report.")
ALERT_WORDS = {"Alert": "Alert", "Update": "Alert update", "Cancel": "Alert cancellation"}


def _history_text(action: str, detail: dict[str, object]) -> str:
    if action == "incident.update":
        changes = detail.get("changes") or {}
        fields = ", ".join(sorted(changes)) if isinstance(changes, dict) else ""
        status = detail.get("status")
        text = f"Incident edited: {fields}" if fields else "Incident edited"
        if isinstance(changes, dict) and "status" in changes or status:
            text += f" (status {status})"
        return text
    if action == "incident.create":
        report = detail.get("from_report")
        return (
            f"Incident recorded from report #{report}"
            if report
            else ("Incident recorded from a report you cannot see")
        )
    if action == "incident.attach":
        report = detail.get("report")
        return f"Report #{report} attached" if report else "A report you cannot see attached"
    if action == "incident.merge":
        into = detail.get("into")
        return f"Merged into incident #{into}" if into else "Merged into an incident you cannot see"
    if action == "tlp.change":
        return f"Sharing changed from TLP:{detail.get('from')} to TLP:{detail.get('to')}".upper()
    return action


def timeline(
    *, session: Session, principal: Principal, incident_id: int, latest: int | None = None
) -> list[TimelineItem]:
    """Oldest first; entries at the same moment keep the order they were written in. With
    `latest`, only the newest that many items (the room's view; what it reads stays bounded
    however long the incident's log grows)."""
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    return timeline_of(session, principal, incident, latest=latest)


def _newest(stmt: Select[*Ts], latest: int | None, *order: Any) -> Select[*Ts]:
    if latest is None:
        return stmt.order_by(*order)
    return stmt.order_by(*(o.desc() for o in order)).limit(latest)


def timeline_of(
    session: Session, principal: Principal, incident: Incident, *, latest: int | None = None
) -> list[TimelineItem]:
    """The timeline of an incident the caller already found readable."""
    entries = list(
        session.scalars(
            _newest(
                select(TimelineEntry).where(TimelineEntry.incident_id == incident.id),
                latest,
                TimelineEntry.at,
                TimelineEntry.id,
            )
        )
    )
    if latest is not None:
        entries.reverse()
    corrected_by: dict[int, list[str]] = {}
    for e in entries:
        if e.corrects_id:
            corrected_by.setdefault(e.corrects_id, []).append(f"entry-{e.id}")
    items = [
        TimelineItem(
            id=f"entry-{e.id}",
            at=e.at,
            kind=e.kind,
            author=e.author_name,
            source=e.source,
            text=e.text,
            corrects=f"entry-{e.corrects_id}" if e.corrects_id else None,
            corrected_by=corrected_by.get(e.id, []),
        )
        for e in entries
    ]
    # The incident's own history (its audit entries that say what happened to it; the
    # response's own audit entries are already on the timeline as entries).
    shown = or_(*(AuditEntry.action.startswith(prefix) for prefix in HISTORY_SHOWN))
    history = session.scalars(
        _newest(
            select(AuditEntry).where(
                AuditEntry.target_type == "incidents",
                AuditEntry.target_id == str(incident.id),
                shown,
            ),
            latest,
            AuditEntry.id,
        )
    )
    audited = list(history)
    details = incident_history.shown_details(
        session, principal, [json.loads(h.detail or "{}") for h in audited]
    )
    for h, detail in zip(audited, details, strict=True):
        items.append(
            TimelineItem(
                id=f"history-{h.id}",
                at=h.at,
                kind="status" if "status" in detail else "incident",
                author=h.actor,
                source="system",
                text=_history_text(h.action, detail),
            )
        )
    reports = incidents_service.incident_reports(
        session=session, principal=principal, incident_id=incident.id
    )
    for r in reports[-latest:] if latest else reports:
        title = reports_service.latest_version(session, r.id).get("title") or ""
        items.append(
            TimelineItem(
                id=f"report-{r.id}",
                at=r.created_at,
                kind="report",
                author="" if r.author_id is None else "member",
                source=r.source,
                text=f"Report #{r.id} received: {title}",
            )
        )
    items.extend(_alert_items(session, principal, incident, latest))
    order = {"report": 0, "incident": 1, "status": 1}
    items.sort(key=lambda i: (i.at, order.get(i.kind, 2), i.id))
    return items[-latest:] if latest else items


def _alert_items(
    session: Session, principal: Principal, incident: Incident, latest: int | None
) -> list[TimelineItem]:
    rows = incident_alerts.sent_alerts(
        session=session, principal=principal, incident_id=incident.id, latest=latest
    )
    return [
        TimelineItem(
            id=f"alert-{alert.id}",
            at=alert.sent_at,
            kind="alert",
            author=name or "",
            source=alert.origin,
            text=f"{ALERT_WORDS.get(alert.msg_type, 'Alert')} sent to {alert.area_desc}: "
            f"{alert.headline or alert.event}",
        )
        for alert, name in rows
        if alert.sent_at is not None
    ]


def timeline_csv(items: list[TimelineItem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i in items:
        text = i.text
        if text[:1] in ("=", "+", "-", "@"):  # no formulas in a spreadsheet
            text = "'" + text
        writer.writerow(
            [
                i.at.isoformat(),
                i.kind,
                i.author,
                i.source,
                text,
                i.corrects or "",
                " ".join(i.corrected_by),
                i.id,
            ]
        )
    return out.getvalue()


def timeline_html(*, session: Session, principal: Principal, incident_id: int) -> str:
    """A whole HTML document of the timeline, for the PDF."""
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    items = timeline(session=session, principal=principal, incident_id=incident_id)
    catalogue = gettext_for(DEFAULT_LOCALE)

    def gettext(message: str, **variables: object) -> str:
        return str(catalogue(message)) % variables

    page = templates.env.get_template("playbooks/timeline_pdf.html")
    return page.render(incident=incident, items=items, generated=utcnow(), _=gettext)
