"""Acknowledgements: a recipient answers "received", "acting" or "need help" for a site — signed
in (page or API) or through the signed link of their e-mail — and the live board per alert."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from vigil.alerts.cap import MsgType
from vigil.alerts.links import delivery_id_of
from vigil.alerts.models import (
    Acknowledgement,
    Alert,
    AlertSite,
    AlertState,
    Answer,
    Delivery,
    Via,
)
from vigil.alerts.schemas import Board, BoardRow
from vigil.alerts.service import get_alert, live_clause
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid
from vigil.core.policy import Principal, Role, scope
from vigil.core.signed_links import LinkRefused, Refusal
from vigil.sites import service as sites_service

# Far beyond any real chain of Updates; bounds the walk should a chain ever loop.
MAX_FOLLOW_UPS = 50
ORDER = {Answer.need_help.value: 0, None: 1, Answer.acting.value: 2, Answer.received.value: 3}


def answerable_sites(
    session: Session, principal: Principal, alert_id: int
) -> list[tuple[int, str]]:
    """Sites reached by the alert that the person answers for: their organisations' sites, and
    sites listing them as a contact."""
    answered = sites_service.sites_answered_for(principal=principal)
    rows = session.execute(
        answered.join(AlertSite, AlertSite.site_id == answered.selected_columns.id).where(
            AlertSite.alert_id == alert_id
        )
    ).all()
    return [(r[0], r[1]) for r in rows]


@dataclass(frozen=True)
class Closed:
    """Why an alert takes no more answers, and since when: `cancelled` (itself, or by a Cancel
    further down its chain of Updates), `superseded` by an Update (`update_id`, the newest of
    the chain, is the one to answer) or `expired`. A Cancel message is `cancelled` as well:
    it only tells that an earlier alert is over and asks for nothing."""

    reason: Refusal
    at: dt.datetime | None
    update_id: int | None = None


def closed_to_answers(session: Session, alert: Alert) -> Closed | None:
    """THE rule of when an answer to an alert is no longer wanted, for its page, the API and
    its e-mail's link alike; None while the alert takes answers. (Escalation, which works on
    many sites at once, asks the same in SQL: fanout.escalate_due.)"""
    if alert.msg_type == MsgType.cancel.value:
        return Closed(Refusal.cancelled, alert.sent_at)
    if alert.state in (AlertState.cancelled.value, AlertState.updated.value):
        chain = _follow_ups(session, alert)
        at = (chain[0].sent_at if chain else None) or alert.updated_at
        last = chain[-1] if chain else None
        if last is None or last.msg_type == MsgType.cancel.value:
            return Closed(Refusal.cancelled, (last.sent_at if last else None) or at)
        return Closed(Refusal.superseded, at, update_id=last.id)
    if alert.expires is not None and alert.expires <= utcnow():
        return Closed(Refusal.expired, alert.expires)
    return None


def _follow_ups(session: Session, alert: Alert) -> list[Alert]:
    """The messages that replaced the alert, one after the other (an Update may itself be
    updated or cancelled), oldest first."""
    chain: list[Alert] = []
    current = alert
    for _ in range(MAX_FOLLOW_UPS):
        found = session.scalar(
            select(Alert).where(Alert.replaces_id == current.id).order_by(Alert.id).limit(1)
        )
        if found is None:
            break
        chain.append(found)
        current = found
    return chain


class AnswerRefused(Conflict):
    """An answer given while signed in to an alert that takes none any more: says why, and
    for a replaced alert which update to answer (also as a `successor-version` link)."""

    def __init__(self, alert: Alert, closed: Closed) -> None:
        at = closed.at
        when = f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if at else "an earlier time"
        if alert.msg_type == MsgType.cancel.value:
            detail = "This message cancels an earlier alert: it asks for no answer."
        elif closed.reason == Refusal.superseded:
            detail = (
                "This alert was replaced by an update: answer that one, "
                f"alert {closed.update_id} (replaced at {when})."
            )
        elif closed.reason == Refusal.cancelled:
            detail = f"This alert was cancelled at {when}; no answer is needed."
        else:
            detail = f"This alert expired at {when}; no answer is needed."
        headers = {}
        if closed.update_id is not None:
            headers["Link"] = f'</api/v1/alerts/{closed.update_id}>; rel="successor-version"'
        super().__init__(detail, headers=headers)
        self.closed = closed


def acknowledge(
    *,
    session: Session,
    principal: Principal,
    alert_id: int,
    answer: Answer,
    site_id: int | None = None,
    via: Via = Via.api,
) -> Acknowledgement:
    """An answer given signed in (page or API); AnswerRefused once the alert takes none."""
    alert = get_alert(session=session, principal=principal, alert_id=alert_id)
    if alert.state == AlertState.draft.value:
        raise Conflict("This alert is a draft: it takes answers once it is sent.")
    closed = closed_to_answers(session, alert)
    if closed is not None:
        raise AnswerRefused(alert, closed)
    sites = answerable_sites(session, principal, alert.id)
    ids = [s for s, _ in sites]
    if site_id is not None and site_id not in ids:
        raise Invalid("site_id", "the alert did not reach that site, or you do not answer for it")
    if site_id is None and len(ids) > 1:
        raise Invalid("site_id", "the alert reached several of your sites: say which one")
    chosen = site_id if site_id is not None else (ids[0] if ids else None)
    return _record(session, principal, alert, chosen, answer, via, None, principal.name)


def acknowledge_by_token(
    *, session: Session, settings: Settings, token: str, answer: Answer
) -> Acknowledgement:
    """The e-mail link: whoever holds the signed link of one delivery answers for its site."""
    delivery, alert = link_delivery(session=session, settings=settings, token=token)
    name = ""
    if delivery.contact_id is not None:
        name = sites_service.contact_name(session=session, contact_id=delivery.contact_id) or ""
    principal = Principal(name=name or "e-mail recipient")
    return _record(
        session, principal, alert, delivery.site_id, answer, Via.email, delivery.id, name
    )


def link_delivery(*, session: Session, settings: Settings, token: str) -> tuple[Delivery, Alert]:
    """The delivery an e-mail's answer link was sent with, and its alert, while answers to it
    are wanted; LinkRefused says why not: the link is broken or expired, or the alert no
    longer takes answers (closed_to_answers; a replaced alert's Update has its own e-mail and
    link)."""
    delivery = session.get(Delivery, delivery_id_of(settings.secret_key, token))
    alert = session.get(Alert, delivery.alert_id) if delivery is not None else None
    if delivery is None or alert is None:
        raise LinkRefused(Refusal.unknown)
    closed = closed_to_answers(session, alert)
    if closed is not None:
        raise LinkRefused(closed.reason, at=closed.at)
    return delivery, alert


def _record(
    session: Session,
    principal: Principal,
    alert: Alert,
    site_id: int | None,
    answer: Answer,
    via: Via,
    delivery_id: int | None,
    by_name: str,
) -> Acknowledgement:
    now = utcnow()
    ack = Acknowledgement(
        alert_id=alert.id,
        site_id=site_id,
        delivery_id=delivery_id,
        person_id=principal.person_id,
        answer=answer.value,
        via=via.value,
        by_name=by_name[:200],
        created_at=now,
    )
    session.add(ack)
    if site_id is not None:
        # Answered: no escalation for this site any more.
        session.execute(
            update(AlertSite)
            .where(AlertSite.alert_id == alert.id, AlertSite.site_id == site_id)
            .values(acknowledged_at=func.coalesce(AlertSite.acknowledged_at, now), escalate_at=None)
        )
    session.flush()
    audit.log_action(
        session,
        principal,
        "alert.acknowledge",
        target_type="alerts",
        target_id=alert.id,
        org_id=alert.owner_org_id,
        detail={"answer": answer.value, "via": via.value, "site_id": site_id},
    )
    return ack


def board(*, session: Session, principal: Principal, alert_id: int) -> Board:
    """Per site reached: deliveries sent / failed / pending and the newest answer, need help on
    top. Named rows only for sites the viewer may read; the rest are counted (DECISIONS 7)."""
    alert = get_alert(session=session, principal=principal, alert_id=alert_id)
    if not principal.has_role(alert.owner_org_id, Role.analyst):
        raise Forbidden("The board is for the organisation that sent the alert.")
    reached = session.execute(
        select(AlertSite.site_id, AlertSite.contact_level).where(AlertSite.alert_id == alert.id)
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for site_id, status, n in session.execute(
        select(Delivery.site_id, Delivery.status, func.count())
        .where(Delivery.alert_id == alert.id, Delivery.site_id.is_not(None))
        .group_by(Delivery.site_id, Delivery.status)
    ):
        counts[site_id or 0][status] = n
    newest = (
        select(func.max(Acknowledgement.id))
        .where(Acknowledgement.alert_id == alert.id, Acknowledgement.site_id.is_not(None))
        .group_by(Acknowledgement.site_id)
    )
    answers = {
        site_id: (answer, at)
        for site_id, answer, at in session.execute(
            select(
                Acknowledgement.site_id, Acknowledgement.answer, Acknowledgement.created_at
            ).where(Acknowledgement.id.in_(newest))
        )
    }
    names = sites_service.readable_site_names(
        session=session, principal=principal, site_ids=[s for s, _ in reached]
    )
    rows = []
    for site_id, level in reached:
        if site_id not in names:
            continue
        c = counts.get(site_id, {})
        answer, at = answers.get(site_id, (None, None))
        rows.append(
            BoardRow(
                site_id=site_id,
                site_name=names[site_id],
                delivered=c.get("sent", 0),
                failed=c.get("dead", 0) + c.get("failed", 0),
                pending=c.get("queued", 0),
                answer=answer,
                answered_at=at,
                contact_level=level,
            )
        )
    rows.sort(key=lambda r: (ORDER[r.answer.value if r.answer else None], r.site_name, r.site_id))
    all_answers = [a for a, _ in answers.values()]
    return Board(
        alert_id=alert.id,
        sites=len(reached),
        delivered_sites=sum(1 for s, _ in reached if counts.get(s, {}).get("sent")),
        acknowledged_sites=len(answers),
        need_help_sites=all_answers.count(Answer.need_help.value),
        failed_deliveries=sum(c.get("dead", 0) for c in counts.values()),
        rows=rows,
        other_sites=len(reached) - len(rows),
    )


@dataclass(frozen=True)
class LiveAlert:
    """A live alert on the dashboard; the answer counts only for the organisation that sent it
    (its analysts and above read the board), none otherwise."""

    id: int
    headline: str
    severity: str
    sent_at: dt.datetime | None
    sites: int | None
    unanswered: int | None
    need_help: int | None


def live_alerts(
    *, session: Session, principal: Principal, org_id: int | None, limit: int
) -> tuple[int, list[LiveAlert]]:
    """Live alerts the principal may read, newest first, and how many: with, for those `org_id`
    sent when the principal is its analyst or above, the sites reached, those that have not
    answered and those whose newest answer is "need help". One query."""
    board_org = org_id if principal.has_role(org_id, Role.analyst) else None
    reached = (
        select(
            AlertSite.alert_id,
            func.count().label("sites"),
            func.sum(case((AlertSite.acknowledged_at.is_(None), 1), else_=0)).label("unanswered"),
        )
        .group_by(AlertSite.alert_id)
        .subquery()
    )
    newest = (
        select(func.max(Acknowledgement.id))
        .where(Acknowledgement.site_id.is_not(None))
        .group_by(Acknowledgement.alert_id, Acknowledgement.site_id)
        .correlate(None)
    )
    need_help = (
        select(Acknowledgement.alert_id, func.count().label("n"))
        .where(Acknowledgement.id.in_(newest), Acknowledgement.answer == Answer.need_help.value)
        .group_by(Acknowledgement.alert_id)
        .subquery()
    )
    ours = Alert.owner_org_id == board_org
    stmt = (
        scope(
            select(
                Alert.id,
                Alert.headline,
                Alert.event,
                Alert.severity,
                Alert.sent_at,
                case((ours, func.coalesce(reached.c.sites, 0))),
                case((ours, func.coalesce(reached.c.unanswered, 0))),
                case((ours, func.coalesce(need_help.c.n, 0))),
                func.count().over(),
            ),
            Alert,
            principal,
        )
        .outerjoin(reached, reached.c.alert_id == Alert.id)
        .outerjoin(need_help, need_help.c.alert_id == Alert.id)
        .where(live_clause())
        .order_by(Alert.sent_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    total = rows[0][-1] if rows else 0
    return total, [
        LiveAlert(i, headline or event, severity, sent, sites, unanswered, helps)
        for i, headline, event, severity, sent, sites, unanswered, helps, _ in rows
    ]
