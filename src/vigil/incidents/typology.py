"""The standard typology (DOMAIN.md): stable codes for types, bias motivations, IHRA indicators.

Codes never change; labels are English here and translated in templates.
"""

from __future__ import annotations

import enum


class IncidentType(enum.StrEnum):
    extreme_violence = "extreme_violence"
    assault = "assault"
    damage = "damage"
    threat = "threat"
    abusive_behaviour = "abusive_behaviour"
    literature = "literature"
    hostile_reconnaissance = "hostile_reconnaissance"
    suspicious_item = "suspicious_item"
    intrusion = "intrusion"
    cyber = "cyber"
    other = "other"


TYPE_LABELS = {
    IncidentType.extreme_violence: "Extreme violence (weapons, arson, explosives, ramming)",
    IncidentType.assault: "Assault (physical attack, attempts, thrown objects)",
    IncidentType.damage: "Damage or desecration of property",
    IncidentType.threat: "Threat (spoken, written, online, bomb or hoax threats)",
    IncidentType.abusive_behaviour: "Abusive behaviour (verbal, written or online abuse)",
    IncidentType.literature: "Hateful literature (leaflets, stickers, mass mailings)",
    IncidentType.hostile_reconnaissance: "Hostile reconnaissance (surveillance, probing)",
    IncidentType.suspicious_item: "Suspicious item (bag, package, vehicle)",
    IncidentType.intrusion: "Intrusion (unauthorised entry or attempt)",
    IncidentType.cyber: "Cyber (DDoS, doxxing, account takeover)",
    IncidentType.other: "Other",
}


class Bias(enum.StrEnum):
    """OSCE/ODIHR bias motivation categories."""

    racism_xenophobia = "racism_xenophobia"
    anti_roma = "anti_roma"
    antisemitism = "antisemitism"
    anti_muslim = "anti_muslim"
    anti_christian = "anti_christian"
    anti_other_religion = "anti_other_religion"
    sexual_orientation_gender_identity = "sexual_orientation_gender_identity"
    gender = "gender"
    disability = "disability"
    other = "other"
    unknown = "unknown"


# IHRA working definition of antisemitism (2016): the examples, summarised in our own words.
IHRA_INDICATORS = {
    "ihra.1": "Calling for, helping or justifying the killing or harming of Jews.",
    "ihra.2": "Dehumanising or stereotyped claims about Jews as such or their collective power.",
    "ihra.3": "Blaming Jews as a people for wrongs done by one person or group, or by non-Jews.",
    "ihra.4": "Denying the fact, scale, methods or intent of the Holocaust.",
    "ihra.5": "Accusing Jews or Israel of inventing or exaggerating the Holocaust.",
    "ihra.6": "Accusing Jewish citizens of being more loyal to Israel than to their own country.",
    "ihra.7": "Denying Jews self-determination, e.g. calling the existence of Israel racist.",
    "ihra.8": "Holding Israel to standards demanded of no other democratic state.",
    "ihra.9": "Using classic antisemitic symbols and images (deicide, blood libel) about Israel.",
    "ihra.10": "Comparing contemporary Israeli policy to that of the Nazis.",
    "ihra.11": "Holding Jews collectively responsible for actions of the State of Israel.",
}
IHRA_REMINDER = (
    "Criticism of Israel similar to that levelled against any other country cannot be regarded "
    "as antisemitic."
)


class TargetKind(enum.StrEnum):
    person = "person"
    property = "property"
    institution = "institution"
    online = "online"


class Source(enum.StrEnum):
    member = "member"
    public = "public"
    import_ = "import"
    monitoring = "monitoring"
    partner = "partner"


class Severity(enum.StrEnum):
    """The CAP 1.2 severity words, lower-cased as codes."""

    extreme = "extreme"
    severe = "severe"
    moderate = "moderate"
    minor = "minor"
    unknown = "unknown"


class Status(enum.StrEnum):
    new = "new"
    triaged = "triaged"
    verified = "verified"
    closed = "closed"
    rejected = "rejected"
    merged = "merged"


# Allowed status moves made by hand; `merged` only through merge_incidents and its undo.
STATUS_MOVES = {
    Status.new: {Status.triaged, Status.rejected},
    Status.triaged: {Status.verified, Status.rejected, Status.new},
    Status.verified: {Status.closed, Status.triaged},
    Status.closed: {Status.verified},
    Status.rejected: {Status.new},
    Status.merged: set(),
}


class Precision(enum.StrEnum):
    exact = "exact"
    street = "street"
    city = "city"
    country = "country"
