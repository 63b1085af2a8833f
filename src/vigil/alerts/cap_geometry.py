"""CAP's shapes: a polygon ("lat,lon" pairs, closed, simple, at least four) and a circle
("lat,lon radius_km"; radius 0 is a point), checked for what the XML schema cannot see."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.validation import explain_validity

Point = tuple[float, float]


def _check_point(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{lat},{lon} is not on Earth (latitude -90..90, longitude -180..180)")


def _parse_pairs(value: Any) -> Any:
    """A CAP polygon string "lat,lon lat,lon ..." as a list of (lat, lon) pairs."""
    if not isinstance(value, str):
        return value
    points = []
    for pair in value.split():
        parts = pair.split(",")
        if len(parts) != 2:
            raise ValueError(f"{pair!r} is not a 'lat,lon' pair")
        try:
            points.append((float(parts[0]), float(parts[1])))
        except ValueError:
            raise ValueError(f"{pair!r} is not a 'lat,lon' pair of numbers") from None
    return points


def _check_polygon(points: list[Point]) -> list[Point]:
    if len(points) < 4:
        raise ValueError(f"a polygon needs at least 4 lat,lon pairs (first = last): {len(points)}")
    for lat, lon in points:
        _check_point(lat, lon)
    if points[0] != points[-1]:
        raise ValueError("the polygon is not closed: its last pair must repeat the first")
    shape = ShapelyPolygon([(lon, lat) for lat, lon in points])
    if not shape.is_valid:
        reason = explain_validity(shape)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            raise ValueError(f"the polygon intersects itself ({reason})")
        raise ValueError(f"the polygon is not a valid area ({reason})")
    if shape.area == 0:
        raise ValueError("the polygon encloses no area")
    return points


Polygon = Annotated[list[Point], BeforeValidator(_parse_pairs), AfterValidator(_check_polygon)]


class Circle(BaseModel):
    """A CAP circle "lat,lon radius_km"; a radius of 0 is a point (an earthquake's epicentre)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(ge=0, le=20000)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = re.fullmatch(r"\s*([^\s,]+),([^\s,]+)\s+([^\s,]+)\s*", value)
        if not match:
            raise ValueError(f"{value!r} is not a 'lat,lon radius_km' circle")
        lat, lon, radius = match.groups()
        return {"lat": lat, "lon": lon, "radius_km": radius}

    def to_cap(self) -> str:
        return f"{coordinate(self.lat)},{coordinate(self.lon)} {coordinate(self.radius_km)}"


def coordinate(value: float) -> str:
    """A coordinate without float noise or a trailing '.0'."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
