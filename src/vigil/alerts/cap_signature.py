"""The XML signatures of an imported CAP message, checked against the certificates of the
authorities an operator trusts (`VIGIL_CAP_CERTIFICATES`).

A message is "verified" only when one of its enveloped signatures (XML-DSig, `Reference URI=""`,
inclusive canonicalization as CAP feeds use it) checks out with one of those certificates: the
digest of the message without its signatures matches, and the signed info carries a valid
RSA or ECDSA signature by the certificate's key. Anything else (no certificate configured, an
unknown signer, an algorithm Vigil does not check, a message changed after signing) leaves the
message "unverified": a claim Vigil does not make, never a reason to refuse the import.

Canonical form comes from the standard library (`xml.etree.ElementTree.canonicalize`, C14N 2.0),
which is C14N 1.0's output for documents that declare only the namespaces they use, as CAP
messages do; a signature over a document that declares unused ones stays unverified.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import xml.etree.ElementTree as ET  # noqa: S405 - canonical form only; parsing is defusedxml's
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from defusedxml.ElementTree import fromstring

DS = "{http://www.w3.org/2000/09/xmldsig#}"
_C14N = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": False,
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": True,
}
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_SIGNING: dict[str, tuple[str, Callable[[], hashes.HashAlgorithm]]] = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": ("rsa", hashes.SHA1),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": ("rsa", hashes.SHA256),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": ("rsa", hashes.SHA384),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": ("rsa", hashes.SHA512),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": ("ec", hashes.SHA256),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": ("ec", hashes.SHA384),
}
_NAMESPACE_DECLARATION = re.compile(r"""\sxmlns(?::[\w.-]+)?\s*=\s*("[^"]*"|'[^']*')""")
_START_TAG = re.compile(r"<(?![?!/])[^>]*>")


def trusted_certificates(folder: Path | None) -> list[x509.Certificate]:
    """Every certificate in the PEM files (*.pem, *.crt) of the configured folder."""
    if folder is None or not folder.is_dir():
        return []
    found: list[x509.Certificate] = []
    for path in sorted([*folder.glob("*.pem"), *folder.glob("*.crt")]):
        found += x509.load_pem_x509_certificates(path.read_bytes())
    return found


def verified_signer(
    unsigned: str, signatures: Sequence[str], certificates: Sequence[x509.Certificate]
) -> str | None:
    """The subject of the trusted certificate one of the signatures verifies with, or None."""
    if not certificates:
        return None
    declarations = _declarations(unsigned)  # the root's: a signature inherits them
    for text in signatures:
        signer = _verify(unsigned, text, declarations, certificates)
        if signer is not None:
            return signer
    return None


def _verify(
    unsigned: str, text: str, declarations: list[str], certificates: Sequence[x509.Certificate]
) -> str | None:
    try:
        wrapped = fromstring(f"<wrap{''.join(declarations)}>{text}</wrap>")
    except (ET.ParseError, ValueError):
        return None
    signature = wrapped[0]
    info = signature.find(f"{DS}SignedInfo")
    value = signature.findtext(f"{DS}SignatureValue")
    if info is None or value is None:
        return None
    method = info.find(f"{DS}CanonicalizationMethod")
    signing = info.find(f"{DS}SignatureMethod")
    references = info.findall(f"{DS}Reference")
    if method is None or signing is None or len(references) != 1:
        return None
    comments = _C14N.get(method.get("Algorithm", ""))
    algorithm = _SIGNING.get(signing.get("Algorithm", ""))
    if comments is None or algorithm is None or not _digest_matches(unsigned, references[0]):
        return None
    signed = _signed_info(text, declarations, comments)
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    if signed is None:
        return None
    for certificate in certificates:
        if _checks(certificate, raw, signed, *algorithm):
            return certificate.subject.rfc4514_string()
    return None


def _digest_matches(unsigned: str, reference: ET.Element) -> bool:
    """The reference is to the whole message, enveloped, and its digest is the message's."""
    transforms = [t.get("Algorithm", "") for t in reference.iter(f"{DS}Transform")]
    method = reference.find(f"{DS}DigestMethod")
    digest = _DIGESTS.get(method.get("Algorithm", "")) if method is not None else None
    given = reference.findtext(f"{DS}DigestValue")
    if reference.get("URI") != "" or digest is None or given is None:
        return False
    if any(t != _ENVELOPED and t not in _C14N for t in transforms):
        return False
    # A same-document reference "" is the document without comments (XML-DSig 4.3.3.3).
    canonical = ET.canonicalize(unsigned, with_comments=False).encode("utf-8")
    computed = base64.b64encode(hashlib.new(digest, canonical).digest()).decode("ascii")
    return computed == "".join(given.split())


def _signed_info(text: str, declarations: list[str], comments: bool) -> bytes | None:
    """The SignedInfo element in canonical form, with the namespaces it inherits."""
    found = re.search(r"<((?:[\w.-]+:)?)SignedInfo\b[^>]*>.*?</\1SignedInfo\s*>", text, re.S)
    if found is None:
        return None
    own = found.group()
    head_end = own.index(">")
    declared = {_prefix(d) for d in _declarations(own[: head_end + 1])}
    inherited = {_prefix(d): d for d in [*declarations, *_declarations(text)]}
    added = "".join(d for p, d in inherited.items() if p not in declared)
    fragment = own[:head_end] + added + own[head_end:]
    try:
        return ET.canonicalize(fragment, with_comments=comments).encode("utf-8")
    except ET.ParseError:
        return None


def _declarations(text: str) -> list[str]:
    """The namespace declarations (' xmlns:p="..."') of the first start tag in `text`."""
    start = _START_TAG.search(text)
    return [m.group() for m in _NAMESPACE_DECLARATION.finditer(start.group())] if start else []


def _prefix(declaration: str) -> str:
    return declaration.split("=", 1)[0].strip()


def _checks(
    certificate: x509.Certificate,
    raw: bytes,
    signed: bytes,
    kind: str,
    algorithm: Callable[[], hashes.HashAlgorithm],
) -> bool:
    key = certificate.public_key()
    try:
        if kind == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, signed, padding.PKCS1v15(), algorithm())
            return True
        if kind == "ec" and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(raw) // 2  # XML-DSig writes r and s side by side, not as DER
            der = utils.encode_dss_signature(
                int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
            )
            key.verify(der, signed, ec.ECDSA(algorithm()))
            return True
    except InvalidSignature:
        return False
    return False
