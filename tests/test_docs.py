"""Every setting is documented for operators (ARCHITECTURE: settings with help text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.core.config import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_has_help_text_and_is_in_the_readme(name: str) -> None:
    field = Settings.model_fields[name]
    assert field.description, f"setting {name} has no help text"
    assert f"VIGIL_{name.upper()}" in (ROOT / "README.md").read_text()


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ValueError, match="VIGIL_SECRET_KEY"):
        Settings(env="production")
