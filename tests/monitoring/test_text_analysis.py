"""The text-analysis functions the monitoring worker calls, on small hand-made cases."""

from __future__ import annotations

import datetime as dt

from vigil.core.lemmas import lemmatise, tokens
from vigil.core.text_language import identify_language
from vigil.monitoring.analysis import analyse, facts_of, signal_candidate
from vigil.monitoring.boilerplate import strip_boilerplate
from vigil.monitoring.entities import EntityMatcher
from vigil.monitoring.near_duplicates import signature, similarity
from vigil.monitoring.relevance import score
from vigil.monitoring.stories import StoryClusterer

SITES = [(1, "Staronová synagoga", ["Old-New Synagogue", "Altneu-Synagoge"], 50.09, 14.42)]


def test_language_is_identified_or_left_unknown() -> None:
    assert identify_language("Policie vyšetřuje útok na synagogu v centru Prahy.")[0] == "cs"
    assert identify_language("De politie onderzoekt de bedreigingen tegen de school.")[0] == "nl"
    assert identify_language("ok")[0] == ""


def test_inflected_forms_meet_their_lemma() -> None:
    assert "synagoga" in lemmatise("Útok na synagogu", "cs")
    assert "kraków" in lemmatise("w Krakowie", "pl")


def test_a_syndicated_copy_is_a_near_duplicate_and_another_story_is_not() -> None:
    text = (
        "Vandals sprayed three swastikas on the northern wall of the synagogue overnight. "
        "City police covered the graffiti before the site opened to visitors and are looking "
        "for two young men seen near the building shortly after midnight."
    )
    copy = text.replace("three", "3") + " Share this article. Sign up for our newsletter."
    other = "Sparta beat Plzen 4-1 with the captain scoring twice in the league's top match."
    assert similarity(signature(text), signature(copy)) >= 0.5
    assert similarity(signature(text), signature(other)) < 0.2


def test_entities_match_inflected_names_sites_and_institutions() -> None:
    matcher = EntityMatcher.build(sites=SITES, organisations=["Bejt Simcha"])
    found = matcher.find(
        "Policie hlídá Staronovou synagogu v Praze, Bejt Simcha zrušila akci.", language="cs"
    )
    assert {m.key for m in found} >= {"site:1", "place:3067696", "organisation:police"}
    assert any(m.name == "Bejt Simcha" for m in found)
    assert not matcher.find("Most nebyl poškozen, řekl mluvčí.", language="cs")


def test_criticism_of_a_state_is_not_an_antisemitic_incident() -> None:
    found = score(
        title="Minister criticises Israeli government over settlements",
        text="The foreign minister criticised the Israeli government's settlement policy and "
        "called for a ceasefire and sanctions on violent settlers.",
        language="en",
    )
    assert not found.antisemitic
    assert found.score < 0.3


def test_an_attack_on_a_synagogue_is_explained() -> None:
    found = score(
        title="Brandanschlag auf Synagoge",
        text="Ein Unbekannter warf einen Brandsatz gegen die Tür der Synagoge. Der Staatsschutz "
        "ermittelt wegen Brandstiftung.",
        language="de",
    )
    assert found.antisemitic and found.incident_type == "extreme_violence"
    assert found.score > 0.7
    assert any(r.where == "title" and r.label == "type:extreme_violence" for r in found.reasons)


def test_a_language_without_lexicon_falls_back_to_english_and_says_so() -> None:
    assert score(title="", text="Police arrested a suspect.", language="hu").fallback


def test_related_links_and_credits_are_stripped() -> None:
    text = "First paragraph of the story with enough words.\n\nSecond one.\nRead also: Other"
    assert strip_boilerplate(text) == "First paragraph of the story with enough words."


def test_stories_join_copies_and_reports_in_other_languages() -> None:
    matcher = EntityMatcher.build(sites=SITES)
    day = dt.datetime(2026, 4, 3, 9, tzinfo=dt.UTC)
    cs = analyse(
        title="Hákové kříže na Staronové synagoze",
        text="Vandalové 3. dubna posprejovali zeď Staronové synagogy v Praze, škoda je 80 000 "
        "korun. Policie pátrá po dvou mužích.",
        matcher=matcher,
    )
    en = analyse(
        title="Swastikas on Old-New Synagogue",
        text="Vandals sprayed the wall of the Old-New Synagogue in Prague on 3 April, causing "
        "80,000 crowns of damage. Police are looking for two men.",
        matcher=matcher,
    )
    clusterer = StoryClusterer()
    assert (
        clusterer.add(1, signature=cs.signature, facts=cs.facts, language="cs", published_at=day)
        is None
    )
    assert (
        clusterer.add(2, signature=en.signature, facts=en.facts, language="en", published_at=day)
        == 1
    )
    assert (
        clusterer.add(3, signature=cs.signature, facts=cs.facts, language="cs", published_at=day)
        == 1
    )
    assert clusterer.memory_bytes() > 0
    assert signal_candidate(en, [1], 0.3)
    assert not signal_candidate(en, [2], 0.3)


def test_articles_without_words_start_stories_of_their_own() -> None:
    clusterer = StoryClusterer()
    empty = signature("")
    assert clusterer.add(1, signature=empty, facts=frozenset(), language="") is None
    assert clusterer.add(2, signature=empty, facts=frozenset(), language="") is None


def test_facts_are_dates_and_numbers_however_written() -> None:
    words = tokens("On 12 March, a loss of 1 500 000; 12. března škoda 1,500,000 Kč; x² ב-12 במרץ")
    assert facts_of(words, []) == {"date:03-12", "number:12", "number:1500000"}
