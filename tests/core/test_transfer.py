"""The column specs of `core.transfer`, on a made-up domain: what any domain's import and export
rely on, proven once without a database (sites and incidents prove it through their APIs)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from vigil.core.transfer import Column, ImportRejected, Spec, read_csv


def _count(cell: str) -> int:
    if not cell.isdigit():
        raise ValueError("must be a whole number")
    return int(cell)


@dataclass
class Hall:
    id: int
    name: str
    seats: int | None
    tags: list[str] = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    city: str | None = None


SPEC = Spec(
    columns=(
        Column("id", ignored=True),
        Column("name", text=True),
        Column("seats", read=_count),
        Column("tags", read=lambda c: c.split(";"), write=lambda h: ";".join(h.tags)),
        Column("lat", path=("place", "lat")),
        Column("lon", path=("place", "lon")),
        Column("city", path=("place", "city")),
        Column("contact_email", path=("contact", "email"), exported=False),
    ),
    required=("name",),
    one_of=(("city",), ("lat", "lon")),
)


def test_export_header_leaves_out_import_only_columns() -> None:
    assert SPEC.header == ["id", "name", "seats", "tags", "lat", "lon", "city"]


def test_written_row_defuses_formulas_in_text_only() -> None:
    hall = Hall(id=1, name="=SUM(A1)", seats=None, tags=["=a", "b"], city="-Town")

    assert SPEC.write_row(hall) == ["1", "'=SUM(A1)", "", "=a;b", "", "", "-Town"]


def test_read_row_nests_restores_and_names_refused_cells() -> None:
    cells = {
        "id": "7",
        "name": " '=SUM(A1) ",
        "seats": "many",
        "tags": "a;b",
        "lat": "52.5",
        "lon": "",
        "contact_email": "x@example.org",
    }

    data, errors = SPEC.read_row(4, cells)

    assert data == {
        "name": "=SUM(A1)",
        "tags": ["a", "b"],
        "place": {"lat": "52.5"},
        "contact": {"email": "x@example.org"},
    }
    assert [(e.line, e.column, e.message) for e in errors] == [
        (4, "seats", "must be a whole number")
    ]


def test_header_refuses_unknown_twice_and_missing_columns_by_name() -> None:
    with pytest.raises(ImportRejected) as refused:
        read_csv("seats,seats,colour,lat\n1,1,red,2\n", check_header=SPEC.check_header)

    found = {(e.column, e.message.split(";")[0]) for e in refused.value.row_errors}
    assert found == {
        ("seats", "column given twice"),
        ("colour", "unknown column"),
        ("name", "required column is missing"),
        ("city", "required column is missing: give city, or lat and lon"),
        ("lon", "required column is missing: give city, or lat and lon"),
    }


def test_ignored_columns_are_reported_in_header_order() -> None:
    assert SPEC.ignored_in(["name", "id", "city"]) == ["id"]


def test_a_schema_location_and_a_message_point_at_columns() -> None:
    assert SPEC.column_at(("place", "lat")) == "lat"
    assert SPEC.column_at(("tags", 0)) == "tags"
    assert SPEC.column_at(("place",)) is None
    assert SPEC.first_named("seats exceed what the city allows") == "seats"
    assert SPEC.first_named("nothing here") is None
