"""The sites vocabulary other domains speak too (alert targeting, playbook templates,
assessment parameters): kept apart from the tables so they need not import them."""

from __future__ import annotations

import enum


class SiteType(enum.StrEnum):
    """`site.type` codes of DOMAIN.md."""

    place_of_worship = "place_of_worship"
    school = "school"
    kindergarten = "kindergarten"
    community_centre = "community_centre"
    shopping_centre = "shopping_centre"
    stadium = "stadium"
    concert_hall = "concert_hall"
    theatre = "theatre"
    restaurant = "restaurant"
    museum = "museum"
    transport_hub = "transport_hub"
    public_space = "public_space"
    other = "other"


class CapacityTier(enum.StrEnum):
    """Duty tiers of premises law (DOMAIN.md): which one a site is in is decided by the rule set
    of its jurisdiction (`sites.premises`), from its type, capacity and country."""

    standard = "standard"
    enhanced = "enhanced"


class PremisesDuty(enum.StrEnum):
    """Duties a premises rule set gives its tiers; a methodology question names the one it asks
    about, so the portfolio can flag a site whose answers lack a duty of its tier."""

    notify_regulator = "notify_regulator"
    evacuation = "evacuation"
    invacuation = "invacuation"
    lockdown = "lockdown"
    communication = "communication"
    senior_officer = "senior_officer"  # a designated senior individual
    measures_document = "measures_document"
    monitoring = "monitoring"
    movement = "movement"
    physical_safety = "physical_safety"
    information_security = "information_security"


class Recurrence(enum.StrEnum):
    none = "none"
    weekly = "weekly"
    yearly = "yearly"
