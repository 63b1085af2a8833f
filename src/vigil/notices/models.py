"""A notice is the simplest shareable record: owner organisation, TLP, recipients, text."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.policy import Shareable, recipients_table


class Notice(Shareable, Base):
    __tablename__ = "notices"
    __recipients__ = recipients_table("notices")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # Moves on every change of the row (STIX `modified`; sharing's store refreshes from it).
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
