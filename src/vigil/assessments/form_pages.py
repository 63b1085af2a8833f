"""The assessment form, a section at a time, made for a phone: each question a fieldset of
radio buttons (or a number), saved the moment it is answered (htmx posts the one question and
gets a small "saved" back), so a closed tab loses nothing (DECISIONS 19). Without JavaScript
the section's button saves every answer on it and opens the next section.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from vigil.assessments import service
from vigil.assessments.methodology import Question
from vigil.assessments.result_view import Loaded, load, marks_of, progress
from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError, Invalid, NotFound
from vigil.core.forms import FormDataDep
from vigil.core.pages import SignedInDep, Viewer, page_router, redirect, render, tr, undo

router = page_router()

MAX_NOTE_CHARS = 2000
ANSWER = "answer-"
NOTE = "note-"


def answer_from_form(raw: FormData, question: Question) -> str | None:
    """The answer a form gives to a question, None when it gives none.

    A number question has a number box and a "not applicable" box under one name.
    """
    values = [v.strip() for v in raw.getlist(ANSWER + question.id) if isinstance(v, str)]
    values = [v for v in values if v]
    if "na" in values:
        return "na"
    return values[0] if values else None


def note_from_form(raw: FormData, question: Question) -> str | None:
    value = raw.get(NOTE + question.id)
    if not isinstance(value, str):
        return None
    return value.strip()[:MAX_NOTE_CHARS]


def _section_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    loaded: Loaded,
    code: str,
    *,
    shown: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
    error: DomainError | None = None,
    only_needs: bool = False,
) -> Response:
    section = loaded.section(code)
    if section is None:
        raise NotFound("This assessment has no such section.")
    codes = [s.code for s in loaded.sections]
    at = codes.index(code)
    saved = {qid: row.value for qid, row in loaded.answers.items()}
    saved_notes = {qid: row.note for qid, row in loaded.answers.items()}
    marks = marks_of(session, loaded)
    numbered = list(enumerate(section.questions, start=1))
    needs_here = [q.id for q in section.questions if q.id in marks.needs]
    context: dict[str, Any] = {
        "loaded": loaded,
        "a": loaded.assessment,
        "site": loaded.site,
        "site_shown": loaded.site_shown,
        "methodology": loaded.methodology,
        "section": section,
        # With the filter on, only the questions that need someone (new, or reworded).
        "questions": [(n, q) for n, q in numbered if not only_needs or q.id in needs_here],
        "marks": marks,
        "needs_here": needs_here,
        "only_needs": only_needs,
        "position": at + 1,
        "count": len(codes),
        "previous": codes[at - 1] if at > 0 else None,
        "next": codes[at + 1] if at + 1 < len(codes) else None,
        "progress": progress(loaded),
        "values": saved | (shown or {}),
        "notes": saved_notes | (notes or {}),
        "editable": loaded.editable_by(viewer.principal),
        "scales": loaded.methodology.scoring.number_scales,
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "assessments/section.html", context, status_code=status)


@router.get("/assessments/{assessment_id:int}/sections/{code}")
def section_page(
    request: Request,
    assessment_id: int,
    code: str,
    session: SessionDep,
    viewer: SignedInDep,
    needs: Annotated[bool, Query(description="only the questions that need you")] = False,
) -> Response:
    """One section of the form: its questions with the answers saved so far, each marked new,
    changed or carried forward when the assessment re-assesses an earlier one."""
    loaded = load(session, viewer.principal, assessment_id)
    return _section_page(request, session, viewer, loaded, code, only_needs=needs)


@router.post("/assessments/{assessment_id:int}/sections/{code}")
def save_section(
    request: Request,
    assessment_id: int,
    code: str,
    session: SessionDep,
    viewer: SignedInDep,
    raw: FormDataDep,
) -> Response:
    """Save every answer of the section (all or none) and open the next section."""
    loaded = load(session, viewer.principal, assessment_id)
    section = loaded.section(code)
    if section is None:
        raise NotFound("This assessment has no such section.")
    answers: dict[str, str] = {}
    notes: dict[str, str] = {}
    for q in section.questions:
        answer = answer_from_form(raw, q)
        note = note_from_form(raw, q)
        if answer is not None:
            answers[q.id] = answer
            if note is not None:
                notes[q.id] = note
    try:
        if answers:
            service.save_answers(
                session=session,
                principal=viewer.principal,
                assessment_id=assessment_id,
                answers=answers,
                notes=notes,
            )
    except DomainError as exc:
        undo(session, exc)
        return _section_page(
            request, session, viewer, loaded, code, shown=answers, notes=notes, error=exc
        )
    codes = [s.code for s in loaded.sections]
    at = codes.index(code)
    target = (
        f"/assessments/{assessment_id}/sections/{codes[at + 1]}"
        if at + 1 < len(codes)
        else f"/assessments/{assessment_id}"
    )
    return redirect(target, request, tr(request, "The section is saved."))


@router.post("/assessments/{assessment_id:int}/answers/{question_id}")
def save_answer(
    request: Request,
    assessment_id: int,
    question_id: str,
    session: SessionDep,
    viewer: SignedInDep,
    raw: FormDataDep,
) -> Response:
    """Save one answer as it is given (htmx); answers with a small "saved" or the error."""
    loaded = load(session, viewer.principal, assessment_id)
    try:
        question = loaded.methodology.question(question_id)
    except KeyError:
        raise NotFound("This assessment has no such question.") from None
    answer = answer_from_form(raw, question)
    note = note_from_form(raw, question)
    context: dict[str, Any] = {"question": question, "error": None, "saved": False}
    # A marked question loses its mark once answered here (the page replaces it, htmx oob).
    marks = marks_of(session, loaded)
    context["was_marked"] = question.id in marks.needs or question.id in marks.carried
    try:
        if answer is None:
            reason = tr(request, "Choose an answer first; then the note is kept.")
            raise Invalid(question.id, reason)
        service.save_answers(
            session=session,
            principal=viewer.principal,
            assessment_id=assessment_id,
            answers={question.id: answer},
            notes={question.id: note} if note is not None else None,
        )
        context["saved"] = True
    except DomainError as exc:
        undo(session, exc)
        context["error"] = exc
        return render(request, "assessments/_saved.html", context, status_code=exc.status)
    return render(request, "assessments/_saved.html", context)
