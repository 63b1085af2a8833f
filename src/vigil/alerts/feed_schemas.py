"""What a coordinator gives and reads of a subscription to a CAP feed: its address and schedule,
the rule that relays matching messages at once, and how its polls went."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from vigil.alerts.cap import Severity

SenderName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
MIN_EVERY_SECONDS = 60
MAX_EVERY_SECONDS = 86_400


class FeedArea(enum.StrEnum):
    any = "any"  # wherever the message's area is
    sites = "sites"  # only when its area reaches a site the organisation alerts


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = (
        Field(description="The Atom or RSS feed (http or https) whose entries link or hold CAP.")
    )
    every_seconds: int = Field(
        300, ge=MIN_EVERY_SECONDS, le=MAX_EVERY_SECONDS, description="How often it is polled."
    )
    enabled: bool = True
    auto_relay: bool = Field(
        False,
        description="Send matching messages at once, as the coordinator who saved the "
        "subscription would; the others stay drafts to relay.",
    )
    min_severity: Severity | None = Field(
        None, description="Relay automatically only this severity or a higher one."
    )
    area: FeedArea = Field(
        FeedArea.any,
        description="`sites`: relay automatically only messages whose area reaches at least "
        "one site your organisation alerts.",
    )
    senders: list[SenderName] = Field(
        default_factory=list,
        max_length=50,
        description="Relay automatically only messages of these CAP senders (empty: any).",
    )

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("give the feed's full address, starting with https:// or http://")
        return value


class FeedItemRead(BaseModel):
    """An entry read from the feed and what became of it."""

    document_url: str
    reference: str = Field(description="The CAP message's 'sender,identifier,sent'.")
    alert_id: int | None
    outcome: str = Field(description="imported, relayed, known or rejected.")
    detail: str
    created_at: dt.datetime


class FeedRead(BaseModel):
    id: int
    org_id: int
    name: str
    url: str
    every_seconds: int
    enabled: bool
    auto_relay: bool
    min_severity: str | None
    area: FeedArea
    senders: list[str]
    last_poll_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error: str
    last_error_at: dt.datetime | None
    failures: int = Field(description="Polls in a row that failed; each doubles the wait.")
    next_poll_at: dt.datetime
    imported_count: int
    relayed_count: int
    created_at: dt.datetime
    items: list[FeedItemRead] = Field(
        default_factory=list, description="The newest entries read (on a single subscription)."
    )


class PollResult(BaseModel):
    """What one poll did."""

    feed: FeedRead
    imported: int
    relayed: int
    known: int
    rejected: int
    error: str
