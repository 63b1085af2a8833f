"""`vigil reports figures refresh|rebuild|check` on a real database of each backend."""

from __future__ import annotations

from sqlalchemy import text

from tests.incidents.test_service import new_incident, principal_with
from tests.test_cli import Vigil, _env
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import Role


def test_check_fails_until_refreshed_names_a_tampered_cell_and_rebuild_repairs_it(
    settings: Settings,
) -> None:
    vigil = Vigil(_env(settings.sqlalchemy_url, settings.data_dir))
    with transaction(settings.sqlalchemy_url) as session:
        new_incident(session, settings, principal_with(session, settings, Role.coordinator))

    waiting = vigil("reports", "figures", "check")
    assert waiting.exit_code == 1, waiting.output
    assert "Figures refreshed: never" in waiting.output
    assert "cells differ" in waiting.output

    refreshed = vigil("reports", "figures", "refresh")
    assert refreshed.exit_code == 0, refreshed.output
    assert "changes waiting: 0" in refreshed.output
    agreed = vigil("reports", "figures", "check")
    assert agreed.exit_code == 0, agreed.output
    assert "The figures agree with the incidents." in agreed.output

    with transaction(settings.sqlalchemy_url) as session:
        session.execute(text("UPDATE figure_months SET incidents = incidents + 5"))
    tampered = vigil("reports", "figures", "check")
    assert tampered.exit_code == 1
    assert "figure_months" in tampered.output and "stored 6, incidents give 1" in tampered.output

    rebuilt = vigil("reports", "figures", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert vigil("reports", "figures", "check").exit_code == 0
