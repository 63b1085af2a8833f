"""CSV import of incidents into the acting organisation (the columns: `incidents.transfer`).

Every row is validated by the schema the API uses (`ReportCreate`). A row that gives a city and
country but no point is placed offline at the city's centre (incidents.intake_place: only a
name found as written in that country), so it is compared by place like a member's report.
Each valid row is then looked up with the duplicate search among the incidents the importer may
read; the answer lists, by line, the likely duplicates and what placing found, in a dry run
(which writes nothing) and on commit alike.

A committed file becomes reports (source `import`, kept as submitted) and incidents built from
them, owned by the importing organisation. A `status` column is kept when it is a status an
incident may have on arrival, and a `source_org` (or `organisation`) column naming another
organisation is kept as the record's provenance: an export imported again elsewhere still says
where it came from and how far it got.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from vigil.core.policy import Principal
from vigil.core.transfer import Import, ImportReport, RowError, Upload, schema_errors
from vigil.geo.folding import fold
from vigil.incidents import duplicates
from vigil.incidents.intake_place import Outcome, Placing, place_name
from vigil.incidents.schemas import ReportCreate
from vigil.incidents.transfer import (
    SPEC,
    bulk_insert_incidents,
    bulk_insert_reports,
    incident_values,
)
from vigil.incidents.typology import Precision, Source, Status
from vigil.orgs import directory as orgs_directory

# Statuses an incident may arrive with: `merged` needs the incident it joined, which a file
# cannot name.
IMPORTED_STATUSES = tuple(s.value for s in Status if s is not Status.merged)
DEFAULT_STATUS = Status.triaged.value
# Each row costs a run of the duplicate search: the first rows of a file this long are looked
# up, so that a large file still imports in seconds.
CHECKED_ROWS = 2000


class Geocoding(BaseModel):
    """How a row's city was placed: `placed` at the city's centre, or why it was not."""

    outcome: Outcome
    city: str | None
    country: str | None
    precision: str | None
    reason: str


class LikelyDuplicate(BaseModel):
    incident_id: int
    score: float


class LineCheck(BaseModel):
    """What a valid row was found to be like: likely duplicates among the incidents the
    importer may read, best first, and how its city was placed (null when it gave a point)."""

    line: int
    duplicates: list[LikelyDuplicate]
    geocoding: Geocoding | None


class IncidentImportReport(ImportReport):
    IDS = "incident_ids"
    incident_ids: list[int]
    lines: list[LineCheck] = []
    checked_rows: int = 0


@dataclass(frozen=True)
class ImportRow:
    """A valid row: what it reports, and what the import keeps beside it."""

    line: int
    submission: ReportCreate
    status: str
    source_org: str
    placing: Placing | None


def _column_of(loc: tuple[Any, ...], message: str, cells: Mapping[str, str]) -> str:
    if loc == ("place",):
        return "lon" if cells.get("lat", "").strip() else "lat"
    if loc:
        return SPEC.column_at(loc) or str(loc[0])
    return SPEC.first_named(message) or "row"


def _placed(submission: ReportCreate) -> tuple[ReportCreate, Placing | None]:
    """A row with a city and a country but no point gets the city's centre, city-level."""
    place = submission.place
    if place.lat is not None or not (place.city and place.country):
        return submission, None
    placing = place_name(place.city, place.country)
    found = placing.place
    if found is None or found.precision != "city":
        return submission, placing
    located = place.model_copy(
        update={"lat": found.lat, "lon": found.lon, "precision": Precision.city}
    )
    return submission.model_copy(update={"place": located}), placing


def validate_row(line: int, cells: Mapping[str, str]) -> ImportRow | list[RowError]:
    data, errors = SPEC.read_row(line, cells)
    status = data.pop("status", DEFAULT_STATUS)
    source_org = data.pop("source_org", "") or data.pop("organisation", "")
    data.pop("organisation", None)
    if status not in IMPORTED_STATUSES:
        message = f"unknown status {status!r}: use one of {', '.join(IMPORTED_STATUSES)}"
        errors.append(RowError(line=line, column="status", message=message))
    if len(source_org) > 200:
        errors.append(RowError(line=line, column="source_org", message="at most 200 characters"))
    place = data.get("place", {})
    if "lat" not in place and "lon" not in place:
        for column in ("city", "country"):
            if column not in place:
                message = "give city and country, or lat and lon"
                errors.append(RowError(line=line, column=column, message=message))
    try:
        submission = ReportCreate.model_validate(data)
    except ValidationError as exc:
        return errors + schema_errors(line, exc, lambda loc, m: _column_of(loc, m, cells))
    if errors:
        return errors
    submission, placing = _placed(submission)
    return ImportRow(line, submission, status, source_org, placing)


IMPORT = Import(SPEC, validate_row, IncidentImportReport, "incident.import", "incidents")


def _line_check(session: Session, principal: Principal, row: ImportRow) -> LineCheck:
    found = duplicates.candidates(session=session, principal=principal, fields=row.submission)
    placing = row.placing
    return LineCheck(
        line=row.line,
        duplicates=[
            LikelyDuplicate(incident_id=c.incident_id, score=c.score) for c in found if c.suggested
        ],
        geocoding=Geocoding.model_validate(placing.as_json()) if placing else None,
    )


def import_incidents(
    *, session: Session, principal: Principal, upload: Upload
) -> IncidentImportReport:
    """Each row becomes a report kept as submitted and the incident built from it."""

    def review(rows: list[ImportRow], org_id: int) -> dict[str, Any]:
        checked = rows[:CHECKED_ROWS]
        return {
            "lines": [_line_check(session, principal, row) for row in checked],
            "checked_rows": len(checked),
        }

    def write_rows(rows: list[ImportRow], org_id: int) -> list[int]:
        importer = fold(orgs_directory.organisation_name(session=session, org_id=org_id))
        common = {"owner_org_id": org_id, "author_id": principal.person_id}
        ids = bulk_insert_incidents(
            session=session,
            rows=[
                {
                    **incident_values(row.submission),
                    **common,
                    "tlp": row.submission.tlp.value,
                    "source": Source.import_.value,
                    "status": row.status,
                    # The importer's own name is no provenance: its own export coming back.
                    "source_org": "" if fold(row.source_org) == importer else row.source_org,
                }
                for row in rows
            ],
        )
        bulk_insert_reports(
            session=session,
            rows=[
                {
                    **common,
                    "tlp": row.submission.tlp.value,
                    "source": Source.import_.value,
                    "status": "attached",
                    "incident_id": incident_id,
                }
                for row, incident_id in zip(rows, ids, strict=True)
            ],
            contents=[
                row.submission.model_dump(mode="json", exclude={"tlp", "recipients", "contact"})
                for row in rows
            ],
        )
        return ids

    return IMPORT.run(
        session=session, principal=principal, upload=upload, save_rows=write_rows, review=review
    )
