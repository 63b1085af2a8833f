"""The STIX mapping on generated records: strict-valid, stable, RED refused, and only what the
owner's sharing profile lets leave."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.sharing.generated import (
    NAMESPACE,
    context,
    generated_bundle,
    incident,
    profile,
)
from tests.sharing.stix_checks import assert_strictly_valid, objects_of
from vigil.core.policy import TLP
from vigil.incidents.schemas import Place
from vigil.incidents.typology import Bias, Precision, Status
from vigil.sharing import mapping
from vigil.sharing.extension import VIGIL_EXTENSION_ID
from vigil.sharing.markings import RedNeverLeaves, marking_for
from vigil.sharing.schemas import PlacePrecision, TypologyField


def test_every_generated_object_passes_the_strict_validator_and_parses_back() -> None:
    bundle = generated_bundle()
    assert_strictly_valid(bundle)
    incidents = objects_of(bundle, "incident")
    assert len(incidents) == 66
    assert {tuple(i["object_marking_refs"]) for i in incidents} == {
        (marking_for(t),) for t in (TLP.clear, TLP.green, TLP.amber, TLP.amber_strict)
    }


def test_ids_are_stable_and_differ_per_record_and_namespace() -> None:
    first = mapping.incident_objects(incident(3), context(profile()))
    again = mapping.incident_objects(incident(3), context(profile()))
    assert [o["id"] for o in first] == [o["id"] for o in again]
    other = mapping.incident_objects(incident(4), context(profile()))
    assert first[0]["id"] != other[0]["id"]
    elsewhere = mapping.Context(
        namespace=NAMESPACE.__class__(int=NAMESPACE.int ^ 1),
        owner_ref=first[0]["created_by_ref"],
        profile=profile(),
    )
    assert mapping.incident_objects(incident(3), elsewhere)[0]["id"] != first[0]["id"]


def test_modified_follows_the_record_and_the_profile() -> None:
    before = mapping.incident_objects(incident(1), context(profile()))[0]
    edited = incident(1, updated_at=incident(1).updated_at + dt.timedelta(seconds=5))
    after = mapping.incident_objects(edited, context(profile()))[0]
    assert after["id"] == before["id"] and after["modified"] > before["modified"]
    later = incident(1).updated_at + dt.timedelta(days=1)
    changed = mapping.incident_objects(incident(1), context(profile(updated_at=later)))[0]
    assert changed["modified"] > before["modified"]


def test_a_red_incident_cannot_be_mapped() -> None:
    with pytest.raises(RedNeverLeaves):
        mapping.incident_objects(incident(1, tlp=TLP.red), context(profile()))


def test_merged_and_rejected_incidents_leave_revoked() -> None:
    for status in (Status.merged, Status.rejected):
        objects = mapping.incident_objects(incident(2, status=status), context(profile()))
        assert all(o["revoked"] is True for o in objects)
    live = mapping.incident_objects(incident(2, status=Status.verified), context(profile()))
    assert all("revoked" not in o for o in live)


def test_narrative_leaves_only_when_the_profile_says_so() -> None:
    record = incident(5)
    closed = mapping.incident_objects(record, context(profile()))[0]
    assert "description" not in closed and record.narrative not in json.dumps(closed)
    opened = mapping.incident_objects(record, context(profile(narrative=True)))[0]
    assert opened["description"] == record.narrative


def test_place_is_city_level_unless_the_profile_opts_in_to_exact() -> None:
    exact_place = Place(
        lat=52.52,
        lon=13.405,
        address="Oranienburger Str. 30",
        city="Berlin",
        country="DE",
        precision=Precision.exact,
    )
    record = incident(6, place=exact_place)
    city = mapping.incident_objects(record, context(profile()))[1]
    assert (city["city"], city["country"]) == ("Berlin", "DE")
    assert "latitude" not in city and "longitude" not in city
    exact = mapping.incident_objects(record, context(profile(precision=PlacePrecision.exact)))[1]
    assert (exact["latitude"], exact["longitude"]) == (52.52, 13.405)
    for location in (city, exact):
        assert "Oranienburger" not in json.dumps(location)
    # A point found from a city name is no more than the city, whatever the profile.
    vague = incident(6, place=exact_place.model_copy(update={"precision": Precision.city}))
    assert (
        "latitude"
        not in mapping.incident_objects(vague, context(profile(precision=PlacePrecision.exact)))[1]
    )


def test_typology_fields_leave_as_the_profile_chooses() -> None:
    record = incident(0, bias=[Bias.antisemitism], ihra=["ihra.2"])
    everything = mapping.incident_objects(record, context(profile()))[0]
    extension = everything["extensions"][VIGIL_EXTENSION_ID]
    assert extension["incident_type"] == record.type.value
    assert extension["bias"] == ["antisemitism"] and extension["ihra_indicators"] == ["ihra.2"]
    assert (
        extension["location_ref"] == mapping.incident_objects(record, context(profile()))[1]["id"]
    )
    only_type = profile(fields=[TypologyField.type])
    narrowed = mapping.incident_objects(record, context(only_type))[0]["extensions"]
    assert set(narrowed[VIGIL_EXTENSION_ID]) == {
        "extension_type",
        "incident_type",
        "occurred_from",
        "location_ref",
    }


def test_what_never_leaves_is_not_in_the_objects() -> None:
    bundle = json.dumps(generated_bundle())
    # Police references, street addresses, authors (people) and the site link stay home.
    for never in ("POL-", "Oranienburger", "author", "site", "police"):
        assert never not in bundle, never
