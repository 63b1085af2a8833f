"""Tables of alerts: the alert (a shareable record holding its CAP fields and target area), its
deliveries (the outbox: one row per recipient and channel, taken by workers with leases),
acknowledgements, organisations' webhook endpoints and members' opt-ins to alert e-mails."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.policy import Shareable, recipients_table


class AlertState(enum.StrEnum):
    draft = "draft"
    sent = "sent"
    updated = "updated"  # a later Update message replaced it
    cancelled = "cancelled"


class Origin(enum.StrEnum):
    composed = "composed"
    imported = "imported"


class DeliveryStatus(enum.StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"  # the last attempt failed; it is tried again at next_attempt_at
    dead = "dead"  # dead-lettered after the configured number of attempts


class Answer(enum.StrEnum):
    received = "received"
    acting = "acting"
    need_help = "need_help"


class Via(enum.StrEnum):
    page = "page"
    api = "api"
    email = "email"


class Alert(Shareable, Base):
    """One CAP message. Update and Cancel messages are alerts too, pointing at the one they
    replace (`replaces_id`); CAP `references` are derived from that chain."""

    __tablename__ = "alerts"
    __recipients__ = recipients_table("alerts")
    __table_args__ = (Index("ix_alerts_state_expires", "state", "expires"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), unique=True)
    sender: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default=AlertState.draft.value)
    origin: Mapped[str] = mapped_column(String(16), default=Origin.composed.value)
    cap_status: Mapped[str] = mapped_column(String(16), default="Actual")
    msg_type: Mapped[str] = mapped_column(String(16), default="Alert")
    scope: Mapped[str] = mapped_column(String(16), default="Restricted")
    references: Mapped[str] = mapped_column(Text, default="")
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="SET NULL"), index=True
    )
    # The incident the alert is about (CAP `incidents`): it shows on that incident's timeline.
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    # info
    language: Mapped[str] = mapped_column(String(35), default="en-US")
    categories: Mapped[str] = mapped_column(String(200), default="Security")  # space-separated
    event: Mapped[str] = mapped_column(String(500))
    response_types: Mapped[str] = mapped_column(String(200), default="")  # space-separated
    urgency: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    headline: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    instruction: Mapped[str] = mapped_column(Text, default="")
    effective: Mapped[dt.datetime]
    expires: Mapped[dt.datetime | None]
    # area: a circle, polygons (JSON [[[lat, lon], ...], ...]), or countries / cities (JSON lists)
    area_desc: Mapped[str] = mapped_column(String(500))
    circle_lat: Mapped[float | None]
    circle_lon: Mapped[float | None]
    circle_radius_km: Mapped[float | None]
    polygons: Mapped[str] = mapped_column(Text, default="[]")
    countries: Mapped[str] = mapped_column(Text, default="[]")
    cities: Mapped[str] = mapped_column(Text, default="[]")
    # filters (JSON lists; empty = no filter)
    site_types: Mapped[str] = mapped_column(Text, default="[]")
    network_ids: Mapped[str] = mapped_column(Text, default="[]")
    # an imported CAP document as received, for coordinators to compare
    source_xml: Mapped[str | None] = mapped_column(Text)
    # the imported message's own reference "sender,identifier,sent" (sent in UTC): how later
    # imported Updates and Cancels that reference it find it, and how a second import is caught
    source_reference: Mapped[str | None] = mapped_column(String(800), index=True)
    # the rest of its CAP message (JSON of alerts.cap_details.CapDetails): further info blocks,
    # parameters, resources, areas with their geocodes, signatures ...
    cap_details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AlertSite(Base):
    """A site an alert was sent to: the board's rows, and what escalation walks."""

    __tablename__ = "alert_sites"
    __table_args__ = (UniqueConstraint("alert_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    # How many contacts by priority have been reached so far (1 = the first contact).
    contact_level: Mapped[int] = mapped_column(default=1)
    escalate_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[dt.datetime | None]


class Delivery(Base):
    """One message to one recipient over one channel: the outbox row a worker leases."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
        Index("ix_alert_deliveries_alert_site", "alert_id", "site_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_contacts.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    webhook_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_webhooks.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    # The same key on every attempt, so a receiver that saw it before can drop the duplicate.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.queued.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    leased_until: Mapped[dt.datetime | None]
    leased_by: Mapped[str] = mapped_column(String(128), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]


class Acknowledgement(Base):
    """An answer to an alert for a site: received, acting or need help (the newest one counts)."""

    __tablename__ = "alert_acknowledgements"
    __table_args__ = (Index("ix_alert_acknowledgements_alert_site", "alert_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_deliveries.id", ondelete="SET NULL")
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answer: Mapped[str] = mapped_column(String(16))
    via: Mapped[str] = mapped_column(String(16))
    by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Webhook(Base):
    """An organisation's endpoint that receives its sites' alerts as signed JSON."""

    __tablename__ = "alert_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Subscription(Base):
    """A member who opted in to alert e-mails for the sites of one of their organisations."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (UniqueConstraint("person_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CapFeed(Base):
    """An organisation's subscription to a peer's or an authority's CAP Atom (or RSS) feed: the
    worker polls it on its schedule and imports each new CAP message as a draft, or relays it
    at once when the subscription's rule matches (severity, area, sender)."""

    __tablename__ = "alert_cap_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    every_seconds: Mapped[int] = mapped_column(default=300)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # the rule: relay at once what matches, as the coordinator who last saved the subscription
    auto_relay: Mapped[bool] = mapped_column(Boolean, default=False)
    min_severity: Mapped[str] = mapped_column(String(16), default="")  # "": any severity
    area: Mapped[str] = mapped_column(String(16), default="any")  # any | sites
    senders: Mapped[str] = mapped_column(Text, default="[]")  # JSON list; empty: any sender
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # conditional GET and health
    etag: Mapped[str] = mapped_column(String(500), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    next_poll_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    last_poll_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[dt.datetime | None]
    failures: Mapped[int] = mapped_column(default=0)  # in a row, for the backoff
    imported_count: Mapped[int] = mapped_column(default=0)
    relayed_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FeedOutcome(enum.StrEnum):
    imported = "imported"  # a draft to relay
    relayed = "relayed"  # sent by the subscription's rule
    known = "known"  # the organisation already had this message (another feed, an upload)
    rejected = "rejected"  # not a CAP message Vigil relays; the reason is kept


class CapFeedItem(Base):
    """A feed entry the worker has read (so it is never fetched or imported twice) and what
    became of it; `reference` is the CAP message's "sender,identifier,sent"."""

    __tablename__ = "alert_cap_feed_items"
    __table_args__ = (
        UniqueConstraint("feed_id", "entry_key"),
        Index("ix_alert_cap_feed_items_feed_reference", "feed_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("alert_cap_feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(800))
    document_url: Mapped[str] = mapped_column(String(2000), default="")
    reference: Mapped[str] = mapped_column(String(800), default="")
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
