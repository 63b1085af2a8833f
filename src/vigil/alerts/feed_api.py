"""JSON API of an organisation's subscriptions to CAP feeds (coordinators): list, add, read,
change, remove, and poll now."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from vigil.alerts import feed_polling, feed_subscriptions
from vigil.alerts.feed_schemas import FeedCreate, FeedRead, PollResult
from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/alerts/feeds", tags=["alerts"])


@router.get("", response_model=list[FeedRead])
def list_feeds(session: SessionDep, principal: PrincipalDep) -> list[FeedRead]:
    """Your organisation's CAP feed subscriptions with their last poll, error and counts."""
    feeds = feed_subscriptions.list_feeds(session=session, principal=principal)
    return [feed_subscriptions.feed_read(session, f) for f in feeds]


@router.post("", response_model=FeedRead, status_code=201)
def add_feed(
    data: FeedCreate, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> FeedRead:
    """Subscribe to a peer's or an authority's CAP feed (Atom or RSS linking or holding CAP);
    the worker polls it and imports new messages as drafts, or relays what the rule matches."""
    feed = feed_subscriptions.add_feed(
        session=session, principal=principal, settings=settings, data=data
    )
    return feed_subscriptions.feed_read(session, feed)


@router.get("/{feed_id:int}", response_model=FeedRead)
def get_feed(feed_id: int, session: SessionDep, principal: PrincipalDep) -> FeedRead:
    """One subscription and the newest entries read from it, with what became of each."""
    feed = feed_subscriptions.get_feed(session=session, principal=principal, feed_id=feed_id)
    return feed_subscriptions.feed_read(session, feed, items=True)


@router.put("/{feed_id:int}", response_model=FeedRead)
def update_feed(
    feed_id: int,
    data: FeedCreate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> FeedRead:
    """Replace a subscription's settings; its rule then relays as you."""
    feed = feed_subscriptions.update_feed(
        session=session, principal=principal, settings=settings, feed_id=feed_id, data=data
    )
    return feed_subscriptions.feed_read(session, feed)


@router.delete("/{feed_id:int}", status_code=204)
def remove_feed(feed_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    """Unsubscribe; the drafts and alerts it brought stay, naming the feed."""
    feed_subscriptions.remove_feed(session=session, principal=principal, feed_id=feed_id)
    return Response(status_code=204)


@router.post("/{feed_id:int}/poll", response_model=PollResult)
def poll_feed(
    feed_id: int, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> PollResult:
    """Poll the feed now, whatever its schedule."""
    return feed_polling.poll_now(
        session=session, principal=principal, settings=settings, feed_id=feed_id
    )
