"""`vigil peers ...` against a real database of each backend: the operator adds, lists, shows,
changes and removes peer links; the secret comes from an environment variable or stdin, is
never printed, and survives `vigil keys rotate`; removal says first how many records the peer
brought and asks before withdrawing them."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import db_rows
from tests.sharing.peer_links_world import API_ROOT, SECRET, World, bring, make_peer, make_world
from tests.test_cli import Vigil, _env
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.crypto import decrypt
from vigil.core.policy import SYSTEM, TLP
from vigil.incidents.models import Incident
from vigil.orgs import service as orgs_service
from vigil.sharing.peer_models import Peer

NEW_SECRET = "rotated-by-stdin-42"  # noqa: S105 - a test value


def network_slug(committed: Session, world: World) -> str:
    [found] = [
        n
        for n in orgs_service.list_networks(session=committed, principal=SYSTEM)
        if n.id == world.network_id
    ]
    committed.rollback()
    return found.slug


def stored_secret(settings: Settings, name: str, keys: str = "") -> str:
    [token] = db_rows(settings, select(Peer.secret_encrypted).where(Peer.name == name))
    assert token and SECRET not in token and NEW_SECRET not in token
    return decrypt(token, keys=keys, secret_key=settings.secret_key)


def test_the_operator_adds_lists_shows_changes_and_removes_a_peer(
    committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    vigil = Vigil({**_env(settings.sqlalchemy_url, settings.data_dir), "PEER_SECRET": SECRET})
    outputs = []

    added = vigil(
        "peers", "add", "Police Berlin", "--api-root", API_ROOT, "--collection", "c-1",
        "--user", "vigil", "--secret-env", "PEER_SECRET", "--org", world.a.slug,
        "--org", world.a2.slug, "--network", network_slug(committed, world),
        "--direction", "both", "--max-tlp", "amber", "--every", "600",
    )  # fmt: skip

    assert added.exit_code == 0, added.output
    assert "peer Police Berlin added" in added.output
    assert stored_secret(settings, "Police Berlin") == SECRET
    listed = vigil("peers", "list")
    shown = vigil("peers", "show", "Police Berlin")
    outputs += [added.output, listed.output, shown.output]
    assert "Police Berlin" in listed.output and "last success: never" in listed.output
    assert f"organisations: {world.a.slug}, {world.a2.slug}" in shown.output
    assert "secret: stored" in shown.output and "every 600 s" in shown.output

    updated = vigil(
        "peers", "update", "Police Berlin", "--every", "900", "--secret-stdin",
        input=f"{NEW_SECRET}\n",
    )  # fmt: skip

    assert updated.exit_code == 0, updated.output
    assert stored_secret(settings, "Police Berlin") == NEW_SECRET
    assert "every 900 s" in vigil("peers", "show", "Police Berlin").output
    narrowed = vigil("peers", "update", "Police Berlin", "--org", world.a.slug)
    assert narrowed.exit_code == 2 and "records" in narrowed.output
    outputs += [updated.output, narrowed.output]

    [peer_id] = db_rows(settings, select(Peer.id).where(Peer.name == "Police Berlin"))
    incident_id, _ = bring(committed, world, peer_id, tlp=TLP.amber, to=[world.a])
    declined = vigil("peers", "remove", "Police Berlin", "--records", "withdraw", input="n\n")
    assert "1 records this peer brought will be withdrawn" in declined.output
    assert declined.exit_code == 2 and db_rows(settings, select(Peer.id)) == [peer_id]

    removed = vigil("peers", "remove", "Police Berlin", "--records", "withdraw", "--yes")

    assert removed.exit_code == 0, removed.output
    assert "1 records this peer brought will be withdrawn" in removed.output
    assert db_rows(settings, select(Peer.id)) == []
    table = Incident.__recipients__
    assert db_rows(settings, select(table.c.org_id).where(table.c.record_id == incident_id)) == []
    entries = db_rows(settings, select(AuditEntry).where(AuditEntry.action.like("sharing.peer%")))
    assert {e.action for e in entries} == {
        "sharing.peer.create",
        "sharing.peer.update",
        "sharing.peer.withdraw",
        "sharing.peer.remove",
    }
    assert all(e.actor == "system" for e in entries)
    for text in [*outputs, removed.output, *(e.detail for e in entries)]:
        assert SECRET not in text and NEW_SECRET not in text


def test_the_command_line_refuses_what_is_wrong_and_never_takes_a_secret_as_an_argument(
    committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    vigil = Vigil(_env(settings.sqlalchemy_url, settings.data_dir))
    base = ["peers", "add", "P", "--api-root", API_ROOT, "--collection", "c", "--org"]

    unknown = vigil(*base, "no-such-org")
    bad_url = vigil("peers", "add", "P", "--api-root", "ftp://x.example.org/", "--collection",
                    "c", "--org", world.a.slug)  # fmt: skip
    unset = vigil(*base, world.a.slug, "--secret-env", "NO_SUCH_VARIABLE_SET")
    as_argument = vigil(*base, world.a.slug, "--secret", SECRET)

    assert unknown.exit_code == 2 and "no organisation with slug 'no-such-org'" in unknown.output
    assert bad_url.exit_code == 2 and "api_root" in bad_url.output
    assert unset.exit_code == 2 and "NO_SUCH_VARIABLE_SET is not set" in unset.output
    assert as_argument.exit_code == 2 and "No such option" in as_argument.output
    assert db_rows(settings, select(Peer.id)) == []


def test_a_peers_secret_survives_key_rotation(committed: Session, settings: Settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with_old = settings.model_copy(update={"encryption_keys": old})
    world = make_world(committed, settings)
    make_peer(committed, with_old, world, name="Rotated")
    env = {
        **_env(settings.sqlalchemy_url, settings.data_dir),
        "VIGIL_ENCRYPTION_KEYS": f"{new},{old}",
    }

    result = Vigil(env)("keys", "rotate")

    assert result.exit_code == 0, result.output
    assert "peers.secret_encrypted: 1 re-encrypted" in result.output
    assert stored_secret(settings, "Rotated", keys=new) == SECRET
