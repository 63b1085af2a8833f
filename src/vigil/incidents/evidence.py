"""Evidence: files attached to reports, typed by their content and stored content-addressed.

Photos often carry the place they were taken in their EXIF data: an image keeps its original
for the report's owner organisation, and everyone else the report is shared with gets a copy
re-drawn from its pixels alone, without any metadata (evidence_content). The files themselves
live in the evidence store (evidence_storage).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.errors import Forbidden, NotFound
from vigil.core.policy import Principal, Role, scope
from vigil.incidents import reports as reports_service
from vigil.incidents.evidence_content import ACCEPTED, sniff, strip_metadata
from vigil.incidents.evidence_storage import (
    blob_path,
    place_bytes,
    place_file,
    receive,
    temporary_file,
)
from vigil.incidents.models import Evidence, Report
from vigil.incidents.schemas import EvidenceRead

log = logging.getLogger("vigil.evidence")

# The multipart envelope around the file (boundaries, part headers) on top of the file itself.
MULTIPART_FRAMING_BYTES = 64 * 1024
MAX_FILENAME_CHARS = 200


@dataclass(frozen=True)
class EvidenceFile:
    """What to send for a download: the stored file and how to label it."""

    path: Path
    media_type: str
    download_name: str
    metadata_stripped: bool


@dataclass(frozen=True)
class Attached:
    evidence: Evidence
    report: Report
    is_new: bool  # False: the same file was already attached to this report


def upload_body_limit(settings: Settings) -> int:
    """The request-body limit of an upload: the file's limit plus its multipart envelope."""
    return settings.evidence_max_bytes + MULTIPART_FRAMING_BYTES


