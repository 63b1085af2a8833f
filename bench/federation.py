"""Federation between two Vigil instances: a full pull, a pull with nothing new, 1,000 changes.

Instance A (its own database, served by its own uvicorn process with the options of `vigil
serve`, bench/api.py's `server`) holds `--incidents` incidents of one organisation, written
through the bulk path of imports (bench/incidents_query.py's `incident_rows`, one COPY per
table and batch), shared with a partner organisation: AMBER and AMBER+STRICT named to it (a
recipient row each) and GREEN through a network both are in. A's STIX store is filled
(`vigil.sharing.store.refresh`, what `vigil sharing rebuild` runs) and the partner's account
gets an API token (what `vigil user token` issues).

Instance B (its own database) has a peer link (`vigil.sharing.peers.create_peer`) for its own
organisation and network, to A's TAXII API root and the sender's collection (found by listing
A's collections with the token). Timed, in this process:

1. the full pull (`vigil.sharing.peer_pull.pull_peer`: HTTP, checks, planning, bulk writes,
   readers, audit, cursor, a transaction per page): objects/s end to end; then what a member
   of B's link organisation reads (`incidents.queries.filtered`, through `core.policy`) is
   counted and must equal the incidents sent;
2. a pull with nothing new;
3. 1,000 incidents changed on A (title and `updated_at`, by SQL), A's store refreshed
   (`store.refresh_changed`, timed apart), and B's pull of them; B's reader must see them;
4. the same collection pulled again from an empty cursor (every object unchanged);
5. the ceiling: a plain TAXII client (httpx, one keep-alive connection, no writes) paging
   through the same collection of A: objects/s, and the ratio pull / ceiling.

    python bench/federation.py                 # 100,000 incidents, PostgreSQL (the default)
    python bench/federation.py --quick         # smoke run: 5,000 incidents, under a minute
    python bench/federation.py --db sqlite     # both instances on SQLite

The last line is name=value pairs. Only 127.0.0.1 is contacted; databases are dropped on exit.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import api as http_bench  # bench/api.py: databases, settings, servers, signals
import httpx
import incidents_query as generated  # bench/incidents_query.py: incident rows

TAXII_MEDIA = "application/taxii+json;version=2.1"
PARTNER = "partner@sender.example"
READER = "reader@receiver.example"
# The sender's TLPs (weights); every one reaches the partner (CLEAR objects are in A's CLEAR
# collection, not in an organisation's: that one holds AMBER+STRICT, AMBER and GREEN).
SHARED_TLPS = [("amber", 40), ("amber+strict", 20), ("green", 40)]
LIVE_STATUSES = [("new", 10), ("triaged", 25), ("verified", 45), ("closed", 20)]
CHANGES = 1000
BATCH = 20_000


@dataclass
class Side:
    """One instance: its settings, and the ids the bench needs."""

    settings: Any
    values: dict[str, str]
    orgs: dict[str, int]
    people: dict[str, int]


def _settings(values: dict[str, str]) -> Any:
    from vigil.core import audit
    from vigil.core.config import Settings
    from vigil.core.migrate import upgrade

    settings = Settings(**values)  # type: ignore[arg-type]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    audit.use_key(settings.sqlalchemy_url, settings.audit_key)
    upgrade(settings.sqlalchemy_url)
    return settings


def _world(settings: Any, orgs: list[str], member: tuple[str, str]) -> Side:
    """Organisations (all in one network) and one analyst of `member[1]`."""
    from vigil.core.db import transaction
    from vigil.core.policy import SYSTEM, Role
    from vigil.orgs import accounts
    from vigil.orgs import service as orgs_service
    from vigil.orgs.models import OrgKind
    from vigil.orgs.schemas import NetworkCreate, OrganisationCreate

    side = Side(settings, {}, {}, {})
    with transaction(settings.sqlalchemy_url) as session:
        for slug in orgs:
            side.orgs[slug] = orgs_service.create_organisation(
                session=session,
                principal=SYSTEM,
                data=OrganisationCreate(
                    slug=slug, name=slug.title(), kind=OrgKind.community_security, country="DE"
                ),
            ).id
        network = orgs_service.create_network(
            session=session, principal=SYSTEM, data=NetworkCreate(slug="forum", name="Forum")
        )
        for org_id in side.orgs.values():
            orgs_service.add_to_network(
                session=session, principal=SYSTEM, network_id=network.id, org_id=org_id
            )
        side.orgs["network"] = network.id
        email, slug = member
        person = accounts.create_person(
            session=session, settings=settings, email=email, name="Bench", password=uuid.uuid4().hex
        )
        orgs_service.add_member(
            session=session,
            principal=SYSTEM,
            org_id=side.orgs[slug],
            person=person,
            role=Role.analyst,
        )
        side.people[email] = person.id
    return side


def fill_sender(a: Side, count: int, seed: int = 14) -> dict[str, float]:
    """`count` incidents of the sender shared with the partner, then A's STIX store."""
    from vigil.core.db import transaction
    from vigil.core.transfer import write_rows
    from vigil.incidents.models import Incident
    from vigil.incidents.transfer import bulk_insert_incidents
    from vigil.sharing import store

    rng = random.Random(seed)
    sender, partner = a.orgs["sender"], a.orgs["partner"]
    world = generated.World({s: sender for v in generated.OWNERS.values() for s, _ in v})
    end = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    start = end - dt.timedelta(days=365)
    url = a.settings.sqlalchemy_url
    began = time.perf_counter()
    done = 0
    while done < count:
        rows = generated.incident_rows(rng, world, min(BATCH, count - done), start=start, end=end)
        for row in rows:
            row.update(tlp=generated._pick(rng, SHARED_TLPS))
            row.update(status=generated._pick(rng, LIVE_STATUSES))
        with transaction(url) as session:
            ids = bulk_insert_incidents(session=session, rows=rows)
            named = [
                {"record_id": i, "org_id": partner, "person_id": None}
                for i, row in zip(ids, rows, strict=True)
                if row["tlp"] != "green"
            ]
            write_rows(session, Incident.__recipients__, named)
        done += len(rows)
    analyse(url)
    written = time.perf_counter()
    with transaction(url) as session:
        objects = store.refresh(session, a.settings, since=None)
    return {
        "write_s": written - began,
        "store_s": time.perf_counter() - written,
        "store_objects": objects,
    }


