"""What pydantic says of a form's bad value, as Vigil's own messages, so that pages can show it
in the reader's language: pydantic's English ("String should have at most 200 characters") is
no msgid. Its error types carry the limits as values (`ctx`), which the messages name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from vigil.core.errors import N_, field_path

REASONS = {
    "missing": N_("this field is required"),
    "string_too_short": N_("must have at least %(min_length)s characters"),
    "string_too_long": N_("must have at most %(max_length)s characters"),
    "too_short": N_("must have at least %(min_length)s items"),
    "too_long": N_("must have at most %(max_length)s items"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "float_type": N_("must be a number"),
    "decimal_parsing": N_("must be a number"),
    "greater_than_equal": N_("must be at least %(ge)s"),
    "greater_than": N_("must be more than %(gt)s"),
    "less_than_equal": N_("must be at most %(le)s"),
    "less_than": N_("must be less than %(lt)s"),
    "literal_error": N_("must be one of %(expected)s"),
    "enum": N_("must be one of %(expected)s"),
    "bool_parsing": N_("must be yes or no"),
    "datetime_parsing": N_("must be a date and time"),
    "datetime_from_date_parsing": N_("must be a date and time"),
    "date_parsing": N_("must be a date"),
    "date_from_datetime_parsing": N_("must be a date"),
    "time_parsing": N_("must be a time of day"),
    "url_parsing": N_("must be a web address"),
    "url_scheme": N_("must be a web address"),
    "string_pattern_mismatch": N_("is not in the expected form"),
    "string_type": N_("must be text"),
    "extra_forbidden": N_("is not a field of this form"),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def problem_of(error: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(field, msgid, values) for one pydantic error; a validator's own message (a
    ValueError's) and a type not listed keep pydantic's text, without its "Value error, "."""
    field = field_path(tuple(error.get("loc", ())))
    reason = REASONS.get(str(error.get("type", "")))
    context = {
        k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, str | int | float)
    }
    if reason is None or not set(PLACEHOLDER.findall(reason)) <= context.keys():
        return field, str(error.get("msg", "")).removeprefix("Value error, "), {}
    return field, reason, {k: context[k] for k in PLACEHOLDER.findall(reason)}
