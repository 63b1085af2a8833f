"""Which parts of the incident room are open and which are folded to one line, so that the room
on a phone fits a few screens and still shows what matters in the first minutes (issue 19).

The stage being worked on (the first one not finished) is open; a finished stage folds to its
count; a later stage nobody has started folds to its count and its next due time, and opens by
itself once it becomes current. Each fold carries its state (`fold`): the page keeps a fold as a
person left it through the room's live replacements while its state stays the same (room.js),
and shows it as the server says once the state changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vigil.playbooks.schemas import Answer, CriterionRead, RollCallEntryRead, TaskRead, TaskStatus
from vigil.playbooks.templates import Stage

# The timeline shows its newest entries; the rest is behind "Show all".
TIMELINE_SHOWN = 5
# Roll-call answers that need nobody's attention any more.
SETTLED = (Answer.safe, Answer.not_on_site)


@dataclass(frozen=True)
class StageView:
    stage: str
    tasks: list[TaskRead]
    done: int
    fold: str  # finished | current | started | later
    next_due: dt.datetime | None
    late: int

    @property
    def open(self) -> bool:
        return self.fold in ("current", "started")

    @property
    def folds_done(self) -> bool:
        """A stage still worked on folds its done tasks under the rest; a finished one, opened,
        lists them all."""
        return self.fold != "finished" and self.done > 0

    @property
    def in_view(self) -> list[TaskRead]:
        if not self.folds_done:
            return self.tasks
        return [t for t in self.tasks if t.status != TaskStatus.done]

    @property
    def folded_done(self) -> list[TaskRead]:
        return [t for t in self.tasks if t.status == TaskStatus.done] if self.folds_done else []


def stage_views(tasks: list[TaskRead]) -> list[StageView]:
    """The playbook's stages in order, each with its tasks and whether it is open."""
    views: list[StageView] = []
    current_seen = False
    for stage in Stage:
        mine = [t for t in tasks if t.stage == stage]
        if not mine:
            continue
        done = sum(t.status == TaskStatus.done for t in mine)
        waiting = [t.due_at for t in mine if t.status != TaskStatus.done]
        if done == len(mine):
            fold = "finished"
        elif not current_seen:
            fold, current_seen = "current", True
        elif any(t.status != TaskStatus.todo for t in mine):
            fold = "started"  # someone is already at it: not hidden
        else:
            fold = "later"
        late = sum(t.overdue for t in mine)
        views.append(StageView(stage.value, mine, done, fold, min(waiting, default=None), late))
    return views


def roll_call_split(
    entries: list[RollCallEntryRead],
) -> tuple[list[RollCallEntryRead], list[RollCallEntryRead]]:
    """Who still needs attention (no answer, needs help), in the roll-call's order, and who is
    settled (safe, or not on site): the room folds the second to their count."""
    settled = [e for e in entries if e.answer in SETTLED]
    return [e for e in entries if e.answer not in SETTLED], settled


def criteria_fold(stages: list[StageView], criteria: list[CriterionRead]) -> str:
    """The reopening criteria matter once the last stage is reached or one of them is met;
    before that they fold to their count."""
    reached = not stages or stages[-1].fold in ("current", "started", "finished")
    return "open" if reached or any(c.met_at for c in criteria) else "later"


def first_open_task(stages: list[StageView]) -> int | None:
    """The task to start with: the current stage's first one not done. Its guidance shows when
    the room is opened; every other task's is one tap away ("What to do")."""
    for view in stages:
        if view.fold == "current":
            return next((t.id for t in view.tasks if t.status != TaskStatus.done), None)
    return None
