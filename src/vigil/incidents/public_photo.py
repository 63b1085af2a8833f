"""A photo sent with an anonymous report: checked by its content like members' evidence and
kept only as the copy re-drawn from its pixels (incidents.evidence_content), because the
original's EXIF data may say where the witness stood, or lives.

Types Vigil cannot copy without metadata (HEIC) are refused here, where members' evidence
keeps them for the owner organisation: an anonymous witness cannot be asked afterwards.
"""

from __future__ import annotations

from typing import BinaryIO

from vigil.core.config import Settings
from vigil.core.errors import N_, Invalid
from vigil.incidents.evidence import display_name
from vigil.incidents.evidence_content import ACCEPTED, sniff, strip_metadata
from vigil.incidents.evidence_storage import place_bytes, receive, temporary_file
from vigil.incidents.reports import PublicPhoto

# Also the limit the offline form keeps on the phone (it says so next to the field).
PUBLIC_PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_FIELD = "photo"
# The types a public photo may be: those whose metadata-free copy Vigil can make.
PHOTO_TYPES = [t for t, media in ACCEPTED.items() if media.kind == "image" and media.pillow_format]
# What else an accepted file may be, by its kind (the type, of an image, a value).
NOT_A_PHOTO = {
    "image": N_("a photo must be a JPEG, PNG or WebP image; this is an image of type %(type)s"),
    "pdf": N_("a photo must be a JPEG, PNG or WebP image; this is a PDF document"),
    "text": N_("a photo must be a JPEG, PNG or WebP image; this is plain text"),
}


def photo_limit(settings: Settings) -> int:
    return min(PUBLIC_PHOTO_MAX_BYTES, settings.evidence_max_bytes)


def store_public_photo(
    *, settings: Settings, upload: BinaryIO, filename: str | None
) -> PublicPhoto:
    """Store the photo's copy without metadata; refuses what is not a JPEG, PNG or WebP image."""
    name = display_name(filename)
    try:
        with temporary_file(settings) as (path, handle):
            received = receive(upload, handle, photo_limit(settings))
            media_type = sniff(received, name)
            if media_type not in PHOTO_TYPES:
                kind = ACCEPTED[media_type].kind
                raise Invalid(PHOTO_FIELD, NOT_A_PHOTO[kind], type=media_type)
            clean = strip_metadata(path, media_type)
    except Invalid as exc:
        if exc.field == PHOTO_FIELD:
            raise
        raise type(exc)(PHOTO_FIELD, exc.reason) from exc
    assert clean is not None  # noqa: S101 - every type in PHOTO_TYPES can be copied
    return PublicPhoto(
        sha256=place_bytes(settings, clean),
        size=len(clean),
        media_type=media_type,
        filename=name,
    )
