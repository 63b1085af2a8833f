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


STANDARD_TIER_PEOPLE = 200
ENHANCED_TIER_PEOPLE = 800


class CapacityTier(enum.StrEnum):
    """Capacity tiers after the UK's premises law (DOMAIN.md): 200-799 and 800 or more."""

    standard = "standard"
    enhanced = "enhanced"

    @classmethod
    def of(cls, capacity: int) -> CapacityTier | None:
        """The tier of a site holding `capacity` people; None below 200 (no tier)."""
        if capacity >= ENHANCED_TIER_PEOPLE:
            return cls.enhanced
        if capacity >= STANDARD_TIER_PEOPLE:
            return cls.standard
        return None


class Recurrence(enum.StrEnum):
    none = "none"
    weekly = "weekly"
    yearly = "yearly"
