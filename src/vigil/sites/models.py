"""Tables of the sites domain: a site (a shareable record), its contacts in priority order
(encrypted at rest) and its calendar of high-attendance events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.policy import Shareable, recipients_table
from vigil.sites.kinds import Recurrence


class Site(Shareable, Base):
    __tablename__ = "sites"
    __recipients__ = recipients_table("sites")
    # Radius questions narrow by a bounding box on (lat, lon) before the exact distance.
    __table_args__ = (Index("ix_sites_lat_lon", "lat", "lon"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32), index=True)
    address: Mapped[str] = mapped_column(String(500), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    lat: Mapped[float]
    lon: Mapped[float]
    # A GeoJSON Polygon (RFC 7946, [lon, lat] positions) as JSON text; checked on the way in.
    perimeter: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int] = mapped_column(default=0)
    typical_attendance: Mapped[int] = mapped_column(default=0)
    opening_pattern: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SiteContact(Base):
    """Who to reach at a site, first by priority 1; the next ones are the alternates (DECISIONS
    10). E-mail and phone are encrypted at rest like a reporter's contact."""

    __tablename__ = "site_contacts"
    # The unique constraint's index (site_id first) also serves "the contacts of these sites".
    __table_args__ = (UniqueConstraint("site_id", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    priority: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100), default="")
    email_encrypted: Mapped[str | None] = mapped_column(Text)
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )


class SiteEvent(Base):
    """A high-attendance event at a site, once or repeating weekly or yearly.

    Repeats are expanded in the event's own time zone, so a weekly service at 18:00 stays at
    18:00 local time across daylight-saving changes.
    """

    __tablename__ = "site_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    recurrence: Mapped[str] = mapped_column(String(16), default=Recurrence.none.value)
    expected_attendance: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
