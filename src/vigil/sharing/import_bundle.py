"""A STIX 2.1 bundle as received: read within the limits, checked object by object, refused as a
whole with every problem named (nothing of a bad bundle is written).

Reading is separate from importing so that a TAXII envelope or a peer's feed can hand its
objects to the same checks.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable
from typing import Any

from vigil.core.errors import DomainError
from vigil.sharing.import_mapping import STIX_ID, Problem, object_problems

# Problems listed in one refusal; the message says how many more there were.
MAX_PROBLEMS_LISTED = 100


class BundleRejected(DomainError):
    """The bundle, or at least one of its objects, is wrong: nothing is imported."""

    status = 422
    title = "STIX import refused"

    def __init__(self, problems: list[Problem], *, status: int = 422) -> None:
        first = problems[0]
        where = " ".join(
            part
            for part in (
                f"object {first.index}" if first.index is not None else "",
                f"({first.stix_id})" if first.stix_id else "",
                f"property {first.field}" if first.field else "",
            )
            if part
        )
        more = f" ({len(problems) - 1} more problem(s) listed)" if len(problems) > 1 else ""
        prefix = f"{where}: " if where else ""
        super().__init__(f"Nothing was imported: {prefix}{first.message}{more}")
        self.status = status
        self.problems = problems[:MAX_PROBLEMS_LISTED]
        self.total = len(problems)

    def errors(self) -> list[dict[str, Any]]:
        return [p.model_dump(exclude_none=True) for p in self.problems]


def refuse(message: str, *, status: int = 422, field: str | None = None) -> BundleRejected:
    return BundleRejected([Problem(field=field, message=message)], status=status)


def _json(raw: bytes) -> Any:
    body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    if not body.strip():
        raise refuse("the body is empty; send a STIX 2.1 bundle (JSON)", status=400)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(
            f"not JSON: byte 0x{body[exc.start]:02X} at offset {exc.start} is not UTF-8",
            status=400,
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise refuse(
            f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", status=400
        ) from exc
    except RecursionError as exc:
        raise refuse("not JSON Vigil reads: nested too deeply", status=400) from exc


def read_bundle(raw: bytes, *, max_bytes: int, max_objects: int) -> tuple[str, list[Any]]:
    """The bundle's id and objects, if `raw` is a STIX 2.1 bundle within the limits."""
    if len(raw) > max_bytes:
        raise refuse(
            f"the bundle is {len(raw):,} bytes; at most {max_bytes:,} are imported "
            "(VIGIL_STIX_IMPORT_MAX_BYTES): split it",
            status=413,
        )
    data = _json(raw)
    if not isinstance(data, dict):
        raise refuse(f"not a STIX bundle: the JSON is {type(data).__name__}, not an object")
    kind = data.get("type")
    if kind != "bundle":
        hint = f"its type is '{kind}'" if isinstance(kind, str) else "it has no type"
        raise refuse(f"not a STIX bundle: {hint}; wrap objects in a bundle", field="type")
    if "spec_version" in data and data["spec_version"] != "2.1":
        raise refuse(
            f"the bundle is STIX {data['spec_version']}; Vigil imports STIX 2.1",
            field="spec_version",
        )
    bundle_id = data.get("id")
    if not isinstance(bundle_id, str) or not (found := STIX_ID.match(bundle_id)):
        raise refuse("the bundle's id is not a bundle id (bundle--UUID)", field="id")
    if found["type"] != "bundle":
        raise refuse("the bundle's id is not a bundle id (bundle--UUID)", field="id")
    objects = data.get("objects")
    if not isinstance(objects, list) or not objects:
        raise refuse("the bundle has no objects", field="objects")
    if len(objects) > max_objects:
        raise refuse(
            f"the bundle has {len(objects):,} objects; at most {max_objects:,} are imported "
            "at once (VIGIL_STIX_IMPORT_MAX_OBJECTS): split it",
            status=413,
            field="objects",
        )
    problems = [p for index, obj in enumerate(objects) for p in object_problems(index, obj)]
    if problems:
        raise BundleRejected(problems)
    return bundle_id, objects


def check(problems: Iterable[Problem], *, status: int = 422) -> None:
    """Refuse the bundle if there is any problem."""
    found = list(problems)
    if found:
        raise BundleRejected(found, status=status)
