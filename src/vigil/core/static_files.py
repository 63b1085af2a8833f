"""Static files as a phone on a slow network needs them (DECISIONS 36): compressed, and kept by
the browser for a year when the URL names their version, so a second page costs nothing.

Vigil's own files and the npm libraries it serves are text (scripts, styles, the boundaries'
TopoJSON) that gzip shrinks four- to tenfold. They are compressed once per file version and kept
in memory: the whole set is a few hundred kilobytes compressed. A URL with `?v=` (the asset
version the templates add) never changes content, so it is `immutable`; one without it is
revalidated with its ETag."""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

# The npm libraries served under /vendor/<name>: (name, package, folder in the package).
VENDOR = (
    ("htmx", "htmx.org", "dist"),
    # Server-sent events into htmx swaps (the live incident room).
    ("htmx-ext-sse", "htmx-ext-sse", "dist"),
    # The offline maps (DECISIONS 16): Leaflet, TopoJSON decoding, Natural Earth boundaries.
    ("leaflet", "leaflet", "dist"),
    # Site and incident markers in clusters with counts; drawing an alert's area.
    ("leaflet.markercluster", "leaflet.markercluster", "dist"),
    ("leaflet-geoman", "@geoman-io/leaflet-geoman-free", "dist"),
    ("topojson-client", "topojson-client", "dist"),
    ("world-atlas", "world-atlas", ""),
)
YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"
REVALIDATE = "no-cache"
# Below this, the gzip header and a second round of work cost more than they save.
MIN_COMPRESSED_BYTES = 1024
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
COMPRESSIBLE_SUFFIXES = (".json", ".js", ".css", ".svg", ".map", ".webmanifest", ".html", ".txt")


def asset_version(version: str, folders: Iterable[Path], files: Iterable[Path] = ()) -> str:
    """A short hash of the release, of every file in `folders` and of `files` (the npm
    libraries' package.json, standing for their versions): a changed file gets a new URL even
    within one release, so a year's cache never serves it stale."""
    digest = hashlib.sha256(version.encode())
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    for path in files:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=256)
def _compressed(path: str, mtime_ns: int, size: int) -> bytes:
    """The file gzipped, once per version (its mtime and size are part of the key)."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def _compressible(path: str, media_type: str | None) -> bool:
    kind = media_type or ""
    return kind.startswith(COMPRESSIBLE) or path.endswith(COMPRESSIBLE_SUFFIXES)


class AssetFiles(StaticFiles):
    """StaticFiles with gzip and cache headers; ranges and small files are served as they are."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        query = scope.get("query_string", b"").decode("latin-1")
        versioned = any(part.startswith("v=") for part in query.split("&"))
        response.headers["Cache-Control"] = IMMUTABLE if versioned else REVALIDATE
        response.headers["Vary"] = "Accept-Encoding"
        request = Headers(scope=scope)
        if (
            not isinstance(response, FileResponse)
            or scope.get("method") == "HEAD"
            or response.status_code != 200
            or "range" in request
            or "gzip" not in request.get("accept-encoding", "")
            or stat_result.st_size < MIN_COMPRESSED_BYTES
            or not _compressible(str(full_path), response.media_type)
        ):
            return response
        body = _compressed(str(full_path), stat_result.st_mtime_ns, stat_result.st_size)
        headers = {
            key: value
            for key, value in response.headers.items()
            if key not in ("content-length", "accept-ranges")
        }
        headers["Content-Encoding"] = "gzip"
        return Response(body, status_code=200, headers=headers, media_type=response.media_type)


def mount_assets(app: Starlette, static: Path, node_modules: Path, version: str) -> str:
    """Vigil's own files under /static and the npm libraries under /vendor/<name>; returns the
    asset version the templates put in their URLs."""
    app.mount("/static", AssetFiles(directory=str(static)), name="static")
    for name, package, folder in VENDOR:
        app.mount(
            f"/vendor/{name}",
            AssetFiles(directory=str(node_modules / package / folder), check_dir=False),
            name=f"vendor-{name}",
        )
    packages = [node_modules / package / "package.json" for _, package, _ in VENDOR]
    return asset_version(version, [static], packages)
