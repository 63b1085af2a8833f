"""CSV import into the acting organisation, the same for every domain: a dry run listing every
error by line and column, then an all-or-nothing commit, audited with the file's hash.

The domain gives the spec, how one row is validated (by the schema its API uses, so a file cannot
hold what the API would refuse) and how the valid rows are written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.policy import Principal, Role, acting_org
from vigil.core.transfer.columns import Spec
from vigil.core.transfer.csvfile import ImportRejected, RowError, decode_utf8, read_csv

R = TypeVar("R")


class ImportReport(BaseModel):
    """What an import found and did; each domain's report adds the list of ids it created."""

    IDS: ClassVar[str]  # the name of that list, e.g. "site_ids", also the audit entry's key

    dry_run: bool
    rows: int
    valid: bool
    created: int
    ignored_columns: list[str]
    errors: list[RowError]


Report = TypeVar("Report", bound=ImportReport)


def schema_errors(
    line: int, exc: ValidationError, column_of: Callable[[tuple[Any, ...], str], str]
) -> list[RowError]:
    """A schema's refusal as row errors; `column_of(loc, message)` names each error's column."""
    found = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        column = column_of(tuple(error["loc"]), message)
        found.append(RowError(line=line, column=column, message=message))
    return found


@dataclass(frozen=True)
class Upload:
    """A file handed in for import, and whether only to check it."""

    raw: bytes
    filename: str
    dry_run: bool


@dataclass(frozen=True)
class Import(Generic[R, Report]):
    """How one domain's rows come in: `validate_row(line, cells)` gives a row ready to write or
    its errors (never a list for a row), `report` is the domain's answer, `action` and
    `target_type` name the audit entry."""

    spec: Spec
    validate_row: Callable[[int, Mapping[str, str]], R | list[RowError]]
    report: type[Report]
    action: str
    target_type: str

    def run(
        self,
        *,
        session: Session,
        principal: Principal,
        upload: Upload,
        save_rows: Callable[[list[R], int], list[int]],
        review: Callable[[list[R], int], Mapping[str, Any]] | None = None,
    ) -> Report:
        """Check every row; unless a dry run, write all rows, or none if any row is wrong.

        `save_rows(rows, org_id)` writes them all into the acting organisation, gives their ids.
        `review(rows, org_id)`, when given, looks at the valid rows before anything is written
        (e.g. for records they may repeat) and gives more fields of the domain's report.
        """
        org_id = acting_org(principal, Role.coordinator)
        header, records = read_csv(decode_utf8(upload.raw), check_header=self.spec.check_header)
        rows: list[R] = []
        errors: list[RowError] = []
        for line, cells in records:
            result = self.validate_row(line, cells)
            if isinstance(result, list):
                errors += result
            else:
                rows.append(result)
        if errors and not upload.dry_run:
            raise ImportRejected(errors)
        ids_field = self.report.IDS
        found = self.report.model_validate(
            {
                "dry_run": upload.dry_run,
                "rows": len(records),
                "valid": not errors,
                "created": 0,
                ids_field: [],
                "ignored_columns": self.spec.ignored_in(header),
                "errors": errors,
                **(review(rows, org_id) if review else {}),
            }
        )
        if upload.dry_run:
            return found
        ids = save_rows(rows, org_id)
        audit.log_action(
            session,
            principal,
            self.action,
            target_type=self.target_type,
            org_id=org_id,
            detail={
                "count": len(ids),
                "file": upload.filename,
                "sha256": hashlib.sha256(upload.raw).hexdigest(),
                ids_field: ids,
            },
        )
        return found.model_copy(update={"created": len(ids), ids_field: ids})
