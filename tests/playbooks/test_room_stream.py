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
from tests.html import csrf_of, html, parse
from tests.orgs.factories import make_org, make_person
from tests.playbooks.factories import Team, make_team
from tests.playbooks.test_alert_timeline import alert_body
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.deps import SESSION_COOKIE
from vigil.core.policy import Role
from vigil.orgs import accounts
from vigil.orgs.models import Membership, Person, WebSession
from vigil.orgs.principals import load_principal
from vigil.playbooks import room_cache, room_stream, service
from vigil.playbooks.schemas import ActivationCreate


@dataclass
class Event:
    name: str
    id: str
    data: str
    at: float


def _listen(response: httpx.Response, events: queue.Queue[Event | None]) -> None:
    name, event_id, data = "message", "", list[str]()
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
def browser(url: str, cookie: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, cookies={SESSION_COOKIE: cookie}, timeout=30) as client:
        yield client


@contextmanager
def open_stream(
    url: str, incident_id: int, cookie: str, *, since: int = -1, last_event_id: str = ""
) -> Iterator[tuple[int, queue.Queue[Event | None]]]:
    with browser(url, cookie) as client, stream_of(client, incident_id, since, last_event_id) as s:
        yield s


@contextmanager
def stream_of(
    client: httpx.Client, incident_id: int, since: int = -1, last_event_id: str = ""
) -> Iterator[tuple[int, queue.Queue[Event | None]]]:
    headers = {"Accept": "text/event-stream"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    events: queue.Queue[Event | None] = queue.Queue()
    path = f"/incidents/{incident_id}/room/stream"
    with client.stream("GET", path, params={"since": since}, headers=headers) as response:
        if response.status_code != 200:
            yield response.status_code, events
            return
        threading.Thread(target=_listen, args=(response, events), daemon=True).start()
        yield 200, events


def next_event(events: queue.Queue[Event | None], timeout: float) -> Event | None:
    return events.get(timeout=timeout)


def nothing_newer(events: queue.Queue[Event | None], than: int, seconds: float) -> bool:
    """No fragment past the marker for a while (every 30 s the room is sent again at the same
    marker, so that lateness shows: that one does not count)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=left)
        except queue.Empty:
            return True
        if event is None or int(event.id) > than:
            return False
    return True


def event_with(events: queue.Queue[Event | None], text: str, timeout: float) -> Event | None:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        event = events.get(timeout=left)
        if event is None or text in event.data:
            return event
    return None


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
            assert nothing_newer(events, first, 0.5), "an unchanged room sent a fragment"
            sent = time.monotonic()
            marker = log(url, team, "Police on site")
            event = event_with(events, "Police on site", timeout=5)
            assert event is not None and event.name == "room"
            assert event.at - sent < 1.0
            assert int(event.id) == marker
            assert f'data-marker="{marker}"' in event.data
            # Rendered once for all, then given this browser's own CSRF token.
            assert room_cache.PLACEHOLDER not in event.data
            assert 'name="csrf_token" value="' in event.data

        # Coming back with the last marker seen: nothing until something newer.
        with open_stream(url, team.incident_id, cookie, last_event_id=str(marker)) as (_, again):
            assert nothing_newer(again, marker, 0.5)
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


def test_one_render_serves_all_yet_each_page_gets_its_own_token_and_rights(
    settings: Settings, team: Team, committed: Session
) -> None:
    second = make_person(committed, settings, org=team.org, role=Role.reporter)
    committed.commit()
    people = [team.member, second, team.coordinator]
    cookies = [browser_session(settings, p) for p in people]
    pages = {}
    with serve(settings) as url:
        for person, cookie in zip(people, cookies, strict=True):
            with browser(url, cookie) as client:
                token = csrf_of(html(client.get(f"/incidents/{team.incident_id}/room")))
                with stream_of(client, team.incident_id) as (status, events):
                    assert status == 200
                    event = next_event(events, timeout=5)
                    assert event is not None and event.name == "room"
                    pages[person.id] = (token, parse(event.data))
    assert len({token for token, _ in pages.values()}) == 3
    for person in people:
        token, fragment = pages[person.id]
        tokens = {i.attrs["value"] for i in fragment.find_all("input", name="csrf_token")}
        assert tokens == {token}
        assigning = fragment.find_all("select", name="assignee_id")
        assert bool(assigning) == (person is team.coordinator)


def test_an_alert_about_the_incident_reaches_the_open_room(settings: Settings, team: Team) -> None:
    cookie = browser_session(settings, team.member)
    with serve(settings) as url:
        marker = log(url, team, "Stewards at the doors")
        with open_stream(url, team.incident_id, cookie, since=marker) as (_, events):
            assert nothing_newer(events, marker, 0.5)
            sent = httpx.post(
                f"{url}/api/v1/alerts?send=true",
                json=alert_body(team.incident_id),
                headers=team.coordinator_headers,
            )
            assert sent.status_code == 201, sent.text
            event = event_with(events, "Attacker at the synagogue entrance", timeout=5)
            # Not a timeline entry, so the marker stays; the room shows the alert all the same.
            assert event is not None and int(event.id) == marker


def test_a_client_that_is_not_an_event_source_gets_the_room_once(
    settings: Settings, team: Team
) -> None:
    with serve(settings) as url:
        marker = log(url, team, "Stewards at the doors")
        path = f"{url}/incidents/{team.incident_id}/room/stream"
        once = httpx.get(path, headers=team.member_headers, timeout=30)  # an API token works too
        assert once.status_code == 200
        assert once.text.startswith(f"id: {marker}\nevent: room\n")
        assert "Stewards at the doors" in once.text
