"""Stable STIX ids: the same record is the same STIX object in every export of this instance.

An id is a uuid5 of the record's kind and id under the instance's namespace (a setting, or
derived from SECRET_KEY), stamped as version 4: STIX 2.1 wants UUIDv4 ids for domain objects
(the strict validator refuses others), and a name-based UUID whose namespace is not public is
as opaque to a partner as a random one, so our internal numbers do not show through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid

from vigil.core.config import Settings

NAMESPACE_DERIVATION = b"vigil stix namespace v1"


def instance_namespace(settings: Settings) -> uuid.UUID:
    """The namespace of this instance's STIX ids: the setting, else one derived from the key."""
    if settings.stix_namespace:
        return uuid.UUID(settings.stix_namespace)
    digest = hmac.new(settings.secret_key.encode(), NAMESPACE_DERIVATION, hashlib.sha256)
    return uuid.UUID(bytes=digest.digest()[:16], version=4)


def stix_id(namespace: uuid.UUID, stix_type: str, kind: str, record_id: int | str) -> str:
    """`stix_type--uuid` for one record (or one part of a record, named by `kind`)."""
    name_based = uuid.uuid5(namespace, f"{kind}:{record_id}")
    return f"{stix_type}--{uuid.UUID(bytes=name_based.bytes, version=4)}"


def stix_time(moment: dt.datetime) -> str:
    """A STIX timestamp: UTC, `Z`, milliseconds (what `created`/`modified` compare on)."""
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
