"""How relevant an article is to the security of a community, which incident type it reads as,
and whether it reads as an antisemitic incident, scored from per-language lexicons with the
reasons shown (which terms, found where).

Lexicons are YAML data in `lexicons/<language>.yaml`, terms written as a person would and matched
through their lemmas. A language without its own lexicon is scored with the English one, and the
result says so (`fallback`).

The IHRA working definition's caveat holds: criticism of Israel like that levelled at any other
country is not antisemitic. "Israel", "government" or "policy" are therefore never evidence of an
antisemitic incident; an antisemitic reading needs an incident (an act against people or
property) touching Jewish people or institutions, or an IHRA indicator's own words, and is
withheld when the article reads as sport, history or politics.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from vigil.monitoring.entities import Mention
from vigil.monitoring.text import Phrases, Prepared, phrase_forms, prepare

TITLE_FACTOR = 1.5
SCALE = 5.0  # raw evidence giving a score of 1 - 1/e
MIN_TYPE_WEIGHT = 1.5  # below it, the type is "other"
ANTISEMITIC_JEWISH = 2.0  # evidence of Jewish people or institutions involved
ANTISEMITIC_TYPE = 2.0  # evidence of an incident
ANTISEMITIC_IHRA = 3.0  # an indicator's own words (Holocaust denial...) suffice alone
EXPLICIT_WEIGHT = 3.0
# Hate-incident types (DOMAIN.md); the others are security events that are not by themselves
# hate incidents: a suspicious bag by a synagogue is not an antisemitic incident until more is
# known.
HATE_TYPES = frozenset(
    {"extreme_violence", "assault", "damage", "threat", "abusive_behaviour", "literature"}
)
CONTEXT_VETO = -3.0  # sport, history or politics outweigh a reading as an incident
MENTION_WEIGHTS = {"site": 2.0, "place": 0.5, "organisation": 0.3}
# A word that is a year before 1990, found in the words joined by spaces (one search, not one
# per word; words hold no space).
HISTORIC_YEAR = re.compile(r"(?<!\S)(1[0-9]{3}|19[0-8][0-9])(?!\S)")
HISTORIC_YEAR_WEIGHT = -1.0
_LOADING = threading.Lock()


@dataclass
class Reason:
    term: str
    where: str  # "title" | "text"
    weight: float
    # "type:damage", "jewish", "antisemitism", "ihra.4", "target:property", "threat",
    # "context:sport", "mention:site"
    label: str


@dataclass
class Relevance:
    score: float  # 0..1
    incident_type: str  # an IncidentType code, "other" when no type's terms were found
    antisemitic: bool
    reasons: list[Reason]
    target_kind: str = ""
    ihra: list[str] = field(default_factory=list)
    fallback: bool = False  # scored with the English lexicon


@dataclass(frozen=True)
class _Term:
    term: str
    label: str
    weight: float


def _available() -> set[str]:
    folder = resources.files("vigil.monitoring").joinpath("lexicons")
    return {
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


@functools.cache
def _lexicon(language: str) -> Phrases:
    text = (
        resources.files("vigil.monitoring")
        .joinpath("lexicons", f"{language}.yaml")
        .read_text("utf-8")
    )
    data: dict[str, Any] = yaml.safe_load(text)
    phrases = Phrases()

    def add(terms: dict[str, float], label: str) -> None:
        for term, weight in terms.items():
            phrases.add(phrase_forms(term, language), _Term(term, label, float(weight)))

    for code, terms in data.get("types", {}).items():
        add(terms, f"type:{code}")
    for code, terms in data.get("ihra", {}).items():
        add(terms, code)
    for code, terms in data.get("target_kinds", {}).items():
        add(terms, f"target:{code}")
    for code, terms in data.get("context", {}).items():
        add(terms, f"context:{code}")
    jewish = data.get("jewish", {})
    # Terms that name antisemitism itself ("antisemitic", "anti-Jewish") weigh 3 or more.
    add({t: w for t, w in jewish.items() if w < EXPLICIT_WEIGHT}, "jewish")
    add({t: w for t, w in jewish.items() if w >= EXPLICIT_WEIGHT}, "antisemitism")
    add(data.get("threat", {}), "threat")
    return phrases.build()


def lexicon_for(language: str) -> tuple[Phrases, bool]:
    """The language's lexicon, or the English one and True when it has none."""
    with _LOADING:
        available = _languages()
        used = language if language in available else "en"
        return _lexicon(used), used != language


