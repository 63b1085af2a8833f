"""Re-assessing a site (issue 21, versions), at the service: a new assessment against the
newest version of the same methodology, answers carried forward where the question is the
same, reworded ones to be checked, new ones marked; refusals; the shipped methodology's stored
version 2 re-assessed against the file of today. Each test is rolled back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.assessments.factories import answer_all, member, operator_with_site, shipped
from tests.assessments.small import SMALL
from tests.orgs.factories import make_org
from vigil.assessments import reassess, service, versions
from vigil.assessments.models import MethodologyVersion
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role
from vigil.sites.models import Site

# Version 2 of the small methodology: g1 reworded, g3 added, p1 dropped, g2 and p2 the same
# (their help and weight changed, which does not change what is asked).
SMALL_2 = (
    SMALL.replace("Is there a security plan?", "Is there a written security plan?")
    .replace(
        "      - id: p1\n        text: Are there vehicle barriers?\n        kind: yes_no\n"
        "        weight: 1\n        measures: [m.barriers]\n",
        "",
    )
    .replace(
        "      - id: g2\n        text: How well are roles shared?\n        kind: maturity\n"
        "        weight: 1\n        measures: [m.roles]\n",
        "      - id: g2\n        text: How well are roles shared?\n        help: Who does what.\n"
        "        kind: maturity\n        weight: 2\n        measures: [m.roles]\n"
        "      - id: g3\n        text: Is the plan rehearsed?\n        kind: yes_no\n"
        "        weight: 1\n        measures: [m.plan]\n",
    )
)
V2_FILE = Path(__file__).resolve().parents[1] / "data" / "assessments" / "places_of_worship_v2.yaml"


def publish(session: Session, principal: Principal, text: str) -> MethodologyVersion:
    return versions.publish_version(session=session, principal=principal, yaml_text=text)


def answered(
    session: Session, principal: Principal, site: Site, version: MethodologyVersion
) -> int:
    """An assessment of the small methodology, completed."""
    a = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=version.id
    )
    service.save_answers(
        session=session,
        principal=principal,
        assessment_id=a.id,
        answers={"g1": "yes", "g2": 3, "p1": "no", "p2": 8},
        notes={"g2": "the rota is on the noticeboard"},
    )
    service.complete_assessment(session=session, principal=principal, assessment_id=a.id)
    return a.id


def test_reassess_carries_the_same_marks_the_changed_and_the_new(
    session: Session, settings: Settings
) -> None:
    org, lead, site = operator_with_site(session, settings)
    reporter = member(session, settings, org, Role.reporter)
    first = publish(session, lead, SMALL)
    old_id = answered(session, reporter, site, first)
    second = publish(session, lead, SMALL_2)
    assert second.version == first.version + 1

    new = reassess.reassess_site(session=session, principal=reporter, site_id=site.id)

    assert new.methodology_version_id == second.id and new.id != old_id
    assert new.status == "in_progress"
    answers = service.answers_of(session, new.id)
    old_answers = service.answers_of(session, old_id)
    assert {qid: a.value for qid, a in answers.items()} == {"g1": "yes", "g2": "3", "p2": "8.0"}
    assert answers["g2"].note == "the rota is on the noticeboard"
    assert answers["g2"].answered_at == old_answers["g2"].answered_at
    changes = reassess.changes(session=session, principal=reporter, assessment_id=new.id)
    assert (changes.new, changes.changed, changes.carried, changes.removed) == (1, 1, 2, 1)
    assert changes.previous_id == old_id and changes.previous_version == first.version
    marks = {m.question_id: (m.mark, m.needs_you) for m in changes.questions}
    assert marks == {
        "g1": ("changed", True),
        "g3": ("new", True),
        "g2": ("carried", False),
        "p2": ("carried", False),
    }
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.reassess"))
    assert entry is not None and entry.target_id == str(new.id)
    detail = json.loads(entry.detail)
    assert {"previous_id": old_id, "carried": 2, "changed": 1, "new": 1}.items() <= detail.items()

    # The new question answered, the reworded one still carries its old answer: not yet.
    service.save_answers(
        session=session, principal=reporter, assessment_id=new.id, answers={"g3": "no"}
    )
    with pytest.raises(Invalid, match=r"1 reworded question\(s\) still carry .*: g1"):
        service.complete_assessment(session=session, principal=reporter, assessment_id=new.id)
    # Saving it again, even unchanged, is the check; a carried answer saved again is its own.
    service.save_answers(
        session=session, principal=reporter, assessment_id=new.id, answers={"g1": "yes", "g2": 2}
    )
    changes = reassess.changes(session=session, principal=reporter, assessment_id=new.id)
    assert changes.needs_you == 0 and changes.carried == 1
    service.complete_assessment(session=session, principal=reporter, assessment_id=new.id)
    assert new.status == "completed"
    # The old assessment is untouched: it keeps its version and its answers.
    old = service.get_assessment(session=session, principal=reporter, assessment_id=old_id)
    assert old.methodology_version_id == first.id
    assert set(service.answers_of(session, old_id)) == {"g1", "g2", "p1", "p2"}


def test_reassess_refusals(session: Session, settings: Settings) -> None:
    org, lead, site = operator_with_site(session, settings)
    with pytest.raises(Conflict, match="no assessment yet"):
        reassess.reassess_site(session=session, principal=lead, site_id=site.id)
    first = publish(session, lead, SMALL)
    old_id = answered(session, lead, site, first)
    outsider = member(session, settings, make_org(session), Role.org_admin)
    with pytest.raises(NotFound):
        reassess.reassess_site(session=session, principal=outsider, site_id=site.id)
    with pytest.raises(NotFound):
        reassess.changes(session=session, principal=outsider, assessment_id=old_id)
    viewer = member(session, settings, org, Role.viewer)
    with pytest.raises(Forbidden):
        reassess.reassess_site(session=session, principal=viewer, site_id=site.id)

    # Against the same version (nothing newer): every answer comes forward, nothing is new.
    again = reassess.reassess_site(session=session, principal=lead, site_id=site.id)
    assert again.methodology_version_id == first.id
    changes = reassess.changes(session=session, principal=lead, assessment_id=again.id)
    assert (changes.carried, changes.new, changes.changed, changes.needs_you) == (4, 0, 0, 0)
    with pytest.raises(Conflict, match=f"already open: continue it at /assessments/{again.id}"):
        reassess.reassess_site(session=session, principal=lead, site_id=site.id)

    # A newer version published: the open draft (of the older version) is the latest and is
    # re-assessed, completed or not; a withdrawn newest version is passed over.
    second = publish(session, lead, SMALL_2)
    third = publish(session, lead, SMALL_2.replace("Small test", "Small test, withdrawn"))
    versions.withdraw_version(session=session, principal=lead, version_id=third.id)
    newer = reassess.reassess_site(session=session, principal=lead, site_id=site.id)
    assert newer.methodology_version_id == second.id
    assert set(service.answers_of(session, newer.id)) == {"g1", "g2", "p2"}


def test_shipped_version_2_reassessed_against_todays_file(
    session: Session, settings: Settings
) -> None:
    """The stored version 2 of places_of_worship (as shipped before issue 21) re-assessed:
    the newest shipped version is taken, and exactly the questions with the same id, kind,
    scale and English text carry their answers."""
    _, principal, site = operator_with_site(session, settings)
    today = shipped(session)
    old_version = session.scalar(
        select(MethodologyVersion).where(
            MethodologyVersion.owner_org_id.is_(None),
            MethodologyVersion.code == "places_of_worship",
            MethodologyVersion.version == 2,
        )
    )
    if old_version is None:  # the file has a newer version now: store version 2 as it was
        text = V2_FILE.read_text(encoding="utf-8")
        old_version = MethodologyVersion(
            code="places_of_worship", version=2, title="Places of worship", yaml_text=text
        )
        session.add(old_version)
        session.flush()
    old = versions.methodology_of(old_version)
    a = service.start_assessment(
        session=session, principal=principal, site_id=site.id, version_id=old_version.id
    )
    given = answer_all(old, site.type, "weak")
    service.save_answers(session=session, principal=principal, assessment_id=a.id, answers=given)
    service.complete_assessment(session=session, principal=principal, assessment_id=a.id)

    new = reassess.reassess_site(session=session, principal=principal, site_id=site.id)

    assert new.methodology_version_id == today.id
    current = versions.methodology_of(today)
    before = {q.id: q for q in old.questions()}
    kinds = {}
    for q in current.questions():
        was = before.get(q.id)
        if was is None or (was.kind, was.scale) != (q.kind, q.scale):
            kinds[q.id] = "new"
        else:
            english = [w if isinstance(w, str) else w["en"] for w in (was.text, q.text)]
            kinds[q.id] = "same" if english[0] == english[1] else "changed"
    carried = service.answers_of(session, new.id)
    assert set(carried) == {q for q, kind in kinds.items() if kind != "new" and q in given}
    assert all(carried[qid].value == str(given[qid]) for qid in carried)
    changes = reassess.changes(session=session, principal=principal, assessment_id=new.id)
    applicable = service.applicable_questions(current, site.type)
    count = {k: sum(1 for q in applicable if kinds[q] == k) for k in ("new", "changed")}
    assert changes.carried == sum(1 for q in applicable if kinds[q] == "same" and q in given)
    assert (changes.new, changes.changed) == (count["new"], count["changed"])
    assert changes.removed == len(set(before) - set(kinds))
