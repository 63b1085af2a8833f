"""The incident room's event stream over a real server: a change reaches an open page within a
second, rendered for that page (its own CSRF token); a page coming back with the last marker it
saw gets only what is newer; an outsider gets no stream; a viewer who loses the room (removed
from the organisation, signed out) gets `gone` and the stream ends."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tests.e2e.conftest import serve
from tests.factories import make_org, make_person
from tests.playbooks.helpers import Team, make_team
from vigil.core.auth import WebSession, load_principal
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.deps import SESSION_COOKIE
from vigil.orgs import accounts
from vigil.orgs.models import Membership, Person, Role
from vigil.playbooks import room_cache, room_stream, service
from vigil.playbooks.schemas import ActivationCreate


@dataclass
class Event:
    name: str
    id: str
    data: str
    at: float


def _listen(response: httpx.Response, events: queue.Queue[Event | None]) -> None:
    name, event_id, data = "message", "", []
    try:
        for line in response.iter_lines():
            if line == "":
                if data:
                    events.put(Event(name, event_id, "\n".join(data), time.monotonic()))
                name, event_id, data = "message", "", []
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                data.append(line[6:])
    except httpx.HTTPError:
        pass
    events.put(None)  # the stream ended


@contextmanager
def open_stream(
    url: str, incident_id: int, cookie: str, *, since: int = -1, last_event_id: str = ""
) -> Iterator[tuple[int, queue.Queue[Event | None]]]:
    headers = {"Accept": "text/event-stream"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    events: queue.Queue[Event | None] = queue.Queue()
    with httpx.Client(base_url=url, cookies={SESSION_COOKIE: cookie}, timeout=30) as client:
        path = f"/incidents/{incident_id}/room/stream"
        with client.stream("GET", path, params={"since": since}, headers=headers) as response:
            if response.status_code != 200:
                yield response.status_code, events
                return
            reader = threading.Thread(target=_listen, args=(response, events), daemon=True)
            reader.start()
            yield 200, events


def next_event(events: queue.Queue[Event | None], timeout: float) -> Event | None:
    return events.get(timeout=timeout)


def quiet_for(events: queue.Queue[Event | None], seconds: float) -> bool:
    try:
        events.get(timeout=seconds)
    except queue.Empty:
        return True
    return False


def browser_session(settings: Settings, person: Person) -> str:
    with transaction(settings.sqlalchemy_url) as session:
        found = session.get(Person, person.id)
        assert found is not None
        return accounts.begin_login(session=session, settings=settings, person=found)


def activate(settings: Settings, team: Team) -> None:
    with transaction(settings.sqlalchemy_url) as session:
        principal = load_principal(
            session, person_id=team.coordinator.id, acting_org_id=team.org.id
        )
        assert principal is not None
        service.activate(
            session=session,
            principal=principal,
            incident_id=team.incident_id,
            data=ActivationCreate(template_code="armed_attack"),
        )


def log(url: str, team: Team, text: str) -> int:
    response = httpx.post(
        f"{url}/api/v1/incidents/{team.incident_id}/timeline",
        json={"text": text},
        headers=team.coordinator_headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"].removeprefix("entry-"))


@pytest.fixture
def team(settings: Settings, committed: Session) -> Team:
    made = make_team(committed, settings)
    activate(settings, made)
    return made


def test_a_change_reaches_an_open_room_within_a_second(settings: Settings, team: Team) -> None:
    cookie = browser_session(settings, team.member)
    with serve(settings) as url:
        first = log(url, team, "Stewards at the doors")
        with open_stream(url, team.incident_id, cookie, since=first) as (status, events):
            assert status == 200
            assert quiet_for(events, 0.5), "an unchanged room sent a fragment"
            sent = time.monotonic()
            marker = log(url, team, "Police on site")
            event = next_event(events, timeout=5)
            assert event is not None and event.name == "room"
            assert event.at - sent < 1.0
            assert int(event.id) == marker
            assert f'data-marker="{marker}"' in event.data
            assert "Police on site" in event.data
            # Rendered once for all, then given this browser's own CSRF token.
            assert room_cache.PLACEHOLDER not in event.data
            assert 'name="csrf_token" value="' in event.data

        # Coming back with the last marker seen: nothing until something newer.
        with open_stream(url, team.incident_id, cookie, last_event_id=str(marker)) as (_, again):
            assert quiet_for(again, 0.5)
        with open_stream(url, team.incident_id, cookie, last_event_id=str(first)) as (_, behind):
            event = next_event(behind, timeout=5)
            assert event is not None and int(event.id) == marker


def test_an_outsider_gets_no_stream(settings: Settings, team: Team, committed: Session) -> None:
    outsider = make_person(committed, settings, org=make_org(committed), role=Role.coordinator)
    committed.commit()
    cookie = browser_session(settings, outsider)
    with serve(settings) as url, open_stream(url, team.incident_id, cookie) as (status, _):
        assert status == 404


@pytest.mark.parametrize("lost_by", ["removed from the organisation", "signed out"])
def test_a_viewer_who_loses_the_room_is_told_and_the_stream_ends(
    settings: Settings, team: Team, lost_by: str
) -> None:
    cookie = browser_session(settings, team.member)
    with serve(settings) as url, open_stream(url, team.incident_id, cookie) as (_, events):
        event = next_event(events, timeout=5)
        assert event is not None and event.name == "room"  # no marker given: the room at once
        with transaction(settings.sqlalchemy_url) as session:
            if lost_by == "signed out":
                web = session.scalars(
                    select(WebSession).where(WebSession.person_id == team.member.id)
                ).one()
                web.ended_at = utcnow()
            else:
                session.execute(delete(Membership).where(Membership.person_id == team.member.id))
        deadline = time.monotonic() + room_stream.RECHECK_SECONDS + 3
        after: list[Event] = []
        while (event := next_event(events, timeout=deadline - time.monotonic())) is not None:
            after.append(event)
        # The stream ended (None above) right after telling the page why.
        assert [e.name for e in after][-1:] == ["gone"], after
        assert "no longer live" in after[-1].data
