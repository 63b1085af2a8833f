"""The places of Vigil's gazetteer (places_index.py: the world's cities of 15,000 people or more,
Europe's places of 1,000 or more and the districts of large cities), for geocoding without any
network call.

The places themselves are held in memory (for `nearest` and per-country lists); their ~740,000
folded names stay in the index file and are looked up through its B-tree, a few microseconds a
name, so loading costs a fraction of a second and little memory.
"""

from __future__ import annotations

import functools
import heapq
import math
import os
import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from vigil.geo.distance import bbox, haversine_km
from vigil.geo.places_index import ensure_index

GRID_CELL_DEGREES = 0.25
NEAREST_STEPS_KM = (3.0, 12.0)  # rings searched first: most points have a place this close
MAX_BOX_CELLS = 4_000  # a box of more grid cells is searched by population instead


class City(NamedTuple):
    geonameid: int  # negative for a district of places.yaml, which GeoNames lacks
    name: str
    country: str
    admin1_code: str
    lat: float
    lon: float
    population: int
    timezone: str
    major: bool = True  # among the world's cities of 15,000 people or more (cities15000)
    district_of: int = -1  # the index in `cities` of the city it is a district of


@dataclass(frozen=True, slots=True)
class NameMatch:
    city: City
    is_main_name: bool
    similarity: float  # 1.0 for an exact match of the folded name


# Names of one length and script: the names, each one's place, whether it is its main name.
Buckets = dict[tuple[int, bool], tuple[list[str], list[int], list[bool]]]


def _is_latin(name: str) -> bool:
    return name[:1] < "\u0250"


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / GRID_CELL_DEGREES), math.floor(lon / GRID_CELL_DEGREES)


