"""Polling subscribed CAP feeds: each new CAP message (by sender, identifier and sent, never
imported twice) becomes a draft of the subscribing organisation through the CAP import, with
the feed and the original named on it; a message the subscription's rule matches is sent at
once, as the coordinator who set the rule would send it, and audited as by that rule.

A poll first reads (the feed, then the documents of entries it has not seen), then writes: on
SQLite the write lock is never held while waiting for another server. A feed that fails is
polled again after a wait that doubles with each failure in a row, its error shown.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from vigil.alerts import feed_subscriptions, imports, service
from vigil.alerts.cap import Severity
from vigil.alerts.cap_details import FeedSource, details_of, store
from vigil.alerts.cap_xml import read_cap
from vigil.alerts.feed_reading import Entry, FeedError, fetch, http_client, read_entries
from vigil.alerts.feed_schemas import FeedArea, PollResult
from vigil.alerts.models import Alert, CapFeed, CapFeedItem, FeedOutcome
from vigil.alerts.targeting import target_sites
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker, utcnow
from vigil.core.errors import DomainError
from vigil.core.jobs import PeriodicTask
from vigil.core.policy import Principal

log = logging.getLogger("vigil.alerts.feeds")
POLL_EVERY_SECONDS = 15.0  # how often the worker looks for subscriptions that are due
FEEDS_PER_TICK = 20
MAX_BACKOFF_SECONDS = 6 * 3600
SEVERITY_RANK = {s.value: rank for rank, s in enumerate(reversed(list(Severity)))}


@dataclass
class Harvest:
    """What one poll read, before anything is written."""

    etag: str = ""
    last_modified: str = ""
    unchanged: bool = False
    documents: list[tuple[Entry, bytes]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the poll failed (retried in full)


@dataclass
class Tally:
    imported: int = 0
    relayed: int = 0
    known: int = 0
    rejected: int = 0


def gather(session: Session, settings: Settings, feed: CapFeed) -> Harvest:
    """Fetch the feed (conditionally) and the documents of the entries not read before."""
    harvest = Harvest(etag=feed.etag, last_modified=feed.last_modified)
    with http_client(settings) as client:
        try:
            fetched = fetch(
                client,
                feed.url,
                settings=settings,
                max_bytes=settings.cap_feed_max_bytes,
                etag=feed.etag,
                last_modified=feed.last_modified,
            )
            if fetched.status == 304:
                harvest.unchanged = True
                return harvest
            harvest.etag, harvest.last_modified = fetched.etag, fetched.last_modified
            entries = read_entries(fetched.body, base_url=feed.url)
        except FeedError as exc:
            harvest.errors.append(str(exc))
            return harvest
        seen = set(
            session.scalars(
                select(CapFeedItem.entry_key).where(
                    CapFeedItem.feed_id == feed.id,
                    CapFeedItem.entry_key.in_([e.key[:800] for e in entries]),
                )
            )
        )
        for entry in entries:
            if entry.key[:800] not in seen:  # an entry listed twice is read once
                seen.add(entry.key[:800])
                _document(client, settings, entry, harvest)
    return harvest


def _document(client: httpx.Client, settings: Settings, entry: Entry, harvest: Harvest) -> None:
    if entry.embedded is not None:
        harvest.documents.append((entry, entry.embedded))
    elif not entry.document_url:
        harvest.documents.append((entry, b""))  # rejected: it names no CAP document
    else:
        try:
            found = fetch(
                client, entry.document_url, settings=settings, max_bytes=settings.cap_max_bytes
            )
        except FeedError as exc:  # left unread: the next poll tries it again
            harvest.errors.append(str(exc))
            return
        harvest.documents.append((entry, found.body))


def record(session: Session, settings: Settings, feed: CapFeed, harvest: Harvest) -> Tally:
    """Import what was read, relay what the rule matches, and note how the poll went."""
    now = utcnow()
    feed.last_poll_at = now
    tally = Tally()
    errors = list(harvest.errors)
    if harvest.documents:
        try:
            principal = feed_subscriptions.acting_for(session, feed)
        except DomainError as exc:
            errors.insert(0, exc.detail)
        else:
            for entry, data in harvest.documents:
                _take(session, settings, principal, feed, entry, data, tally)
    if errors:
        feed.failures += 1
        feed.last_error, feed.last_error_at = "; ".join(errors)[:4000], now
        wait = min(MAX_BACKOFF_SECONDS, feed.every_seconds * 2 ** min(feed.failures, 16))
        feed.next_poll_at = now + dt.timedelta(seconds=wait * random.uniform(0.8, 1.0))  # noqa: S311
        return tally  # the ETag is not kept: entries left unread are read next time
    feed.failures, feed.last_error, feed.last_success_at = 0, "", now
    feed.etag, feed.last_modified = harvest.etag, harvest.last_modified
    feed.next_poll_at = now + dt.timedelta(seconds=feed.every_seconds)
    return tally


def _take(
    session: Session,
    settings: Settings,
    principal: Principal,
    feed: CapFeed,
    entry: Entry,
    data: bytes,
    tally: Tally,
) -> None:
    item = CapFeedItem(
        feed_id=feed.id,
        entry_key=entry.key[:800],
        document_url=entry.document_url[:2000],
        reference="",
        outcome=FeedOutcome.rejected.value,
        detail="",
        created_at=utcnow(),
    )
    session.add(item)
    if not data:
        item.detail = "the entry neither links nor holds a CAP document"
        tally.rejected += 1
        return
    try:
        received = read_cap(data, max_bytes=settings.cap_max_bytes)
        item.reference = received.cap.reference()[:800]
        known = session.scalar(
            select(Alert.id).where(
                Alert.owner_org_id == feed.org_id, Alert.source_reference == item.reference
            )
        )
        if known is not None:
            item.outcome, item.alert_id = FeedOutcome.known.value, known
            item.detail = f"already imported (alert {known})"
            tally.known += 1
            return
        with session.begin_nested():
            alert = imports.import_cap(
                session=session, principal=principal, settings=settings, data=data
            )
            details = details_of(alert)
            details.feed = FeedSource(name=feed.name, url=feed.url, document_url=entry.document_url)
            store(alert, details)
    except DomainError as exc:
        item.detail = exc.detail[:4000]
        tally.rejected += 1
        return
    item.outcome, item.alert_id = FeedOutcome.imported.value, alert.id
    feed.imported_count += 1
    tally.imported += 1
    _audit(session, principal, "alert.feed.import", feed, alert, item)
    if feed.auto_relay:
        _relay(session, settings, principal, feed, alert, item, sender=received.cap.sender)
        if item.outcome == FeedOutcome.relayed.value:
            feed.relayed_count += 1
            tally.relayed += 1


def _relay(
    session: Session,
    settings: Settings,
    principal: Principal,
    feed: CapFeed,
    alert: Alert,
    item: CapFeedItem,
    *,
    sender: str,
) -> None:
    refused = rule_refuses(session, feed, alert, sender=sender)
    if refused:
        item.detail = f"kept as a draft: {refused}"
        return
    try:
        with session.begin_nested():
            queued = service.send_alert(
                session=session, principal=principal, settings=settings, alert_id=alert.id
            )
    except DomainError as exc:
        item.detail = f"kept as a draft: {exc.detail}"[:4000]
        return
    item.outcome = FeedOutcome.relayed.value
    item.detail = f"relayed by the rule: {queued} messages queued"
    _audit(session, principal, "alert.feed.relay", feed, alert, item, deliveries=queued)


def rule_refuses(session: Session, feed: CapFeed, alert: Alert, *, sender: str) -> str:
    """Why the subscription's rule does not relay this message ("" when it does)."""
    if alert.cap_status != "Actual":
        return f"its status is {alert.cap_status}; only Actual messages are relayed by a rule"
    if feed.min_severity and SEVERITY_RANK.get(alert.severity, 0) < SEVERITY_RANK.get(
        feed.min_severity, 0
    ):
        return f"its severity {alert.severity or 'none'} is below {feed.min_severity}"
    senders = json.loads(feed.senders)
    if senders and sender.lower() not in senders:
        return f"its sender {sender} is not one the rule relays"
    if feed.area == FeedArea.sites.value:
        try:
            reached = target_sites(session, org_id=feed.org_id, target=service.target_of(alert))
        except DomainError:
            reached = []
        if not reached:
            return "its area reaches none of the sites your organisation alerts"
    return ""


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    feed: CapFeed,
    alert: Alert,
    item: CapFeedItem,
    **detail: object,
) -> None:
    audit.log_action(
        session,
        principal,
        action,
        target_type="alerts",
        target_id=alert.id,
        org_id=feed.org_id,
        detail={
            "feed_id": feed.id,
            "feed": feed.name,
            "document_url": item.document_url,
            "reference": item.reference,
            "rule": {
                "min_severity": feed.min_severity,
                "area": feed.area,
                "senders": json.loads(feed.senders),
            }
            if action == "alert.feed.relay"
            else None,
            **detail,
        },
    )


