"""Pattern rules for the layering that import contracts cannot see (shared/ARCHITECTURE.md).

Each rule is a regular expression over source lines, the files it applies to, the files that are
its one lawful home, and lines it must and must not catch; `tests/test_patterns.py` proves each
rule on its examples, so a rule that stops catching what it names fails the build too. Run by
`make lint`; prints `path:line: rule: message` per finding and exits 1 if there is any.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "src/vigil"


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: str
    message: str
    include: tuple[str, ...]  # globs relative to the repository
    exclude: tuple[str, ...]  # the lawful homes of what the rule forbids elsewhere
    good: tuple[str, ...]
    bad: tuple[str, ...]

    def catches(self, line: str) -> bool:
        code = line.split("#", 1)[0]
        return re.search(self.pattern, code) is not None

    def applies_to(self, path: str) -> bool:
        return any(fnmatch(path, g) for g in self.include) and not any(
            fnmatch(path, g) for g in self.exclude
        )


RULES = (
    Rule(
        name="query-in-route",
        pattern=r"(?<![\w.])select\(",
        message="routes parse, call the service and render; queries belong in the service",
        include=(
            f"{SOURCE}/*/api.py",
            f"{SOURCE}/*/*_api.py",
            f"{SOURCE}/*/pages.py",
            f"{SOURCE}/*/*_pages.py",
        ),
        exclude=(),
        good=(
            "rows = service.list_sites(session=session, principal=principal)",
            "selected = form.getlist('site_types')",
            "options = layout.select_options(choices)",
        ),
        bad=(
            "rows = session.scalars(select(Site).where(Site.id == site_id))",
            "stmt = select(Incident.id)",
        ),
    ),
    Rule(
        name="commit-outside-boundary",
        pattern=r"(\.commit\(\)|(?<![\w.])commit\(session)",
        message="services never commit: the request or job boundary (core.db.transaction, "
        "core.deps) does",
        include=(f"{SOURCE}/*.py", f"{SOURCE}/**/*.py"),
        exclude=(f"{SOURCE}/core/db.py", f"{SOURCE}/core/deps.py"),
        good=(
            "with transaction(settings.sqlalchemy_url) as session:",
            "session.flush()",
            "def seal_audit_after_commit(settings: Settings) -> None:",
        ),
        bad=("session.commit()", "commit(session)", "    db.commit()"),
    ),
    Rule(
        name="environment-outside-settings",
        pattern=r"\bos\.(environ|getenv|putenv)\b|from os import (environ|getenv)",
        message="settings come only through core.config.Settings (VIGIL_* variables)",
        include=(f"{SOURCE}/*.py", f"{SOURCE}/**/*.py"),
        exclude=(f"{SOURCE}/core/config.py",),
        good=("settings = get_settings()", "home = settings.data_dir / 'mail'"),
        bad=(
            "url = os.environ['VIGIL_DATABASE_URL']",
            "key = os.getenv('VIGIL_SECRET_KEY', '')",
            "from os import environ",
        ),
    ),
)


# A module that grows past this splits by concept (shared/ARCHITECTURE.md): a newcomer reads a
# file whole, and a long one is two concepts sharing a name.
MAX_LINES = 400


# Right-to-left pages mirror only if the CSS says start/end instead of left/right (issue 17):
# physical sides in our stylesheets and the PDFs' <style> are findings unless the line says
# why with a `/* physical: ... */` comment (a map or a chart that must not mirror).
PHYSICAL_CSS = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border|inset|scroll-margin|scroll-padding)-(?:left|right)"
    r"|border-(?:top|bottom)-(?:left|right)-radius|left|right)\s*:"
    r"|(?<![\w-])(?:float|clear|text-align|caption-side)\s*:\s*(?:left|right)\b"
    r"|@(?:top|bottom)-(?:left|right)\b"
)
# `margin: 0 1rem 0 0` sets the right side only: a physical side in shorthand.
SHORTHAND = re.compile(
    r"(?<![\w-])(?:margin|padding|inset|border-width|border-style|border-color)\s*:([^;{}]*)"
)
PHYSICAL_MARK = "/* physical:"
CSS_GOOD = (
    ".flash { border-inline-start: 4px solid var(--ok-line); }",
    "th { text-align: start; padding: 0.5rem 0.6rem; }",
    ".map .leaflet-control { left: 0; } /* physical: the map is geographic */",
    "figure { margin: 2mm 0 2mm 0; }",
    "header { padding: 0.5rem max(1rem, calc((100% - 76rem) / 2 + 1rem)); }",
    "@page { @bottom-{{ page_end }} { content: counter(page); } }",
    ".skip-link { inset-inline-start: 0.5rem; }",
)
CSS_BAD = (
    ".reasons { padding-left: 1.2rem; }",
    ".skip-link { left: 0.5rem; }",
    "legend { float: left; }",
    "td.num { text-align: right; }",
    "@page { @bottom-right { content: counter(page); } }",
    "figure { margin: 2mm 2mm 2mm 0; }",
    ".x { border-right: 1px solid; }",
)


def physical_css(line: str) -> bool:
    """Whether a line of CSS names a physical side without saying why."""
    if PHYSICAL_MARK in line:
        return False
    if PHYSICAL_CSS.search(line):
        return True
    return any(_lopsided(m.group(1)) for m in SHORTHAND.finditer(line))


def _lopsided(value: str) -> bool:
    """Four values (brackets kept whole) whose right and left differ."""
    parts, depth, word = [], 0, ""
    for char in value.replace("!important", "").strip() + " ":
        depth += (char == "(") - (char == ")")
        if char.isspace() and depth == 0:
            parts, word = parts + [word] if word else parts, ""
        else:
            word += char
    return len(parts) == 4 and parts[1] != parts[3]


def css_lines(root: Path = ROOT) -> list[tuple[str, int, str]]:
    """Every line of our stylesheets and of the <style> blocks in templates (the PDFs)."""
    out = []
    for file in sorted((root / SOURCE / "static").rglob("*.css")):
        path = file.relative_to(root).as_posix()
        out += [(path, n, line) for n, line in enumerate(file.read_text("utf-8").splitlines(), 1)]
    for file in sorted((root / SOURCE / "templates").rglob("*.html")):
        path = file.relative_to(root).as_posix()
        inside = False
        for n, line in enumerate(file.read_text("utf-8").splitlines(), 1):
            inside = inside or "<style" in line
            if inside:
                out.append((path, n, line))
            inside = inside and "</style>" not in line
    return out


def findings(root: Path = ROOT) -> list[str]:
    found = [
        f"{path}:{n}: physical-side-in-css: use inline-start/inline-end (logical properties) "
        "so right-to-left pages mirror, or say why with /* physical: ... */"
        for path, n, line in css_lines(root)
        if physical_css(line)
    ]
    for file in sorted((root / SOURCE).rglob("*.py")):
        path = file.relative_to(root).as_posix()
        lines = file.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES:
            found.append(
                f"{path}:{MAX_LINES + 1}: file-too-long: {len(lines)} lines, at most {MAX_LINES}: "
                "split it by concept"
            )
        rules = [r for r in RULES if r.applies_to(path)]
        for number, line in enumerate(lines, 1):
            found += [f"{path}:{number}: {r.name}: {r.message}" for r in rules if r.catches(line)]
    return found


def main() -> int:
    found = findings()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
