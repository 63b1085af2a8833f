"""Settings from VIGIL_* environment variables; the only place the environment is read."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from vigil.core.config_operations import OperationsSettings

DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside development


# The wheel's copy of the npm files a server needs, laid out as in node_modules (setup.py).
PACKAGED_VENDOR = Path(__file__).resolve().parents[1] / "vendor"


def default_node_modules() -> Path:
    """An installed wheel serves its own copy; a checkout has none and serves npm's folder."""
    return PACKAGED_VENDOR if PACKAGED_VENDOR.is_dir() else Path("node_modules")


class Settings(OperationsSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", env_file=".env", extra="ignore")

    env: str = Field(
        "development",
        description="`development`, `test` or `production`; production refuses default secrets.",
    )
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8000, description="Port the web server listens on.")
    base_url: str = Field(
        "",
        description="Public URL used in e-mails (invitation links); defaults to http://HOST:PORT.",
    )
    places_index: Path | None = Field(
        None,
        description="The gazetteer's index file (built when missing); by default beside "
        "vigil/geo/data when writable, else in ~/.cache/vigil.",
    )
    data_dir: Path = Field(
        Path("var"),
        description="Directory for the SQLite file, uploaded evidence and the audit checkpoint.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL; empty means SQLite at DATA_DIR/vigil.db. "
        "For PostgreSQL: postgresql+psycopg://user@host/db.",
    )
    secret_key: str = Field(
        DEV_SECRET, description="Signs CSRF tokens and e-mail links. Required in production."
    )
    encryption_keys: str = Field(
        "",
        description="Comma-separated Fernet keys for data encrypted at rest; the first encrypts, "
        "all decrypt (rotation). Empty derives one from SECRET_KEY (development only).",
    )
    audit_key: str = Field(
        DEV_SECRET,
        description="HMAC key of the audit-log hash chain and of each entry's signature. "
        "Required in production; one key, not rotatable (a new key fails the existing chain).",
    )
    session_hours: int = Field(12, description="Lifetime of a login session, in hours.")
    https: bool = Field(
        False, description="Set when served over HTTPS: Secure cookies and HSTS header."
    )
    login_max_failures: int = Field(
        5,
        description="Failed sign-ins to one account from one address before that address has "
        "to wait between further attempts at it; the right password from any other address is "
        "never held up.",
        ge=1,
    )
    login_delay_seconds: int = Field(
        30,
        description="The first wait after LOGIN_MAX_FAILURES failed sign-ins; it doubles with "
        "each further failure from the same address at the same account.",
        ge=1,
    )
    login_max_delay_minutes: int = Field(
        60,
        description="The longest wait between sign-in attempts of one address at one account.",
        ge=1,
    )
    login_failure_memory_hours: int = Field(
        24,
        description="How long a failed sign-in counts towards the waits; signing in with the "
        "right password from the same address clears them sooner.",
        ge=1,
    )
    login_address_max_failures: int = Field(
        300,
        description="Failed sign-ins from one address, at any accounts, within an hour before "
        "that address is refused altogether (password spraying); far above one person's "
        "typing mistakes, so an office or school behind one address is not locked out.",
        ge=1,
    )
    max_body_bytes: int = Field(
        1024 * 1024, description="Largest request body accepted unless an endpoint says otherwise."
    )
    evidence_max_bytes: int = Field(
        25 * 1024 * 1024,
        description="Largest evidence file (image, PDF, text) accepted on a report, in bytes; "
        "its upload may exceed MAX_BODY_BYTES.",
        gt=0,
    )
    argon2_time_cost: int = Field(3, description="Argon2 time cost for password hashes.")
    argon2_memory_kib: int = Field(65536, description="Argon2 memory cost in KiB.")
    mail_backend: str = Field(
        "smtp",
        description="`smtp` sends e-mail through SMTP_HOST; `directory` writes each message as "
        "an .eml file under DATA_DIR/mail (for a laptop without a mail server).",
        pattern="^(smtp|directory)$",
    )
    smtp_host: str = Field("127.0.0.1", description="SMTP server for outgoing e-mail.")
    smtp_port: int = Field(25, description="SMTP server port.")
    smtp_user: str = Field("", description="SMTP user name, if the server needs a login.")
    smtp_password: str = Field("", description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Use STARTTLS on the SMTP connection.")
    mail_from: str = Field("vigil@localhost", description="Sender address of Vigil's e-mails.")
    embedded_worker: bool | None = Field(
        None,
        description="Run the job worker inside the web process. Default: on for SQLite "
        "(the one-process setup), off for PostgreSQL (run `vigil worker` processes).",
    )
    worker_poll_seconds: float = Field(1.0, description="How often an idle worker looks for jobs.")
    job_lease_seconds: int = Field(
        60, description="A job whose worker has not finished within this is taken again."
    )
    cap_max_bytes: int = Field(
        1024 * 1024, description="Largest CAP XML document accepted for import, in bytes.", gt=0
    )
    cap_certificates: Path | None = Field(
        None,
        description="Folder of PEM certificates (*.pem, *.crt) of the authorities whose CAP "
        "messages you import: a message whose XML signature verifies with one of them shows as "
        "verified; every other signed message shows as not verified.",
    )
    alert_max_attempts: int = Field(
        8,
        description="Attempts at delivering one alert to one recipient (webhook or e-mail) "
        "before it is dead-lettered.",
        ge=1,
    )
    cap_feed_timeout_seconds: float = Field(
        10.0,
        description="Time a subscribed CAP feed (and each CAP document it links) has to answer "
        "a poll; a feed that does not answer in time counts as an error and is polled later.",
        gt=0,
    )
    cap_feed_max_bytes: int = Field(
        2 * 1024 * 1024,
        description="Largest CAP Atom or RSS feed read in one poll, in bytes (each linked CAP "
        "document is held to VIGIL_CAP_MAX_BYTES).",
        gt=0,
    )
    webhook_allow_private: bool = Field(
        False,
        description="Allow webhook endpoints on loopback, private and link-local addresses "
        "(an integration inside your own network); off, only public addresses are called.",
    )
    oidc_allow_private: bool = Field(
        False,
        description="Allow organisations' OpenID Connect providers on loopback, private and "
        "link-local addresses (a provider inside your own network); off, only public "
        "addresses are called for discovery, keys and tokens.",
    )
    webhook_timeout_seconds: float = Field(
        5.0,
        description="Time a webhook endpoint has to answer an alert delivery; a hanging endpoint "
        "fails after it and is retried later.",
        gt=0,
    )
    monitoring_timeout_seconds: float = Field(
        10.0,
        description="Time a monitoring source's server has to accept the connection and to send "
        "each part of its answer.",
        gt=0,
    )
    monitoring_deadline_seconds: float = Field(
        30.0,
        description="Time one monitoring fetch (a feed, a page, robots.txt) may take in all, "
        "redirects included; a slower source is marked failing and polled later.",
        gt=0,
    )
    monitoring_max_bytes: int = Field(
        5 * 1024 * 1024,
        description="Largest feed or page read from a monitoring source, in bytes; a larger one is "
        "cut off while it streams in and the source is marked failing. Also the largest upload.",
        gt=0,
    )
    monitoring_host_concurrency: int = Field(
        2,
        description="Requests one worker process makes to one host (name and port) at the same "
        "time when polling monitoring sources.",
        ge=1,
        le=64,
    )
    monitoring_host_interval_seconds: float = Field(
        1.0,
        description="Least time between the start of two requests to one host when polling "
        "monitoring sources (politeness towards small news sites).",
        ge=0,
    )
    monitoring_robots_cache_seconds: int = Field(
        600,
        description="How long a host's robots.txt is kept before it is read again.",
        ge=0,
    )
    monitoring_links_per_poll: int = Field(
        30,
        description="Most new articles read from one feed or listing page in one poll (the "
        "rest wait for the next poll).",
        ge=1,
        le=1000,
    )
    monitoring_text_days: int = Field(
        30,
        description="Days an article's text is kept (copyright); after them the text is emptied "
        "and its title, address, dates and story stay.",
        ge=1,
    )
    alert_delivery_concurrency: int = Field(
        32, description="Alert deliveries one worker sends at the same time.", ge=1, le=512
    )
    alert_escalation_minutes: int = Field(
        15,
        description="Minutes after which a site that has not acknowledged an alert is escalated "
        "to its next contacts by priority.",
        ge=1,
    )
    log_level: str = Field("INFO", description="Log level of the JSON logs.")
    default_org: str = Field(
        "",
        description="Slug of the organisation whose anonymous report form /report shows. Empty: "
        "/report lists every organisation that takes public reports.",
        max_length=64,
    )
    public_report_burst: int = Field(
        40,
        description="Anonymous reports one address may send in a row, e.g. many witnesses on "
        "a school's or stadium's shared Wi-Fi; the allowance then refills at "
        "PUBLIC_REPORT_REFILL_PER_HOUR.",
        ge=1,
    )
    public_report_refill_per_hour: float = Field(
        60, description="How fast one address's allowance of anonymous reports refills.", gt=0
    )
    public_report_org_burst: int = Field(
        300,
        description="Anonymous reports one organisation takes in a row from all addresses "
        "together; past it, a flood (also from many addresses) is held back to "
        "PUBLIC_REPORT_ORG_REFILL_PER_HOUR and senders are told to try again shortly.",
        ge=1,
    )
    public_report_org_refill_per_hour: float = Field(
        600,
        description="How fast an organisation's budget of anonymous reports refills.",
        gt=0,
    )
    stix_namespace: str = Field(
        "",
        description="UUID under which the STIX ids of this instance's records are made (the same "
        "record keeps the same STIX id across exports). Empty derives one from SECRET_KEY; set "
        "it before changing SECRET_KEY, to the value `vigil sharing namespace` printed, so that "
        "partners keep recognising the records.",
        pattern=r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$",
    )
    stix_import_max_bytes: int = Field(
        50 * 1024 * 1024,
        description="Largest STIX bundle imported at once, in bytes (API, page, CLI); a larger "
        "request is refused before it is read.",
        gt=0,
    )
    stix_import_max_objects: int = Field(
        100_000, description="Most objects in one imported STIX bundle.", gt=0
    )
    peer_timeout_seconds: float = Field(
        30.0,
        description="Time a peer's TAXII server has to answer one request of a pull or push; "
        "a hanging peer fails after it and is tried again later with backoff.",
        gt=0,
    )
    peer_page_objects: int = Field(
        1000, description="Objects asked for in one page of a pull from a peer.", ge=1, le=10_000
    )
    peer_max_page_bytes: int = Field(
        20 * 1024 * 1024,
        description="Largest page a peer may answer a pull with, in bytes; a larger one is "
        "refused (the pull fails and is retried) before it is read whole.",
        gt=0,
    )
    peer_push_settle_seconds: float = Field(
        10.0,
        description="How long an object must have been in the TAXII store before a push sends "
        "it: a store write that commits later than a newer one is still sent, not skipped by "
        "the push cursor. A push finding younger objects sends them on a later run.",
        ge=0,
    )
    # monitoring: signals and the per-organisation classifier (vigil.monitoring.signals)
    monitoring_signal_threshold: float = Field(
        0.5,
        description="Relevance score (0-1) from which a story that touches a watched site, "
        "place or term becomes a signal in the organisation's monitoring inbox.",
        ge=0,
        le=1,
    )
    monitoring_high_signal_threshold: float = Field(
        0.8,
        description="Relevance score (0-1) from which a signal is high: its organisation's "
        "coordinators are e-mailed once and see a banner.",
        ge=0,
        le=1,
    )
    monitoring_story_window_days: int = Field(
        7,
        description="How far back, in days, an organisation's articles are compared with a new "
        "one to find the story it joins.",
        ge=1,
    )
    monitoring_classifier_min_samples: int = Field(
        20,
        description="Labelled articles (with both relevant and not relevant among them) an "
        "organisation needs before its own classifier is trained and adjusts the scores.",
        ge=4,
    )
    node_modules: Path = Field(
        default_factory=default_node_modules,
        description="Where the front-end libraries (htmx, Leaflet, world-atlas boundaries) served "
        "under /vendor, the region boundaries and the PDF fonts are: by default the copy an "
        "installed wheel carries, else `node_modules` where `npm ci` put them in a checkout.",
    )

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.env == "production":
            for name in ("secret_key", "audit_key"):
                value = getattr(self, name)
                if value == DEV_SECRET or len(value) < 32:
                    raise ValueError(
                        f"VIGIL_{name.upper()} must be set to a random value of at least "
                        "32 characters in production"
                    )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'vigil.db'}"

    @property
    def backups_path(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    @property
    def runs_embedded_worker(self) -> bool:
        if self.embedded_worker is not None:
            return self.embedded_worker
        return self.sqlalchemy_url.startswith("sqlite")

    @property
    def public_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def environment_secret(name: str) -> str | None:
    """The value of an environment variable an operator named for a command (a peer's secret
    given as `--secret-env VAR`, so that it never appears on a command line); None when unset."""
    return os.environ.get(name)


def environment_with(values: dict[str, str]) -> dict[str, str]:
    """This process's environment for a child process that is another instance: every VIGIL_*
    variable replaced by `values` (e.g. the tour's second instance, `vigil demo partner`)."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return {**kept, **values}


def export_environment(name: str, value: str) -> None:
    """Hand a setting to a library that reads it from the environment alone (prometheus-client's
    multiprocess directory), in this process and the ones it starts."""
    os.environ[name] = value
