"""CSV import of incidents into the acting organisation: a dry run, then an all-or-nothing commit.

Every row is validated by the schema the API uses (`ReportCreate`), and errors name the line
and the column. A committed file becomes reports (source `import`, kept as submitted) and the
triaged incidents built from them, written through the bulk path in `incidents.transfer`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from vigil.core import audit, csvfile
from vigil.core.csvfile import (
    HEADER_LINE,
    ImportRejected,
    RowError,
    decode_utf8,
    header_problems,
    restore_formula,
)
from vigil.core.policy import Principal, Role, acting_org
from vigil.incidents import transfer
from vigil.incidents.exports import CODE_SEPARATOR, CSV_COLUMNS, TEXT_COLUMNS
from vigil.incidents.schemas import ReportCreate
from vigil.incidents.transfer import CODE_SCHEMES
from vigil.incidents.typology import Source, Status

REQUIRED_COLUMNS = ("title", "occurred_from", "type")
PLACE_ALTERNATIVES = (("city", "country"), ("lat", "lon"))
# Export columns an import accepts but does not take: the importing organisation, the source
# and the status are decided here, and ids are given by the database.
IGNORED_COLUMNS = ("id", "source", "status", "owner_org_id")
PLACE_COLUMNS = frozenset({"lat", "lon", "address", "city", "country", "precision"})


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    valid: bool
    created: int
    incident_ids: list[int]
    ignored_columns: list[str]
    errors: list[RowError]


def _check_header(header: list[str]) -> None:
    problems = header_problems(header, known=CSV_COLUMNS, required=REQUIRED_COLUMNS)
    seen = set(header)
    if not any(all(c in seen for c in pair) for pair in PLACE_ALTERNATIVES):
        missing = [c for pair in PLACE_ALTERNATIVES for c in pair if c not in seen]
        for column in missing:
            problems.append(
                RowError(
                    line=HEADER_LINE,
                    column=column,
                    message="required column is missing: give city and country, or lat and lon",
                )
            )
    if problems:
        raise ImportRejected(problems)


def read_csv(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    return csvfile.read_csv(text, check_header=_check_header)


def _submission(cells: Mapping[str, str]) -> dict[str, Any]:
    """A row's cells as the API's report body: empty cells are absent, codes become lists."""
    data: dict[str, Any] = {}
    place: dict[str, Any] = {}
    for column, raw in cells.items():
        value: Any = raw.strip()
        if not value or column in IGNORED_COLUMNS:
            continue
        if column in TEXT_COLUMNS:
            value = restore_formula(value)
        if column in CODE_SCHEMES:
            value = [c.strip() for c in value.split(CODE_SEPARATOR) if c.strip()]
        (place if column in PLACE_COLUMNS else data)[column] = value
    if place:
        data["place"] = place
    return data


def _column_of(loc: tuple[Any, ...], message: str, cells: Mapping[str, str]) -> str:
    if loc and loc[0] == "place":
        if len(loc) > 1:
            return str(loc[1])
        return "lon" if cells.get("lat", "").strip() else "lat"
    if loc:
        return str(loc[0])
    # A check across fields: the column the message names first.
    mentions = [
        (m.start(), column)
        for column in CSV_COLUMNS
        if (m := re.search(rf"\b{column}\b", message, re.IGNORECASE))
    ]
    return min(mentions)[1] if mentions else "row"


def validate_row(line: int, cells: Mapping[str, str]) -> ReportCreate | list[RowError]:
    data = _submission(cells)
    place = data.get("place", {})
    errors: list[RowError] = []
    if "lat" not in place and "lon" not in place:
        for column in ("city", "country"):
            if column not in place:
                message = "give city and country, or lat and lon"
                errors.append(RowError(line=line, column=column, message=message))
    try:
        submission = ReportCreate.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            column = _column_of(tuple(error["loc"]), message, cells)
            errors.append(RowError(line=line, column=column, message=message))
        return errors
    return errors or submission


def import_incidents(
    *, session: Session, principal: Principal, raw: bytes, filename: str, dry_run: bool
) -> ImportReport:
    """Check every row; unless a dry run, write all rows, or none if any row is wrong."""
    org_id = acting_org(principal, Role.coordinator)
    header, records = read_csv(decode_utf8(raw))
    submissions: list[ReportCreate] = []
    errors: list[RowError] = []
    for line, cells in records:
        result = validate_row(line, cells)
        if isinstance(result, ReportCreate):
            submissions.append(result)
        else:
            errors.extend(result)
    if errors and not dry_run:
        raise ImportRejected(errors)
    report = ImportReport(
        dry_run=dry_run,
        rows=len(records),
        valid=not errors,
        created=0,
        incident_ids=[],
        ignored_columns=[c for c in header if c in IGNORED_COLUMNS],
        errors=errors,
    )
    if dry_run:
        return report
    common = {"owner_org_id": org_id, "author_id": principal.person_id}
    ids = transfer.bulk_insert_incidents(
        session=session,
        rows=[
            {
                **transfer.incident_values(s),
                **common,
                "tlp": s.tlp.value,
                "source": Source.import_.value,
                "status": Status.triaged.value,
            }
            for s in submissions
        ],
    )
    transfer.bulk_insert_reports(
        session=session,
        rows=[
            {
                **common,
                "tlp": s.tlp.value,
                "source": Source.import_.value,
                "status": "attached",
                "incident_id": incident_id,
            }
            for s, incident_id in zip(submissions, ids, strict=True)
        ],
        contents=[
            s.model_dump(mode="json", exclude={"tlp", "recipients", "contact"}) for s in submissions
        ],
    )
    audit.log_action(
        session,
        principal,
        "incident.import",
        target_type="incidents",
        org_id=org_id,
        detail={
            "count": len(ids),
            "file": filename,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "incident_ids": ids,
        },
    )
    return report.model_copy(update={"created": len(ids), "incident_ids": ids})
