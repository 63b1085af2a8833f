"""Text with a NUL character (U+0000) is refused wherever it enters a request, naming where.

PostgreSQL cannot store NUL in text (the driver refuses it, far from the field that held it),
SQLite stores it silently, and no person types one. So every request is checked once, before
any route or schema sees it: path and query parameters, JSON bodies (values and keys, at any
depth), form fields and the names of uploaded files. File contents are the importers' business
(`core.transfer`, the CAP reader); an upload's bytes may hold NUL legitimately (images, PDF).
The check is an application-wide dependency, so a route or schema added later cannot forget it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from vigil.core.errors import Invalid

NUL = "\x00"
NUL_REFUSED = "must not contain the NUL character (U+0000)"
FILE_NAME_REFUSED = "the file name must not contain the NUL character (U+0000)"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and "+json" in media)


def nul_path(value: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The dotted path (`place.city`, `contacts.0.name`) of each text in `value` holding NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield ".".join(path) or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield ".".join([*path, key.replace(NUL, "\\u0000")])
            yield from nul_path(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_path(item, (*path, str(index)))


def _refuse(fields: list[tuple[str, str]]) -> None:
    if fields:
        (field, reason), *rest = fields
        raise Invalid(field, reason, more=rest)


async def refuse_nul(request: Request) -> None:
    """Application dependency: a 422 naming each place of the request that holds NUL."""
    found = [
        (name, NUL_REFUSED)
        for name, value in request.path_params.items()
        if isinstance(value, str) and NUL in value
    ]
    found += [
        (name.replace(NUL, "\\u0000"), NUL_REFUSED)
        for name, value in request.query_params.multi_items()
        if NUL in name or NUL in value
    ]
    content_type = request.headers.get("content-type", "")
    if _json_type(content_type):
        body = await request.body()
        # "\u0000" is the only way JSON spells NUL; a raw NUL byte is only in other encodings.
        if b"\\u0000" in body or b"\x00" in body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None  # malformed JSON is the route's own 422
            found += [(path, NUL_REFUSED) for path in nul_path(parsed)]
    elif content_type.lower().startswith(FORM_TYPES):
        for name, value in (await request.form()).multi_items():
            if NUL in name:
                found.append((name.replace(NUL, "\\u0000"), NUL_REFUSED))
            elif isinstance(value, UploadFile):
                if NUL in (value.filename or ""):
                    found.append((name, FILE_NAME_REFUSED))
            elif NUL in value:
                found.append((name, NUL_REFUSED))
    _refuse(found)
