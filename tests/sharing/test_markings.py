"""TLP as STIX markings: the official TLP 2.0 objects, the way back from TLP 1.0, and RED
refused wherever export code could ask for it."""

from __future__ import annotations

import pytest
import stix2

from tests.sharing.stix_checks import STRICT
from vigil.core.policy import TLP
from vigil.sharing.markings import (
    TLP2_MARKING_IDS,
    RedNeverLeaves,
    exported_markings,
    marking_for,
    tlp2_marking_definition,
    tlp_of_marking,
)


def test_the_five_tlp2_markings_are_the_official_objects() -> None:
    from stix2validator import validate_instance

    assert TLP2_MARKING_IDS[TLP.clear] == "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    assert TLP2_MARKING_IDS[TLP.red] == "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    for tlp in TLP:
        marking = tlp2_marking_definition(tlp)
        assert marking["name"] == f"TLP:{tlp.value.upper()}"
        assert validate_instance(marking, STRICT).is_valid
        assert tlp_of_marking(marking["id"]) is tlp


def test_tlp1_markings_map_to_vigil_levels_for_import() -> None:
    assert tlp_of_marking(stix2.TLP_WHITE.id) is TLP.clear
    assert tlp_of_marking(stix2.TLP_GREEN.id) is TLP.green
    assert tlp_of_marking(stix2.TLP_AMBER.id) is TLP.amber
    assert tlp_of_marking(stix2.TLP_RED.id) is TLP.red
    assert tlp_of_marking("marking-definition--00000000-0000-4000-8000-000000000000") is None


def test_red_has_no_marking_to_give_and_no_red_object_passes_the_exit() -> None:
    with pytest.raises(RedNeverLeaves):
        marking_for(TLP.red)
    with pytest.raises(RedNeverLeaves):
        marking_for("red")
    red = {"id": "note--1", "object_marking_refs": [TLP2_MARKING_IDS[TLP.red]]}
    with pytest.raises(RedNeverLeaves):
        exported_markings([red])
    old_red = {"id": "note--2", "object_marking_refs": [stix2.TLP_RED.id]}
    with pytest.raises(RedNeverLeaves):
        exported_markings([old_red])


def test_a_bundle_carries_the_markings_its_objects_use_and_no_others() -> None:
    objects = [
        {"id": "a", "object_marking_refs": [marking_for(TLP.green)]},
        {"id": "b", "object_marking_refs": [marking_for(TLP.amber_strict)]},
    ]
    ids = [m["id"] for m in exported_markings(objects)]
    assert sorted(ids) == sorted([marking_for(TLP.green), marking_for(TLP.amber_strict)])
