"""Delivery channels, pluggable: a channel reads what it needs for a batch of deliveries from the
database (`prepare`, in the worker's transaction), then sends each one without the database
(`send`, in a pool thread, raising on failure). SMS or push are one more module registering
itself here; the outbox and the fan-out do not change."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from vigil.core.config import Settings


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds the lease of."""

    id: int
    alert_id: int
    site_id: int | None
    contact_id: int | None
    person_id: int | None
    webhook_id: int | None
    channel: str
    idempotency_key: str
    attempts: int


class Gone(Exception):
    """The recipient no longer exists (contact or webhook removed): retrying cannot help."""


class Channel(Protocol):
    name: str

    def prepare(
        self, session: Session, settings: Settings, batch: list[Claimed]
    ) -> dict[int, Any | Gone]:
        """Per delivery id, what `send` needs (or Gone)."""
        ...

    def send(self, prepared: Any, settings: Settings) -> None: ...


CHANNELS: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    CHANNELS[channel.name] = channel
    return channel


def load_builtin() -> None:
    """Import the channels shipped with Vigil (each registers itself)."""
    for name in ("email", "webhook"):
        importlib.import_module(f"vigil.alerts.channels.{name}")
