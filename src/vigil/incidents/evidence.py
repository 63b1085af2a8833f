"""Evidence: files attached to reports, typed by their content and stored content-addressed.

Photos often carry the place they were taken in their EXIF data: an image keeps its original
for the report's owner organisation, and everyone else the report is shared with gets a copy
re-drawn from its pixels alone, without any metadata.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import logging
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import filetype
from PIL import Image, ImageOps
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import Base, transaction, utcnow
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role, scope
from vigil.incidents import reports as reports_service
from vigil.incidents.models import Report

log = logging.getLogger("vigil.evidence")

CHUNK_BYTES = 1024 * 1024
SNIFF_BYTES = 8192  # as much of the start as the content sniffer looks at
# The multipart envelope around the file (boundaries, part headers) on top of the file itself.
MULTIPART_FRAMING_BYTES = 64 * 1024
# Above this an image is refused rather than decoded (a 40 MB PNG can unpack to gigabytes).
MAX_IMAGE_PIXELS = 64_000_000
MAX_FILENAME_CHARS = 200
JPEG_QUALITY = 90


@dataclass(frozen=True)
class MediaType:
    kind: str  # "image", "pdf" or "text": what a file name's extension may claim
    label: str
    extensions: tuple[str, ...]  # the first is the one a download name gets
    pillow_format: str | None = None  # None: no metadata-free copy can be made


ACCEPTED: dict[str, MediaType] = {
    "image/jpeg": MediaType("image", "a JPEG image", (".jpg", ".jpeg", ".jpe"), "JPEG"),
    "image/png": MediaType("image", "a PNG image", (".png",), "PNG"),
    "image/webp": MediaType("image", "a WebP image", (".webp",), "WEBP"),
    # Pillow cannot read HEIC: such photos are kept for the owner organisation only.
    "image/heic": MediaType("image", "a HEIC image", (".heic", ".heif")),
    "application/pdf": MediaType("pdf", "a PDF document", (".pdf",)),
    "text/plain": MediaType("text", "plain text", (".txt",)),
}
ACCEPTED_SUMMARY = "JPEG, PNG, WebP or HEIC images, PDF documents and plain UTF-8 text"
KIND_LABELS = {"image": "an image", "pdf": "a PDF document", "text": "a text file"}
NAME_CLAIMS = {ext: t.kind for t in ACCEPTED.values() for ext in t.extensions} | {
    ".gif": "image",
    ".tif": "image",
    ".tiff": "image",
}
EXECUTABLES = {"application/x-executable", "application/x-msdownload"}


class Evidence(Base):
    """A file attached to a report. Readable by whoever may read the report."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("report_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    # As the uploader named it, made harmless; for display only, never a path.
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The copy without metadata that people outside the owner organisation get (images only).
    redacted_sha256: Mapped[str | None] = mapped_column(String(64))
    redacted_size: Mapped[int | None] = mapped_column(BigInteger)


class EvidenceRead(BaseModel):
    id: int
    report_id: int
    filename: str
    media_type: str
    sha256: str = Field(description="SHA-256 of the file you download from /content.")
    size: int = Field(description="Size in bytes of the file you download from /content.")
    metadata_stripped: bool = Field(
        description="True when /content gives you a copy of the image without its metadata "
        "(everyone outside the report's organisation)."
    )
    uploaded_by: int | None = Field(None, description="Only for the report's organisation.")
    created_at: dt.datetime


class FileTooLarge(Invalid):
    status = 413
    title = "File too large"


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


@dataclass
class Received:
    sha256: str
    size: int
    head: bytes
    is_utf8: bool
    has_nul: bool

    @property
    def is_text(self) -> bool:
        return self.is_utf8 and not self.has_nul


def upload_body_limit(settings: Settings) -> int:
    """The request-body limit of an upload: the file's limit plus its multipart envelope."""
    return settings.evidence_max_bytes + MULTIPART_FRAMING_BYTES


def store_dir(settings: Settings) -> Path:
    return settings.data_dir / "evidence"


def blob_path(settings: Settings, sha256: str) -> Path:
    return store_dir(settings) / sha256[:2] / sha256


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


@contextmanager
def _temporary_file(settings: Settings) -> Iterator[tuple[Path, IO[bytes]]]:
    """A file in the store's own directory (so it can be renamed into place), removed after."""
    tmp_dir = store_dir(settings) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=tmp_dir, prefix="upload-", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    try:
        with handle:
            yield path, handle
    finally:
        path.unlink(missing_ok=True)


