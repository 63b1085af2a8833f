"""The pattern rules of `tools/check_patterns.py`: each catches its bad examples and none of its
good ones, applies where it says, and the source tree keeps every rule."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "check_patterns.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_patterns", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


patterns = _tool()


@pytest.mark.parametrize("rule", patterns.RULES, ids=lambda r: r.name)
def test_each_rule_catches_its_bad_examples_and_none_of_its_good_ones(rule: object) -> None:
    assert rule.bad and rule.good  # type: ignore[attr-defined]
    assert [line for line in rule.bad if not rule.catches(line)] == []  # type: ignore[attr-defined]
    assert [line for line in rule.good if rule.catches(line)] == []  # type: ignore[attr-defined]


def test_rules_apply_where_they_say() -> None:
    by_name = {r.name: r for r in patterns.RULES}
    routes = by_name["query-in-route"]
    assert routes.applies_to("src/vigil/sites/pages.py")
    assert routes.applies_to("src/vigil/incidents/triage_pages.py")
    assert not routes.applies_to("src/vigil/sites/service.py")
    commits = by_name["commit-outside-boundary"]
    assert commits.applies_to("src/vigil/alerts/fanout.py")
    assert not commits.applies_to("src/vigil/core/db.py")
    environment = by_name["environment-outside-settings"]
    assert environment.applies_to("src/vigil/worker.py")
    assert not environment.applies_to("src/vigil/core/config.py")


def test_a_comment_is_not_code() -> None:
    (rule,) = [r for r in patterns.RULES if r.name == "commit-outside-boundary"]
    assert not rule.catches("flush()  # the boundary calls session.commit() later")


def test_the_tree_keeps_every_rule(tmp_path: Path) -> None:
    assert patterns.findings() == []
    planted = tmp_path / "src" / "vigil" / "sites" / "pages.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("rows = session.scalars(select(Site))\n")
    assert patterns.findings(tmp_path) == [
        "src/vigil/sites/pages.py:1: query-in-route: routes parse, call the service and render; "
        "queries belong in the service"
    ]


def test_a_source_file_over_the_limit_is_reported_and_one_at_it_is_not(tmp_path: Path) -> None:
    package = tmp_path / "src" / "vigil" / "notices"
    package.mkdir(parents=True)
    (package / "service.py").write_text("x = 1\n" * patterns.MAX_LINES)
    (package / "pages.py").write_text("x = 1\n" * (patterns.MAX_LINES + 1))
    assert patterns.findings(tmp_path) == [
        f"src/vigil/notices/pages.py:{patterns.MAX_LINES + 1}: file-too-long: "
        f"{patterns.MAX_LINES + 1} lines, at most {patterns.MAX_LINES}: split it by concept"
    ]


def test_physical_sides_in_css_are_caught_unless_the_line_says_why() -> None:
    assert [line for line in patterns.CSS_BAD if not patterns.physical_css(line)] == []
    assert [line for line in patterns.CSS_GOOD if patterns.physical_css(line)] == []


def test_physical_sides_are_found_in_stylesheets_and_in_pdf_style_blocks(tmp_path: Path) -> None:
    static = tmp_path / "src" / "vigil" / "static"
    pdf = tmp_path / "src" / "vigil" / "templates" / "reports"
    static.mkdir(parents=True)
    pdf.mkdir(parents=True)
    (static / "x.css").write_text(".a { margin-inline-start: 1rem; }\n.b { padding-right: 2px; }\n")
    (pdf / "x_pdf.html").write_text(
        '<p style="x">left: 1px</p>\n<style>\n  td { text-align: right; }\n</style>\n'
    )
    assert [f.split(": ")[0] for f in patterns.findings(tmp_path)] == [
        "src/vigil/static/x.css:2",
        "src/vigil/templates/reports/x_pdf.html:3",
    ]
