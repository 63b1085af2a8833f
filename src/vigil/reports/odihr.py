"""The ODIHR hate-crime reporting export of the acting organisation: the incidents of a year (or
any period) in the fields civil-society submissions to the OSCE/ODIHR hate crime report use
(date, country and place, bias motivation, type of incident, target, short description), and
the counts by bias.

Basis: the published basis (`facts.PUBLISHED`, DOMAIN.md counting rule 2): verified and closed
incidents only; new, triaged, rejected and merged ones are not in it. The year is the incident's
local year (rule 3): 00:30 on 1 January in Berlin is in the new year, whatever UTC says.

Marking: an incident is listed only when its marking allows publishing (TLP:CLEAR); any other
marking (RED included) is counted in the counts by bias and never listed. Its description is
its title, never anything a reporter wrote.

Counts by bias count every incident on the basis, listed or not; an incident with several bias
motivations counts under each, so the rows do not add up to the total, which counts it once
(rule 4). Who may have it: members with the analyst role or above of the organisation (rule 6).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from vigil.core.errors import Invalid
from vigil.core.policy import TLP, Principal, Role, acting_org
from vigil.incidents.counted import incident_titles
from vigil.incidents.typology import Bias, IncidentType, TargetKind
from vigil.reports.counting import FigureFilters, iter_matching
from vigil.reports.facts import PUBLISHED, Fact
from vigil.reports.models import UNSPECIFIED

FIRST_YEAR = 1990
LAST_YEAR = 2100
PUBLISHABLE = TLP.clear.value

# ODIHR's types of incident (its hate crime reporting's categories), in the order it lists them.
VIOLENT_ATTACK = "violent_attack_against_people"
THREAT = "threats"
PROPERTY_ATTACK = "attack_against_property"
OTHER = "other"
ODIHR_TYPE_LABELS = {
    VIOLENT_ATTACK: "Violent attacks against people",
    THREAT: "Threats",
    PROPERTY_ATTACK: "Attacks against property (damage, arson, desecration)",
    OTHER: "Other (not a category of ODIHR's hate crime reporting)",
}
# Vigil's typology (DOMAIN.md) to ODIHR's types of incident. Extreme violence against property
# (arson, explosives at a building) is an attack against property; see `odihr_type`.
ODIHR_TYPES: dict[IncidentType, str] = {
    IncidentType.extreme_violence: VIOLENT_ATTACK,
    IncidentType.assault: VIOLENT_ATTACK,
    IncidentType.threat: THREAT,
    IncidentType.damage: PROPERTY_ATTACK,
    IncidentType.intrusion: PROPERTY_ATTACK,
    IncidentType.abusive_behaviour: OTHER,
    IncidentType.literature: OTHER,
    IncidentType.hostile_reconnaissance: OTHER,
    IncidentType.suspicious_item: OTHER,
    IncidentType.cyber: OTHER,
    IncidentType.other: OTHER,
}
PROPERTY_TARGETS = {TargetKind.property.value, TargetKind.institution.value}

# Vigil's bias codes are ODIHR's bias motivations; these are ODIHR's names for them.
BIAS_LABELS: dict[str, str] = {
    Bias.racism_xenophobia: "Racism and xenophobia",
    Bias.anti_roma: "Bias against Roma and Sinti",
    Bias.antisemitism: "Antisemitism",
    Bias.anti_muslim: "Bias against Muslims",
    Bias.anti_christian: "Bias against Christians",
    Bias.anti_other_religion: "Bias against members of other religions",
    Bias.sexual_orientation_gender_identity: "Bias based on sexual orientation or gender identity",
    Bias.gender: "Gender-based bias",
    Bias.disability: "Bias against people with disabilities",
    Bias.other: "Other bias",
    Bias.unknown: "Bias unknown",
    UNSPECIFIED: "No bias motivation recorded",
}
BIAS_ORDER = list(BIAS_LABELS)


@dataclass(frozen=True, slots=True)
class OdihrRow:
    """One listed incident (TLP:CLEAR), in the fields ODIHR's hate crime reporting uses."""

    incident_id: int
    date: dt.date  # local, in the incident's own zone
    country: str
    region: str
    city: str
    bias: tuple[str, ...]
    odihr_type: str
    type: str
    target_kind: str
    description: str


@dataclass(frozen=True, slots=True)
class OdihrExport:
    """An organisation's export for [start, end): the listed incidents and the counts by bias
    of every incident on the published basis. `withheld` were counted but not listed."""

    org_id: int
    start: dt.date
    end: dt.date
    rows: tuple[OdihrRow, ...]
    by_bias: tuple[tuple[str, int], ...]
    total: int

    @property
    def withheld(self) -> int:
        return self.total - len(self.rows)

    @property
    def label(self) -> str:
        """The period in file names: the year when it is one whole year."""
        if (self.start.month, self.start.day) == (1, 1) and self.end == self.start.replace(
            year=self.start.year + 1
        ):
            return str(self.start.year)
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def year_period(year: str | int | None, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The local dates [1 January, next 1 January) of `year`; the last whole year when none is
    given (a submission reports the year that has ended)."""
    if year is None or (isinstance(year, str) and not year.strip()):
        chosen = (today or dt.date.today()).year - 1
    else:
        text = str(year).strip()
        if not (text.isascii() and text.isdigit() and len(text) == 4):
            raise Invalid(
                "year",
                "give the year as four digits, e.g. 2025 (got %(given)s)",
                given=repr(text[:20]),
            )
        chosen = int(text)
        if not FIRST_YEAR <= chosen <= LAST_YEAR:
            raise Invalid(
                "year",
                "give a year between %(first)s and %(last)s",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
    return dt.date(chosen, 1, 1), dt.date(chosen + 1, 1, 1)


def odihr_type(fact: Fact) -> str:
    """The ODIHR type of incident of a Vigil incident (the table ODIHR_TYPES)."""
    if fact.type == IncidentType.extreme_violence and fact.target_kind in PROPERTY_TARGETS:
        return PROPERTY_ATTACK
    try:
        return ODIHR_TYPES[IncidentType(fact.type)]
    except ValueError:
        return OTHER


def odihr_export(
    *, session: Session, principal: Principal, start: dt.date, end: dt.date
) -> OdihrExport:
    """The acting organisation's ODIHR export for the local dates [start, end) (analysts and
    above of that organisation; counting rule 6)."""
    org_id = acting_org(principal, Role.analyst)
    if end <= start:
        raise Invalid("end", "the period's end must be after its start")
    facts = iter_matching(session, [org_id], FigureFilters(start=start, end=end), PUBLISHED)
    by_bias: Counter[str] = Counter()
    listed: list[Fact] = []
    total = 0
    for fact in facts:
        total += 1
        by_bias.update(set(fact.bias))
        if fact.tlp == PUBLISHABLE:
            listed.append(fact)
    titles = incident_titles(session, ids=[f.incident_id for f in listed])
    rows = tuple(
        OdihrRow(
            incident_id=f.incident_id,
            date=f.day,
            country=f.country,
            region=f.region,
            city=f.city,
            bias=f.bias,
            odihr_type=odihr_type(f),
            type=f.type,
            target_kind=f.target_kind,
            description=titles.get(f.incident_id, ""),
        )
        for f in sorted(listed, key=lambda f: (f.day, f.incident_id))
    )
    order = {code: n for n, code in enumerate(BIAS_ORDER)}
    counted = tuple(sorted(by_bias.items(), key=lambda item: (order.get(item[0], 99), item[0])))
    return OdihrExport(org_id=org_id, start=start, end=end, rows=rows, by_bias=counted, total=total)
