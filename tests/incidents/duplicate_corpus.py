"""A generated, labelled set of incidents and new reports that measures duplicate detection
(DECISIONS 18).

Base incidents happen at places in eight European cities (a community's sites and streets) over
four months. Probes are new reports: true duplicates are a second witness's account of a base
incident (reworded: synonyms, word order, dropped and added words, typos, lost accents, often
another title; minutes to a few hours off; a pin up to ~300 m away; sometimes another type or
only a city-level place), and near-misses are other events that share much with one (the same
spot on another day, the same spot later that day with another story, the same story at the same
time kilometres away or in another city). Everything comes from one seed.

The labels follow one rule, applied by the generator and not by any scorer: two accounts are of
the same event exactly when they are within DUPLICATE_MAX_SHIFT and DUPLICATE_MAX_MOVE of each
other. So no two base incidents are that close (none within SEPARATE_KM and SEPARATE_HOURS), and a
near-miss that happens to fall that close to some base incident is drawn again.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from vigil.incidents.schemas import IncidentFields, Place
from vigil.incidents.typology import IncidentType, Precision

SEED = 20260518
START = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)
SPAN_DAYS = 120
DUPLICATE_MIN_SHIFT = dt.timedelta(minutes=2)
DUPLICATE_MAX_SHIFT = dt.timedelta(hours=5)
DUPLICATE_MAX_MOVE_KM = 0.3
SEPARATE_KM = 0.5
SEPARATE_HOURS = 24.0
SITE_JITTER_KM = 0.03
# Of every probe's place: a pin, or only the city's centre (geocoded from a typed city name), or
# just the city's name; the same shares for duplicates and near-misses.
PROBE_CITY_POINT_SHARE = 0.10
PROBE_CITY_NAME_SHARE = 0.05
DUPLICATE_OTHER_TYPE_SHARE = 0.10
KM_PER_DEGREE_LAT = 111.2
# A near-miss "kilometres away" is at least this far from the incident it imitates.
NEAR_MISS_MIN_KM = 1.5


@dataclass(frozen=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    streets: tuple[str, ...]


CITIES = (
    City(
        "Berlin",
        "DE",
        52.5200,
        13.4050,
        (
            "Oranienburger Straße",
            "Große Hamburger Straße",
            "Rykestraße",
            "Fraenkelufer",
            "Joachimsthaler Straße",
            "Pestalozzistraße",
            "Brunnenstraße",
        ),
    ),
    City(
        "Paris",
        "FR",
        48.8566,
        2.3522,
        (
            "rue des Rosiers",
            "rue Pavée",
            "boulevard de Strasbourg",
            "rue de la Victoire",
            "avenue Secrétan",
            "rue Saint-Lazare",
        ),
    ),
    City(
        "Prague",
        "CZ",
        50.0755,
        14.4378,
        ("Maiselova", "Široká", "Dušní", "Jeruzalémská", "Vinohradská", "Palackého"),
    ),
    City(
        "Vienna",
        "AT",
        48.2082,
        16.3738,
        (
            "Seitenstettengasse",
            "Tempelgasse",
            "Grünentorgasse",
            "Malzgasse",
            "Hollandstraße",
            "Währinger Straße",
        ),
    ),
    City(
        "Amsterdam",
        "NL",
        52.3676,
        4.9041,
        (
            "Jonas Daniël Meijerplein",
            "Nieuwe Kerkstraat",
            "Gerard Doustraat",
            "Lekstraat",
            "Van der Boechorststraat",
        ),
    ),
    City(
        "Budapest",
        "HU",
        47.4979,
        19.0402,
        (
            "Dohány utca",
            "Kazinczy utca",
            "Rumbach Sebestyén utca",
            "Bethlen Gábor tér",
            "Frankel Leó út",
        ),
    ),
    City(
        "Antwerp",
        "BE",
        51.2194,
        4.4025,
        ("Hoveniersstraat", "Belgiëlei", "Oostenstraat", "Van den Nestlei", "Terliststraat"),
    ),
    City(
        "Warsaw",
        "PL",
        52.2297,
        21.0122,
        ("Twarda", "Próżna", "Chłodna", "Okopowa", "plac Grzybowski", "Złota"),
    ),
)

SITE_KINDS = (
    "synagogue",
    "community centre",
    "Jewish school",
    "kosher shop",
    "cemetery",
    "mosque",
    "memorial",
    "kindergarten",
    "youth club",
    "church hall",
)
SITES_PER_CITY = 6
AT_A_SITE_SHARE = 0.75

SLOTS: dict[str, tuple[str, ...]] = {
    "when": (
        "overnight",
        "this morning",
        "in the early evening",
        "around noon",
        "late at night",
        "during the afternoon",
    ),
    "symbol": ("swastikas", "SS runes", "crossed-out Stars of David", "the number 88"),
    "part": ("front wall", "side door", "gate", "main entrance", "fence"),
    "door": ("side door", "back door", "gate", "basement window"),
    "victims": ("worshippers", "two women", "a family", "pupils", "an elderly couple"),
    "person": ("young man", "woman with a backpack", "man in a grey jacket", "couple"),
    "object": ("backpack", "suitcase", "sports bag", "cardboard box"),
    "count": ("two", "three", "four", "five"),
    "minutes": ("ten", "fifteen", "twenty", "thirty"),
}


@dataclass(frozen=True)
class Story:
    type: IncidentType
    title: str
    narrative: str


STORIES = (
    Story(
        IncidentType.damage,
        "{symbol} sprayed on the {site}",
        "{Symbol} and hateful slogans were sprayed on the {part} of the {site} in {street} "
        "{when}. The caretaker found them and called the police.",
    ),
    Story(
        IncidentType.damage,
        "Windows of the {site} smashed",
        "{Count} windows of the {site} in {street} were smashed with stones {when}. Glass "
        "everywhere inside, nobody was hurt.",
    ),
    Story(
        IncidentType.damage,
        "Plaques torn off at the {site}",
        "The memorial plaques at the {site} in {street} were torn off and thrown on the ground "
        "{when}. Damage reported to the police.",
    ),
    Story(
        IncidentType.abusive_behaviour,
        "Verbal abuse outside the {site}",
        "A man shouted antisemitic insults at {victims} leaving the {site} in {street} {when}. "
        "He followed them to the corner and then walked away.",
    ),
    Story(
        IncidentType.abusive_behaviour,
        "Visitors insulted at the {site}",
        "Two young men insulted {victims} at the gate of the {site} in {street} {when} and made "
        "a Hitler salute before running off.",
    ),
    Story(
        IncidentType.threat,
        "Bomb threat phoned to the {site}",
        "A caller told the office of the {site} in {street} that a bomb would go off {when}. The "
        "building was evacuated and the police searched it; nothing was found.",
    ),
    Story(
        IncidentType.threat,
        "Threatening letter sent to the {site}",
        "A handwritten letter threatening to burn down the {site} in {street} arrived {when}. It "
        "was handed to the police.",
    ),
    Story(
        IncidentType.hostile_reconnaissance,
        "Person filming the entrance of the {site}",
        "A {person} filmed the entrance and the guards of the {site} in {street} for about "
        "{minutes} minutes {when} and left when approached.",
    ),
    Story(
        IncidentType.hostile_reconnaissance,
        "Car circling the {site}",
        "A dark car drove slowly past the {site} in {street} {count} times {when}; the driver "
        "photographed the cameras.",
    ),
    Story(
        IncidentType.literature,
        "Antisemitic stickers near the {site}",
        "Dozens of stickers with conspiracy slogans were stuck on lamp posts in {street} near "
        "the {site}, found {when}.",
    ),
    Story(
        IncidentType.literature,
        "Hateful leaflets at the {site}",
        "Leaflets blaming Jews for the war were put in letterboxes around the {site} in "
        "{street} {when}.",
    ),
    Story(
        IncidentType.assault,
        "Visitor pushed and spat at near the {site}",
        "A visitor wearing a kippah was pushed and spat at by a man near the {site} in {street} "
        "{when}. He was shaken but not injured.",
    ),
    Story(
        IncidentType.assault,
        "Stone thrown at people at the {site}",
        "Someone threw a stone at {victims} in front of the {site} in {street} {when}; one "
        "person had a small cut on the arm.",
    ),
    Story(
        IncidentType.suspicious_item,
        "Unattended {object} at the {site}",
        "An unattended {object} was left by the {part} of the {site} in {street} {when}. Police "
        "cordoned off the area and found it harmless.",
    ),
    Story(
        IncidentType.intrusion,
        "Break-in attempt at the {site}",
        "Someone tried to force the {door} of the {site} in {street} {when}. There are marks on "
        "the lock and the alarm went off.",
    ),
)

# What a second witness may call the event instead of the first one's title.
WITNESS_TITLES: dict[IncidentType, tuple[str, ...]] = {
    IncidentType.damage: ("Vandalism at the {site}", "Our building damaged", "Damage in {street}"),
    IncidentType.abusive_behaviour: ("Insults at the {site}", "Abuse in {street}"),
    IncidentType.threat: ("Threat against the {site}", "Threat received"),
    IncidentType.hostile_reconnaissance: (
        "Suspicious person at the {site}",
        "Someone watching the {site}",
    ),
    IncidentType.literature: ("Stickers in {street}", "Hate propaganda near the {site}"),
    IncidentType.assault: ("Attack near the {site}", "Person attacked in {street}"),
    IncidentType.suspicious_item: ("Suspicious object", "Suspicious object at the {site}"),
    IncidentType.intrusion: ("Attempted break-in", "Intruder at the {site}"),
}
# Types two witnesses may reasonably disagree on.
CONFUSABLE_TYPES: dict[IncidentType, IncidentType] = {
    IncidentType.abusive_behaviour: IncidentType.threat,
    IncidentType.threat: IncidentType.abusive_behaviour,
    IncidentType.damage: IncidentType.literature,
    IncidentType.literature: IncidentType.damage,
    IncidentType.hostile_reconnaissance: IncidentType.suspicious_item,
    IncidentType.suspicious_item: IncidentType.hostile_reconnaissance,
    IncidentType.intrusion: IncidentType.damage,
    IncidentType.assault: IncidentType.abusive_behaviour,
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "sprayed": ("painted", "daubed"),
    "hateful": ("hate", "nasty"),
    "slogans": ("messages", "words"),
    "caretaker": ("janitor", "warden"),
    "found": ("discovered", "noticed"),
    "called": ("phoned", "rang"),
    "police": ("officers", "cops"),
    "windows": ("panes", "window panes"),
    "smashed": ("broken", "shattered"),
    "stones": ("rocks", "bricks"),
    "nobody": ("no one",),
    "hurt": ("injured", "harmed"),
    "plaques": ("signs", "plates"),
    "torn": ("ripped", "pulled"),
    "thrown": ("dumped", "left"),
    "shouted": ("yelled", "screamed"),
    "insults": ("abuse", "slurs"),
    "leaving": ("coming out of", "exiting"),
    "followed": ("chased", "went after"),
    "walked": ("went", "wandered"),
    "insulted": ("abused", "harassed"),
    "caller": ("man on the phone", "anonymous caller"),
    "bomb": ("explosive", "device"),
    "evacuated": ("cleared", "emptied"),
    "searched": ("checked", "swept"),
    "letter": ("note", "message"),
    "threatening": ("saying they would", "warning they would"),
    "handed": ("given", "passed"),
    "filmed": ("recorded", "videoed"),
    "guards": ("security staff", "guard"),
    "approached": ("confronted", "spoken to"),
    "car": ("vehicle", "saloon"),
    "slowly": ("very slowly",),
    "photographed": ("took pictures of", "snapped"),
    "stickers": ("labels", "sticker"),
    "dozens": ("lots", "many"),
    "leaflets": ("flyers", "pamphlets"),
    "letterboxes": ("mailboxes", "post boxes"),
    "visitor": ("worshipper", "member"),
    "pushed": ("shoved",),
    "shaken": ("upset", "shocked"),
    "threw": ("hurled", "tossed"),
    "stone": ("rock", "brick"),
    "small": ("minor", "slight"),
    "unattended": ("abandoned", "ownerless"),
    "harmless": ("safe", "empty"),
    "tried": ("attempted",),
    "force": ("break open", "pry open"),
    "marks": ("scratches", "traces"),
    "alarm": ("siren",),
    "about": ("around", "roughly"),
    "overnight": ("during the night", "last night"),
    "morning": ("forenoon",),
    "entrance": ("front door", "doorway"),
    "man": ("guy", "person"),
}
FILLERS = (
    "again",
    "apparently",
    "I think",
    "today",
    "just",
    "really",
    "please check",
    "as far as I know",
    "we saw that",
    "unfortunately",
)


@dataclass(frozen=True)
class Spot:
    """A place where something happened: a site of the community or a street corner."""

    city: City
    kind: str
    street: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Labelled:
    """A new report and what it is: a duplicate of base incident `duplicate_of`, or a near-miss."""

    kind: str
    fields: IncidentFields
    duplicate_of: int | None


@dataclass(frozen=True)
class Corpus:
    base: list[IncidentFields]
    probes: list[Labelled]


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: an independent yardstick for the generator's own rules."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


def moved(lat: float, lon: float, km: float, rng: random.Random) -> tuple[float, float]:
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = km * math.cos(bearing) / KM_PER_DEGREE_LAT
    dlon = km * math.sin(bearing) / (KM_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def _spot_in(city: City, rng: random.Random, *, kind: str | None = None) -> Spot:
    lat, lon = moved(city.lat, city.lon, rng.uniform(0.3, 5.0), rng)
    return Spot(city, kind or rng.choice(SITE_KINDS), rng.choice(city.streets), lat, lon)


def _render(template: str, spot: Spot, fill: dict[str, str]) -> str:
    values = {"site": spot.kind, "street": spot.street, **fill}
    values |= {k.capitalize(): v[:1].upper() + v[1:] for k, v in values.items()}
    text = template.format(**values)
    return text[:1].upper() + text[1:]


def _fill(rng: random.Random) -> dict[str, str]:
    return {slot: rng.choice(values) for slot, values in SLOTS.items()}


def _strip_accents(text: str) -> str:
    text = text.replace("ß", "ss").replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(("swap", "drop", "double"))
    if how == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    if how == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def reword(text: str, rng: random.Random) -> str:
    """Another person's telling: synonyms, order, dropped and added words, typos, lost accents."""
    sentences = [s.strip() for s in text.replace(";", ".").split(". ") if s.strip()]
    if len(sentences) > 1 and rng.random() < 0.2:
        sentences = sentences[:1]
    if len(sentences) > 1 and rng.random() < 0.4:
        sentences = sentences[1:] + sentences[:1]
    words: list[str] = []
    for word in " ".join(s.rstrip(".") + "." for s in sentences).split():
        core, tail = word.rstrip(".,;:"), word[len(word.rstrip(".,;:")) :]
        options = SYNONYMS.get(core.lower())
        if options and rng.random() < 0.5:
            swap = rng.choice(options)
            core = swap.capitalize() if core[:1].isupper() else swap
        if rng.random() < 0.12 and not tail:
            continue
        words.append(core + tail)
    for _ in range(rng.choice((0, 1, 1, 2))):
        words.insert(rng.randrange(len(words) + 1), rng.choice(FILLERS))
    if len(words) > 3 and rng.random() < 0.5:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if long_words:
            i = rng.choice(long_words)
            words[i] = _typo(words[i], rng)
    reworded = " ".join(words)
    if rng.random() < 0.3:
        reworded = _strip_accents(reworded)
    if rng.random() < 0.15:
        reworded = reworded.lower()
    return reworded


