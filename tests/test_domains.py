"""The registry of domains (vigil.domains): the central files loop over it and name no domain,
what the domains declare does not collide, and the order the routes are mounted in hides none."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from fastapi.routing import iter_route_contexts
from starlette.routing import Match

from tests.conftest import base_settings
from vigil.app import create_app
from vigil.core.db import Base
from vigil.domains import DOMAINS, MENU

SRC = Path(__file__).resolve().parents[1] / "src" / "vigil"
CENTRAL_FILES = ["app.py", "worker.py", "cli.py", "models.py", "demo.py"]
PARAM = re.compile(r"{[^}]+}")


def _imported(path: Path) -> set[str]:
    """Every module a file imports, `from vigil import orgs` counted as `vigil.orgs`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_central_files_name_no_domain() -> None:
    packages = {f"vigil.{domain.name}" for domain in DOMAINS if domain.name != "core"}
    for name in CENTRAL_FILES:
        named = {
            module
            for module in _imported(SRC / name)
            if any(module == p or module.startswith(f"{p}.") for p in packages)
        }
        assert not named, f"{name} imports {sorted(named)}: declare it in the domain instead"


def test_no_route_is_shadowed_by_one_mounted_before_it(tmp_path: Path) -> None:
    app = create_app(base_settings(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path / "data"))
    routes = list(iter_route_contexts(app.routes))
    for route in routes:
        for method in sorted(route.methods or ()):
            path = PARAM.sub("1", route.path)
            scope = {"type": "http", "method": method, "path": path, "root_path": ""}
            first = next(r for r in routes if r.matches(scope)[0] == Match.FULL)
            assert first.original_route is route.original_route, (
                f"{method} {route.path} is taken by {first.path}, mounted before it"
            )


def test_every_mapped_table_is_in_a_models_module_its_domain_declares() -> None:
    declared = {module.__name__ for domain in DOMAINS for module in domain.models()}
    for mapper in Base.registry.mappers:
        assert mapper.class_.__module__ in declared, mapper.class_


def test_no_two_domains_declare_the_same_name_job_task_command_or_page() -> None:
    declared = {
        "domain": [domain.name for domain in DOMAINS],
        "job kind": [kind for domain in DOMAINS for kind in domain.job_handlers()],
        "periodic task": [task.name for domain in DOMAINS for task in domain.periodic_tasks()],
        "runner": [runner.name for domain in DOMAINS for runner in domain.runners()],
        "command": [name for domain in DOMAINS for name, _app in domain.cli()],
        "demo command": ["load", *(n for domain in DOMAINS for n, _ in domain.demo_commands())],
        "navigation path": [path for domain in DOMAINS for path, _label in domain.nav],
    }
    for what, names in declared.items():
        twice = [name for name, count in Counter(names).items() if count > 1]
        assert not twice, f"{what} declared twice: {twice}"


def test_the_menu_orders_every_domain_once() -> None:
    assert sorted(d.name for d in MENU) == sorted(d.name for d in DOMAINS)
