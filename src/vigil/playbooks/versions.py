"""Which playbooks an organisation can activate: the templates shipped with Vigil and the
versions the organisation published of its own (a shipped template copied and edited, like a
methodology). Publishing version n+1 leaves activations of version n as they were: each
activation keeps the text it was started with.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.localised import text_in
from vigil.core.policy import Principal, Role, acting_org
from vigil.playbooks.models import PlaybookVersion
from vigil.playbooks.schemas import TemplateSummary
from vigil.playbooks.templates import (
    PlaybookTemplate,
    by_language,
    parse_template,
    shipped_templates,
    suggest,
)


@dataclass(frozen=True)
class ChosenTemplate:
    template: PlaybookTemplate
    version: int
    org_id: int | None
    text: str


def summary(
    template: PlaybookTemplate, version: int, org_id: int | None, **fit: object
) -> TemplateSummary:
    """What lists and the API show of a template: its English title, and every language's."""
    return TemplateSummary(
        code=template.code,
        title=text_in(template.title),
        titles=by_language(template.title),
        version=version,
        org_id=org_id,
        **fit,
    )


def _latest_versions(session: Session, org_id: int) -> list[PlaybookVersion]:
    newest = (
        select(PlaybookVersion.code, func.max(PlaybookVersion.version).label("v"))
        .where(PlaybookVersion.org_id == org_id)
        .group_by(PlaybookVersion.code)
        .subquery()
    )
    stmt = select(PlaybookVersion).join(
        newest,
        (PlaybookVersion.code == newest.c.code) & (PlaybookVersion.version == newest.c.v),
    )
    return list(session.scalars(stmt.where(PlaybookVersion.org_id == org_id)))


def available(*, session: Session, org_id: int) -> list[ChosenTemplate]:
    """The organisation's own latest versions, and the shipped templates it has not replaced."""
    own = [
        ChosenTemplate(
            parse_template(v.source, file=f"{v.code} v{v.version}"), v.version, org_id, v.source
        )
        for v in _latest_versions(session, org_id)
    ]
    replaced = {c.template.code for c in own}
    shipped = [
        ChosenTemplate(t, t.version, None, text)
        for code, (t, text) in shipped_templates().items()
        if code not in replaced
    ]
    return own + shipped


def resolve_template(
    *, session: Session, org_id: int, code: str, org_version: int | None
) -> ChosenTemplate:
    stmt = select(PlaybookVersion).where(
        PlaybookVersion.org_id == org_id, PlaybookVersion.code == code
    )
    if org_version is not None:
        stmt = stmt.where(PlaybookVersion.version == org_version)
    own = session.scalar(stmt.order_by(PlaybookVersion.version.desc()).limit(1))
    if own is not None:
        template = parse_template(own.source, file=f"{own.code} v{own.version}")
        return ChosenTemplate(template, own.version, org_id, own.source)
    if org_version is not None:
        raise Invalid(
            "org_version",
            "your organisation has not published version %(version)s",
            version=org_version,
        )
    shipped = shipped_templates().get(code)
    if shipped is None:
        raise Invalid("template_code", "no playbook has the code '%(code)s'", code=code)
    return ChosenTemplate(shipped[0], shipped[0].version, None, shipped[1])


def suggestions(
    *, session: Session, org_id: int, incident_type: str, site_type: str | None, severity: str
) -> list[TemplateSummary]:
    """Playbooks for this incident, best first, then the others (a coordinator may know better)."""
    choices = available(session=session, org_id=org_id)
    ranked = suggest(
        [c.template for c in choices],
        incident_type=incident_type,
        site_type=site_type,
        severity=severity,
    )
    by_code = {c.template.code: c for c in choices}
    out = [
        summary(
            by_code[s.code].template,
            by_code[s.code].version,
            by_code[s.code].org_id,
            score=s.score,
            reasons=list(s.reasons),
        )
        for s in ranked
    ]
    seen = {s.code for s in ranked}
    out += [
        summary(c.template, c.version, c.org_id)
        for c in sorted(choices, key=lambda c: text_in(c.template.title))
        if c.template.code not in seen
    ]
    return out


def publish(*, session: Session, principal: Principal, source: str) -> PlaybookVersion:
    """Publish the YAML as the acting organisation's next version of its code (coordinators)."""
    org_id = acting_org(principal, Role.coordinator)
    template = parse_template(source, file="playbook")
    current = session.scalar(
        select(func.max(PlaybookVersion.version)).where(
            PlaybookVersion.org_id == org_id, PlaybookVersion.code == template.code
        )
    )
    shipped = shipped_templates().get(template.code)
    version = PlaybookVersion(
        org_id=org_id,
        code=template.code,
        version=(current or 0) + 1,
        title=text_in(template.title),
        source=source,
        based_on=f"{template.code} v{shipped[0].version}" if shipped else "",
        published_by=principal.person_id,
    )
    session.add(version)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "Someone published this playbook at the same moment; publish again."
        ) from exc
    audit.log_action(
        session,
        principal,
        "playbook.publish",
        target_type="playbook_versions",
        target_id=version.id,
        org_id=org_id,
        detail={"code": template.code, "version": version.version},
    )
    return version


def template_text(*, session: Session, principal: Principal, code: str) -> str:
    """The YAML to start editing from: the organisation's latest version, else the shipped one."""
    org_id = acting_org(principal, Role.coordinator)
    for choice in available(session=session, org_id=org_id):
        if choice.template.code == code:
            return choice.text
    raise NotFound("No playbook has this code.")