def analyse(url: str) -> None:
    """What autovacuum does soon after a bulk load (the test servers run without it)."""
    from sqlalchemy import text

    from vigil.core.db import get_engine

    engine = get_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def explain_page(a: Side, collection: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the first page of the collection, as A runs it for the
    partner (`--explain`)."""
    from sqlalchemy import select, text

    from vigil.core.db import get_sessionmaker
    from vigil.orgs import accounts
    from vigil.orgs.models import Person
    from vigil.sharing import taxii, taxii_paging

    with get_sessionmaker(a.settings.sqlalchemy_url, readonly=True)() as session:
        person = session.scalar(select(Person.id).where(Person.email == PARTNER))
        principal = accounts.principal_for(session, person)
        found = taxii.get_collection(session, a.settings, principal, collection)
        stmt = taxii_paging.filtered(
            found, principal, taxii_paging.ObjectFilter(), dialect="postgresql"
        )
        sql = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        for (line,) in session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")):
            print("  ", line)
        for _ in range(3):
            began = time.perf_counter()
            taxii.get_collection(session, a.settings, principal, collection)
            checked = time.perf_counter()
            page = taxii_paging.page_of(session, found, principal, taxii_paging.ObjectFilter())
            paged = time.perf_counter()
            body = taxii_paging.objects_envelope(page)
            built = time.perf_counter()
            taxii_paging.collection_page(
                session, a.settings, principal, collection, taxii_paging.ObjectFilter()
            )
            served = time.perf_counter()
            print(
                f"   in process: collection check {1000 * (checked - began):.1f} ms, page "
                f"{1000 * (paged - checked):.1f} ms, envelope {1000 * (built - paged):.1f} ms "
                f"({len(body):,} bytes); page with the check as served "
                f"{1000 * (served - built):.1f} ms"
            )


def partner_token(a: Side) -> str:
    from vigil.core.db import transaction
    from vigil.core.policy import SYSTEM
    from vigil.orgs import tokens

    with transaction(a.settings.sqlalchemy_url) as session:
        return tokens.issue_for(session=session, principal=SYSTEM, email=PARTNER, name="bench")


def sender_collection(root: str, token: str) -> str:
    """The id of the sender's collection, as the partner lists A's collections."""
    answer = httpx.get(
        f"{root}collections/",
        headers={"Accept": TAXII_MEDIA, "Authorization": f"Bearer {token}"},
        timeout=60,
    )
    answer.raise_for_status()
    found = [c for c in answer.json()["collections"] if c["title"].startswith("Sender ")]
    assert len(found) == 1, answer.text
    return str(found[0]["id"])


def add_peer(b: Side, root: str, collection: str, token: str) -> int:
    from pydantic import SecretStr

    from vigil.core.db import transaction
    from vigil.core.policy import SYSTEM
    from vigil.sharing import peers
    from vigil.sharing.peer_schemas import PeerCreate

    data = PeerCreate(
        name="sender",
        api_root=root,
        collection_id=collection,
        secret=SecretStr(token),
        organisations=[b.orgs["receiver"]],
        networks=[b.orgs["network"]],
    )
    with transaction(b.settings.sqlalchemy_url) as session:
        made = peers.create_peer(session=session, principal=SYSTEM, settings=b.settings, data=data)
    return made.id


def readable(b: Side, title_suffix: str = "") -> int:
    """Incidents the reader (a member of B's link organisation) may read, by the policy."""
    from vigil.core.db import get_sessionmaker
    from vigil.incidents import queries
    from vigil.incidents.models import Incident
    from vigil.orgs import accounts

    with get_sessionmaker(b.settings.sqlalchemy_url, readonly=True)() as session:
        principal = accounts.principal_for(session, b.people[READER])
        stmt = queries.filtered(queries.IncidentFilters(), principal)
        if title_suffix:
            stmt = stmt.where(Incident.title.endswith(title_suffix))
        return queries.count_matches(session, stmt, 10**9)[0]


def change_sender(a: Side, count: int) -> dict[str, float]:
    """`count` incidents edited on A (title, `updated_at`), then A's store refreshed."""
    from sqlalchemy import select, update

    from vigil.core.db import transaction, utcnow
    from vigil.incidents.models import Incident
    from vigil.sharing import store

    url = a.settings.sqlalchemy_url
    with transaction(url) as session:
        ids = list(session.scalars(select(Incident.id).order_by(Incident.id).limit(count)))
        session.execute(
            update(Incident)
            .where(Incident.id.in_(ids))
            .values(title=Incident.title + " (changed)", updated_at=utcnow())
        )
    began = time.perf_counter()
    with transaction(url) as session:
        written = store.refresh_changed(session, a.settings)
    return {"refresh_s": time.perf_counter() - began, "refreshed_objects": written}


def ceiling(root: str, collection: str, token: str, page: int) -> tuple[int, float]:
    """A plain TAXII client paging through the collection: (objects, seconds)."""
    headers = {"Accept": TAXII_MEDIA, "Authorization": f"Bearer {token}"}
    url = f"{root}collections/{collection}/objects/"
    objects, began = 0, time.perf_counter()
    with httpx.Client(headers=headers, timeout=600) as client:
        params = {"limit": str(page)}
        while True:
            answer = client.get(url, params=params)
            answer.raise_for_status()
            envelope = json.loads(answer.content)
            objects += len(envelope.get("objects", []))
            if not envelope.get("more"):
                break
            params = {"limit": str(page), "next": envelope["next"]}
    return objects, time.perf_counter() - began


@contextlib.contextmanager
def instances(args: argparse.Namespace, work: Path) -> Iterator[tuple[Side, Side, str]]:
    """A (served) and B (in this process), each its own database; yields them and A's root."""
    from vigil.core.db import get_engine

    with (
        http_bench.database(args.db, work / "a" / "data", args.pg_url) as (url_a, _),
        http_bench.database(args.db, work / "b" / "data", args.pg_url) as (url_b, _),
    ):
        values_a = http_bench.server_values(work / "a", url_a, embedded_worker="false")
        values_b = http_bench.server_values(
            work / "b",
            url_b,
            webhook_allow_private="true",
            peer_page_objects=str(args.page),
            peer_timeout_seconds="600",
        )
        a = _world(_settings(values_a), ["sender", "partner"], (PARTNER, "partner"))
        b = _world(_settings(values_b), ["receiver"], (READER, "receiver"))
        a.values, b.values = values_a, values_b
        try:
            yield a, b, url_a
        finally:
            get_engine(a.settings.sqlalchemy_url).dispose()
            get_engine(b.settings.sqlalchemy_url).dispose()


def bench(args: argparse.Namespace) -> dict[str, Any]:
    from vigil.sharing.peer_pull import pull_peer

    work = Path(tempfile.mkdtemp(prefix="vigil-federation-"))
    with instances(args, work) as (a, b, _):
        filled = fill_sender(a, args.incidents)
        print(
            f"A: {args.incidents:,} incidents written in {filled['write_s']:.1f} s, store of "
            f"{filled['store_objects']:,} objects filled in {filled['store_s']:.1f} s",
            flush=True,
        )
        a.settings.data_dir.mkdir(parents=True, exist_ok=True)
        env = http_bench.server_env(a.values)
        with http_bench.server("vigil", env, work / "a.log") as (port, _):
            root = f"http://{http_bench.HOST}:{port}/taxii2/vigil/"
            token = partner_token(a)
            collection = sender_collection(root, token)
            peer_id = add_peer(b, root, collection, token)
            if args.explain and args.db == "postgresql":
                explain_page(a, collection)
            load = os.getloadavg()[0]
            full = profiled(args, "full", pull_peer, b.settings, peer_id)
            assert full.error == "" and full.refused == 0, full
            seen = readable(b)
            assert seen == args.incidents, f"B's reader reads {seen} of {args.incidents}"
            print(
                f"full pull: {full.objects:,} objects ({args.incidents:,} incidents) in "
                f"{full.pages} pages, {full.seconds:.2f} s: {full.objects / full.seconds:,.0f} "
                f"objects/s; B's reader reads {seen:,} incidents (load {load:.2f})",
                flush=True,
            )
            nothing = pull_peer(b.settings, peer_id)
            assert nothing.error == "" and nothing.objects == 0, nothing
            print(f"pull with nothing new: {1000 * nothing.seconds:.1f} ms", flush=True)
            changed = change_sender(a, CHANGES)
            pulled = profiled(args, "changes", pull_peer, b.settings, peer_id)
            assert pulled.error == "" and pulled.objects >= CHANGES, pulled
            assert readable(b, " (changed)") == CHANGES
            print(
                f"{CHANGES:,} changes: A's store refreshed in {changed['refresh_s']:.2f} s "
                f"({changed['refreshed_objects']:,} objects), pulled ({pulled.objects:,} objects) "
                f"in {pulled.seconds:.2f} s",
                flush=True,
            )
            reset_cursor(b, peer_id)
            again = pull_peer(b.settings, peer_id)
            assert again.error == "" and again.objects == full.objects, again
            print(
                f"the same collection again (unchanged): {again.objects / again.seconds:,.0f} "
                "objects/s",
                flush=True,
            )
            paged, spent = ceiling(root, collection, token, args.page)
            assert paged == full.objects, (paged, full.objects)
            print(
                f"ceiling, a TAXII client paging the collection (no writes): "
                f"{paged / spent:,.0f} objects/s",
                flush=True,
            )
    rate = full.objects / full.seconds
    top = paged / spent
    return {
        "incidents": args.incidents,
        "objects": full.objects,
        "full_pull_objects_per_s": round(rate),
        "full_pull_s": round(full.seconds, 2),
        "incremental_s": round(nothing.seconds, 3),
        "store_refresh_1000_s": round(changed["refresh_s"], 2),
        "changes_1000_s": round(pulled.seconds, 2),
        "unchanged_objects_per_s": round(again.objects / again.seconds),
        "ceiling_objects_per_s": round(top),
        "ratio": round(rate / top, 2),
        "load": round(load, 2),
        "db": args.db,
    }


def profiled(args: argparse.Namespace, name: str, call: Any, *given: Any) -> Any:
    """`call(*given)`, under cProfile when `--profile DIR` asks (DIR/name.pstats)."""
    if args.profile is None:
        return call(*given)
    import cProfile

    args.profile.mkdir(parents=True, exist_ok=True)
    with cProfile.Profile() as profile:
        done = call(*given)
    profile.dump_stats(args.profile / f"{name}.pstats")
    return done


def reset_cursor(b: Side, peer_id: int) -> None:
    from sqlalchemy import update

    from vigil.core.db import transaction
    from vigil.sharing.peer_models import Peer

    with transaction(b.settings.sqlalchemy_url) as session:
        session.execute(
            update(Peer).where(Peer.id == peer_id).values(pull_added_after="", pull_next="")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--pg-url", default=http_bench.DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 incidents")
    parser.add_argument("--incidents", type=int, default=None, help="default 100,000")
    parser.add_argument("--page", type=int, default=1000, help="objects a page (default 1,000)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN A's page query")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the pulls here")
    args = parser.parse_args()
    args.incidents = args.incidents or (5_000 if args.quick else 100_000)
    sys.path.insert(0, str(http_bench.ROOT))
    http_bench._stop_on_signals()
    began = time.monotonic()
    print(
        f"federation bench: {args.incidents:,} incidents, {args.db}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    pairs = bench(args)
    print(f"bench took {time.monotonic() - began:.0f} s", flush=True)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
