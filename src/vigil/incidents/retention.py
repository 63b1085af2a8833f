"""What incidents keeps of people, and for how long: anonymous reports that never became part of
an incident, reporters' contact details and the evidence of closed incidents are removed once
their retention period ends (ops.retention runs these), and a reporter holding a receipt code
may have their contact details erased at any time.

Each purge takes a cut-off time and returns how many records it removed (or, with `dry_run`,
would remove); it writes no audit entry of its own: the caller records the counts together.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.crypto import token_hash
from vigil.core.errors import NotFound
from vigil.incidents.evidence_storage import blob_path
from vigil.incidents.models import Evidence, Incident, Report, ReportVersion
from vigil.incidents.receipts import lookup_forms
from vigil.incidents.typology import Status

# The status that lets a report's append-only versions be deleted (migration 0029).
PURGED = "purged"


def purge_public_reports(
    session: Session, settings: Settings, *, before: dt.datetime, dry_run: bool
) -> int:
    """Delete anonymous reports sent before `before` that were rejected or never triaged, with
    their versions and photos; reports attached to an incident stay with it."""
    ids = list(
        session.scalars(
            select(Report.id).where(
                Report.source == "public",
                Report.incident_id.is_(None),
                Report.status.in_(["new", "rejected"]),
                Report.created_at < before,
            )
        )
    )
    if dry_run or not ids:
        return len(ids)
    _delete_evidence(session, settings, select(Evidence).where(Evidence.report_id.in_(ids)))
    session.execute(update(Report).where(Report.id.in_(ids)).values(status=PURGED))
    session.execute(delete(ReportVersion).where(ReportVersion.report_id.in_(ids)))
    session.execute(delete(Report.__recipients__).where(Report.__recipients__.c.record_id.in_(ids)))
    session.execute(delete(Report).where(Report.id.in_(ids)))
    return len(ids)


def erase_old_contacts(session: Session, *, before: dt.datetime, dry_run: bool) -> int:
    """Erase the contact details left with reports sent before `before` (the reports stay)."""
    old = (Report.contact_encrypted.is_not(None), Report.created_at < before)
    if dry_run:
        return len(list(session.scalars(select(Report.id).where(*old))))
    result = session.execute(update(Report).where(*old).values(contact_encrypted=None))
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge_closed_evidence(
    session: Session, settings: Settings, *, before: dt.datetime, dry_run: bool
) -> int:
    """Delete the evidence files of the reports of incidents closed, and unchanged since,
    before `before`; returns how many files (attachments) were removed."""
    closed = select(Incident.id).where(
        Incident.status == Status.closed.value, Incident.updated_at < before
    )
    reports = select(Report.id).where(Report.incident_id.in_(closed))
    chosen = select(Evidence).where(Evidence.report_id.in_(reports))
    if dry_run:
        return len(list(session.scalars(chosen)))
    return _delete_evidence(session, settings, chosen)


def _delete_evidence(session: Session, settings: Settings, chosen: Select[Evidence]) -> int:
    """Delete the chosen evidence rows, and after the commit each file no other row still uses
    (the store keeps identical content once)."""
    rows = list(session.scalars(chosen))
    if not rows:
        return 0
    hashes = {h for row in rows for h in (row.sha256, row.redacted_sha256) if h}
    session.execute(delete(Evidence).where(Evidence.id.in_([row.id for row in rows])))
    still_used = set(
        session.scalars(select(Evidence.sha256).where(Evidence.sha256.in_(hashes)))
    ) | set(
        session.scalars(
            select(Evidence.redacted_sha256).where(Evidence.redacted_sha256.in_(hashes))
        )
    )
    unused = [blob_path(settings, h) for h in hashes - still_used]

    def remove_files() -> None:
        for path in unused:
            path.unlink(missing_ok=True)

    session.info.setdefault("after_commit", []).append(remove_files)
    return len(rows)


def erase_contact_by_receipt(*, session: Session, receipt: str) -> bool:
    """Erase the contact details a reporter left with the report this receipt belongs to, on
    their own request; the report stays. Returns whether there were any. A code that names no
    report says only that (as the status page does)."""
    hashes = [token_hash(form) for form in lookup_forms(receipt)]
    report = session.scalar(select(Report).where(Report.receipt_hash.in_(hashes)).limit(1))
    if report is None:
        raise NotFound("No report has this receipt code.")
    had_contact = report.contact_encrypted is not None
    report.contact_encrypted = None
    audit.record(
        session,
        action="report.contact_erased",
        actor="reporter",
        org_id=report.owner_org_id,
        target_type="reports",
        target_id=report.id,
        # No address: the reporter is anonymous, and asked to be less known, not more.
        detail={"had_contact": had_contact},
    )
    return had_contact
