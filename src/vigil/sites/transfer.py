"""Sites in and out as files: CSV import into the acting organisation, CSV and GeoJSON export of
the sites a principal may see. The columns are written down here; `core.transfer` does the rest.

Rows are checked by the schemas the API uses (`SiteCreate`, and `ContactWrite` for the optional
first contact), so a file cannot hold what the API would refuse. The import's columns are the
export's plus the first contact's, so a file exported from Vigil imports as it is; contacts are
never exported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.policy import Principal
from vigil.core.transfer import (
    Column,
    Export,
    Import,
    ImportReport,
    RowError,
    Spec,
    Upload,
    schema_errors,
)
from vigil.sites import service
from vigil.sites.contacts import set_contacts
from vigil.sites.models import Site
from vigil.sites.schemas import ContactWrite, SiteCreate, SiteFilters


def _contact(name: str) -> Column:
    return Column(f"contact_{name}", path=("contact", name), exported=False)


# The importing organisation owns the sites, and ids are given by the database: an import
# accepts `id` and `owner_org_id` but does not take them.
SPEC = Spec(
    columns=(
        Column("id", ignored=True),
        Column("name", text=True),
        Column("type"),
        Column("address", text=True),
        Column("city", text=True),
        Column("country"),
        Column("lat"),
        Column("lon"),
        Column("perimeter"),
        Column("capacity"),
        Column("typical_attendance"),
        Column("opening_pattern", text=True),
        Column("tlp"),
        Column("owner_org_id", ignored=True),
        *(_contact(name) for name in ("name", "role", "email", "phone")),
    ),
    required=("name", "type", "lat", "lon"),
)


class SiteImportReport(ImportReport):
    IDS = "site_ids"
    site_ids: list[int]


Row = tuple[SiteCreate, ContactWrite | None]


def _site_column(loc: tuple[Any, ...], _message: str) -> str:
    return SPEC.column_at(loc) or (str(loc[0]) if loc else "name")


def _contact_column(loc: tuple[Any, ...], _message: str) -> str:
    """A check across the contact's fields points at its name."""
    return SPEC.column_at(("contact", *loc)) or f"contact_{loc[0] if loc else 'name'}"


def validate_row(line: int, cells: Mapping[str, str]) -> Row | list[RowError]:
    data, errors = SPEC.read_row(line, cells)
    contact = data.pop("contact", None)
    site: SiteCreate | None = None
    first_contact: ContactWrite | None = None
    try:
        site = SiteCreate.model_validate(data)
    except ValidationError as exc:
        errors += schema_errors(line, exc, _site_column)
    if contact:
        try:
            first_contact = ContactWrite.model_validate(contact)
        except ValidationError as exc:
            errors += schema_errors(
                line, exc, lambda loc, _: f"contact_{loc[0] if loc else 'name'}"
            )
    if errors or site is None:
        return errors
    return site, first_contact


IMPORT = Import(SPEC, validate_row, SiteImportReport, "site.import", "sites")


def import_sites(
    *, session: Session, principal: Principal, settings: Settings, upload: Upload
) -> SiteImportReport:
    """Each row becomes a site as the API creates it, with its first contact if the row has one."""

    def create_sites(rows: list[Row], _org_id: int) -> list[int]:
        ids = []
        for data, contact in rows:
            site = service.create_site(session=session, principal=principal, data=data)
            if contact is not None:
                set_contacts(
                    session=session,
                    principal=principal,
                    settings=settings,
                    site_id=site.id,
                    contacts=[contact],
                )
            ids.append(site.id)
        return ids

    return IMPORT.run(session=session, principal=principal, upload=upload, save_rows=create_sites)


def geojson_feature(site: Site, _: object = None) -> dict[str, Any]:
    """A Feature at the site's point ([lon, lat]); the perimeter travels as a property."""
    tier = service.site_duty_tier(site).tier
    return {
        "type": "Feature",
        "id": site.id,
        "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
        "properties": {
            "name": site.name,
            "type": site.type,
            "address": site.address,
            "city": site.city,
            "country": site.country,
            "capacity": site.capacity,
            "capacity_tier": tier,
            "typical_attendance": site.typical_attendance,
            "opening_pattern": site.opening_pattern,
            "perimeter": json.loads(site.perimeter) if site.perimeter else None,
            "tlp": site.tlp,
            "owner_org_id": site.owner_org_id,
        },
    }


# Rows come from `service.filtered`, the policy-scoped query behind the list.
EXPORT: Export[Site, SiteFilters] = Export(
    noun="sites",
    action="site.export",
    query=service.filtered,
    order_by=(Site.name, Site.id),
    spec=SPEC,
    feature=geojson_feature,
)
