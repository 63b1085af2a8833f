"""Methodology versions in the database: the shipped ones, and organisations' own copies.

An organisation copies a shipped methodology's YAML, changes it and publishes it as its own;
each publication is a new version, and assessments keep the version they were answered against.
A withdrawn version takes no new answers.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from vigil.assessments.methodology import Methodology, parse_methodology
from vigil.assessments.models import MethodologyStatus, MethodologyVersion
from vigil.assessments.parameters import english
from vigil.assessments.schemas import MethodologyVersionRead
from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, NotFound
from vigil.core.policy import Principal, Role, acting_org

SHIPPED_DIR = Path(__file__).parent / "methodologies"


@lru_cache(maxsize=64)
def _parsed(digest: str, text: str, file: str) -> Methodology:
    return parse_methodology(text, file=file)


def methodology_of(version: MethodologyVersion) -> Methodology:
    """The parsed methodology of a stored version (parsed once per process)."""
    digest = hashlib.sha256(version.yaml_text.encode()).hexdigest()
    return _parsed(digest, version.yaml_text, f"{version.code} version {version.version}")


def ensure_shipped(session: Session) -> list[MethodologyVersion]:
    """Store each shipped methodology file's version once; returns the shipped versions."""
    stored = []
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        parsed = _parsed(hashlib.sha256(text.encode()).hexdigest(), text, path.name)
        row = session.scalar(
            select(MethodologyVersion).where(
                MethodologyVersion.owner_org_id.is_(None),
                MethodologyVersion.code == parsed.code,
                MethodologyVersion.version == parsed.version,
            )
        )
        if row is not None and row.yaml_text != text and _same_but_words(row, parsed):
            # The file's words were translated after this version was stored: its assessments
            # read in the new languages, and nothing they score on has changed.
            row.yaml_text = text
            row.title = english(parsed.title)
        if row is None:
            row = MethodologyVersion(
                code=parsed.code,
                version=parsed.version,
                title=english(parsed.title),
                yaml_text=text,
            )
            session.add(row)
            session.flush()
        stored.append(row)
    return stored


def _english_only(value: Any) -> Any:
    if isinstance(value, dict):
        if "en" in value and all(isinstance(v, str) for v in value.values()):
            return value["en"]
        return {k: _english_only(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_english_only(v) for v in value]
    return value


def _same_but_words(row: MethodologyVersion, parsed: Methodology) -> bool:
    """Whether a stored version and a shipped file differ only in their translations (so the
    version number need not change: every score and every English word stays the same)."""
    stored = methodology_of(row).model_dump(exclude={"languages"})
    return _english_only(stored) == _english_only(parsed.model_dump(exclude={"languages"}))


def _readable(principal: Principal) -> ColumnElement[bool]:
    """Shipped versions, and those of the principal's own organisations."""
    owned = MethodologyVersion.owner_org_id.in_(list(principal.org_ids))
    return or_(MethodologyVersion.owner_org_id.is_(None), owned)


def list_versions(
    *, session: Session, principal: Principal, include_withdrawn: bool = False
) -> list[MethodologyVersion]:
    ensure_shipped(session)
    stmt = select(MethodologyVersion).where(_readable(principal))
    if not include_withdrawn:
        stmt = stmt.where(MethodologyVersion.status == MethodologyStatus.published.value)
    stmt = stmt.order_by(
        MethodologyVersion.owner_org_id.is_not(None),
        MethodologyVersion.code,
        MethodologyVersion.version.desc(),
    )
    return list(session.scalars(stmt))


def get_version(*, session: Session, principal: Principal, version_id: int) -> MethodologyVersion:
    version = session.scalar(
        select(MethodologyVersion).where(MethodologyVersion.id == version_id, _readable(principal))
    )
    if version is None:
        raise NotFound("No such methodology version, or it belongs to another organisation.")
    return version


def titles(session: Session, version_ids: set[int]) -> dict[int, tuple[str | dict[str, str], int]]:
    """Title (in each of its languages) and version number of each methodology version, for
    lists of assessments (their versions are readable with the assessment, so no principal
    narrows this)."""
    rows = session.scalars(select(MethodologyVersion).where(MethodologyVersion.id.in_(version_ids)))
    return {row.id: (methodology_of(row).title, row.version) for row in rows}


def publish_version(
    *, session: Session, principal: Principal, yaml_text: str, based_on_id: int | None = None
) -> MethodologyVersion:
    """Validate an organisation's methodology YAML and publish it as its next version."""
    org_id = acting_org(principal, Role.coordinator)
    if based_on_id is not None:
        get_version(session=session, principal=principal, version_id=based_on_id)
    parsed = parse_methodology(yaml_text, file="the methodology you published")
    latest = session.scalar(
        select(func.max(MethodologyVersion.version)).where(
            MethodologyVersion.owner_org_id == org_id, MethodologyVersion.code == parsed.code
        )
    )
    version = MethodologyVersion(
        code=parsed.code,
        version=(latest or 0) + 1,
        title=english(parsed.title),
        owner_org_id=org_id,
        based_on_id=based_on_id,
        yaml_text=yaml_text,
        created_by=principal.person_id,
    )
    session.add(version)
    session.flush()
    audit.log_action(
        session,
        principal,
        "methodology.publish",
        target_type="methodology_versions",
        target_id=version.id,
        org_id=org_id,
        detail={"code": version.code, "version": version.version},
    )
    return version


def withdraw_version(
    *, session: Session, principal: Principal, version_id: int
) -> MethodologyVersion:
    version = get_version(session=session, principal=principal, version_id=version_id)
    if version.owner_org_id is None or not principal.has_role(
        version.owner_org_id, Role.coordinator
    ):
        raise Forbidden("Only coordinators of the owning organisation may withdraw it.")
    if version.status == MethodologyStatus.withdrawn.value:
        raise Conflict("This methodology version is already withdrawn.")
    version.status = MethodologyStatus.withdrawn.value
    version.withdrawn_at = utcnow()
    audit.log_action(
        session,
        principal,
        "methodology.withdraw",
        target_type="methodology_versions",
        target_id=version.id,
        org_id=version.owner_org_id,
    )
    return version


def version_read(version: MethodologyVersion) -> MethodologyVersionRead:
    methodology = methodology_of(version)
    return MethodologyVersionRead(
        id=version.id,
        code=version.code,
        version=version.version,
        title=version.title,
        owner_org_id=version.owner_org_id,
        based_on_id=version.based_on_id,
        status=version.status,
        applies_to=list(methodology.applies_to),
        sections=len(methodology.sections),
        questions=len(methodology.questions()),
        created_at=version.created_at,
    )
