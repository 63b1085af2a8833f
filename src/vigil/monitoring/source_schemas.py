"""Input and output of monitoring sources."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from vigil.core.partial import PartialUpdate
from vigil.core.policy import TLP
from vigil.monitoring.models import SourceHealth, SourceKind

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _web_address(value: str) -> str:
    if not value:
        return value  # an upload source has none; the service asks one of the other kinds
    parts = urlsplit(value)  # raises ValueError (a 422) on a broken address, as does .port
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
        raise ValueError("give the full http or https address, e.g. https://news.example/feed")
    return value


Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(_web_address),
]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^([a-z]{2,3})?$")
]
EverySeconds = Annotated[
    int, Field(ge=60, le=7 * 86400, description="Seconds between polls (60 to a week).")
]
DEFAULT_SOURCE_TLP = TLP.amber  # an organisation's sources reach its own sub-organisations


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: SourceKind = Field(
        SourceKind.feed,
        description="feed (RSS or Atom), listing (a page whose article links are read), url "
        "(one article), upload (files uploaded by hand, never fetched).",
    )
    url: Url = Field("", description="http or https address; empty for an upload source.")
    language: Language = Field("", description="The language its articles are usually in.")
    every_seconds: EverySeconds = 900
    enabled: bool = True
    tlp: TLP = Field(DEFAULT_SOURCE_TLP, description="TLP 2.0 level; default amber.")


class SourceUpdate(PartialUpdate):
    """Fields left out stay as they are; a field sent as null is refused, not stored."""

    name: Name | None = None
    url: Url | None = None
    language: Language | None = None
    every_seconds: EverySeconds | None = None
    enabled: bool | None = None
    tlp: TLP | None = None


class SourceRead(BaseModel):
    id: int
    name: str
    kind: SourceKind
    url: str
    language: str
    every_seconds: int
    enabled: bool
    tlp: TLP
    owner_org_id: int
    health: SourceHealth
    last_error: str
    last_error_at: dt.datetime | None
    last_poll_at: dt.datetime | None
    last_success_at: dt.datetime | None
    next_poll_at: dt.datetime
    failures: int
    article_count: int
    created_at: dt.datetime
    may_manage: bool = Field(description="Whether you may change, poll or remove it.")


class SourcePage(BaseModel):
    items: list[SourceRead]
    total: int


class Ingested(BaseModel):
    """What a poll or an upload brought: the source as it is now, the articles stored."""

    source: SourceRead
    new_articles: int
    article_ids: list[int]
    known: int = Field(0, description="Items already stored before (not stored twice).")
    error: str = ""
