"""CSV import of sites into the acting organisation: a dry run listing every error by line and
column, then an all-or-nothing commit.

Rows are checked by the schemas the API uses (`SiteCreate`, and `ContactWrite` for the optional
first contact), so a file cannot hold what the API would refuse. The columns are the export's
plus the first contact's; a file exported from Vigil imports as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from vigil.core import audit, csvfile
from vigil.core.config import Settings
from vigil.core.csvfile import ImportRejected, RowError, decode_utf8, header_problems
from vigil.core.policy import Principal, Role, acting_org
from vigil.sites.contacts import set_contacts
from vigil.sites.exports import CSV_COLUMNS, TEXT_COLUMNS
from vigil.sites.schemas import ContactWrite, SiteCreate
from vigil.sites.service import create_site

CONTACT_COLUMNS = ("contact_name", "contact_role", "contact_email", "contact_phone")
COLUMNS = [*CSV_COLUMNS, *CONTACT_COLUMNS]
REQUIRED_COLUMNS = ("name", "type", "lat", "lon")
# Export columns an import accepts but does not take: the importing organisation owns the
# sites, and ids are given by the database.
IGNORED_COLUMNS = ("id", "owner_org_id")


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    valid: bool
    created: int
    site_ids: list[int]
    ignored_columns: list[str]
    errors: list[RowError]


def _check_header(header: list[str]) -> None:
    problems = header_problems(header, known=COLUMNS, required=REQUIRED_COLUMNS)
    if problems:
        raise ImportRejected(problems)


def _errors(line: int, exc: ValidationError, prefix: str = "") -> list[RowError]:
    found = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        column = prefix + (str(loc[0]) if loc else "name")
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append(RowError(line=line, column=column, message=message))
    return found


Row = tuple[SiteCreate, ContactWrite | None]


def validate_row(line: int, cells: Mapping[str, str]) -> Row | list[RowError]:
    values: dict[str, Any] = {}
    contact: dict[str, Any] = {}
    for column, raw in cells.items():
        value = raw.strip()
        if not value or column in IGNORED_COLUMNS:
            continue
        if column in TEXT_COLUMNS:
            value = csvfile.restore_formula(value)
        if column in CONTACT_COLUMNS:
            contact[column.removeprefix("contact_")] = value
        else:
            values[column] = value
    errors: list[RowError] = []
    site: SiteCreate | None = None
    first_contact: ContactWrite | None = None
    try:
        site = SiteCreate.model_validate(values)
    except ValidationError as exc:
        errors += _errors(line, exc)
    if contact:
        try:
            first_contact = ContactWrite.model_validate(contact)
        except ValidationError as exc:
            errors += _errors(line, exc, prefix="contact_")
    if errors or site is None:
        return errors
    return site, first_contact


def import_sites(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    raw: bytes,
    filename: str,
    dry_run: bool,
) -> ImportReport:
    """Check every row; unless a dry run, write all rows, or none if any row is wrong."""
    org_id = acting_org(principal, Role.coordinator)
    header, records = csvfile.read_csv(decode_utf8(raw), check_header=_check_header)
    rows: list[Row] = []
    errors: list[RowError] = []
    for line, cells in records:
        result = validate_row(line, cells)
        if isinstance(result, list):
            errors += result
        else:
            rows.append(result)
    if errors and not dry_run:
        raise ImportRejected(errors)
    report = ImportReport(
        dry_run=dry_run,
        rows=len(records),
        valid=not errors,
        created=0,
        site_ids=[],
        ignored_columns=[c for c in header if c in IGNORED_COLUMNS],
        errors=errors,
    )
    if dry_run:
        return report
    ids = []
    for data, contact in rows:
        site = create_site(session=session, principal=principal, data=data)
        if contact is not None:
            set_contacts(
                session=session,
                principal=principal,
                settings=settings,
                site_id=site.id,
                contacts=[contact],
            )
        ids.append(site.id)
    audit.log_action(
        session,
        principal,
        "site.import",
        target_type="sites",
        org_id=org_id,
        detail={
            "count": len(ids),
            "file": filename,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "site_ids": ids,
        },
    )
    return report.model_copy(update={"created": len(ids), "site_ids": ids})
