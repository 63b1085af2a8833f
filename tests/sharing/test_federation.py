"""Federation across three real instances: a community Vigil (SQLite, its own process), a police
Vigil (PostgreSQL, its own process) and medallion (the reference TAXII server). Links are made
with `vigil peers add`; pulls and pushes run as `vigil peers pull|push` and `vigil worker
--once`; records are made through the API; what arrives is read as each instance's people
read it (API, exports, TAXII) and from the police instance's audit log.

The rules of the issue "Sharing, part 2", for incidents of every TLP made at random
(hypothesis): nothing arrives with a lower marking than it left with; RED never leaves;
AMBER+STRICT reaches the link's organisation only and never a second hop; AMBER the link's
organisation and its child; GREEN the link's networks; what goes on to a third server keeps
its original id and created_by_ref; every object in and out is audited with its peer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from tests.conftest import _drop_pg, _pg_exec, _pg_reachable, _pg_url_for
from tests.sharing.instances import Instance, running
from tests.sharing.taxii_servers import (
    MEDALLION_COLLECTION,
    MEDALLION_ROOT,
    held_objects,
    medallion_served,
)
from vigil.sharing.markings import tlp_of_marking

pytestmark = pytest.mark.xdist_group("federation")

TLPS = ["clear", "green", "amber", "amber+strict", "red"]
MEDALLION_USER, MEDALLION_PASSWORD = "police", "police-medallion-password"
TAXII = {"Accept": "application/taxii+json;version=2.1"}
JCS = "Jewish Community Security Berlin"
# Who reads what arrived at the police instance, by TLP (the link rule).
READS = {
    "link": {"green", "amber", "amber+strict"},  # Polizei: the link's organisation
    "child": {"amber"},  # its child: AMBER reaches children, GREEN only the networks
    "network": {"green"},  # an NGO in the link's network
    "outsider": set(),
}


@dataclass
class Federation:
    community: Instance  # SQLite
    police: Instance  # PostgreSQL
    police_db: str
    medallion_root: str
    medallion: Any  # its memory backend
    readers: dict[str, str]
    linked: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    if _pg_reachable() is not None:
        pytest.skip("the police instance needs PostgreSQL")
    work = tmp_path_factory.mktemp("federation")
    pg_name = f"vigil_fed_{uuid.uuid4().hex[:10]}"
    _pg_exec(f'CREATE DATABASE "{pg_name}"')
    try:
        with (
            running("community", f"sqlite:///{work}/community.db", work / "community") as a,
            running("police", _pg_url_for(pg_name), work / "police") as b,
            medallion_served([], user=MEDALLION_USER, password=MEDALLION_PASSWORD) as (disc, m),
        ):
            root = disc.replace("/taxii2/", f"/{MEDALLION_ROOT}/")
            yield _people(Federation(a, b, _pg_url_for(pg_name), root, m, {}))
    finally:
        _drop_pg(pg_name)


def _people(f: Federation) -> Federation:
    a, b = f.community, f.police
    for instance in (a, b):
        instance.env["VIGIL_PEER_PUSH_SETTLE_SECONDS"] = "0"
        instance.person(f"admin@{instance.name}.test")
    a.org("jcs-berlin", JCS)
    a.org("police-link", "Berlin police (its own instance)", kind="police")
    a.org("prague", "Prague Community Security", country="CZ")
    a.network("admin@community.test", "cest", ["jcs-berlin", "prague"])
    a.person("coord@jcs.test", "jcs-berlin")
    a.person("svc@police-link.test", "police-link", role="analyst")
    b.org("polizei", "Polizei Berlin", kind="police")
    b.org("lagezentrum", "Lagezentrum", kind="police", parent="polizei")
    b.org("ngo", "Victim Support", kind="ngo")
    b.org("outsider", "Unrelated Organisation")
    b.org("community-link", "JCS Berlin (its own instance)")
    b.network("admin@police.test", "de-net", ["polizei", "ngo"])
    f.readers = {
        "link": "coord@polizei.test",
        "child": "viewer@lagezentrum.test",
        "network": "viewer@ngo.test",
        "outsider": "viewer@outsider.test",
    }
    b.person(f.readers["link"], "polizei")
    for who in ("child", "network", "outsider"):
        email = f.readers[who]
        b.person(email, email.split("@")[1].removesuffix(".test"), role="viewer")
    b.person("svc@community-link.test", "community-link", role="analyst")
    return f


def _collection(instance: Instance, email: str, title: str) -> str:
    with instance.api(email) as client:
        found = client.get("/taxii2/vigil/collections/", headers=TAXII).json()["collections"]
    return next(c["id"] for c in found if c["title"] == title)


def _peer(
    instance: Instance, name: str, root: str, collection: str, secret: str, *args: str
) -> None:  # noqa: E501
    instance.cli(
        "peers", "add", name, "--api-root", root, "--collection", collection,
        "--secret-stdin", *args, stdin=secret + "\n",
    )  # fmt: skip


def _links(f: Federation) -> None:
    """The links, made once: the police pull JCS Berlin's collection at the community and push
    to medallion; the community pushes JCS Berlin's records into the police's collection for
    it; the community pulls the Polizei's collection at the police."""
    if f.linked:
        return
    a, b = f.community, f.police
    a.worker_once()
    b.incident("coord@polizei.test", "polizei", "amber", "Polizei: threat letter", recipients={
        "organisation_ids": [b.orgs["community-link"]]
    })  # fmt: skip
    b.worker_once()
    jcs = _collection(a, "svc@police-link.test", f"{JCS} for its partners")
    _peer(
        b, "community", a.taxii_root, jcs, a.tokens["svc@police-link.test"],
        "--org", "polizei", "--network", "de-net", "--direction", "pull",
    )  # fmt: skip
    _peer(
        b, "medallion", f.medallion_root, MEDALLION_COLLECTION, MEDALLION_PASSWORD,
        "--user", MEDALLION_USER, "--org", "polizei", "--direction", "push", "--max-tlp", "green",
    )  # fmt: skip
    for_community = _collection(
        b, "svc@community-link.test", "JCS Berlin (its own instance) for its partners"
    )  # noqa: E501
    polizei = _collection(b, "svc@community-link.test", "Polizei Berlin for its partners")
    _peer(
        a, "police", b.taxii_root, for_community, b.tokens["svc@community-link.test"],
        "--org", "jcs-berlin", "--direction", "push", "--max-tlp", "amber",
    )  # fmt: skip
    _peer(
        a, "police-pull", b.taxii_root, polizei, b.tokens["svc@community-link.test"],
        "--org", "jcs-berlin", "--direction", "pull",
    )  # fmt: skip
    f.linked.append("yes")