def _receive(upload: BinaryIO, into: IO[bytes], limit: int) -> Received:
    """Copy the upload in chunks, hashing it and watching whether it is UTF-8 text."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size, head, is_utf8, has_nul = 0, b"", True, False
    while chunk := upload.read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise FileTooLarge("file", f"the file is larger than the limit of {limit} bytes")
        digest.update(chunk)
        into.write(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        has_nul = has_nul or b"\0" in chunk
        if is_utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        is_utf8 = False
    into.flush()
    os.fsync(into.fileno())
    return Received(
        sha256=digest.hexdigest(),
        size=size,
        head=head,
        is_utf8=is_utf8,
        has_nul=has_nul,
    )


def sniff(received: Received, name: str) -> str:
    """The media type from the content; refuses what is not accepted or not what its name says."""
    if received.size == 0:
        raise Invalid("file", "the file is empty")
    guess = filetype.guess(received.head)
    if guess is not None and guess.mime in ACCEPTED:
        media_type: str | None = guess.mime
        actual = ACCEPTED[guess.mime].label
    elif guess is None and received.is_text:
        media_type, actual = "text/plain", ACCEPTED["text/plain"].label
    else:
        media_type = None
        if guess is None and not received.has_nul:
            actual = "text that is not valid UTF-8 (save it as UTF-8)"
        elif guess is None:
            actual = "binary data of no type Vigil knows"
        elif guess.mime in EXECUTABLES:
            actual = f"an executable program ({guess.mime})"
        else:
            actual = f"{guess.mime} (a .{guess.extension} file)"
    claimed = NAME_CLAIMS.get(Path(name).suffix.lower())
    if claimed and (media_type is None or ACCEPTED[media_type].kind != claimed):
        raise Invalid(
            "file", f"the name '{name}' says it is {KIND_LABELS[claimed]}, but it is {actual}"
        )
    if media_type is None:
        raise Invalid("file", f"the content is {actual}; accepted are {ACCEPTED_SUMMARY}")
    return media_type


def strip_metadata(path: Path, media_type: str) -> bytes | None:
    """The image re-drawn from its pixels alone: no EXIF (GPS), XMP, ICC profile or comments.

    The orientation EXIF would have applied is turned into the pixels first, so the copy
    shows upright. None for a type Pillow cannot write.
    """
    fmt = ACCEPTED[media_type].pillow_format
    if fmt is None:
        return None
    label = ACCEPTED[media_type].label
    try:
        with Image.open(path, formats=[fmt]) as image:
            pixels = image.width * image.height
            if pixels > MAX_IMAGE_PIXELS:
                raise Invalid(
                    "file",
                    f"the image has {pixels} pixels; at most {MAX_IMAGE_PIXELS} are accepted",
                )
            upright = ImageOps.exif_transpose(image)
            has_alpha = "A" in upright.getbands() or "transparency" in upright.info
            mode = "RGBA" if has_alpha and fmt != "JPEG" else "RGB"
            clean = Image.new(mode, upright.size)
            clean.paste(upright.convert(mode))
    except Invalid:
        raise
    except Image.DecompressionBombError as exc:
        raise Invalid("file", f"the image has too many pixels to open ({exc})") from exc
    except Exception as exc:  # malformed images make Pillow raise errors of many types
        raise Invalid("file", f"it starts like {label} but cannot be read as one ({exc})") from exc
    out = io.BytesIO()
    options: dict[str, object] = {"quality": JPEG_QUALITY} if fmt == "JPEG" else {}
    clean.save(out, fmt, **options)
    return out.getvalue()


def _place(settings: Settings, source: Path, sha256: str) -> None:
    """Move a finished file to its content address; identical content is kept once."""
    target = blob_path(settings, sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)  # atomic: a reader sees the whole file or none
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _place_bytes(settings: Settings, data: bytes) -> str:
    sha256 = hashlib.sha256(data).hexdigest()
    if not blob_path(settings, sha256).exists():
        with _temporary_file(settings) as (path, handle):
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            _place(settings, path, sha256)
    return sha256


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
    with _temporary_file(settings) as (path, handle):
        received = _receive(upload, handle, settings.evidence_max_bytes)
        media_type = sniff(received, name)
        evidence = _attached(session, report.id, received.sha256)
        is_new = evidence is None
        if evidence is None:
            redacted = strip_metadata(path, media_type)
            _place(settings, path, received.sha256)
            evidence = Evidence(
                report_id=report.id,
                sha256=received.sha256,
                size=received.size,
                media_type=media_type,
                filename=name,
                uploaded_by=principal.person_id,
                redacted_sha256=_place_bytes(settings, redacted) if redacted else None,
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
