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


def findings(root: Path = ROOT) -> list[str]:
    found = []
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