def _made_at_community(f: Federation, tlp: str, named: bool) -> dict[str, Any]:
    """An incident of JCS Berlin, naming the police's organisation there or not, with the STIX
    id and author it leaves under."""
    title = f"Incident {tlp} {'named' if named else 'unnamed'} {uuid.uuid4().hex[:8]}"
    extra: dict[str, Any] = {}
    if named and tlp != "red":
        extra["recipients"] = {"organisation_ids": [f.community.orgs["police-link"]]}
    incident_id = f.community.incident("coord@jcs.test", "jcs-berlin", tlp, title, **extra)
    stix: dict[str, Any] = {}
    if tlp != "red":
        with f.community.api("coord@jcs.test", "jcs-berlin") as client:
            bundle = client.get(f"/api/v1/sharing/stix/incidents/{incident_id}").json()
        stix = next(o for o in bundle["objects"] if o["type"] == "incident")
    return {"tlp": tlp, "named": named, "title": title, "stix": stix}


def _read_at_police(f: Federation, email: str) -> dict[str, dict[str, Any]]:
    with f.police.api(email) as client:
        answer = client.get("/api/v1/incidents", params={"limit": 500})
    assert answer.status_code == 200, answer.text
    return {i["title"]: i for i in answer.json()["items"]}


def _audited_ids(f: Federation, action: str) -> str:
    engine = create_engine(f.police_db)
    try:
        with engine.connect() as connection:
            details = connection.execute(
                text("SELECT detail FROM audit_log WHERE action = :a"), {"a": action}
            ).scalars()
            return "\n".join(d or "" for d in details)
    finally:
        engine.dispose()


