"""The words of a running playbook in the reader's language.

An activation keeps the template's YAML as it was started (`Activation.template_text`), every
language in it; its tasks and criteria keep the English in their own columns, which the
timeline, exports and e-mail subjects quote and which older activations (from before
templates had languages) hold alone. A reader's language is looked up in the snapshot by the
task's or criterion's code, which never changes with the language; a code the snapshot lacks,
or a snapshot that no longer loads, shows the stored English, marked as a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import yaml
from pydantic import ValidationError

from vigil.core.localised import DATA_FALLBACK, Shown, pick
from vigil.playbooks.templates import PlaybookTemplate, by_language

# libyaml when present: a room's first render after a change must stay well under a second.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=64)
def _snapshot(text: str) -> PlaybookTemplate | None:
    """The activation's template, parsed once per process (live rooms read it on every render);
    it was validated when published, so no line numbers are needed for its errors."""
    try:
        return PlaybookTemplate.model_validate(yaml.load(text, Loader=_LOADER))  # noqa: S506
    except (yaml.YAMLError, ValidationError):
        return None


def _english(text: str, locale: str) -> Shown:
    return Shown(text, DATA_FALLBACK, locale.split("_")[0] != DATA_FALLBACK)


@dataclass(frozen=True)
class TaskWords:
    title: Shown
    guidance: Shown
    checklist: list[Shown]
    # Procedure cards the task links to (codes; the room shows their titles).
    cards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Wording:
    """The texts of one activation for one locale; `task`/`criterion` take the stored row's
    English as the fallback."""

    locale: str
    title: Shown
    tasks: dict[str, TaskWords] = field(default_factory=dict)
    criteria: dict[str, Shown] = field(default_factory=dict)

    def task(self, code: str, title: str, guidance: str, checklist: list[str]) -> TaskWords:
        found = self.tasks.get(code)
        if found is not None:
            return found
        return TaskWords(
            _english(title, self.locale),
            _english(guidance, self.locale),
            [_english(line, self.locale) for line in checklist],
        )

    def criterion(self, code: str, text: str) -> Shown:
        return self.criteria.get(code) or _english(text, self.locale)


def titles_of(template_text: str, stored_title: str) -> dict[str, str]:
    """An activation's title in each language its snapshot has (the stored English if none)."""
    template = _snapshot(template_text)
    return by_language(template.title) if template else {DATA_FALLBACK: stored_title}


def wording(template_text: str, stored_title: str, locale: str) -> Wording:
    """The texts of an activation (its template snapshot and stored title) in `locale`."""
    template = _snapshot(template_text)
    if template is None:
        return Wording(locale, _english(stored_title, locale))
    return Wording(
        locale,
        pick(template.title, locale),
        {
            t.code: TaskWords(
                pick(t.title, locale),
                pick(t.guidance, locale),
                [pick(line, locale) for line in t.checklist],
                tuple(t.cards),
            )
            for t in template.tasks
        },
        {c.code: pick(c.text, locale) for c in template.reopening_criteria},
    )