@functools.cache
def _languages() -> frozenset[str]:
    return frozenset(_available())


def score(*, title: str, text: str, language: str, mentions: Sequence[Mention] = ()) -> Relevance:
    """The article's relevance with its reasons (see the module's docstring)."""
    return score_prepared(prepare(title, text, language), language, mentions)


def score_prepared(
    prepared: Prepared, language: str, mentions: Sequence[Mention] = ()
) -> Relevance:
    phrases, fallback = lexicon_for(language)
    # One reason per place and label (the strongest term there), then one per term and label.
    at: dict[tuple[int, str], Reason] = {}
    for hit in phrases.hits(prepared):
        term: _Term = hit.value
        where = "title" if hit.word < prepared.title_words else "text"
        weight = term.weight * (TITLE_FACTOR if where == "title" else 1.0)
        found = at.get((hit.word, term.label))
        if found is None or abs(weight) > abs(found.weight):
            at[(hit.word, term.label)] = Reason(term.term, where, weight, term.label)
    best: dict[tuple[str, str], Reason] = {}
    for reason in at.values():
        found = best.get((reason.term, reason.label))
        if found is None or abs(reason.weight) > abs(found.weight):
            best[(reason.term, reason.label)] = reason
    reasons = list(best.values())
    # The folded words are the words with their spaces (digits fold to themselves).
    years = sorted(set(HISTORIC_YEAR.findall(prepared.folded)))
    reasons += [Reason(year, "text", HISTORIC_YEAR_WEIGHT, "context:history") for year in years[:3]]
    kinds_seen: set[str] = set()
    for mention in mentions:
        if mention.kind in MENTION_WEIGHTS and mention.kind not in kinds_seen:
            kinds_seen.add(mention.kind)
            reasons.append(
                Reason(
                    mention.name, "text", MENTION_WEIGHTS[mention.kind], f"mention:{mention.kind}"
                )
            )
    return _judge(reasons, fallback)


def _add(totals: dict[str, float], code: str, weight: float) -> None:
    totals[code] = totals.get(code, 0.0) + weight


def _judge(reasons: list[Reason], fallback: bool) -> Relevance:
    types: dict[str, float] = {}
    targets: dict[str, float] = {}
    ihra: dict[str, float] = {}
    explicit = jewish = threat = mentions = context = 0.0
    # One pass over the reasons, in their order (so the sums are the same floats as summing
    # each label's reasons on its own): this runs for every article.
    for reason in reasons:
        label, weight = reason.label, reason.weight
        kind, _, code = label.partition(":")
        if kind == "type":
            _add(types, code, weight)
        elif kind == "target":
            _add(targets, code, weight)
        elif kind == "mention":
            mentions += weight
        elif kind == "context":
            context += weight
        elif label.startswith("ihra."):
            _add(ihra, label.removeprefix("ihra."), weight)
        elif label == "antisemitism":
            explicit += weight
        elif label == "jewish":
            jewish += weight
        elif label == "threat":
            threat += weight
    jewish += explicit
    top_type, top_weight = max(types.items(), key=lambda item: item[1], default=("other", 0.0))
    ihra_weight = sum(ihra.values())
    # Jewish people, places and the organisation's sites make an incident more relevant, but
    # alone (a festival, a restoration) they are no security event.
    incident = top_weight + 0.5 * (sum(types.values()) - top_weight) + threat + ihra_weight
    raw = incident + (0.5 * jewish + mentions if incident > 0 else 0.0) + context
    hate = max((weight for code, weight in types.items() if code in HATE_TYPES), default=0.0)
    antisemitic = context > CONTEXT_VETO and (
        (jewish >= ANTISEMITIC_JEWISH and hate >= ANTISEMITIC_TYPE)
        or (explicit >= EXPLICIT_WEIGHT and incident >= ANTISEMITIC_TYPE)
        or ihra_weight >= ANTISEMITIC_IHRA
    )
    reasons.sort(key=lambda reason: -abs(reason.weight))
    return Relevance(
        score=round(1.0 - math.exp(-max(raw, 0.0) / SCALE), 4),
        incident_type=top_type if top_weight >= MIN_TYPE_WEIGHT else "other",
        antisemitic=antisemitic,
        reasons=reasons,
        target_kind=max(targets.items(), key=lambda item: item[1], default=("", 0.0))[0],
        ihra=sorted(f"ihra.{code}" for code, weight in ihra.items() if weight > 0),
        fallback=fallback,
    )
