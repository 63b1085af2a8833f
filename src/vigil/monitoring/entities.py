"""Places, organisations and an organisation's watched sites named in an article, found with
Aho-Corasick automata over its folded words and lemmas (so "v Krakowie", "Prahy" and
"Synagoge" in any case or inflection meet the names).

Places are the cities of Vigil's gazetteer in the countries its users work in; their automaton is
built once per process and shared. Sites, the organisations passed in and the shipped list of
institutions make a small automaton built per organisation in milliseconds.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from vigil.core.text_language import LANGUAGES
from vigil.geo.folding import fold
from vigil.geo.gazetteer import gazetteer
from vigil.monitoring.text import Phrases, Prepared, longest, phrase_forms, prepare

# The countries whose cities are looked for: those of Vigil's users and their neighbours.
# fmt: off
COUNTRIES = (
    "CZ", "SK", "DE", "AT", "CH", "PL", "FR", "BE", "NL", "LU", "GB", "IE", "IL", "BG", "HU",
)
# fmt: on
EXONYM_POPULATION = 100_000  # cities this large are also found by their names in other languages
_SCRIPTS = (("a", "z"), ("\u05d0", "\u05ea"), ("\u0430", "\u044f"))
_LOADING = threading.Lock()


@dataclass(frozen=True)
class Mention:
    kind: str  # "place" | "organisation" | "site"
    key: str  # "place:<geonameid>", "organisation:<key>", "site:<id>"
    name: str
    lat: float | None
    lon: float | None


def _data(name: str) -> Any:
    return yaml.safe_load(
        resources.files("vigil.monitoring").joinpath("data", name).read_text("utf-8")
    )


def _readable(name: str) -> bool:
    """A name in Latin, Hebrew or Cyrillic letters (other scripts are not read here)."""
    return all(
        character in " '" or any(low <= character <= high for low, high in _SCRIPTS)
        for character in name
    )


@functools.cache
def _places(countries: tuple[str, ...]) -> Phrases:
    """The cities' names: main names of every city, other-language names of the large ones.

    A name shared by several cities goes to the most populous; names that are also common words
    ("most" is a Czech town and a bridge) are left out, and a place must be capitalised."""
    ambiguous = {fold(name) for name in _data("places.yaml")["ambiguous"]}
    best: dict[str, tuple[int, int, Mention]] = {}
    for country in countries:
        for city, names in gazetteer().named_in_country(country):
            mention = Mention("place", f"place:{city.geonameid}", city.name, city.lat, city.lon)
            for position, name in enumerate(names):
                main = position == 0 or name == names[0]
                if not main and city.population < EXONYM_POPULATION:
                    continue
                if len(name) < (3 if main else 4) or name in ambiguous or not _readable(name):
                    continue
                rank = (int(main), city.population)
                if name not in best or rank > best[name][:2]:
                    best[name] = (*rank, mention)
    phrases = Phrases()
    for name, (_, _, mention) in best.items():
        phrases.add(phrase_forms(name), mention)
    return phrases.build()


@functools.cache
def _institutions() -> tuple[tuple[Mention, tuple[str, ...]], ...]:
    found = []
    for entry in _data("institutions.yaml")["institutions"]:
        mention = Mention(
            "organisation",
            f"organisation:{entry['key']}",
            entry["names"][0],
            entry.get("lat"),
            entry.get("lon"),
        )
        found.append((mention, tuple(entry["names"])))
    return tuple(found)


class EntityMatcher:
    def __init__(self, own: Phrases, places: Phrases | None) -> None:
        self._own = own
        self._places = places

    @classmethod
    def build(
        cls,
        *,
        sites: Sequence[tuple[int, str, Sequence[str], float, float]] = (),
        organisations: Sequence[str] = (),
        include_gazetteer: bool = True,
        countries: Sequence[str] = COUNTRIES,
    ) -> EntityMatcher:
        """Sites are (id, name, aliases, lat, lon); their names are also added as lemmatised in
        each language, so "Staronové synagogy" finds "Staronová synagoga"."""
        own = Phrases()
        for site_id, name, aliases, lat, lon in sites:
            mention = Mention("site", f"site:{site_id}", name, lat, lon)
            for alias in (name, *aliases):
                forms = set().union(*(phrase_forms(alias, language) for language in LANGUAGES))
                own.add(forms, mention)
        for name in organisations:
            key = "-".join(fold(name).split())
            own.add(
                phrase_forms(name), Mention("organisation", f"organisation:{key}", name, None, None)
            )
        for mention, names in _institutions():
            for name in names:
                own.add(phrase_forms(name), mention)
        places = None
        if include_gazetteer:
            with _LOADING:
                places = _places(tuple(countries))
        return cls(own.build(), places)

    def find(self, text: str, *, language: str) -> list[Mention]:
        """Each site, organisation and place named, once, in order of first mention."""
        return self.find_prepared(prepare("", text, language))

    def find_prepared(self, prepared: Prepared) -> list[Mention]:
        hits = self._own.hits(prepared)
        if self._places is not None:
            hits += [
                hit
                for hit in self._places.hits(prepared)
                if not prepared.words[hit.word][:1].islower()
            ]
        mentions: dict[str, Mention] = {}
        for hit in longest(hits):
            mentions.setdefault(hit.value.key, hit.value)
        return list(mentions.values())
