"""What an evidence file is: the media types Vigil accepts, told from the content rather than the
name, and the copy of an image without its metadata (photos often carry where they were taken).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image, ImageOps

from vigil.core.errors import Invalid

SNIFF_BYTES = 8192  # as much of the start as the content sniffer looks at
# Above this an image is refused rather than decoded (a 40 MB PNG can unpack to gigabytes).
MAX_IMAGE_PIXELS = 64_000_000
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
