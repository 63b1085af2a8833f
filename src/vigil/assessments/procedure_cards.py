"""Procedure guidance cards: what to do, in a few steps, for the procedures every site should
have (an unattended item, a bomb threat call, evacuation, invacuation and lockdown, run-hide-
tell), short enough to read on a phone in the moment.

They are data like the methodologies (one YAML file per card in `guidance/`, in the languages
the file declares, validated with errors naming file, line and key), and the assessments domain
owns them because the questions asking whether a procedure exists link to them
(`Question.guidance`); the playbooks, a domain above this one, link their tasks to the same
cards (`TaskTemplate.cards`). A reference to a card that does not exist is an error at the key
that names it, in a methodology as in a playbook.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from vigil.assessments.parameters import ShortText, Strict, Text
from vigil.core.datafile import DataFileError, Problem, invalid_at, load_model, parse_model
from vigil.core.localised import DATA_FALLBACK, languages_of

CARDS_DIR = Path(__file__).parent / "guidance"

CardCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,62}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(_[A-Z]{2})?$")]


class ProcedureCard(Strict):
    code: CardCode
    # Every text below is written in each of these languages; English first.
    languages: list[Language] = Field(min_length=1)
    title: ShortText
    summary: Text
    steps: list[Text] = Field(min_length=2, max_length=12)

    @model_validator(mode="after")
    def _every_language(self) -> ProcedureCard:
        """A shipped card is read in the moment: a step in the wrong language is a bug."""
        if DATA_FALLBACK not in self.languages:
            raise invalid_at(("languages",), "the languages must include English ('en')")
        texts: list[tuple[tuple[str | int, ...], str | dict[str, str]]]
        texts = [(("title",), self.title), (("summary",), self.summary)]
        texts += [(("steps", i), step) for i, step in enumerate(self.steps)]
        for loc, value in texts:
            missing = [code for code in self.languages if code not in languages_of(value)]
            if missing:
                raise invalid_at(loc, f"the '{missing[0]}' text is missing", value)
        return self


def parse_card(text: str, *, file: str) -> ProcedureCard:
    return parse_model(text, ProcedureCard, file=file)


def load_card(path: Path) -> ProcedureCard:
    """One card file; its code must be its file name, the id questions and playbooks use."""
    card = load_model(path, ProcedureCard)
    if card.code != path.stem:
        reason = f"the code must be the file name '{path.stem}'"
        raise DataFileError(str(path), [Problem(0, "code", reason)])
    return card


@cache
def shipped_cards() -> dict[str, ProcedureCard]:
    """The cards shipped with Vigil, by code, in file order (parsed once per process)."""
    return {card.code: card for card in map(load_card, sorted(CARDS_DIR.glob("*.yaml")))}


def card(code: str) -> ProcedureCard | None:
    return shipped_cards().get(code)


def card_title(code: str) -> str | dict[str, str]:
    """A card's title, every language, for a link (the code if the card is gone); a page picks
    the reader's language with `pick`."""
    found = card(code)
    return found.title if found is not None else code


def _known_card(code: str) -> str:
    if code not in shipped_cards():
        known = ", ".join(shipped_cards())
        raise ValueError(f"unknown guidance card '{code}' (one of {known})")
    return code


# A reference to a card from another data file (a question, a playbook task).
CardRef = Annotated[str, AfterValidator(_known_card)]
