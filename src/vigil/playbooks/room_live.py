"""What the live part of the incident room shows, and its render shared by every watcher with
the same view (room_cache): the page, its htmx answers and the stream (room_stream) all render
through here.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from vigil.core.localisation import locale_of
from vigil.core.localised import pick
from vigil.core.pages import Viewer, render
from vigil.core.policy import Role
from vigil.orgs import service as orgs_service
from vigil.playbooks import reading, rollcall, room_cache, service, timeline
from vigil.playbooks.reading import RoomState
from vigil.playbooks.room_cache import Fragment, View
from vigil.playbooks.room_folds import (
    TIMELINE_SHOWN,
    criteria_fold,
    first_open_task,
    roll_call_split,
    stage_views,
)
from vigil.playbooks.templates import Stage
from vigil.playbooks.wording import wording

ROOM_TIMELINE_ITEMS = 40
FRAGMENT = "playbooks/_room_live.html"


def room_context(
    session: Session, viewer: Viewer, incident_id: int, settings_secret: str, locale: str
) -> dict[str, Any]:
    principal = viewer.principal
    incident = service.readable_incident(
        session=session, principal=principal, incident_id=incident_id
    )
    # The marker is read before the content: a change landing meanwhile is then either in the
    # content or after the marker, so a watcher never holds a marker newer than what it saw.
    marker = reading.room_marker(session, incident_id)
    activation = reading.activation_of(session, incident_id)
    coordinator = principal.has_role(incident.owner_org_id, Role.coordinator)
    playbook = reading.activation_read(session, activation, incident) if activation else None
    roll_call = rollcall.latest_roll_call(session, incident_id)
    board = rollcall.roll_call_read(session, principal, roll_call) if roll_call else None
    links: dict[int, str] = {}
    if board and coordinator:
        links = rollcall.answer_links(
            session=session,
            principal=principal,
            incident_id=incident_id,
            roll_call_id=board.id,
            secret_key=settings_secret,
        )
    items = timeline.timeline_of(session, principal, incident, latest=ROOM_TIMELINE_ITEMS)
    members = (
        orgs_service.list_members(
            session=session, principal=principal, org_id=incident.owner_org_id
        )
        if coordinator
        else []
    )
    stages = stage_views(playbook.tasks) if playbook else []
    return {
        "incident": incident,
        "playbook": playbook,
        "pick": lambda value: pick(value, locale),
        "words": wording(activation.template_text, activation.title, locale)
        if activation
        else None,
        "stages": stages,
        "criteria_fold": criteria_fold(stages, playbook.reopening_criteria) if playbook else "",
        "timeline_shown": TIMELINE_SHOWN,
        "first_open": first_open_task(stages),
        "roll_call": roll_call_split(board.entries) if board else ([], []),
        "overdue": [t for t in playbook.tasks if t.overdue and t.stage == Stage.immediate]
        if playbook
        else [],
        "board": board,
        "links": links,
        "items": list(reversed(items)),
        "members": members,
        "can_work": principal.has_role(incident.owner_org_id, Role.reporter),
        "can_coordinate": coordinator,
        "marker": marker,
        "suggestions": []
        if playbook or not coordinator
        else reading.suggest_for(session=session, principal=principal, incident_id=incident_id),
    }


def shared_fragment(
    request: Request, session: Session, viewer: Viewer, view: View, state: RoomState
) -> Fragment:
    """The fragment for this view of the room in this state (reading.room_state), rendered
    once for everyone who shares the view. The caller has found the incident readable and
    computed the view for this viewer."""
    key = room_cache.key_of(view, state)
    found = room_cache.CACHE.get(key)
    if found is None:
        secret = request.app.state.settings.secret_key
        context = room_context(session, viewer, view.incident_id, secret, locale_of(request))
        context.update(error=None, csrf_token=room_cache.PLACEHOLDER)
        found = Fragment(context["marker"], bytes(render(request, FRAGMENT, context).body))
        room_cache.CACHE.put(key, found)
    return found
