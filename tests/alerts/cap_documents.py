"""CAP documents as authorities publish them, written for the import tests: CAP 1.0, 1.1 and
1.2, several info blocks, areas given only by codes, a point, empty optional elements, an XML
signature, other encodings, Updates and Cancels that reference earlier messages.

They are text on purpose (not built by Vigil's own writer), so the import meets what a feed
really sends: prefixes, offsets other than UTC, blank lines, elements left empty.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

NAMESPACES = {
    "1.0": "http://www.incident.com/cap/1.0",
    "1.1": "urn:oasis:names:tc:emergency:cap:1.1",
    "1.2": "urn:oasis:names:tc:emergency:cap:1.2",
}
VIENNA_CIRCLE = "48.2082,16.3738 3"
NUTS_ONLY = """
      <areaDesc>Wien</areaDesc>
      <geocode><valueName>NUTS3</valueName><value>AT130</value></geocode>
      <geocode><valueName>EMMA_ID</valueName><value>AT009</value></geocode>"""
SIGNATURE = (
    '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="Authority Signature">'
    "<SignedInfo><CanonicalizationMethod "
    'Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    '<Reference URI=""><Transforms><Transform '
    'Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>'
    '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
    "<DigestValue>q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v=</DigestValue></Reference>"
    "</SignedInfo><SignatureValue>c2lnbmVkIGJ5IHRoZSBhdXRob3JpdHk=</SignatureValue></Signature>"
)


def cap_time(value: dt.datetime, offset_hours: int = 0) -> str:
    """A time as feeds write it: whole seconds, an explicit offset ("-00:00" for UTC)."""
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    text = value.astimezone(zone).replace(microsecond=0).isoformat()
    return text.replace("+00:00", "-00:00")


def soon(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=hours)


@dataclass
class Info:
    """One <info> block; its area is a circle unless `area` (the inside of <area>) is given."""

    language: str | None = "de-AT"
    event: str = "Bombendrohung"
    headline: str = "Bombendrohung gegen Gotteshäuser in Wien"
    instruction: str = "Gebäude nicht betreten, Umgebung meiden, Hinweise an 133."
    description: str = "Mehrere Gemeinden erhielten heute Drohschreiben."
    urgency: str = "Expected"
    severity: str = "Severe"
    certainty: str = "Likely"
    category: str | None = "Security"
    expires: dt.datetime | None = field(default_factory=lambda: soon(6))
    area: str | None = None
    sender_name: str | None = None
    extra: str = ""  # elements between certainty and effective (audience, eventCode)
    tail: str = ""  # elements after instruction (web, contact, parameter, resource)

    def xml(self, version: str) -> str:
        language = f"<language>{self.language}</language>" if self.language else ""
        category = f"<category>{self.category}</category>" if self.category else ""
        response = "<responseType>Avoid</responseType>" if version == "1.2" else ""
        expires = f"<expires>{cap_time(self.expires, 1)}</expires>" if self.expires else ""
        if self.sender_name:
            expires += f"<senderName>{self.sender_name}</senderName>"
        area = (
            self.area
            if self.area is not None
            else (
                f"<areaDesc>Wien, 3 km um den Stephansplatz</areaDesc>"
                f"<circle>{VIENNA_CIRCLE}</circle>"
            )
        )
        return f"""
  <info>
    {language}
    {category}
    <event>{self.event}</event>
    {response}
    <urgency>{self.urgency}</urgency>
    <severity>{self.severity}</severity>
    <certainty>{self.certainty}</certainty>
    {self.extra}
    {expires}
    <headline>{self.headline}</headline>
    <description>{self.description}</description>
    <instruction>{self.instruction}</instruction>
    {self.tail}
    <area>
      {area}
    </area>
  </info>"""


def document(
    *,
    version: str = "1.2",
    identifier: str = "AT-BMI-2026-0001",
    sender: str = "warnung@bmi.gv.example",
    sent: dt.datetime | None = None,
    msg_type: str = "Alert",
    references: str = "",
    infos: list[Info] | None = None,
    head: str = "",
    signature: str = "",
    encoding: str = "UTF-8",
    scope: str | None = "Public",
    source: str | None = None,
) -> bytes:
    """A whole <alert>; `head` goes between <scope> and <references> (restriction, code...)."""
    sent = sent or soon(-0.5)
    blocks = "".join(i.xml(version) for i in (infos if infos is not None else [Info()]))
    refs = f"<references>{references}</references>" if references else ""
    text = f"""<?xml version="1.0" encoding="{encoding}"?>
<alert xmlns="{NAMESPACES[version]}">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{cap_time(sent, 1)}</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  {f"<source>{source}</source>" if source else ""}
  {f"<scope>{scope}</scope>" if scope else ""}
  {head}
  {refs}{blocks}
{signature}</alert>
"""
    return text.encode(encoding)


def reference(identifier: str, sent: dt.datetime, sender: str = "warnung@bmi.gv.example") -> str:
    """How a later message of the same authority names an earlier one (time in UTC)."""
    return f"{sender},{identifier},{cap_time(sent)}"


DSIG = "http://www.w3.org/2000/09/xmldsig#"


def signed(data: bytes, key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> bytes:
    """The document with an enveloped XML signature (inclusive C14N, RSA-SHA256) as an
    authority's signing service adds it before </alert>."""
    text = data.decode("utf-8")
    body = text.split("?>", 1)[1]  # the document without its XML declaration
    digest = base64.b64encode(hashlib.sha256(ET.canonicalize(body).encode()).digest()).decode()
    signed_info = (
        f'<SignedInfo xmlns="{DSIG}">'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315">'
        "</CanonicalizationMethod>"
        '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256">'
        "</SignatureMethod>"
        f'<Reference URI=""><Transforms><Transform Algorithm="{DSIG}enveloped-signature">'
        "</Transform></Transforms>"
        '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></DigestMethod>'
        f"<DigestValue>{digest}</DigestValue></Reference></SignedInfo>"
    )
    value = key.sign(ET.canonicalize(signed_info).encode(), padding.PKCS1v15(), hashes.SHA256())
    der = certificate.public_bytes(serialization.Encoding.DER)
    signature = (
        f'<Signature xmlns="{DSIG}">{signed_info.replace(f" xmlns={chr(34)}{DSIG}{chr(34)}", "")}'
        f"<SignatureValue>{base64.b64encode(value).decode()}</SignatureValue>"
        f"<KeyInfo><X509Data><X509Certificate>{base64.b64encode(der).decode()}"
        "</X509Certificate></X509Data></KeyInfo></Signature>"
    )
    return text.replace("</alert>", f"{signature}</alert>").encode("utf-8")


def authority(name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A signing key and its self-signed certificate, as an authority would publish it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, certificate
