"""The settings of running an instance for years: scheduled backups, metrics for a scraper,
traces for a collector and how long personal data is kept (docs/privacy.md). Kept apart from
the rest of Settings, which inherits them."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings


class OperationsSettings(BaseSettings):
    backup_dir: Path | None = Field(
        None,
        description="Directory of scheduled backups (`vigil backup` writes there by default); "
        "empty means DATA_DIR/backups. Put it on another disk or copy it off the machine.",
    )
    backup_every_minutes: int = Field(
        0,
        description="Minutes between scheduled backups made by `vigil worker`; 0 turns them off. "
        "At most this much data is lost in a crash (docs/backup.md).",
        ge=0,
    )
    backup_keep_daily: int = Field(
        7, description="Scheduled backups kept: the newest of each of this many days.", ge=1
    )
    backup_keep_weekly: int = Field(
        4, description="Also kept: the newest scheduled backup of each of this many weeks.", ge=0
    )
    retention_public_report_days: int = Field(
        0,
        description="Days after which an anonymous public report that never became part of an "
        "incident (rejected, or never triaged) is deleted with its photo; 0 keeps them forever. "
        "Enforced by `vigil worker` and `vigil retention run` (docs/privacy.md).",
        ge=0,
    )
    retention_contact_days: int = Field(
        0,
        description="Days after which the contact details a reporter left with a report are "
        "erased (the report stays); 0 keeps them forever.",
        ge=0,
    )
    retention_evidence_days: int = Field(
        0,
        description="Days after an incident was closed (and left unchanged) when the evidence "
        "files of its reports are deleted; 0 keeps them forever.",
        ge=0,
    )
    retention_audit_detail_days: int = Field(
        0,
        description="Days after which the details of audit entries (what changed, e.g. a role "
        "before and after) are redacted; the entries themselves (who, what, when, on which "
        "record) and their verified chain stay. 0 keeps them forever.",
        ge=0,
    )
    metrics_token: str = Field(
        "",
        description="Bearer token a Prometheus scraper sends to read /metrics. /metrics answers "
        "404 unless this or METRICS_ALLOW is set; with both set, a scrape needs both.",
    )
    metrics_allow: str = Field(
        "",
        description="Comma-separated networks (e.g. 10.0.0.0/8,::1/128) whose addresses may read "
        "/metrics: the client's address, as the reverse proxy forwards it.",
    )
    otlp_endpoint: str = Field(
        "",
        description="Base URL of an OpenTelemetry collector's OTLP/HTTP receiver (e.g. "
        "http://127.0.0.1:4318): traces go to its /v1/traces. Empty: no tracing.",
    )

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"VIGIL_METRICS_ALLOW: {part!r} is not a network") from None
        return value

    @property
    def metrics_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        parts = (p.strip() for p in self.metrics_allow.split(","))
        return [ipaddress.ip_network(p, strict=False) for p in parts if p]
