"""CAP 1.2 in and out: round trips, the official schema, and every kind of bad document."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.alerts.cap import (
    CapAlert,
    Category,
    Certainty,
    MsgType,
    ResponseType,
    Severity,
    Status,
    Urgency,
)
from vigil.alerts.cap_xml import parse_cap, schema, to_cap_xml, validate_generated
from vigil.core.errors import Invalid

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
SQUARE = [(48.1, 16.3), (48.1, 16.5), (48.3, 16.5), (48.3, 16.3), (48.1, 16.3)]


def alert_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "identifier": "vigil-1",
        "sender": "coordinator@vigil.example",
        "sent": NOW,
        "status": "Actual",
        "msgType": "Alert",
        "scope": "Public",
        "info": [
            {
                "category": ["Security"],
                "event": "Armed attack",
                "responseType": ["Shelter", "Avoid"],
                "urgency": "Immediate",
                "severity": "Extreme",
                "certainty": "Observed",
                "headline": "Shooting near the old town",
                "description": "Shots reported at 10:00 in the old town; the attacker moves north.",
                "instruction": "Lock the doors, keep people inside, call 112 with what you see.",
                "effective": NOW,
                "expires": NOW + dt.timedelta(hours=3),
                "area": [
                    {
                        "areaDesc": "Old town, Vienna",
                        "polygon": [SQUARE],
                        "circle": ["48.2082,16.3738 2.5"],
                        "geocode": [{"valueName": "ISO3166-1", "value": "AT"}],
                    }
                ],
            }
        ],
    }
    data.update(overrides)
    return data


def cap_bytes(**overrides: Any) -> bytes:
    return to_cap_xml(CapAlert.model_validate(alert_data(**overrides)))


def test_the_schema_is_the_official_oasis_cap_1_2_one() -> None:
    assert schema().target_namespace == "urn:oasis:names:tc:emergency:cap:1.2"
    assert "alert" in {el.local_name for el in schema().elements.values()}


def test_round_trip_keeps_every_field() -> None:
    alert = CapAlert.model_validate(alert_data())
    data = to_cap_xml(alert)
    validate_generated(data)
    assert parse_cap(data) == alert
    assert b"<polygon>48.1,16.3 48.1,16.5 48.3,16.5 48.3,16.3 48.1,16.3</polygon>" in data
    assert b"<circle>48.2082,16.3738 2.5</circle>" in data
    assert b"<sent>2026-11-23T10:00:00+00:00</sent>" in data


def test_update_and_cancel_reference_the_original() -> None:
    original = CapAlert.model_validate(alert_data())
    for kind in ("Update", "Cancel"):
        follow_up = CapAlert.model_validate(
            alert_data(
                identifier=f"vigil-1-{kind}", msgType=kind, references=[original.reference()]
            )
        )
        data = to_cap_xml(follow_up)
        validate_generated(data)
        assert parse_cap(data).references == [
            "coordinator@vigil.example,vigil-1,2026-11-23T10:00:00+00:00"
        ]
    with pytest.raises(Exception, match="must give references"):
        CapAlert.model_validate(alert_data(msgType="Cancel"))


def test_cap_utc_written_as_minus_zero_is_read() -> None:
    data = cap_bytes().replace(
        b"2026-11-23T10:00:00+00:00</sent>", b"2026-11-23T11:00:00-00:00</sent>"
    )
    assert parse_cap(data).sent == NOW + dt.timedelta(hours=1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.sampled_from(list(Status)),
    categories=st.lists(st.sampled_from(list(Category)), min_size=1, max_size=3, unique=True),
    responses=st.lists(st.sampled_from(list(ResponseType)), max_size=3, unique=True),
    urgency=st.sampled_from(list(Urgency)),
    severity=st.sampled_from(list(Severity)),
    certainty=st.sampled_from(list(Certainty)),
    text=st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"
        ),
        min_size=1,
        max_size=80,
    ).filter(lambda t: t.strip() == t and t),
    lat=st.floats(-89, 89),
    lon=st.floats(-179, 179),
    radius=st.floats(0.01, 500),
    minutes=st.integers(1, 100_000),
)
def test_every_generated_document_validates_against_the_schema(
    status: Status,
    categories: list[Category],
    responses: list[ResponseType],
    urgency: Urgency,
    severity: Severity,
    certainty: Certainty,
    text: str,
    lat: float,
    lon: float,
    radius: float,
    minutes: int,
) -> None:
    lat, lon = round(lat, 6), round(lon, 6)
    info = alert_data()["info"][0] | {
        "category": categories,
        "responseType": responses,
        "urgency": urgency,
        "severity": severity,
        "certainty": certainty,
        "headline": text,
        "description": text,
        "expires": NOW + dt.timedelta(minutes=minutes),
        "area": [{"areaDesc": text, "circle": [{"lat": lat, "lon": lon, "radius_km": radius}]}],
    }
    alert = CapAlert.model_validate(alert_data(status=status, info=[info]))
    data = to_cap_xml(alert)
    validate_generated(data)
    again = parse_cap(data)
    assert again.info[0].headline == text
    assert again.info[0].area[0].circles[0].lat == pytest.approx(lat, abs=1e-6)


def _invalid(data: bytes, **kwargs: Any) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse_cap(data, **kwargs)
    return caught.value


def _polygon(text: str) -> bytes:
    return cap_bytes().replace(
        b"<polygon>48.1,16.3 48.1,16.5 48.3,16.5 48.3,16.3 48.1,16.3</polygon>",
        f"<polygon>{text}</polygon>".encode(),
    )


def test_polygon_not_closed() -> None:
    error = _invalid(_polygon("48.1,16.3 48.1,16.5 48.3,16.5 48.3,16.3"))
    assert error.field == "cap.info.0.area.0.polygon.0"
    assert "not closed" in error.reason


def test_polygon_that_intersects_itself() -> None:
    error = _invalid(_polygon("48.1,16.3 48.3,16.5 48.1,16.5 48.3,16.3 48.1,16.3"))
    assert error.field == "cap.info.0.area.0.polygon.0"
    assert "intersects itself" in error.reason


def test_polygon_with_fewer_than_four_pairs() -> None:
    error = _invalid(_polygon("48.1,16.3 48.1,16.5 48.1,16.3"))
    assert error.field == "cap.info.0.area.0.polygon.0"
    assert "at least 4" in error.reason


def test_polygon_off_the_earth_and_garbled_pairs() -> None:
    assert "not on Earth" in _invalid(_polygon("98.1,16.3 48.1,16.5 48.3,16.5 98.1,16.3")).reason
    assert "lat,lon" in _invalid(_polygon("48.1;16.3 48.1,16.5 48.3,16.5 48.1;16.3")).reason


def test_expires_before_effective() -> None:
    data = cap_bytes().replace(b"<expires>2026-11-23T13:00:00", b"<expires>2026-11-23T09:00:00")
    error = _invalid(data)
    assert error.field == "cap.info.0.expires"
    assert "after effective" in error.reason


def test_unknown_cap_value_is_named_by_the_schema() -> None:
    error = _invalid(
        cap_bytes().replace(b"<urgency>Immediate</urgency>", b"<urgency>Now</urgency>")
    )
    assert error.field == "cap.info.urgency"
    assert error.reason.startswith("'Now': value must be one of ['Immediate',")
    with pytest.raises(ValueError, match="urgency"):
        CapAlert.model_validate(alert_data(info=[alert_data()["info"][0] | {"urgency": "Now"}]))


def test_missing_required_element() -> None:
    error = _invalid(cap_bytes().replace(b"<sender>coordinator@vigil.example</sender>", b""))
    assert error.field == "cap"
    assert "sender" in error.reason


def test_not_xml() -> None:
    error = _invalid(b"%PDF-1.7 this is not XML")
    assert error.field == "cap"
    assert "not well-formed XML" in error.reason
    assert "not well-formed XML" in _invalid(cap_bytes()[:-20]).reason


def test_not_a_cap_document() -> None:
    error = _invalid(b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>")
    assert "not a CAP alert" in error.reason


def test_external_entity_is_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        b"<identifier>&xxe;</identifier></alert>"
    )
    error = _invalid(xxe)
    assert error.field == "cap"
    assert "DTD" in error.reason or "entit" in error.reason or "external" in error.reason


def test_entity_expansion_bomb_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<alert>&lol2;</alert>"
    )
    assert _invalid(bomb).field == "cap"


def test_fifty_megabyte_file_is_refused_before_parsing() -> None:
    huge = cap_bytes().replace(b"<note>", b"") + b" " * (50 * 1024 * 1024)
    error = _invalid(huge, max_bytes=1024 * 1024)
    assert error.field == "cap"
    assert "at most 1,048,576" in error.reason


def test_identifier_with_spaces_is_refused() -> None:
    error = _invalid(cap_bytes().replace(b"<identifier>vigil-1<", b"<identifier>vigil 1<"))
    assert error.field == "cap.identifier"


def test_circle_and_time_zone_errors() -> None:
    with pytest.raises(ValueError, match="circle"):
        CapAlert.model_validate(
            alert_data(
                info=[
                    alert_data()["info"][0] | {"area": [{"areaDesc": "x", "circle": ["48.2 16.3"]}]}
                ]
            )
        )
    with pytest.raises(ValueError, match="zone"):
        CapAlert.model_validate(alert_data(sent=dt.datetime(2026, 1, 1)))


def test_msg_type_values() -> None:
    assert [m.value for m in MsgType] == ["Alert", "Update", "Cancel", "Ack", "Error"]


def test_text_xml_cannot_carry_is_refused_with_its_field() -> None:
    info = alert_data()["info"][0] | {"headline": "bell \x07 here"}
    with pytest.raises(ValueError, match="U\\+0007") as caught:
        CapAlert.model_validate(alert_data(info=[info]))
    assert caught.value.errors()[0]["loc"] == ("info", 0, "headline")  # type: ignore[attr-defined]
