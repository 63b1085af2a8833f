"""Articles of the signal tests, written for them: a story about a watched site, a syndicated
copy with other boilerplate, a hard negative naming the same site, and stories that touch a
watched place and a watched term."""

from __future__ import annotations

SITE_NAME = "Beth Shalom Synagogue"
SITE_POINT = (52.5070, 13.2846)  # west of the city centre, beyond 2 km of "Berlin"'s point
POTSDAM = (52.3906, 13.0645)

GRAFFITI = (
    "Swastika graffiti sprayed on Beth Shalom Synagogue",
    "Police in Berlin are investigating after antisemitic graffiti, including a swastika, was "
    "sprayed on the wall of the Beth Shalom Synagogue overnight. The community's security team "
    "found the damage at 6 a.m. on Tuesday and called the police. It is the third attack on a "
    "Jewish institution in the city this year. Community leaders said they were shocked and "
    "asked for more police patrols near the synagogue. The state security office has opened an "
    "investigation into the incident, and officers are reviewing footage from 14 cameras.",
)

GRAFFITI_SYNDICATED = (
    "Swastika graffiti sprayed on Beth Shalom Synagogue | City Wire",
    "City Wire - Local news. Sign up for our morning newsletter. "
    + GRAFFITI[1]
    + " Related coverage: Council debates the budget. Share this article.",
)

PROTEST = (
    "Hundreds march against Israeli government's settlement policy",
    "Several hundred people marched through Berlin on Saturday to protest against the Israeli "
    "government's settlement policy in the West Bank. Speakers criticised the government's "
    "decisions and called on Germany to press for a ceasefire. The route passed the Beth "
    "Shalom Synagogue, where police stood guard; the march was peaceful, police said. "
    "Organisers said they oppose the policy of any government that breaks international law.",
)

BOMB_THREAT = (
    "Bomb threat at a school in Potsdam",
    "A bomb threat was e-mailed to a school in Potsdam on Monday morning. Police evacuated 400 "
    "pupils and searched the building; nothing was found. The threat was sent from an "
    "anonymous address, police said, and investigators are trying to trace it.",
)

MEMORIAL_STONES = (
    "Memorial stones for Holocaust victims torn out in Hamburg",
    "Unknown people tore twelve memorial stones for Holocaust victims out of the pavement in "
    "Hamburg overnight. Police are treating it as an antisemitic attack; the state security "
    "office has taken over the investigation. It is the second such attack this month, and "
    "residents said they felt a threat to the whole community.",
)

ALTE_SYNAGOGE = (
    "Hakenkreuze an die Alte Synagoge geschmiert",
    "Unbekannte haben in der Nacht zum Sonntag Hakenkreuze und antisemitische Parolen an die "
    "Wand der Alten Synagoge gesprüht. Die Polizei ermittelt, der Staatsschutz hat den Fall "
    "übernommen. Die jüdische Gemeinde zeigte sich erschüttert.",
)

STARA_SYNAGOGA = (
    "Na Starou synagogu někdo nasprejoval hákové kříže",
    "Neznámý pachatel v noci na neděli nasprejoval na zeď Staré synagogy hákové kříže a "
    "antisemitská hesla. Policie případ vyšetřuje, židovská obec je otřesena.",
)
