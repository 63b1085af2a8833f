"""STAND-IN for mon-text's module (replaced when its branch is merged): places, organisations
and watched sites named in an article."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vigil.geo.folding import fold
from vigil.monitoring.language import LANGUAGES
from vigil.monitoring.text import Phrases, phrase_forms, prepare

_PLACES = {
    "Berlin": (52.52, 13.405),
    "Potsdam": (52.3906, 13.0645),
    "Prague": (50.0755, 14.4378),
    "Praha": (50.0755, 14.4378),
    "Munich": (48.1374, 11.5755),
    "Hamburg": (53.5511, 9.9937),
    "Paris": (48.8566, 2.3522),
}


@dataclass(frozen=True)
class Mention:
    kind: str  # "place" | "organisation" | "site"
    key: str  # "place:<geonameid>", "organisation:<key>", "site:<id>"
    name: str
    lat: float | None
    lon: float | None


class EntityMatcher:
    def __init__(self, own: Phrases) -> None:
        self._own = own

    @classmethod
    def build(
        cls,
        *,
        sites: Sequence[tuple[int, str, Sequence[str], float, float]] = (),
        organisations: Sequence[str] = (),
        include_gazetteer: bool = True,
    ) -> EntityMatcher:
        own = Phrases()
        for site_id, name, aliases, lat, lon in sites:
            mention = Mention("site", f"site:{site_id}", name, lat, lon)
            for alias in (name, *aliases):
                own.add(set().union(*(phrase_forms(alias, lang) for lang in LANGUAGES)), mention)
        for name in organisations:
            key = "-".join(fold(name).split())
            own.add(
                phrase_forms(name), Mention("organisation", f"organisation:{key}", name, None, None)
            )
        if include_gazetteer:
            for name, (lat, lon) in _PLACES.items():
                own.add(phrase_forms(name), Mention("place", f"place:{fold(name)}", name, lat, lon))
        return cls(own.build())

    def find(self, text: str, *, language: str) -> list[Mention]:
        mentions: dict[str, Mention] = {}
        for hit in self._own.hits(prepare("", text, language)):
            mentions.setdefault(hit.value.key, hit.value)
        return list(mentions.values())
