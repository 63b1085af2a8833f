"""Input and output of peer links: what a coordinator types to link this instance with another
TAXII 2.1 server, and what is shown of a link afterwards.

The secret (a password or an API token of the peer) is write-only: it comes in as a
`SecretStr` (masked in every repr, so in every log line and traceback) and never goes out; a
link shows only whether it has one.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator

from vigil.core.config import Settings
from vigil.core.egress import check_url_field
from vigil.core.partial import PartialUpdate
from vigil.core.policy import TLP
from vigil.sharing.peer_models import Direction, WhenRemoved

MIN_EVERY_SECONDS = 30
MAX_EVERY_SECONDS = 24 * 3600
URL_LENGTH = 500  # the peers.api_root column
# What a link may push at most: RED never leaves (DECISIONS 29).
PUSHABLE_TLP = tuple(t for t in TLP if t is not TLP.red)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CollectionId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Username = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Secret = Annotated[SecretStr, Field(max_length=2000)]
Every = Annotated[int, Field(ge=MIN_EVERY_SECONDS, le=MAX_EVERY_SECONDS)]
Ids = Annotated[list[int], Field(max_length=100)]


def api_root_shape(url: str) -> str:
    """An http(s) URL with a host, as long as the column allows (the address is checked by
    `check_api_root`, which needs the settings)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(
            "give the http(s) URL of the peer's TAXII API root, such as "
            "https://vigil.example.org/taxii2/vigil/"
        )
    if len(url) > URL_LENGTH:
        raise ValueError(f"at most {URL_LENGTH} characters")
    return url


def check_api_root(url: str, settings: Settings) -> str:
    """The egress guard on the API root: only public addresses, unless the operator allows
    private ones (VIGIL_WEBHOOK_ALLOW_PRIVATE); a 422 naming `api_root` otherwise."""
    check_url_field(url, allow_private=settings.webhook_allow_private, field="api_root")
    return url


def _max_push(value: TLP) -> TLP:
    if value is TLP.red:
        raise ValueError("TLP:RED never leaves this instance: choose amber+strict or looser")
    return value


def _no_duplicates(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))


class PeerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="How this instance calls the peer, e.g. `Police Berlin`.")
    api_root: str = Field(
        description="The peer's TAXII 2.1 API root, e.g. `https://vigil.example.org/taxii2/vigil/`."
    )
    collection_id: CollectionId = Field(description="The collection pulled from and pushed to.")
    username: Username = Field("", description="User name for HTTP Basic; empty for a token.")
    secret: Secret | None = Field(
        None, description="Password or API token at the peer. Write-only: never returned."
    )
    direction: Direction = Direction.pull
    max_push_tlp: TLP = Field(TLP.green, description="The strictest TLP pushed; never red.")
    every_seconds: Every = Field(300, description="Seconds between pulls (30 to 86,400).")
    enabled: bool = True
    organisations: Ids = Field(
        min_length=1,
        description="Ids of the local organisations the link speaks for; you must be a "
        "coordinator of each. AMBER it brings reaches them (and their children).",
    )
    networks: Ids = Field(
        default_factory=list,
        description="Ids of networks of those organisations: GREEN it brings reaches them.",
    )
    profile_org_id: int | None = Field(
        None,
        description="Whose sharing profile shapes what is pushed: one of `organisations` "
        "(the first when left out).",
    )

    _url = field_validator("api_root")(api_root_shape)
    _tlp = field_validator("max_push_tlp")(_max_push)
    _ids = field_validator("organisations", "networks")(_no_duplicates)


class PeerUpdate(PartialUpdate):
    """The fields sent change; the others stay. Removing organisations or networks narrows the
    link: say then what becomes of the records it brought (`records`)."""

    name: Name | None = None
    api_root: str | None = None
    collection_id: CollectionId | None = None
    username: Username | None = None
    secret: Secret | None = Field(None, description="A new secret; an empty one removes it.")
    direction: Direction | None = None
    max_push_tlp: TLP | None = None
    every_seconds: Every | None = None
    enabled: bool | None = None
    organisations: Ids | None = Field(None, min_length=1)
    networks: Ids | None = None
    profile_org_id: int | None = None
    records: WhenRemoved | None = Field(
        None,
        description="When the change removes organisations or networks: `keep` the records "
        "the peer brought (with their provenance) or `withdraw` what the removed ones read.",
    )

    _url = field_validator("api_root")(api_root_shape)
    _tlp = field_validator("max_push_tlp")(_max_push)
    _ids = field_validator("organisations", "networks")(_no_duplicates)


class PeerRead(BaseModel):
    id: int
    name: str
    api_root: str
    collection_id: str
    username: str
    has_secret: bool = Field(description="Whether a secret is stored (it is never shown).")
    direction: Direction
    max_push_tlp: TLP
    every_seconds: int
    enabled: bool
    organisations: list[int]
    networks: list[int]
    profile_org_id: int
    last_attempt_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error: str
    last_error_at: dt.datetime | None
    failures: int
    created_at: dt.datetime


class PeerRemoval(BaseModel):
    records: WhenRemoved = Field(
        description="`keep`: the records the peer brought stay, with their provenance; "
        "`withdraw`: they lose the readers the link gave them."
    )


class BroughtRead(BaseModel):
    peer_id: int
    records: int = Field(description="Records this peer brought: what `withdraw` would reach.")
