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

from vigil.playbooks.schemas import CriterionRead, TaskRead, TaskStatus
from vigil.playbooks.templates import Stage

# The timeline shows its newest entries; the rest is behind "Show all".
TIMELINE_SHOWN = 5


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
