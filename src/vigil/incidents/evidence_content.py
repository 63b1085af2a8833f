"""What an evidence file is: the media types Vigil accepts, told from the content rather than the
name, and the copy of an image without its metadata (photos often carry where they were taken).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype
from PIL import Image, ImageOps

from vigil.core.errors import N_, Invalid

SNIFF_BYTES = 8192  # as much of the start as the content sniffer looks at
# Above this an image is refused rather than decoded (a 40 MB PNG can unpack to gigabytes).
MAX_IMAGE_PIXELS = 64_000_000
JPEG_QUALITY = 90


@dataclass(frozen=True)
class MediaType:
    kind: str  # "image", "pdf" or "text": what a file name's extension may claim
    extensions: tuple[str, ...]  # the first is the one a download name gets
    pillow_format: str | None = None  # None: no metadata-free copy can be made


ACCEPTED: dict[str, MediaType] = {
    "image/jpeg": MediaType("image", (".jpg", ".jpeg", ".jpe"), "JPEG"),
    "image/png": MediaType("image", (".png",), "PNG"),
    "image/webp": MediaType("image", (".webp",), "WEBP"),
    # Pillow cannot read HEIC: such photos are kept for the owner organisation only.
    "image/heic": MediaType("image", (".heic", ".heif")),
    "application/pdf": MediaType("pdf", (".pdf",)),
    "text/plain": MediaType("text", (".txt",)),
}
NAME_CLAIMS = {ext: t.kind for t in ACCEPTED.values() for ext in t.extensions} | {
    ".gif": "image",
    ".tif": "image",
    ".tiff": "image",
}
EXECUTABLES = {"application/x-executable", "application/x-msdownload"}
# Refusals in whole sentences, the content's MIME type and extension their values: by what the
# name claims and whether the content is a program; then, the name claiming nothing, by the latter.
NOT_AS_NAMED = {
    ("image", False): N_(
        "the name '%(name)s' says it is an image, but it is %(type)s (a .%(extension)s file)"
    ),
    ("pdf", False): N_(
        "the name '%(name)s' says it is a PDF document, but it is %(type)s (a .%(extension)s file)"
    ),
    ("text", False): N_(
        "the name '%(name)s' says it is a text file, but it is %(type)s (a .%(extension)s file)"
    ),
    ("image", True): N_(
        "the name '%(name)s' says it is an image, but it is an executable program (%(type)s)"
    ),
    ("pdf", True): N_(
        "the name '%(name)s' says it is a PDF document, but it is an executable program (%(type)s)"
    ),
    ("text", True): N_(
        "the name '%(name)s' says it is a text file, but it is an executable program (%(type)s)"
    ),
}
NOT_ACCEPTED = {
    False: N_(
        "the content is %(type)s (a .%(extension)s file); accepted are JPEG, PNG, WebP or HEIC "
        "images, PDF documents and plain UTF-8 text"
    ),
    True: N_(
        "the content is an executable program (%(type)s); accepted are JPEG, PNG, WebP or HEIC "
        "images, PDF documents and plain UTF-8 text"
    ),
}


@dataclass
class Received:
    """What receiving an upload learnt about its content, enough to sniff its type."""

    sha256: str
    size: int
    head: bytes
    is_utf8: bool
    has_nul: bool

    @property
    def is_text(self) -> bool:
        return self.is_utf8 and not self.has_nul


def sniff(received: Received, name: str) -> str:
    """The media type from the content; refuses what is not accepted or not what its name says."""
    if received.size == 0:
        raise Invalid("file", "the file is empty")
    guess = filetype.guess(received.head)
    if guess is None and received.has_nul:
        raise Invalid(
            "file",
            "the content is binary data of no type Vigil knows; accepted are JPEG, PNG, WebP or "
            "HEIC images, PDF documents and plain UTF-8 text",
        )
    if guess is None and not received.is_text:
        raise Invalid(
            "file",
            "the content is text that is not valid UTF-8 (save it as UTF-8); accepted are JPEG, "
            "PNG, WebP or HEIC images, PDF documents and plain UTF-8 text",
        )
    mime, extension = ("text/plain", "txt") if guess is None else (guess.mime, guess.extension)
    media_type = mime if mime in ACCEPTED else None
    values: dict[str, Any] = {"name": name, "type": mime, "extension": extension}
    claimed = NAME_CLAIMS.get(Path(name).suffix.lower())
    if claimed and (media_type is None or ACCEPTED[media_type].kind != claimed):
        raise Invalid("file", NOT_AS_NAMED[claimed, mime in EXECUTABLES], **values)
    if media_type is None:
        raise Invalid("file", NOT_ACCEPTED[mime in EXECUTABLES], **values)
    return media_type


def strip_metadata(path: Path, media_type: str) -> bytes | None:
    """The image re-drawn from its pixels alone: no EXIF (GPS), XMP, ICC profile or comments.

    The orientation EXIF would have applied is turned into the pixels first, so the copy
    shows upright. None for a type Pillow cannot write.
    """
    fmt = ACCEPTED[media_type].pillow_format
    if fmt is None:
        return None
    try:
        with Image.open(path, formats=[fmt]) as image:
            pixels = image.width * image.height
            if pixels > MAX_IMAGE_PIXELS:
                raise Invalid(
                    "file",
                    "the image has %(pixels)s pixels; at most %(limit)s are accepted",
                    pixels=pixels,
                    limit=MAX_IMAGE_PIXELS,
                )
            upright = ImageOps.exif_transpose(image)
            has_alpha = "A" in upright.getbands() or "transparency" in upright.info
            mode = "RGBA" if has_alpha and fmt != "JPEG" else "RGB"
            clean = Image.new(mode, upright.size)
            clean.paste(upright.convert(mode))
    except Invalid:
        raise
    except Image.DecompressionBombError as exc:
        raise Invalid(
            "file", "the image has too many pixels to open (%(problem)s)", problem=str(exc)
        ) from exc
    except Exception as exc:  # malformed images make Pillow raise errors of many types
        raise Invalid(
            "file",
            "it starts like a %(format)s image but cannot be read as one (%(problem)s)",
            format=fmt,
            problem=str(exc),
        ) from exc
    out = io.BytesIO()
    options: dict[str, object] = {"quality": JPEG_QUALITY} if fmt == "JPEG" else {}
    clean.save(out, fmt, **options)
    return out.getvalue()
