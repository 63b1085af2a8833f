"""A real webhook receiver and a real SMTP server for the delivery tests, each on loopback;
a coordinator's desk (API token, sites in Vienna) for the CAP import tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.alerts.factories import build_world
from tests.alerts.receivers import Inbox, Receiver, smtp_server, webhook_receiver
from tests.orgs.factories import token_headers
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Organisation, Person


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as found:
        yield found


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


@dataclass
class Desk:
    headers: dict[str, str]
    org_id: int
    site_ids: list[int]
    person_id: int


@pytest.fixture
def desk(settings: Settings) -> Desk:
    """A coordinator's API token; three sites in Vienna, one in Graz."""
    world = build_world(settings, sites=3, contacts=1)
    with transaction(settings.sqlalchemy_url) as session:
        person = session.get(Person, world.coordinator_id)
        org = session.get(Organisation, world.org_id)
        assert person and org
        return Desk(token_headers(session, person, org), org.id, world.site_ids, person.id)
