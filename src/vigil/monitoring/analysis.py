"""Everything the monitoring worker learns from one article without a database: its language,
near-duplicate signature, the places, organisations and sites it names, the facts that link it
to reports of the same event in other languages, and its relevance. One call per article.

`signal_candidate` is the one rule for when an analysed article may raise a signal, shared by
the worker and the quality test.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from vigil.core.text_language import identify_language
from vigil.monitoring.boilerplate import strip_boilerplate
from vigil.monitoring.entities import EntityMatcher, Mention
from vigil.monitoring.near_duplicates import signature_of
from vigil.monitoring.relevance import Relevance, score_prepared
from vigil.monitoring.text import prepare

DEFAULT_THRESHOLD = 0.5
# Month names (and their inflected forms) in the languages read, for dates as facts.
# fmt: off
_MONTHS = {
    1: "january janvier januar jänner leden ledna stycznia styczeń januari ינואר януари",
    2: "february février fevrier februar únor února lutego luty februari פברואר февруари",
    3: "march mars märz maerz březen března marca marzec maart מרץ март",
    4: "april avril duben dubna kwietnia kwiecień אפריל април",
    5: "may mai květen května maja maj mei מאי май",
    6: "june juin juni červen června czerwca czerwiec יוני юни",
    7: "july juillet juli červenec července lipca lipiec יולי юли",
    8: "august août aout srpen srpna sierpnia sierpień augustus אוגוסט август",
    9: "september septembre září września wrzesień ספטמבר септември",
    10: "october octobre oktober říjen října października październik אוקטובר октомври",
    11: "november novembre listopad listopadu listopada נובמבר ноември",
    12: "december décembre decembre dezember prosinec prosince grudnia grudzień דצמבר декември",
}
# fmt: on
MONTHS = {name: number for number, names in _MONTHS.items() for name in names.split()}
MONTHS |= {f"ב{name}": number for name, number in list(MONTHS.items()) if name[0] > "\u05cf"}


@dataclass
class Analysis:
    language: str
    confidence: float
    signature: bytes
    mentions: list[Mention]
    facts: frozenset[str]
    relevance: Relevance


def facts_of(words: list[str], mentions: list[Mention]) -> frozenset[str]:
    """Facts comparable across languages: the keys of what is named, dates (a day next to a
    month's name: "12 March", "12. března", "March 12") and numbers of two digits or more (a
    count, an age, an amount: "150 000" and "150,000" are one number)."""
    facts = {mention.key for mention in mentions}
    count = len(words)
    at = 0
    while at < count:
        word = words[at]
        if not word.isdecimal():
            at += 1
            continue
        digits = word
        end = at + 1
        # Groups of three digits after a first group of one to three: "1 500 000", "150,000".
        while len(word) <= 3 and end < count and len(words[end]) == 3 and words[end].isdecimal():
            digits += words[end]
            end += 1
        if len(digits) >= 2:
            facts.add(f"number:{int(digits)}")
        if len(word) <= 2 and 1 <= int(word) <= 31:
            month = MONTHS.get(words[end].lower()) if end < count else None
            if month is None and at > 0:
                month = MONTHS.get(words[at - 1].lower())
            if month is not None:
                facts.add(f"date:{month:02d}-{int(word):02d}")
        at = end
    return frozenset(facts)


def analyse(*, title: str, text: str, language_hint: str = "", matcher: EntityMatcher) -> Analysis:
    """The article's analysis; the language identified from the text wins over the hint (feeds
    often declare their site's language), the hint serves when the text is too short."""
    text = strip_boilerplate(text)
    language, confidence = identify_language(f"{title}\n{text}")
    if not language and language_hint:
        language, confidence = language_hint.split("-")[0].lower(), 0.0
    prepared = prepare(title, text, language)
    mentions = matcher.find_prepared(prepared)
    return Analysis(
        language=language,
        confidence=confidence,
        signature=signature_of(prepared.words[prepared.title_words :] if text else prepared.words),
        mentions=mentions,
        facts=facts_of(prepared.words, mentions),
        relevance=score_prepared(prepared, language, mentions),
    )


def signal_candidate(
    analysis: Analysis,
    watched_site_ids: Collection[int],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    watched_places: Collection[str] = (),
) -> bool:
    """An article may raise a signal when its relevance reaches the threshold and it names a
    watched site, or names a watched place (a key "place:<geonameid>", e.g. the cities within a
    radius of the sites) and reads as an antisemitic incident or one against an institution: a
    burglary or a brawl elsewhere in the city is not the organisation's to follow."""
    relevance = analysis.relevance
    if relevance.score < threshold:
        return False
    keys = {mention.key for mention in analysis.mentions}
    if keys & {f"site:{site_id}" for site_id in watched_site_ids}:
        return True
    at_place = bool(keys & set(watched_places))
    return at_place and (relevance.antisemitic or relevance.target_kind == "institution")
