"""Pulling a peer, end to end: a TAXII 2.1 collection of `--objects` incidents of one remote
sender (CLEAR, GREEN, AMBER and AMBER+STRICT in turn) served from loopback in pages of
`--page` objects, pulled into a fresh database by `vigil.sharing.peer_pull.pull_peer` (HTTP,
checks, planning, bulk writes, readers, audit, cursor: a transaction per page). Prints the
objects per second of the full pull, the time of an incremental pull with nothing new, and
of the same collection pulled again from an empty cursor (every object unchanged); the last
line is name=value pairs.

    python bench/peer_pull.py                  # 20,000 objects, PostgreSQL (the default)
    python bench/peer_pull.py --db sqlite      # the same on SQLite
    python bench/peer_pull.py --quick          # smoke run: 5,000 objects

The collection is served by tests/sharing/paged_server.py in a thread of this process, which
pre-serialises nothing: its JSON encoding is counted in the pull's time, as a peer's would be.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import api as http_bench  # bench/api.py: databases and settings


def run(args: argparse.Namespace) -> dict[str, float]:
    sys.path.insert(0, str(http_bench.ROOT))
    from sqlalchemy import update
    from tests.sharing.paged_server import COLLECTION, Pages, paged_server
    from tests.sharing.peer_world import add_peer, make_local, remote_objects

    from vigil.core import audit
    from vigil.core.config import Settings
    from vigil.core.db import get_engine, get_sessionmaker, transaction
    from vigil.core.migrate import upgrade
    from vigil.core.policy import TLP
    from vigil.sharing.peer_models import Peer
    from vigil.sharing.peer_pull import pull_peer

    objects = remote_objects(args.objects, (TLP.clear, TLP.green, TLP.amber, TLP.amber_strict))
    pages = Pages([objects[i : i + args.page] for i in range(0, len(objects), args.page)])
    with (
        tempfile.TemporaryDirectory() as folder,
        http_bench.database(args.db, Path(folder) / "data", args.pg_url) as (url, _),
    ):
        values = http_bench.server_values(
            Path(folder), url, webhook_allow_private="true", peer_page_objects=str(args.page)
        )
        settings = Settings(**values)  # type: ignore[arg-type]
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        audit.use_key(settings.sqlalchemy_url, settings.audit_key)
        upgrade(settings.sqlalchemy_url)
        try:
            with paged_server(pages) as root:
                with get_sessionmaker(settings.sqlalchemy_url)() as session:
                    peer_id = add_peer(
                        session, settings, make_local(session, settings), root, COLLECTION
                    )
                full = pull_peer(settings, peer_id)
                assert full.error == "" and full.objects == len(objects), full
                nothing_new = pull_peer(settings, peer_id)
                with transaction(settings.sqlalchemy_url) as session:
                    session.execute(update(Peer).values(pull_added_after="", pull_next=""))
                again = pull_peer(settings, peer_id)
                assert again.error == "" and again.objects == len(objects), again
        finally:
            get_engine(settings.sqlalchemy_url).dispose()
    return {
        "objects": len(objects),
        "pull_objects_per_s": round(len(objects) / full.seconds),
        "page_ms": round(1000 * full.seconds / max(full.pages, 1), 1),
        "nothing_new_ms": round(1000 * nothing_new.seconds, 1),
        "unchanged_objects_per_s": round(len(objects) / again.seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--pg-url", default=http_bench.DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 objects")
    parser.add_argument("--objects", type=int, default=None, help="default 20,000 (quick: 5,000)")
    parser.add_argument("--page", type=int, default=1000, help="objects per page (default 1,000)")
    args = parser.parse_args()
    args.objects = args.objects or (5_000 if args.quick else 20_000)
    began = time.monotonic()
    figures = run(args)
    print(
        f"pulled {figures['objects']:,} objects ({args.db}): "
        f"{figures['pull_objects_per_s']:,} objects/s, {figures['page_ms']} ms a page"
    )
    print(f"incremental pull with nothing new: {figures['nothing_new_ms']} ms")
    print(f"the same objects again (unchanged): {figures['unchanged_objects_per_s']:,} objects/s")
    print(f"bench took {time.monotonic() - began:.0f} s")
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
