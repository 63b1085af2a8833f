"""What one organisation watches, compiled for the analysis job: the entity matcher (its sites
by name and aliases, the organisations of the registry, the gazetteer), its watched terms as
lemmatised phrases, and the points whose surroundings it watches.

Compiling the automata takes milliseconds per organisation, reading the rows far less: each
worker keeps the compiled watchlist of an organisation while what it was compiled from (the
sites, the watches, the registry's names) is unchanged, so a change is seen on the next job.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.text_language import LANGUAGES
from vigil.geo.distance import haversine_km
from vigil.monitoring.boilerplate import strip_boilerplate
from vigil.monitoring.entities import EntityMatcher, Mention
from vigil.monitoring.models import Watch, WatchKind
from vigil.monitoring.text import Phrases, phrase_forms, prepare
from vigil.monitoring.watch_schemas import aliases_of
from vigil.orgs import directory as orgs_directory
from vigil.sites import directory as sites_directory

DEFAULT_SITE_RADIUS_KM = 2.0  # a site without a watch of its own: places this near it
CACHED_ORGANISATIONS = 256
SITE_KEY_PREFIX = "site:"


@dataclass(frozen=True)
class WatchedPoint:
    """A site or a watched place: places named within `radius_km` of it are watched."""

    watch_id: int | None
    site_id: int | None
    name: str
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Watchlist:
    matcher: EntityMatcher
    terms: Phrases  # values: (watch id, term)
    points: tuple[WatchedPoint, ...]
    site_watch_ids: dict[int, int]  # site id -> its watch (aliases, radius)

    @property
    def site_ids(self) -> frozenset[int]:
        """The organisation's sites, all watched."""
        return frozenset(p.site_id for p in self.points if p.site_id is not None)

    def hits(
        self, *, title: str, text: str, language: str, mentions: Sequence[Mention]
    ) -> list[dict[str, Any]]:
        """What of the watchlist the article touches, each with where it was found: the
        organisation's sites named, places named near a watched point, watched terms."""
        found: list[dict[str, Any]] = []
        for mention in mentions:
            if mention.kind == "site" and mention.key.startswith(SITE_KEY_PREFIX):
                site_id = int(mention.key.removeprefix(SITE_KEY_PREFIX))
                found.append(
                    {
                        "kind": "site",
                        "watch_id": self.site_watch_ids.get(site_id),
                        "site_id": site_id,
                        "name": mention.name,
                        "where": "named",
                    }
                )
        for mention in mentions:
            if mention.kind != "place" or mention.lat is None or mention.lon is None:
                continue
            for point in self.points:
                km = haversine_km(mention.lat, mention.lon, point.lat, point.lon)
                if km <= point.radius_km:
                    found.append(
                        {
                            "kind": "place",
                            "watch_id": point.watch_id,
                            "site_id": point.site_id,
                            "name": point.name,
                            "place": mention.name,
                            "key": mention.key,
                            "distance_km": round(km, 2),
                            "where": "named",
                        }
                    )
        if len(self.terms):
            prepared = prepare(title, strip_boilerplate(text), language)
            seen: set[int] = set()
            for hit in self.terms.hits(prepared):
                watch_id, term = hit.value
                if watch_id not in seen:
                    seen.add(watch_id)
                    where = "title" if hit.word < prepared.title_words else "text"
                    found.append(
                        {
                            "kind": "term",
                            "watch_id": watch_id,
                            "site_id": None,
                            "name": term,
                            "where": where,
                            "as_written": " ".join(
                                prepared.words[hit.word : hit.word + hit.length]
                            ),
                        }
                    )
        return found


_cache: dict[int, tuple[Any, Watchlist]] = {}
_lock = threading.Lock()


def watchlist_of(session: Session, org_id: int) -> Watchlist:
    """The organisation's compiled watchlist, recompiled when its sources changed."""
    sites = sites_directory.organisation_sites(session=session, org_id=org_id)
    watches = session.execute(
        select(
            Watch.id, Watch.kind, Watch.value, Watch.site_id, Watch.lat, Watch.lon, Watch.radius_km
        )
        .where(Watch.owner_org_id == org_id)
        .order_by(Watch.id)
    ).all()
    names = sorted(session.scalars(select(orgs_directory.organisation_names_subquery().c.name)))
    fingerprint = (tuple(sites), tuple(tuple(w) for w in watches), tuple(names))
    with _lock:
        cached = _cache.get(org_id)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
    compiled = _compile(sites, watches, names)
    with _lock:
        if len(_cache) >= CACHED_ORGANISATIONS:
            _cache.clear()
        _cache[org_id] = (fingerprint, compiled)
    return compiled


def _compile(
    sites: list[tuple[int, str, float, float]], watches: Sequence[Any], names: list[str]
) -> Watchlist:
    # A site may have several watches (one alias each, or several): their aliases add up, the
    # widest radius counts, the first watch names them.
    aliases: dict[int, list[str]] = {}
    radius: dict[int, float] = {}
    first_watch: dict[int, int] = {}
    for watch in watches:
        if watch.kind == WatchKind.site.value and watch.site_id is not None:
            aliases.setdefault(watch.site_id, []).extend(aliases_of(watch.value))
            radius[watch.site_id] = max(radius.get(watch.site_id, 0.0), watch.radius_km)
            first_watch.setdefault(watch.site_id, watch.id)
    matcher = EntityMatcher.build(
        sites=[
            (site_id, name, list(dict.fromkeys(aliases.get(site_id, []))), lat, lon)
            for site_id, name, lat, lon in sites
        ],
        organisations=names,
        include_gazetteer=True,
    )
    points = [
        WatchedPoint(
            first_watch.get(site_id),
            site_id,
            name,
            lat,
            lon,
            radius.get(site_id, DEFAULT_SITE_RADIUS_KM),
        )
        for site_id, name, lat, lon in sites
    ]
    terms = Phrases()
    for watch in watches:
        if watch.kind == WatchKind.place.value and watch.lat is not None and watch.lon is not None:
            points.append(
                WatchedPoint(watch.id, None, watch.value, watch.lat, watch.lon, watch.radius_km)
            )
        elif watch.kind == WatchKind.term.value:
            forms = set().union(*(phrase_forms(watch.value, language) for language in LANGUAGES))
            terms.add(forms, (watch.id, watch.value))
    return Watchlist(matcher, terms.build(), tuple(points), first_watch)
