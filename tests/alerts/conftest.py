"""A real webhook receiver and a real SMTP server for the delivery tests, each on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.alerts.receivers import Inbox, Receiver, smtp_server, webhook_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as found:
        yield found


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found