def poll_now(
    *, session: Session, principal: Principal, settings: Settings, feed_id: int
) -> PollResult:
    """A coordinator's (or the operator's) "poll now"; the feed's usual schedule follows."""
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as reading:
        found = feed_subscriptions.get_feed(session=reading, principal=principal, feed_id=feed_id)
        harvest = gather(reading, settings, found)
    feed = feed_subscriptions.get_feed(session=session, principal=principal, feed_id=feed_id)
    tally = record(session, settings, feed, harvest)
    return PollResult(
        feed=feed_subscriptions.feed_read(session, feed, items=True),
        imported=tally.imported,
        relayed=tally.relayed,
        known=tally.known,
        rejected=tally.rejected,
        error=feed.last_error if feed.failures else "",
    )


def poll_due(session: Session, settings: Settings) -> None:
    """The worker's tick: every enabled subscription that is due is read (in a session of its
    own, so SQLite's write lock is not held while other servers answer), then written."""
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as reading:
        due = list(
            reading.scalars(
                select(CapFeed)
                .where(CapFeed.enabled, CapFeed.next_poll_at <= utcnow())
                .order_by(CapFeed.next_poll_at)
                .limit(FEEDS_PER_TICK)
            )
        )
        harvests = [(feed.id, gather(reading, settings, feed)) for feed in due]
    for feed_id, harvest in harvests:
        try:
            with session.begin_nested():  # one feed's failure leaves the others' work alone
                feed = session.get(CapFeed, feed_id)
                if feed is not None:  # removed while it was read
                    record(session, settings, feed, harvest)
        except SQLAlchemyError:
            log.exception("CAP feed poll not recorded", extra={"feed_id": feed_id})


CAP_FEEDS = PeriodicTask("alerts.cap_feeds", POLL_EVERY_SECONDS, poll_due)
