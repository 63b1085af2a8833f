"""STAND-IN for mon-text's module (replaced when its branch is merged): one article's language,
near-duplicate signature, mentions, facts and relevance."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vigil.monitoring.entities import EntityMatcher, Mention
from vigil.monitoring.language import identify_language
from vigil.monitoring.stories import signature_of
from vigil.monitoring.text import lemma_of, tokens

# lemma -> (weight, incident type, antisemitic)
_LEXICON = {
    "attack": (0.35, "assault", False),
    "arson": (0.5, "extreme_violence", False),
    "threat": (0.3, "threat", False),
    "threaten": (0.3, "threat", False),
    "graffiti": (0.3, "damage", False),
    "swastika": (0.4, "damage", True),
    "synagogue": (0.25, "", True),
    "antisemitic": (0.35, "", True),
    "jewish": (0.2, "", True),
    "bomb": (0.4, "threat", False),
}


@dataclass(frozen=True)
class Reason:
    term: str
    where: str  # "title" | "text"
    weight: float
    label: str


@dataclass(frozen=True)
class Relevance:
    score: float
    incident_type: str
    antisemitic: bool
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class Analysis:
    language: str
    confidence: float
    signature: bytes
    mentions: list[Mention]
    facts: frozenset[str]
    relevance: Relevance


def analyse(*, title: str, text: str, language_hint: str = "", matcher: EntityMatcher) -> Analysis:
    language, confidence = identify_language(f"{title}\n{text}")
    language = language or language_hint or "en"
    mentions = matcher.find(f"{title}\n{text}", language=language)
    facts = frozenset(m.key for m in mentions) | frozenset(re.findall(r"\b\d+\b", text))
    reasons: list[Reason] = []
    seen: set[str] = set()
    n_title = len(tokens(title))
    for index, word in enumerate(tokens(title) + tokens(text)):
        lemma = lemma_of(word, language)
        if lemma in _LEXICON and lemma not in seen:
            seen.add(lemma)
            weight, _kind, _anti = _LEXICON[lemma]
            where = "title" if index < n_title else "text"
            reasons.append(Reason(lemma, where, weight, _kind or "target"))
    score = min(1.0, sum(r.weight for r in reasons))
    types = [_LEXICON[r.term][1] for r in reasons if _LEXICON[r.term][1]]
    antisemitic = any(_LEXICON[r.term][2] for r in reasons) and bool(types)
    relevance = Relevance(
        score if types else score / 3, types[0] if types else "", antisemitic, reasons
    )
    return Analysis(language, confidence, signature_of(text), mentions, facts, relevance)
