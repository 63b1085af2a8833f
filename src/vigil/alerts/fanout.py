"""Turning a sent alert into delivery rows: per site, its contacts of one priority level (the
first, or the next on escalation) by e-mail and its organisation's webhooks; per organisation,
the members who opted in. Rows go into the caller's transaction, so an alert is sent with all
its deliveries or not at all (the outbox)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.alerts.models import Alert, AlertSite, Delivery, DeliveryStatus, Subscription, Webhook
from vigil.core.db import bulk_insert, utcnow
from vigil.sites import service as sites_service

EMAIL, WEBHOOK = "email", "webhook"
CHUNK = 2000
# CAP statuses whose unanswered sites go on to their next contacts. A Test checks that messages
# get through and must never wake the alternates; an Exercise rehearses the whole chain, and
# finding that a site's second contact is unreachable is what it is for (each message says
# EXERCISE). System messages and anything else never escalate.
ESCALATING = ("Actual", "Exercise")
T = TypeVar("T")


def contacts_at_level(
    session: Session, level: int, *, site_ids: list[int] | None = None, alert_id: int = 0
) -> dict[int, list[int]]:
    """Per site, the ids of its reachable contacts of the `level`-th priority (1 = first): of
    `site_ids`, or of every site the alert reached (one join instead of long id lists)."""
    by_site: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    columns = sites_service.reachable_contacts()
    contact_site = columns.selected_columns.site_id
    if site_ids is None:
        queries = [
            columns.join(AlertSite, AlertSite.site_id == contact_site).where(
                AlertSite.alert_id == alert_id
            )
        ]
    else:
        queries = [columns.where(contact_site.in_(c)) for c in _chunks(site_ids)]
    for query in queries:
        for site_id, priority, contact_id in session.execute(query):
            by_site[site_id][priority].append(contact_id)
    found: dict[int, list[int]] = {}
    for site_id, priorities in by_site.items():
        ordered = sorted(priorities)
        if len(ordered) >= level:
            found[site_id] = priorities[ordered[level - 1]]
    return found


def webhooks_of(session: Session, org_ids: set[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for org_id, hook_id in session.execute(
        select(Webhook.org_id, Webhook.id).where(
            Webhook.org_id.in_(sorted(org_ids)), Webhook.active.is_(True)
        )
    ):
        found[org_id].append(hook_id)
    return found


def fan_out(
    session: Session,
    alert: Alert,
    sites: list[tuple[int, int]],
    *,
    escalate_after: dt.timedelta,
) -> int:
    """Write the alert's sites and first deliveries; returns how many deliveries."""
    now = utcnow()
    bulk_insert(
        session,
        AlertSite.__table__,
        [
            {
                "alert_id": alert.id,
                "site_id": site_id,
                "contact_level": 1,
                "escalate_at": now + escalate_after,
            }
            for site_id, _ in sites
        ],
    )
    contacts = contacts_at_level(session, 1, alert_id=alert.id)
    orgs = {o for _, o in sites}
    hooks = webhooks_of(session, orgs)
    rows = []
    for site_id, org_id in sites:
        rows += [
            _row(alert.id, now, EMAIL, site_id=site_id, contact_id=c)
            for c in contacts.get(site_id, [])
        ]
        rows += [
            _row(alert.id, now, WEBHOOK, site_id=site_id, webhook_id=h)
            for h in hooks.get(org_id, [])
        ]
    subscribed = session.execute(
        select(Subscription.person_id).where(Subscription.org_id.in_(sorted(orgs))).distinct()
    )
    rows += [_row(alert.id, now, EMAIL, person_id=p) for (p,) in subscribed]
    _insert(session, rows)
    return len(rows)


def escalate_due(session: Session, *, now: dt.datetime, escalate_after: dt.timedelta) -> int:
    """Send to the next contacts of every site whose alert waits unanswered past its time
    (real alerts and exercises only: see ESCALATING)."""
    stmt = (
        select(AlertSite.id, AlertSite.alert_id, AlertSite.site_id, AlertSite.contact_level)
        .join(Alert, Alert.id == AlertSite.alert_id)
        .where(
            AlertSite.escalate_at <= now,
            AlertSite.acknowledged_at.is_(None),
            Alert.state == "sent",
            Alert.msg_type != "Cancel",
            Alert.cap_status.in_(ESCALATING),
            (Alert.expires.is_(None)) | (Alert.expires > now),
        )
        .limit(CHUNK)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several workers: each site's escalation is taken by one of them.
        stmt = stmt.with_for_update(skip_locked=True, of=AlertSite)
    due = session.execute(stmt).all()
    by_level: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for row_id, alert_id, site_id, level in due:
        by_level[level + 1].append((row_id, alert_id, site_id))
    rows = []
    for level, items in by_level.items():
        contacts = contacts_at_level(session, level, site_ids=[site for _, _, site in items])
        for row_id, alert_id, site_id in items:
            found = contacts.get(site_id, [])
            rows += [_row(alert_id, now, EMAIL, site_id=site_id, contact_id=c) for c in found]
            session.execute(
                update(AlertSite)
                .where(AlertSite.id == row_id)
                .values(
                    contact_level=level if found else level - 1,
                    escalate_at=(now + escalate_after) if found else None,
                )
            )
    _insert(session, rows)
    return len(rows)


def _row(alert_id: int, now: dt.datetime, channel: str, **who: int) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "site_id": who.get("site_id"),
        "contact_id": who.get("contact_id"),
        "person_id": who.get("person_id"),
        "webhook_id": who.get("webhook_id"),
        "channel": channel,
        "idempotency_key": uuid.uuid4().hex,
        "status": DeliveryStatus.queued.value,
        "attempts": 0,
        "next_attempt_at": now,
        "leased_by": "",
        "last_error": "",
        "created_at": now,
    }


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    bulk_insert(session, Delivery.__table__, rows)


def _chunks(items: list[T], size: int = CHUNK) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
