"""Schema migrations (Alembic) run from code: `vigil db upgrade`, /readyz, the test suite."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Index

if TYPE_CHECKING:
    from vigil.core.config import Settings

# An installed wheel carries the migrations inside the package (setup.py); a checkout keeps
# them at its root, beside alembic.ini (for `alembic revision` while developing).
PACKAGED = Path(__file__).resolve().parents[1] / "migrations"
CHECKOUT = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PACKAGED if PACKAGED.is_dir() else CHECKOUT))
    config.attributes["url"] = url
    return config


def include_object(dialect: str) -> Any:
    """Alembic's `include_object` for comparing models and database: drops the indexes that
    `vigil.core.db.only_on` reserves for another database."""

    def include(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        model = compare_to if reflected else obj
        if kind == "index" and isinstance(model, Index):
            wanted = model.info.get("only_on")
            return wanted is None or wanted == dialect
        return True

    return include


def upgrade(url: str, revision: str = "head", *, audit_key: str | None = None) -> None:
    """Migrate to `revision`. Migration 0011 seals the entries left unsealed before audit
    entries were signed, with `audit_key`; without it, it refuses when there are any."""
    config = alembic_config(url)
    config.attributes["audit_key"] = audit_key
    command.upgrade(config, revision)


def upgrade_instance(settings: Settings, revision: str = "head") -> None:
    """`vigil db upgrade` for one instance: its data directory made, a new database's audit
    checkpoint started afresh, then `upgrade` with the instance's audit key."""
    from vigil.core import audit_checkpoint
    from vigil.core.db import get_engine

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if current_revision(get_engine(settings.sqlalchemy_url)) is None:
        audit_checkpoint.reset_checkpoint(settings.data_dir)
    upgrade(settings.sqlalchemy_url, revision, audit_key=settings.audit_key)


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
