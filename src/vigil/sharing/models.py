"""What each organisation lets leave the instance with its records (its sharing profile)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class SharingProfile(Base):
    """One row per organisation that changed the defaults; without a row the defaults apply
    (no narrative, places at city level, every typology field)."""

    __tablename__ = "sharing_profiles"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    share_narrative: Mapped[bool] = mapped_column(Boolean, default=False)
    place_precision: Mapped[str] = mapped_column(String(16), default="city")
    typology_fields: Mapped[str] = mapped_column(Text)  # JSON list of schemas.TypologyField
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
