"""A CAP document as it arrives from outside, made safe to read.

Its declared encoding is honoured (ISO-8859-1, windows-1252, UTF-16, ... are read as text, then
handed to the parser as UTF-8), it is parsed with defusedxml (no DTDs, no entities, no external
references) keeping each element's line so errors can say where, and its XML signatures are
taken out verbatim: they are kept and shown, and their own schema quirks never block an import.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET  # noqa: S405 - the tree builder only; parsing is defusedxml's
from dataclasses import dataclass, field

import defusedxml
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import fromstring as defused_fromstring

from vigil.core.errors import Invalid

DSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
# Elements that may repeat, by parent; everything else in CAP is at most once.
REPEATED = {
    "alert": {"code", "info"},
    "info": {"category", "responseType", "eventCode", "parameter", "resource", "area"},
    "area": {"polygon", "circle", "geocode"},
}
# NUL written as a character reference, and what stands in for it while finding its element.
_NUL_REFERENCE = re.compile(rb"&#(?:0+|[xX]0+);")
_STAND_IN = b"&#xE000;"
_DECLARATION = re.compile(rb"^\s*<\?xml\s[^>]*?\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class Source:
    """The parsed document, its text, where each element starts, and its signatures."""

    root: ET.Element
    text: str
    encoding: str
    lines: dict[int, int] = field(default_factory=dict)  # id(element) -> line
    signatures: list[str] = field(default_factory=list)
    unsigned: str = ""  # the document without its signatures (what they sign), no declaration

    def line_of(self, element: ET.Element | None) -> int | None:
        return self.lines.get(id(element)) if element is not None else None


class _Builder(ET.TreeBuilder):
    """Records the line of each element, and the byte span of each child of the root in the
    signature namespace (so that the signature is kept exactly as it was sent)."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[int, int] = {}
        self.depth = 0
        self.spans: list[tuple[ET.Element, int, int]] = []
        self._opened: tuple[ET.Element, int] | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        assert self.parser is not None
        expat = self.parser.parser
        self.lines[id(element)] = expat.CurrentLineNumber
        self.depth += 1
        if self.depth == 2 and tag.startswith(f"{{{DSIG_NAMESPACE}}}"):
            self._opened = (element, expat.CurrentByteIndex)
        return element

    def end(self, tag: str) -> ET.Element:
        element = super().end(tag)
        if self.depth == 2 and self._opened is not None and self._opened[0] is element:
            assert self.parser is not None
            self.spans.append((element, self._opened[1], self.parser.parser.CurrentByteIndex))
            self._opened = None
        self.depth -= 1
        return element


def read_source(data: bytes) -> Source:
    """Decode and parse a document; raises `Invalid` saying what is wrong and where."""
    encoding, text = _decode(data)
    utf8 = _as_utf8(text)
    builder = _Builder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(utf8)
        root: ET.Element = parser.close()
    except defusedxml.DTDForbidden:
        raise Invalid("cap", "the document has a DTD (DOCTYPE), which CAP does not use") from None
    except defusedxml.EntitiesForbidden:
        raise Invalid("cap", "the document declares entities, which are refused") from None
    except defusedxml.ExternalReferenceForbidden:
        raise Invalid("cap", "the document refers to an external resource") from None
    except ET.ParseError as exc:
        holding_nul = _nul_element(utf8)
        if holding_nul:
            raise Invalid(
                holding_nul, "holds the character U+0000, which XML cannot carry"
            ) from None
        line, column = exc.position
        raise Invalid(
            "cap",
            "not well-formed XML (line %(line)s, column %(column)s)",
            line=line,
            column=column,
        ) from None
    source = Source(root=root, text=text, encoding=encoding, lines=builder.lines)
    unsigned, kept = b"", 0
    for element, start, end in builder.spans:
        close = utf8.find(b">", end) + 1
        source.signatures.append(utf8[start:close].decode("utf-8"))
        unsigned += utf8[kept:start]
        kept = close
        root.remove(element)
    unsigned += utf8[kept:]
    source.unsigned = _DECLARATION.sub(b"", unsigned, count=1).decode("utf-8")
    return source


def _decode(data: bytes) -> tuple[str, str]:
    """The document as text, read in the encoding its BOM or XML declaration names."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _text(data, name, shown="UTF-8" if name == "utf-8-sig" else "UTF-16")
    declaration = _DECLARATION.match(data)
    found = _ENCODING.search(declaration.group()) if declaration else None
    if found is None:
        return _text(data, "utf-8", shown="UTF-8")
    declared = found.group(1).decode("ascii")
    try:
        codecs.lookup(declared)
        "<".encode(declared)  # a text encoding, not a transform such as base64 or rot13
    except (LookupError, UnicodeError):
        raise Invalid(
            "cap",
            "the document declares the encoding %(encoding)s, which Vigil does not know",
            encoding=repr(declared),
        ) from None
    return _text(data, declared, shown=declared)


def _text(data: bytes, codec: str, *, shown: str) -> tuple[str, str]:
    try:
        return shown, data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Invalid(
            "cap",
            "the document is not valid %(encoding)s: byte %(byte)s (line %(line)s)",
            encoding=shown,
            byte=exc.start + 1,
            line=line,
        ) from None
    except UnicodeError:
        raise Invalid("cap", "the document is not valid %(encoding)s", encoding=shown) from None


def _as_utf8(text: str) -> bytes:
    """The text as UTF-8 for the parser, its declaration saying so (on the same line)."""
    text = text.removeprefix("\ufeff")
    declaration = _DECLARATION.match(text.encode("utf-8"))
    if declaration is None:
        return text.encode("utf-8")
    head = declaration.group().decode("utf-8")
    fixed = re.sub(r"""encoding\s*=\s*["'][^"']*["']""", 'encoding="UTF-8"', head)
    return (fixed + text[len(head) :]).encode("utf-8")


def _nul_element(data: bytes) -> str | None:
    """The element holding a NUL character (raw or as `&#0;`), e.g. `cap.info.0.headline`.

    XML cannot carry NUL, so the parser only gives a line and column; the same document with a
    stand-in character in its place parses and shows which element it is in.
    """
    marked = _NUL_REFERENCE.sub(_STAND_IN, data.replace(b"\x00", _STAND_IN))
    if marked == data:
        return None
    try:
        root = defused_fromstring(
            marked, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (ET.ParseError, defusedxml.DefusedXmlException):
        return None  # not well-formed for another reason as well (or not ASCII-based)
    return _path_holding(root, ["cap"])


def _path_holding(el: ET.Element, path: list[str]) -> str | None:
    if "\ue000" in (el.text or "") or any("\ue000" in v for v in el.attrib.values()):
        return ".".join(path)
    seen: dict[str, int] = {}
    for child in el:
        name = _local(child.tag)
        index = seen[name] = seen.get(name, -1) + 1
        repeated = name in REPEATED.get(_local(el.tag), set())
        found = _path_holding(child, [*path, name, *([str(index)] if repeated else [])])
        if found:
            return found
        if "\ue000" in (child.tail or ""):
            return ".".join(path)
    return None


def _local(tag: object) -> str:
    """An element's name without its namespace (CAP 1.0, 1.1 and 1.2 each have their own)."""
    return str(tag).rsplit("}", 1)[-1]