def _place(lat: float, lon: float, city: City, precision: Precision = Precision.exact) -> Place:
    return Place(
        lat=round(lat, 6),
        lon=round(lon, 6),
        city=city.name,
        country=city.country,
        precision=precision,
    )


def _probe_place(lat: float, lon: float, city: City, rng: random.Random) -> Place:
    draw = rng.random()
    if draw < PROBE_CITY_NAME_SHARE:
        return Place(city=city.name, country=city.country, precision=Precision.city)
    if draw < PROBE_CITY_NAME_SHARE + PROBE_CITY_POINT_SHARE:
        return _place(city.lat, city.lon, city, Precision.city)
    return _place(lat, lon, city)


@dataclass(frozen=True)
class _Event:
    """Something that happened (a base incident), or a near-miss drawn next to one."""

    spot: Spot
    lat: float
    lon: float
    at: dt.datetime
    story: Story
    fill: dict[str, str]

    def near_any(self, events: list[_Event], *, km: float, hours: float) -> bool:
        return any(
            abs((self.at - e.at).total_seconds()) < hours * 3600
            and km_between(self.lat, self.lon, e.lat, e.lon) < km
            for e in events
        )

    def title(self) -> str:
        return _render(self.story.title, self.spot, self.fill)

    def narrative(self) -> str:
        return _render(self.story.narrative, self.spot, self.fill)