def display_name(filename: str | None) -> str:
    """The uploader's file name without directories, control or direction-changing characters."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = " ".join(name.replace('"', "'").split()).strip(". ")
    if len(name) > MAX_FILENAME_CHARS:
        suffix = Path(name).suffix[:16]
        name = name[: MAX_FILENAME_CHARS - len(suffix)] + suffix
    return name or "evidence"


def download_name(evidence: Evidence) -> str:
    """The display name, ending in an extension that matches what the file really is."""
    media = ACCEPTED[evidence.media_type]
    if Path(evidence.filename).suffix.lower() in media.extensions:
        return evidence.filename
    return evidence.filename + media.extensions[0]


def may_attach(principal: Principal, report: Report) -> bool:
    return principal.has_role(report.owner_org_id, Role.reporter) or (
        principal.person_id is not None and principal.person_id == report.author_id
    )


def sees_original(principal: Principal, report: Report) -> bool:
    return report.owner_org_id in principal.org_ids


def _attached(session: Session, report_id: int, sha256: str) -> Evidence | None:
    return session.scalar(
        select(Evidence).where(Evidence.report_id == report_id, Evidence.sha256 == sha256)
    )


def add_evidence(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    report_id: int,
    upload: BinaryIO,
    filename: str | None,
    ip: str = "",
) -> Attached:
    """Attach a file to a report.

    The same file attached again to the same report is the evidence already there. Files land
    in the store before the row commits; a rolled-back upload can leave an unreferenced file,
    never a row without its file.
    """
    report = reports_service.get_report(session=session, principal=principal, report_id=report_id)
    if not may_attach(principal, report):
        raise Forbidden("Adding evidence needs the reporter role in the report's organisation.")
    name = display_name(filename)
    with temporary_file(settings) as (path, handle):
        received = receive(upload, handle, settings.evidence_max_bytes)
        media_type = sniff(received, name)
        evidence = _attached(session, report.id, received.sha256)
        is_new = evidence is None
        if evidence is None:
            redacted = strip_metadata(path, media_type)
            place_file(settings, path, received.sha256)
            evidence = Evidence(
                report_id=report.id,
                sha256=received.sha256,
                size=received.size,
                media_type=media_type,
                filename=name,
                uploaded_by=principal.person_id,
                redacted_sha256=place_bytes(settings, redacted) if redacted else None,
                redacted_size=len(redacted) if redacted else None,
            )
            try:
                with session.begin_nested():
                    session.add(evidence)
            except IntegrityError:  # the same file, attached at the same moment by another
                evidence = _attached(session, report.id, received.sha256)
                if evidence is None:
                    raise
                is_new = False
    audit.log_action(
        session,
        principal,
        "evidence.upload",
        target_type="evidence",
        target_id=evidence.id,
        org_id=report.owner_org_id,
        ip=ip,
        detail={
            "report_id": report.id,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "media_type": evidence.media_type,
            "already_attached": not is_new,
        },
    )
    return Attached(evidence=evidence, report=report, is_new=is_new)


def get_evidence(
    *, session: Session, principal: Principal, evidence_id: int
) -> tuple[Evidence, Report]:
    """Evidence is readable exactly when its report is (core.policy on the report)."""
    stmt = select(Evidence, Report).join(Report, Report.id == Evidence.report_id)
    row = session.execute(scope(stmt.where(Evidence.id == evidence_id), Report, principal)).first()
    if row is None:
        raise NotFound("No such evidence, or its report is not shared with you.")
    return row[0], row[1]


def report_evidence(*, session: Session, principal: Principal, report_id: int) -> list[Evidence]:
    report = reports_service.get_report(session=session, principal=principal, report_id=report_id)
    return list(
        session.scalars(
            select(Evidence).where(Evidence.report_id == report.id).order_by(Evidence.id)
        )
    )


def evidence_read(*, principal: Principal, evidence: Evidence, report: Report) -> EvidenceRead:
    """Describes the file this principal downloads: the original, or the copy without metadata."""
    own = sees_original(principal, report)
    stripped = (
        not own and evidence.redacted_sha256 is not None and evidence.redacted_size is not None
    )
    return EvidenceRead(
        id=evidence.id,
        report_id=evidence.report_id,
        filename=evidence.filename,
        media_type=evidence.media_type,
        sha256=(evidence.redacted_sha256 if stripped else None) or evidence.sha256,
        size=(evidence.redacted_size if stripped else None) or evidence.size,
        metadata_stripped=stripped,
        uploaded_by=evidence.uploaded_by if own else None,
        created_at=evidence.created_at,
    )


def open_evidence(
    *, session: Session, principal: Principal, settings: Settings, evidence_id: int, ip: str = ""
) -> EvidenceFile:
    """The file to send, chosen by who asks; the download is audited.

    A download is a read: its audit entry is written in a short transaction of its own (as an
    API token's last use is), so the reading request never turns into a writer on SQLite.
    """
    evidence, report = get_evidence(session=session, principal=principal, evidence_id=evidence_id)
    stripped = not sees_original(principal, report) and evidence.media_type.startswith("image/")
    if stripped and evidence.redacted_sha256 is None:
        raise Forbidden(
            "Only the report's organisation may download this image: Vigil cannot make a copy "
            "of this type without its metadata."
        )
    sha256 = evidence.redacted_sha256 if stripped else evidence.sha256
    assert sha256 is not None
    path = blob_path(settings, sha256)
    if not path.is_file():
        log.error("evidence file missing from the store", extra={"evidence_id": evidence.id})
        raise NotFound("The file of this evidence is missing from the store.")
    with transaction(settings.sqlalchemy_url) as audit_session:
        audit.log_action(
            audit_session,
            principal,
            "evidence.download",
            target_type="evidence",
            target_id=evidence.id,
            org_id=report.owner_org_id,
            ip=ip,
            detail={"report_id": report.id, "sha256": sha256, "metadata_stripped": stripped},
        )
    session.info["audited"] = True  # the request boundary seals the chain
    return EvidenceFile(
        path=path,
        media_type=evidence.media_type,
        download_name=download_name(evidence),
        metadata_stripped=stripped,
    )