class Gazetteer:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        rows = self._query("SELECT * FROM place ORDER BY row")
        self.cities = [
            City(gid, name, country, admin1, lat, lon, population, zone, bool(major), parent)
            for _, gid, name, country, admin1, lat, lon, population, zone, major, parent in rows
        ]
        self._index = {id(city): index for index, city in enumerate(self.cities)}
        self._choices_cache: dict[str | None, Buckets] = {}

    def _query(self, sql: str, parameters: tuple[object, ...] = ()) -> list[Any]:
        """Rows of the index, from one connection per process (a forked worker opens its own)."""
        with self._lock:
            if self._connection is None or self._pid != os.getpid():
                uri = f"{self._path.resolve().as_uri()}?mode=ro"
                self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
                self._pid = os.getpid()
            return self._connection.execute(sql, parameters).fetchall()

    def index_of(self, city: City) -> int:
        return self._index[id(city)]

    def parent(self, city: City) -> City | None:
        """The city a district belongs to, None for a city."""
        return self.cities[city.district_of] if city.district_of >= 0 else None

    def find(self, folded: str) -> list[NameMatch]:
        """The places whose main or alternate name folds to exactly `folded`."""
        if not folded:
            return []
        rows = self._query("SELECT place, rank FROM name WHERE name = ?", (folded,))
        return [NameMatch(self.cities[int(row)], rank == 0, 1.0) for row, rank in rows]

    def similar(
        self, folded: str, *, min_similarity: float, country: str | None = None
    ) -> list[NameMatch]:
        """Places with a name within a few edits of `folded` (transpositions count as one): in
        one country, or among the world's large cities when no country is given. Only names of
        a length that can reach `min_similarity` are compared."""
        buckets = self._choices(country)
        shortest = math.ceil(len(folded) * min_similarity)
        longest = math.floor(len(folded) / min_similarity) if min_similarity > 0 else 1000
        latin = _is_latin(folded)
        found: dict[int, NameMatch] = {}
        for length in range(shortest, longest + 1):
            if (length, latin) not in buckets:
                continue
            choices, owners, mains = buckets[length, latin]
            matches = process.extract(
                folded,
                choices,
                scorer=OSA.normalized_similarity,
                score_cutoff=min_similarity,
                limit=None,
            )
            for _, similarity, choice in matches:
                index, is_main = owners[choice], mains[choice]
                best = found.get(index)
                if best is None or (similarity, is_main) > (best.similarity, best.is_main_name):
                    found[index] = NameMatch(self.cities[index], is_main, similarity)
        return list(found.values())

    def nearest(self, lat: float, lon: float, *, max_km: float) -> tuple[City, float] | None:
        """The closest place no further than `max_km`, and its distance (nearby rings first:
        a place found within one is the nearest of all)."""
        for radius in (*(step for step in NEAREST_STEPS_KM if step < max_km), max_km):
            if found := self._nearest_within(lat, lon, radius):
                return found
        return None

    def _nearest_within(self, lat: float, lon: float, max_km: float) -> tuple[City, float] | None:
        min_lat, min_lon, max_lat, max_lon = bbox(lat, lon, max_km)
        low, high = _cell(min_lat, min_lon), _cell(max_lat, max_lon)
        best: tuple[City, float] | None = None
        grid = self._grid
        for row in range(low[0], high[0] + 1):
            for column in range(low[1], high[1] + 1):
                for city in grid.get((row, column), ()):
                    km = haversine_km(lat, lon, city.lat, city.lon)
                    if km <= max_km and (best is None or km < best[1]):
                        best = (city, km)
        return best

    def in_box(
        self,
        south: float,
        west: float,
        north: float,
        east: float,
        *,
        min_population: int,
        limit: int,
    ) -> list[City]:
        """The most populous places of `min_population` or more inside the box, most populous
        first (a map's place labels): a small box reads the grid cells it covers, a large one
        the places by population until `limit` are found."""

        def inside(city: City) -> bool:
            return south <= city.lat <= north and west <= city.lon <= east

        low, high = _cell(south, west), _cell(north, east)
        if (high[0] - low[0] + 1) * (high[1] - low[1] + 1) <= MAX_BOX_CELLS:
            grid = self._grid
            found = [
                city
                for row in range(low[0], high[0] + 1)
                for column in range(low[1], high[1] + 1)
                for city in grid.get((row, column), ())
                if city.population >= min_population and inside(city)
            ]
            return heapq.nsmallest(limit, found, key=lambda c: (-c.population, c.geonameid))
        chosen: list[City] = []
        for city in self._by_population:
            if city.population < min_population or len(chosen) >= limit:
                break
            if inside(city):
                chosen.append(city)
        return chosen

    def in_country(self, country: str) -> list[City]:
        """The country's cities of 15,000 people or more (the smaller places and districts are
        found by name and position only)."""
        return [self.cities[index] for index in self._by_country.get(country, [])]

    def named_in_country(self, country: str) -> list[tuple[City, list[str]]]:
        """Each city of 15,000 or more of the country with its folded names, main name first
        (for matching names in running text, as the monitoring domain does)."""
        indexes = self._by_country.get(country, [])
        if not indexes:
            return []
        names: dict[int, list[str]] = defaultdict(list)
        rows = self._query(
            "SELECT place, name FROM name WHERE place BETWEEN ? AND ? ORDER BY place, rank",
            (indexes[0], indexes[-1]),
        )
        for row, name in rows:
            names[int(row)].append(str(name))
        return [(self.cities[index], names[index]) for index in indexes]

    @functools.cached_property
    def _grid(self) -> dict[tuple[int, int], list[City]]:
        grid: dict[tuple[int, int], list[City]] = defaultdict(list)
        for city in self.cities:
            grid[_cell(city.lat, city.lon)].append(city)
        return dict(grid)

    @functools.cached_property
    def _by_population(self) -> list[City]:
        return sorted(self.cities, key=lambda c: (-c.population, c.geonameid))

    @functools.cached_property
    def _by_country(self) -> dict[str, list[int]]:
        by_country: dict[str, list[int]] = defaultdict(list)
        for index, city in enumerate(self.cities):
            if city.major:
                by_country[city.country].append(index)
        return dict(by_country)

    @functools.cached_property
    def _country_rows(self) -> dict[str, tuple[int, int]]:
        """Each country's first and last place (the index is sorted by country)."""
        rows: dict[str, tuple[int, int]] = {}
        for index, city in enumerate(self.cities):
            first, _ = rows.get(city.country, (index, index))
            rows[city.country] = (first, index)
        return rows

    def _choices(self, country: str | None) -> Buckets:
        """Names for a fuzzy search by length and script (Latin or not), with each one's place
        and whether it is the main name: of all places of one country (a search within one
        country is several times faster), or of the large cities of the world."""
        if country not in self._choices_cache:
            if country is None:
                rows = self._query(
                    "SELECT name.name, name.place, name.rank FROM place"
                    " JOIN name ON name.place = place.row WHERE place.major = 1"
                )
            else:
                first, last = self._country_rows.get(country, (0, -1))
                rows = self._query(
                    "SELECT name, place, rank FROM name WHERE place BETWEEN ? AND ?",
                    (first, last),
                )
            buckets: Buckets = {}
            for name, row, rank in rows:
                key = (len(str(name)), _is_latin(str(name)))
                names, owners, mains = buckets.setdefault(key, ([], [], []))
                names.append(str(name))
                owners.append(int(row))
                mains.append(rank == 0)
            self._choices_cache[country] = buckets
        return self._choices_cache[country]


_LOADING = threading.Lock()


def gazetteer() -> Gazetteer:
    """The places, loaded on first use (the index is built first if it is missing), once even
    if threads race for them."""
    with _LOADING:
        return _load()


@functools.cache
def _load() -> Gazetteer:
    return Gazetteer(ensure_index())