def _fields(
    title: str, narrative: str, at: dt.datetime, place: Place, type_: IncidentType
) -> IncidentFields:
    return IncidentFields(
        title=title[:300], narrative=narrative, occurred_from=at, place=place, type=type_
    )


def _at_minutes(days: float) -> dt.timedelta:
    return dt.timedelta(minutes=round(days * 24 * 60))


def _base_events(rng: random.Random, sites: dict[str, list[Spot]], count: int) -> list[_Event]:
    events: list[_Event] = []
    while len(events) < count:
        city = rng.choice(CITIES)
        at_site = rng.random() < AT_A_SITE_SHARE
        spot = rng.choice(sites[city.name]) if at_site else _spot_in(city, rng)
        lat, lon = moved(spot.lat, spot.lon, rng.uniform(0, SITE_JITTER_KM), rng)
        at = START + _at_minutes(rng.uniform(0, SPAN_DAYS))
        event = _Event(spot, lat, lon, at, rng.choice(STORIES), _fill(rng))
        if not event.near_any(events, km=SEPARATE_KM, hours=SEPARATE_HOURS):
            events.append(event)
    return events


def _second_witness(e: _Event, rng: random.Random) -> IncidentFields:
    """Another account of `e`: reworded, minutes to hours off, the pin up to 300 m away."""
    low = math.log(DUPLICATE_MIN_SHIFT.total_seconds() / 60)
    high = math.log(DUPLICATE_MAX_SHIFT.total_seconds() / 60)
    shift = dt.timedelta(minutes=math.floor(math.exp(rng.uniform(low, high))))
    at = e.at + rng.choice((-1, 1)) * shift
    lat, lon = moved(e.lat, e.lon, DUPLICATE_MAX_MOVE_KM * math.sqrt(rng.random()), rng)
    type_ = e.story.type
    if rng.random() < DUPLICATE_OTHER_TYPE_SHARE:
        type_ = CONFUSABLE_TYPES[type_]
    if rng.random() < 0.4:
        title = _render(rng.choice(WITNESS_TITLES[e.story.type]), e.spot, e.fill)
    else:
        title = reword(e.title(), rng)
    place = _probe_place(lat, lon, e.spot.city, rng)
    return _fields(title, reword(e.narrative(), rng), at, place, type_)


