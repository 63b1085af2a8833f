"""Subscriptions of an organisation to CAP feeds: coordinators add, change and remove them (each
change audited) and read how their polls went. Another organisation's subscriptions do not
exist for them (404)."""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.feed_schemas import FeedCreate, FeedItemRead, FeedRead
from vigil.alerts.models import CapFeed, CapFeedItem
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.egress import check_url_field
from vigil.core.errors import Invalid, NotFound
from vigil.core.policy import Principal, Role, acting_org
from vigil.orgs.principals import load_principal

ITEMS_SHOWN = 20


def list_feeds(*, session: Session, principal: Principal) -> list[CapFeed]:
    """The acting organisation's subscriptions (coordinators); every one for the operator on
    the command line."""
    stmt = select(CapFeed).order_by(CapFeed.org_id, CapFeed.name)
    if not _is_operator(principal):
        stmt = stmt.where(CapFeed.org_id == acting_org(principal, Role.coordinator))
    return list(session.scalars(stmt))


def get_feed(*, session: Session, principal: Principal, feed_id: int) -> CapFeed:
    feed = session.get(CapFeed, feed_id)
    if feed is None or not (
        principal.has_role(feed.org_id, Role.coordinator) or _is_operator(principal)
    ):
        raise NotFound("CAP feed %(id)s not found.", id=feed_id)
    return feed


def _is_operator(principal: Principal) -> bool:
    """The command line (core.policy.SYSTEM): it manages subscriptions, it reads no records."""
    return principal.is_platform_admin and principal.person_id is None


def add_feed(
    *, session: Session, principal: Principal, settings: Settings, data: FeedCreate
) -> CapFeed:
    org_id = acting_org(principal, Role.coordinator)
    _check(session, settings, org_id, data, feed_id=None)
    feed = CapFeed(
        org_id=org_id,
        etag="",
        last_modified="",
        last_error="",
        failures=0,
        imported_count=0,
        relayed_count=0,
        next_poll_at=utcnow(),
        created_at=utcnow(),
    )
    _apply(feed, data, principal)
    session.add(feed)
    session.flush()
    _log(session, principal, "alert.feed.add", feed)
    return feed


def update_feed(
    *, session: Session, principal: Principal, settings: Settings, feed_id: int, data: FeedCreate
) -> CapFeed:
    """Replace a subscription's settings; whoever saves it is the coordinator its rule then
    relays as. A new address is read from scratch (no ETag), and polled at once."""
    feed = get_feed(session=session, principal=principal, feed_id=feed_id)
    _check(session, settings, feed.org_id, data, feed_id=feed.id)
    before = _rule(feed)
    if data.url != feed.url:
        feed.etag, feed.last_modified = "", ""
    _apply(feed, data, principal)
    if feed.enabled:
        feed.next_poll_at = min(feed.next_poll_at, utcnow())
    _log(session, principal, "alert.feed.change", feed, before=before)
    return feed


def remove_feed(*, session: Session, principal: Principal, feed_id: int) -> None:
    """Stop polling; the drafts and alerts it brought stay, with the feed named on them."""
    feed = get_feed(session=session, principal=principal, feed_id=feed_id)
    _log(session, principal, "alert.feed.remove", feed)
    session.delete(feed)
    session.flush()


def feed_read(session: Session, feed: CapFeed, *, items: bool = False) -> FeedRead:
    newest: list[CapFeedItem] = []
    if items:
        newest = list(
            session.scalars(
                select(CapFeedItem)
                .where(CapFeedItem.feed_id == feed.id)
                .order_by(CapFeedItem.id.desc())
                .limit(ITEMS_SHOWN)
            )
        )
    return FeedRead(
        **{name: getattr(feed, name) for name in FeedRead.model_fields if name not in _DERIVED},
        min_severity=feed.min_severity or None,
        senders=json.loads(feed.senders),
        items=[FeedItemRead.model_validate(item, from_attributes=True) for item in newest],
    )


_DERIVED = {"min_severity", "senders", "items"}


def acting_for(session: Session, feed: CapFeed) -> Principal:
    """The principal a poll imports and relays as: the coordinator who last saved the
    subscription, still a coordinator of its organisation, named after the feed's rule."""
    found = load_principal(session, person_id=feed.set_by_id) if feed.set_by_id else None
    if found is None or not found.has_role(feed.org_id, Role.coordinator):
        raise Invalid(
            "set_by",
            "the person who saved this subscription is no longer a coordinator of the "
            "organisation: a coordinator must save it again before it is polled",
        )
    return dataclasses.replace(
        found, acting_org_id=feed.org_id, name=f"CAP feed {feed.name} (rule of {found.name})"[:200]
    )


def _check(
    session: Session, settings: Settings, org_id: int, data: FeedCreate, *, feed_id: int | None
) -> None:
    check_url_field(data.url, allow_private=settings.webhook_allow_private)
    same = session.scalar(
        select(CapFeed.name).where(
            CapFeed.org_id == org_id, CapFeed.url == data.url, CapFeed.id != (feed_id or 0)
        )
    )
    if same is not None:
        raise Invalid(
            "url", "your organisation already subscribes to this feed (%(feed)s)", feed=same
        )


def _apply(feed: CapFeed, data: FeedCreate, principal: Principal) -> None:
    feed.name, feed.url, feed.every_seconds = data.name, data.url, data.every_seconds
    feed.enabled, feed.auto_relay = data.enabled, data.auto_relay
    feed.min_severity = data.min_severity.value if data.min_severity else ""
    feed.area = data.area.value
    feed.senders = json.dumps(sorted({s.lower() for s in data.senders}))
    feed.set_by_id = principal.person_id


def _rule(feed: CapFeed) -> dict[str, object]:
    return {
        "name": feed.name,
        "url": feed.url,
        "every_seconds": feed.every_seconds,
        "enabled": feed.enabled,
        "auto_relay": feed.auto_relay,
        "min_severity": feed.min_severity,
        "area": feed.area,
        "senders": json.loads(feed.senders),
    }


def _log(
    session: Session, principal: Principal, action: str, feed: CapFeed, **detail: object
) -> None:
    audit.log_action(
        session,
        principal,
        action,
        target_type="alert_cap_feeds",
        target_id=feed.id,
        org_id=feed.org_id,
        detail={**_rule(feed), **detail},
    )