def _tlp_of(obj: dict[str, Any]) -> set[str]:
    return {t.value for t in map(tlp_of_marking, obj.get("object_marking_refs", [])) if t}


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(made=st.lists(st.tuples(st.sampled_from(TLPS), st.booleans()), min_size=1, max_size=4))
def test_what_arrives_and_goes_on_follows_the_link_rules(
    federation: Federation, made: list[tuple[str, bool]]
) -> None:
    f = federation
    sent = [_made_at_community(f, tlp, named) for tlp, named in made]
    sent.append(_made_at_community(f, "green", True))  # JCS Berlin's collection is never empty
    _links(f)
    f.community.worker_once()  # the store follows the records; the push to the police runs
    f.police.cli("peers", "pull", "community")
    f.police.worker_once()
    f.police.cli("peers", "push", "medallion")

    seen = {who: _read_at_police(f, email) for who, email in f.readers.items()}
    with f.police.api(f.readers["link"], "polizei") as client:
        exported = {
            i["title"]: i for i in client.get("/api/v1/incidents/export.json").json()["items"]
        }
    pulled_audit = _audited_ids(f, "sharing.peer.pull")
    pushed_audit = _audited_ids(f, "sharing.peer.push")
    onward = {o["id"]: o for o in held_objects(f.medallion) if o["type"] == "incident"}
    for record in sent:
        tlp, title, stix = record["tlp"], record["title"], record["stix"]
        # The police's account at the community reads JCS Berlin's partner collection: what
        # names it, at AMBER+STRICT, AMBER or GREEN (CLEAR is the CLEAR collection's).
        arrives = record["named"] and tlp in ("green", "amber", "amber+strict")
        assert (title in seen["link"]) == arrives, (tlp, record["named"], title)
        for who, levels in READS.items():
            assert (title in seen[who]) == (arrives and tlp in levels), (who, tlp, title)
        if not arrives:
            assert stix.get("id") not in onward, f"{tlp} went on without arriving"
            continue
        assert seen["link"][title]["tlp"] == tlp, "nothing arrives with another marking"
        assert JCS in json.dumps(exported[title]["provenance"]), "the sender is kept"
        assert stix["id"] in pulled_audit, "every object in is audited with its peer"
        if tlp == "green":
            went = onward.get(stix["id"])
            assert went is not None, "received GREEN of a network sender goes on"
            assert went["created_by_ref"] == stix["created_by_ref"], "its author is kept"
            assert _tlp_of(went) == {"green"}, "never with a lower marking"
            assert stix["id"] in pushed_audit, "every object out is audited with its peer"
        else:
            assert stix["id"] not in onward, f"{tlp} never reaches a second hop"
    assert "red" not in {t for o in onward.values() for t in _tlp_of(o)}


def test_both_ways_between_the_two_vigils(federation: Federation) -> None:
    f = federation
    sent = {tlp: _made_at_community(f, tlp, True) for tlp in ("green", "amber", "amber+strict")}
    _links(f)
    f.community.worker_once()
    f.community.cli("peers", "push", "police")
    f.community.cli("peers", "pull", "police-pull")

    with f.police.api("svc@community-link.test") as client:
        for_community = _collection(
            f.police, "svc@community-link.test", "JCS Berlin (its own instance) for its partners"
        )  # noqa: E501
        envelope = client.get(
            f"/taxii2/vigil/collections/{for_community}/objects/", headers=TAXII
        ).json()
    arrived = {o["id"]: o for o in envelope.get("objects", []) if o["type"] == "incident"}
    for tlp in ("green", "amber"):
        stix = sent[tlp]["stix"]
        assert stix["id"] in arrived, f"pushed {tlp} arrives at the police"
        assert _tlp_of(arrived[stix["id"]]) == {tlp}
        assert arrived[stix["id"]]["created_by_ref"] == stix["created_by_ref"]
    assert sent["amber+strict"]["stix"]["id"] not in arrived, "above the link's max TLP"
    with f.community.api("coord@jcs.test") as client:
        titles = {i["title"] for i in client.get("/api/v1/incidents").json()["items"]}
    assert "Polizei: threat letter" in titles, "the community pulled the Polizei's AMBER"