def _near_misses(
    rng: random.Random, sites: dict[str, list[Spot]], events: list[_Event], count: int
) -> list[Labelled]:
    """Other events, each drawn next to a base incident, sharing much with it but not being it."""

    def other_day(e: _Event) -> _Event | None:
        """The same spot on another day: a repeat of the same kind of thing, or another story."""
        lat, lon = moved(e.lat, e.lon, rng.uniform(0, 0.08), rng)
        at = e.at + rng.choice((-1, 1)) * _at_minutes(rng.uniform(1, 10))
        same_type = [s for s in STORIES if s.type == e.story.type]
        story = rng.choice(same_type) if rng.random() < 0.7 else rng.choice(STORIES)
        return _Event(e.spot, lat, lon, at, story, _fill(rng))

    def same_spot_other_event(e: _Event) -> _Event | None:
        """The same spot earlier or later that day: another story, of another type."""
        lat, lon = moved(e.lat, e.lon, rng.uniform(0, 0.08), rng)
        at = e.at + rng.choice((-1, 1)) * _at_minutes(rng.uniform(6, 20) / 24)
        unlike = (e.story.type, CONFUSABLE_TYPES[e.story.type])
        story = rng.choice([s for s in STORIES if s.type not in unlike])
        return _Event(e.spot, lat, lon, at, story, _fill(rng))

    def km_away(e: _Event) -> _Event | None:
        """The same story at about the same time, somewhere else in the same city."""
        spot = rng.choice([*sites[e.spot.city.name], _spot_in(e.spot.city, rng)])
        lat, lon = moved(spot.lat, spot.lon, rng.uniform(0, SITE_JITTER_KM), rng)
        if km_between(lat, lon, e.lat, e.lon) < NEAR_MISS_MIN_KM:
            return None
        at = e.at + _at_minutes(rng.uniform(-3, 3) / 24)
        return _Event(spot, lat, lon, at, e.story, _fill(rng))

    def other_city(e: _Event) -> _Event | None:
        """The same story, same details, about the same time in another city (a campaign)."""
        city = rng.choice([c for c in CITIES if c is not e.spot.city])
        spot = rng.choice(sites[city.name])
        lat, lon = moved(spot.lat, spot.lon, rng.uniform(0, SITE_JITTER_KM), rng)
        at = e.at + _at_minutes(rng.uniform(-2, 2) / 24)
        return _Event(spot, lat, lon, at, e.story, e.fill)

    drawers: tuple[Callable[[_Event], _Event | None], ...] = (
        other_day,
        same_spot_other_event,
        km_away,
        other_city,
    )
    envelope = {"km": DUPLICATE_MAX_MOVE_KM, "hours": DUPLICATE_MAX_SHIFT.total_seconds() / 3600}
    probes: list[Labelled] = []
    for draw in drawers:
        made = 0
        while made < count:
            miss = draw(rng.choice(events))
            if miss is None or miss.near_any(events, **envelope):
                continue
            place = _probe_place(miss.lat, miss.lon, miss.spot.city, rng)
            fields = _fields(
                reword(miss.title(), rng),
                reword(miss.narrative(), rng),
                miss.at,
                place,
                miss.story.type,
            )
            probes.append(Labelled(draw.__name__, fields, None))
            made += 1
    return probes


def generate(
    seed: int = SEED,
    *,
    base_count: int = 360,
    duplicate_count: int = 160,
    near_miss_count_per_kind: int = 40,
) -> Corpus:
    """Base incidents and labelled probes (duplicates first, then near-misses), from `seed`."""
    rng = random.Random(seed)
    sites = {city.name: [_spot_in(city, rng) for _ in range(SITES_PER_CITY)] for city in CITIES}
    events = _base_events(rng, sites, base_count)
    base = [
        _fields(e.title(), e.narrative(), e.at, _place(e.lat, e.lon, e.spot.city), e.story.type)
        for e in events
    ]
    probes = [
        Labelled("duplicate", _second_witness(events[i], rng), i)
        for i in rng.sample(range(len(events)), duplicate_count)
    ]
    probes += _near_misses(rng, sites, events, near_miss_count_per_kind)
    return Corpus(base=base, probes=probes)
