"""The tour's second instance (`make partner`, `vigil demo partner`): the Berlin police's own
Vigil, with its own SQLite database, data directory and keys (DATA_DIR/partner/), its own
organisation and people, linked to this instance by a pull peer.

The link reads, as this instance's police liaison account, the collection JCS Berlin shares
with its partners: what JCS Berlin gives the police liaison (its AMBER incident
`incidents.demo.AMBER_FOR_POLICE`, and the GREEN ones of their common network) arrives; the
RED one (`RED_FOR_POLICE`), though it names the liaison, never leaves (DECISIONS 29).
Running it again changes nothing: the partner keeps its keys, people, peer and token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.domains import DEMO_PASSWORD
from vigil.core.errors import NotFound
from vigil.core.migrate import upgrade_instance
from vigil.core.policy import SYSTEM, Role
from vigil.incidents.demo import AMBER_FOR_POLICE, RED_FOR_POLICE
from vigil.incidents.provenance import received_incidents
from vigil.orgs import accounts, tokens
from vigil.orgs import service as orgs_service
from vigil.orgs.demo import NetworkRow, OrgRow, PersonRow, load_organisations, load_people
from vigil.orgs.principals import load_principal
from vigil.orgs.schemas import OrgKind
from vigil.sharing import peers
from vigil.sharing.peer_models import Direction
from vigil.sharing.peer_pull import PullResult, pull_peer
from vigil.sharing.peer_schemas import PeerCreate, PeerRead, PeerUpdate
from vigil.sharing.taxii import collection_id

PORT = 8001
PEER = "Community Vigil Berlin"
# The account of this instance the link signs in as, and the organisation sharing with it.
LINK_ACCOUNT = "liaison@police-berlin.example"
LINK_LABEL = "peer link of the Berlin police's Vigil (make partner)"
SHARING_ORG = "jcs-berlin"
PULL_EVERY_SECONDS = 30
PARTNER_ORG = "lka-berlin"
ORGS: list[OrgRow] = [
    (PARTNER_ORG, "Berlin State Criminal Police, State Security", OrgKind.police, "DE", None)
]
NETWORKS: list[NetworkRow] = [
    ("berlin-security-partners", "Berlin Police and Community Partners", [PARTNER_ORG])
]
PEOPLE: list[PersonRow] = [
    ("coordinator@lka-berlin.example", "Katrin Vogel", PARTNER_ORG, Role.coordinator),
    ("analyst@lka-berlin.example", "Emre Yilmaz", PARTNER_ORG, Role.analyst),
]
KEYS = ("VIGIL_SECRET_KEY", "VIGIL_AUDIT_KEY")


class PartnerError(Exception):
    """What the operator must do first, in words."""


@dataclass
class Partner:
    """The second instance once set up: its settings and environment (to serve it), the first
    pull, and the incidents JCS Berlin shared that arrived, by title (their ids there)."""

    settings: Settings
    env: dict[str, str]
    pull: PullResult
    arrived: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.settings.public_url

    @property
    def amber(self) -> int | None:
        return self.arrived.get(AMBER_FOR_POLICE)

    @property
    def red_arrived(self) -> bool:
        return RED_FOR_POLICE in self.arrived


def partner_env(first: Settings, directory: Path, port: int = PORT) -> dict[str, str]:
    """The partner's VIGIL_* settings, written to DIRECTORY/.env (readable by its owner only):
    keys of its own, generated the first time and kept, so its STIX ids and audit chain stay."""
    directory.mkdir(parents=True, exist_ok=True)
    env_file = directory / ".env"
    kept = _read_env(env_file)
    values = {key: kept.get(key) or secrets.token_urlsafe(48) for key in KEYS}
    values.update(
        {
            "VIGIL_ENV": first.env,
            "VIGIL_DATA_DIR": str(directory),
            "VIGIL_DATABASE_URL": f"sqlite:///{directory / 'vigil.db'}",
            "VIGIL_HOST": "127.0.0.1",
            "VIGIL_PORT": str(port),
            "VIGIL_BASE_URL": f"http://127.0.0.1:{port}",
            "VIGIL_MAIL_BACKEND": "directory",
            # The first instance listens on loopback: the egress guard must let the peer reach it.
            "VIGIL_WEBHOOK_ALLOW_PRIVATE": "true",
            "VIGIL_ARGON2_TIME_COST": str(first.argon2_time_cost),
            "VIGIL_ARGON2_MEMORY_KIB": str(first.argon2_memory_kib),
            "VIGIL_NODE_MODULES": str(first.node_modules.resolve()),
            "VIGIL_LOG_LEVEL": first.log_level,
        }
    )
    lines = ["# The tour's second instance (vigil demo partner); generated, never committed."]
    env_file.write_text("\n".join([*lines, *(f"{k}={v}" for k, v in values.items()), ""]))
    env_file.chmod(0o600)
    return values


def _read_env(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith("#")}


def settings_of(env: dict[str, str]) -> Settings:
    """Settings from VIGIL_* values alone (no .env of the working directory)."""
    values: dict[str, Any] = {k.removeprefix("VIGIL_").lower(): v for k, v in env.items()}
    return Settings(_env_file=None, **values)


def serving(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def set_up(
    first: Settings, directory: Path, *, port: int = PORT, first_url: str | None = None
) -> Partner:
    """Make (or bring up to date) the partner and its link to `first`, served at `first_url`
    (its public URL unless given), then pull it once."""
    first_url = (first_url or first.public_url).rstrip("/")
    if not serving(first_url):
        raise PartnerError(
            f"Nothing answers at {first_url}: start the first instance (`make run`) and run "
            "this again while it serves."
        )
    env = partner_env(first, directory, port)
    partner = settings_of(env)
    audit.use_key(first.sqlalchemy_url, first.audit_key)
    audit.use_key(partner.sqlalchemy_url, partner.audit_key)
    upgrade_instance(partner)
    with transaction(partner.sqlalchemy_url) as session:
        ids = load_organisations(session, ORGS, NETWORKS)
        logins = load_people(session, partner, ids, DEMO_PASSWORD, PEOPLE)
    peer_id = _link(first, first_url, partner, ids)
    result = pull_peer(partner, peer_id)
    return Partner(partner, env, result, _arrived(partner, ids[PARTNER_ORG]), logins)


def _existing_peer(partner: Settings) -> PeerRead | None:
    with transaction(partner.sqlalchemy_url) as session:
        try:
            return peers.get_peer_by_name(session=session, principal=SYSTEM, name=PEER)
        except NotFound:
            return None


def _link(first: Settings, first_url: str, partner: Settings, ids: dict[str, int]) -> int:
    """The token at the first instance (a new one only when the partner has none that works)
    and the pull peer at the partner, created or brought up to date."""
    existing = _existing_peer(partner)
    with transaction(first.sqlalchemy_url) as session:
        try:
            sharing = orgs_service.get_organisation(
                session=session, principal=SYSTEM, ref=SHARING_ORG
            )
            holds = tokens.has_named(session=session, email=LINK_ACCOUNT, name=LINK_LABEL)
        except NotFound as exc:
            raise PartnerError(
                f"The first instance has no demo data ({exc.detail}): run `make run` first."
            ) from exc
        secret = None
        if existing is None or not existing.has_secret or not holds:
            tokens.revoke_named(
                session=session, principal=SYSTEM, email=LINK_ACCOUNT, name=LINK_LABEL
            )
            secret = tokens.issue_for(
                session=session, principal=SYSTEM, email=LINK_ACCOUNT, name=LINK_LABEL
            )
    wanted: dict[str, Any] = {
        "api_root": f"{first_url}/taxii2/vigil/",
        "collection_id": collection_id(first, f"organisation:{sharing.id}"),
        "username": LINK_ACCOUNT,
        "direction": Direction.pull,
        "every_seconds": PULL_EVERY_SECONDS,
        "organisations": [ids[PARTNER_ORG]],
    }
    with transaction(partner.sqlalchemy_url) as session:
        networks = orgs_service.list_networks(session=session, principal=SYSTEM)
        wanted["networks"] = [n.id for n in networks if n.slug in {row[0] for row in NETWORKS}]
        if existing is None:
            data = PeerCreate.model_validate({"name": PEER, "secret": secret, **wanted})
            made = peers.create_peer(session=session, principal=SYSTEM, settings=partner, data=data)
            return made.id
        changed = {k: v for k, v in wanted.items() if _differs(getattr(existing, k), v)}
        if secret is not None:
            changed["secret"] = SecretStr(secret)
        if not existing.enabled:
            changed["enabled"] = True
        if changed:
            peers.update_peer(
                session=session,
                principal=SYSTEM,
                settings=partner,
                peer_id=existing.id,
                data=PeerUpdate.model_validate(changed),
            )
        return existing.id


def _differs(have: Any, want: Any) -> bool:
    if isinstance(want, list):
        return sorted(have) != sorted(want)
    return bool(have != want)


def _arrived(partner: Settings, org_id: int) -> dict[str, int]:
    """The incidents of JCS Berlin for the police that the partner's coordinator reads, by
    title."""
    with transaction(partner.sqlalchemy_url) as session:
        person = accounts.person_by_email(session, PEOPLE[0][0])
        assert person is not None
        principal = load_principal(session, person_id=person.id, acting_org_id=org_id)
        assert principal is not None
        received = received_incidents(session=session, principal=principal, limit=10_000)
    wanted = {AMBER_FOR_POLICE, RED_FOR_POLICE}
    return {i.title: i.id for i in received if i.title in wanted}


def describe(partner: Partner) -> list[str]:
    """What `make partner` prints: what arrived and what did not, the login, where to look."""
    url, pulled, where = partner.url, partner.pull, partner.settings.data_dir
    outcome = f"; the pull failed: {pulled.error}" if pulled.error else ""
    lines = [
        f"The partner, the Berlin police's own Vigil, lives in {where}/ (its keys: {where}/.env).",
        f'Its peer "{PEER}" pulled {pulled.objects} objects from this instance '
        f"({pulled.refused} refused){outcome}.",
    ]
    if partner.amber is not None:
        lines.append(f'  arrived, TLP:AMBER: "{AMBER_FOR_POLICE}"')
    else:
        lines.append(
            f'  not there yet: "{AMBER_FOR_POLICE}" (the partner pulls every '
            f"{PULL_EVERY_SECONDS} s; this instance's worker stores new records within seconds)"
        )
    red = "ARRIVED, which must never happen" if partner.red_arrived else "never leaves"
    lines.append(f'  TLP:RED, {red}: "{RED_FOR_POLICE}"')
    lines += [
        "",
        f"Sign in at {url}/login as {PEOPLE[0][0]} (password: {DEMO_PASSWORD}) and look at",
        f"  {url}/sharing  the peer, its last success, the received records to review",
    ]
    if partner.amber is not None:
        lines.append(
            f"  {url}/incidents/{partner.amber}  the AMBER incident, "
            f'"from {PEER} (peer), Jewish Community Security Berlin"'
        )
    lines.append(
        f"Commands against the partner: (set -a; . {where}/.env; "
        f'.venv/bin/vigil peers show "{PEER}")'
    )
    return lines
