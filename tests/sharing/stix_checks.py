"""What every STIX bundle Vigil emits must pass: the OASIS validator in strict mode (warnings
are errors), object by object and as a whole, and the `stix2` library reading it back."""

from __future__ import annotations

import json
from typing import Any

import stix2
from stix2validator import ValidationOptions, validate_instance, validate_string

STRICT = ValidationOptions(strict=True, version="2.1")


def assert_strictly_valid(bundle: dict[str, Any]) -> None:
    for obj in bundle["objects"]:
        result = validate_instance(obj, STRICT)
        problems = [str(e) for e in result.errors] + [str(w) for w in result.warnings]
        assert result.is_valid and not problems, (obj["id"], problems)
    whole = validate_string(json.dumps(bundle), STRICT)
    assert whole.is_valid, [str(e) for e in whole.errors]
    parsed = stix2.parse(json.dumps(bundle), allow_custom=False)
    assert len(parsed.objects) == len(bundle["objects"])


def objects_of(bundle: dict[str, Any], stix_type: str) -> list[dict[str, Any]]:
    return [o for o in bundle["objects"] if o["type"] == stix_type]
