"""HTML pages of an organisation's CAP feed subscriptions (coordinators): the list with each
feed's last poll, last error and counts, the form to add one, and one feed's page to change its
rule, poll it now, see what became of its newest entries, or remove it."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from vigil.alerts import feed_polling, feed_subscriptions
from vigil.alerts.cap import Severity
from vigil.alerts.feed_schemas import MAX_EVERY_SECONDS, FeedArea, FeedCreate
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.forms import FormDataDep
from vigil.core.pages import (
    SignedInDep,
    Viewer,
    page_router,
    parse_form,
    redirect,
    render,
    tr,
    undo,
)

router = page_router()
NEW_FORM = {"every_minutes": "5", "area": "any", "enabled": True}


@router.get("/alerts/feeds")
def feeds_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """Your organisation's CAP feed subscriptions and the form to add one."""
    return _list(request, session, viewer)


@router.post("/alerts/feeds")
def add_feed(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    form: FormDataDep,
) -> Response:
    values = _values(form)
    try:
        feed = feed_subscriptions.add_feed(
            session=session, principal=viewer.principal, settings=settings, data=_parse(values)
        )
    except DomainError as exc:
        undo(session, exc)
        return _list(request, session, viewer, error=exc, form=values)
    message = tr(request, "Subscribed: the feed is polled within a minute.")
    return redirect(f"/alerts/feeds/{feed.id}", request, message)


@router.get("/alerts/feeds/{feed_id:int}")
def feed_page(request: Request, feed_id: int, session: SessionDep, viewer: SignedInDep) -> Response:
    """One subscription: its rule, its health and what became of its newest entries."""
    return _detail(request, session, viewer, feed_id)


@router.post("/alerts/feeds/{feed_id:int}")
def save_feed(
    request: Request,
    feed_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    form: FormDataDep,
) -> Response:
    values = _values(form)
    try:
        feed_subscriptions.update_feed(
            session=session,
            principal=viewer.principal,
            settings=settings,
            feed_id=feed_id,
            data=_parse(values),
        )
    except DomainError as exc:
        undo(session, exc)
        return _detail(request, session, viewer, feed_id, error=exc, form=values)
    return redirect(f"/alerts/feeds/{feed_id}", request, tr(request, "The subscription is saved."))


@router.post("/alerts/feeds/{feed_id:int}/poll")
def poll_feed(
    request: Request, feed_id: int, session: SessionDep, viewer: SignedInDep, settings: SettingsDep
) -> Response:
    result = feed_polling.poll_now(
        session=session, principal=viewer.principal, settings=settings, feed_id=feed_id
    )
    if result.error:
        text = tr(request, "The poll failed: %(error)s", error=result.error)
        return redirect(f"/alerts/feeds/{feed_id}", request, text, "error")
    text = tr(
        request,
        "Polled: %(imported)s new, %(relayed)s of them relayed.",
        imported=result.imported,
        relayed=result.relayed,
    )
    return redirect(f"/alerts/feeds/{feed_id}", request, text)


@router.post("/alerts/feeds/{feed_id:int}/remove")
def remove_feed(
    request: Request, feed_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    feed_subscriptions.remove_feed(session=session, principal=viewer.principal, feed_id=feed_id)
    return redirect("/alerts/feeds", request, tr(request, "The subscription is removed."))


def _list(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    error: DomainError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    feeds = feed_subscriptions.list_feeds(session=session, principal=viewer.principal)
    context = {
        "feeds": [feed_subscriptions.feed_read(session, f) for f in feeds],
        "error": error,
        "form": form or NEW_FORM,
        **_choices(),
    }
    return render(request, "alerts/feeds.html", context, status_code=error.status if error else 200)


def _detail(
    request: Request,
    session: Session,
    viewer: Viewer,
    feed_id: int,
    *,
    error: DomainError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    feed = feed_subscriptions.get_feed(session=session, principal=viewer.principal, feed_id=feed_id)
    read = feed_subscriptions.feed_read(session, feed, items=True)
    shown = form or {
        **read.model_dump(include={"name", "url", "enabled", "auto_relay", "area"}),
        "every_minutes": str(read.every_seconds // 60),
        "min_severity": read.min_severity or "",
        "senders": "\n".join(read.senders),
    }
    context = {"feed": read, "error": error, "form": shown, **_choices()}
    return render(request, "alerts/feed.html", context, status_code=error.status if error else 200)


def _choices() -> dict[str, Any]:
    return {
        "severities": [s.value for s in Severity if s != Severity.unknown],
        "areas": list(FeedArea),
    }


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        k: str(form.get(k) or "").strip()
        for k in ("name", "url", "every_minutes", "min_severity", "area", "senders")
    }
    values["enabled"] = form.get("enabled") == "yes"
    values["auto_relay"] = form.get("auto_relay") == "yes"
    return values


def _parse(values: dict[str, Any]) -> FeedCreate:
    minutes = values["every_minutes"] or "5"
    if not minutes.isdigit() or not 1 <= int(minutes) <= MAX_EVERY_SECONDS // 60:
        raise Invalid("every_minutes", "give a whole number of minutes from 1 to 1440")
    return parse_form(
        FeedCreate,
        name=values["name"],
        url=values["url"],
        every_seconds=int(minutes) * 60,
        enabled=values["enabled"],
        auto_relay=values["auto_relay"],
        min_severity=values["min_severity"] or None,
        area=values["area"] or "any",
        senders=[s for s in values["senders"].replace(",", "\n").split() if s],
    )
