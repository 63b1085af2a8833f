"""One rule for every partial update (PATCH and the like), so null never reaches a NOT NULL
column as a server error and never means two things.

A field left out stays as it is. A field sent as null is refused with a 422 naming it ("may not
be null"), unless the field is marked `NULL_CLEARS`: a value that may be empty (an incident's
site, an alert's expiry), for which null clears it. The OpenAPI schema says the same: only
clearing fields accept null, and each field's description repeats the rule.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

NULL_REFUSED = "may not be null; leave the field out to keep its value"
LEFT_OUT = "Left out: unchanged. Never null."
CLEARED = "Left out: unchanged; null clears it."
REQUIRED = "Never null."


class NullClears:
    """Annotated marker of a partial-update field on which null means "clear it"."""


NULL_CLEARS = NullClears()


def clears(field: FieldInfo) -> bool:
    return any(isinstance(m, NullClears) for m in field.metadata)


def _document_nulls(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Only clearing fields accept null in the schema; every field's description says so."""
    properties: dict[str, dict[str, Any]] = schema.get("properties", {})
    for name, field in model.model_fields.items():
        prop = properties.get(field.alias or name)
        if prop is None:
            continue
        if not clears(field):
            variants = [v for v in prop.get("anyOf", []) if v != {"type": "null"}]
            if "anyOf" in prop:
                del prop["anyOf"]
                if len(variants) == 1:
                    prop.update(variants[0])
                else:
                    prop["anyOf"] = variants
            if prop.get("default", "") is None:
                del prop["default"]
        rule = REQUIRED if field.is_required() else CLEARED if clears(field) else LEFT_OUT
        prop["description"] = f"{prop['description']} {rule}" if "description" in prop else rule


class PartialUpdate(BaseModel):
    """Base of every schema that changes some fields of an existing record."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_nulls)

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_clears(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name and not clears(cls.model_fields[info.field_name]):
            raise PydanticCustomError("null_refused", NULL_REFUSED)
        return value
