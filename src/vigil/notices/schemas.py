"""Input and output of notices."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vigil.core.partial import PartialUpdate
from vigil.core.policy import DEFAULT_TLP, TLP
from vigil.orgs.recipients import Recipients

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(max_length=20000)]


class NoticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = ""
    tlp: TLP = Field(DEFAULT_TLP, description="TLP 2.0 level; default amber+strict.")
    recipients: Recipients = Field(default_factory=Recipients)


class NoticeUpdate(PartialUpdate):
    """Fields left out stay as they are; a field sent as null is refused, not stored."""

    title: Title | None = None
    body: Body | None = None
    tlp: TLP | None = None
    recipients: Recipients | None = None


class NoticeRead(BaseModel):
    id: int
    title: str
    body: str
    tlp: TLP
    owner_org_id: int
    owner_org_name: str
    author_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    recipients: Recipients | None = Field(
        None, description="Shown to members of the owning organisation only."
    )


class NoticePage(BaseModel):
    items: list[NoticeRead]
    total: int
    limit: int
    offset: int
