"""What a re-assessment carries forward from the assessment before it, and what it marks.

Nothing of this is stored: the marks are computed by comparing an assessment's methodology
version with that of the site's assessment before it (the newest older one of the same
methodology code and owner), and by when each answer was given.

- A question is *the same* when its id, kind, scale and English text are all unchanged: its
  answer is carried forward. Its help, its own wording of the answer levels, its weight and its
  measures may differ: they explain or score the question; they do not change what is asked.
- A question with the same id, kind and scale but other English text is *changed*: its old
  answer is carried too (pre-filled), but marked "check your answer" until someone saves an
  answer to it again; the assessment cannot be completed before that.
- Any other question (a new id, or another kind or scale, where the old answer does not fit) is
  *new*: nothing is carried.

A copied answer keeps who gave it and when, so an answer given before its assessment started
is a carried one; saving it again (the same value or another) makes it this assessment's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.assessments import versions
from vigil.assessments.methodology import Methodology
from vigil.assessments.models import Assessment, AssessmentAnswer, MethodologyVersion
from vigil.assessments.parameters import english
from vigil.sites import directory as sites_directory

SAME, CHANGED, NEW = "same", "changed", "new"
CARRIED = "carried"  # a same question whose answer came forward and has not been saved again


def question_changes(old: Methodology, new: Methodology) -> dict[str, str]:
    """Each question of `new` compared with `old`: SAME, CHANGED or NEW (see the module)."""
    before = {q.id: q for q in old.questions()}
    found = {}
    for q in new.questions():
        was = before.get(q.id)
        if was is None or was.kind != q.kind or was.scale != q.scale:
            found[q.id] = NEW
        elif english(was.text) != english(q.text):
            found[q.id] = CHANGED
        else:
            found[q.id] = SAME
    return found


def removed_questions(old: Methodology, new: Methodology) -> list[str]:
    kept = {q.id for q in new.questions()}
    return [q.id for q in old.questions() if q.id not in kept]


def previous_of(session: Session, assessment: Assessment) -> Assessment | None:
    """The site's assessment before this one of the same methodology (code and owner)."""
    version = session.get(MethodologyVersion, assessment.methodology_version_id)
    assert version is not None  # noqa: S101 - a foreign key keeps it
    same_owner = (
        MethodologyVersion.owner_org_id.is_(None)
        if version.owner_org_id is None
        else MethodologyVersion.owner_org_id == version.owner_org_id
    )
    stmt = (
        select(Assessment)
        .join(MethodologyVersion, MethodologyVersion.id == Assessment.methodology_version_id)
        .where(
            Assessment.site_id == assessment.site_id,
            Assessment.id < assessment.id,
            MethodologyVersion.code == version.code,
            same_owner,
        )
        .order_by(Assessment.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def is_carried(assessment: Assessment, answer: AssessmentAnswer) -> bool:
    """Whether an answer came forward from an earlier assessment and was not saved again."""
    return answer.answered_at < assessment.created_at


@dataclass(frozen=True)
class Marks:
    """An assessment's questions compared with the assessment before it."""

    previous_id: int | None = None
    previous_version: int | None = None
    # Question id -> NEW, CHANGED or CARRIED, for the questions that have a mark.
    marks: dict[str, str] = field(default_factory=dict)
    # New questions without an answer, changed ones not answered again: what needs someone.
    needs: list[str] = field(default_factory=list)
    removed: int = 0

    def count(self, mark: str) -> int:
        return sum(1 for m in self.marks.values() if m == mark)

    @property
    def carried(self) -> list[str]:
        return [qid for qid, mark in self.marks.items() if mark == CARRIED]

    @property
    def unchecked(self) -> list[str]:
        """Changed questions whose carried answer nobody has saved again."""
        return [qid for qid in self.needs if self.marks.get(qid) == CHANGED]


def marks_of(
    session: Session,
    assessment: Assessment,
    methodology: Methodology,
    answers: dict[str, AssessmentAnswer],
    applicable: list[str],
) -> Marks:
    """The marks of `applicable` questions of an assessment (NEW, CHANGED, CARRIED), or none
    when the site has no earlier assessment of this methodology."""
    previous = previous_of(session, assessment)
    if previous is None:
        return Marks()
    old_version = session.get(MethodologyVersion, previous.methodology_version_id)
    assert old_version is not None  # noqa: S101 - a foreign key keeps it
    old = versions.methodology_of(old_version)
    changes = question_changes(old, methodology)
    marks: dict[str, str] = {}
    needs: list[str] = []
    for qid in applicable:
        change = changes[qid]
        answer = answers.get(qid)
        carried = answer is not None and is_carried(assessment, answer)
        if change == SAME:
            if carried:
                marks[qid] = CARRIED
            continue
        marks[qid] = change
        if answer is None or (change == CHANGED and carried):
            needs.append(qid)
    return Marks(
        previous_id=previous.id,
        previous_version=old_version.version,
        marks=marks,
        needs=needs,
        removed=len(removed_questions(old, methodology)),
    )


def assessment_marks(session: Session, assessment: Assessment) -> Marks:
    """`marks_of` for an assessment alone: its methodology, answers and site looked up."""
    version = session.get(MethodologyVersion, assessment.methodology_version_id)
    site = sites_directory.find_site(session=session, site_id=assessment.site_id)
    assert version is not None and site is not None  # noqa: S101 - foreign keys keep them
    methodology = versions.methodology_of(version)
    rows = session.scalars(
        select(AssessmentAnswer).where(AssessmentAnswer.assessment_id == assessment.id)
    )
    answers = {row.question_id: row for row in rows}
    applicable = [q.id for s in methodology.applicable_sections(site.type) for q in s.questions]
    return marks_of(session, assessment, methodology, answers, applicable)
