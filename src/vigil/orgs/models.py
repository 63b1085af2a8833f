"""Who is who: organisations (in networks and under parents), people and their roles, and how
people sign in (browser sessions, API tokens)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.core.db import Base, utcnow


class OrgKind(enum.StrEnum):
    community_security = "community_security"
    site_operator = "site_operator"
    police = "police"
    ministry = "ministry"
    city = "city"
    ngo = "ngo"


network_members = Table(
    "network_members",
    Base.metadata,
    Column("network_id", ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "org_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    accepts_public_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    # The national threat level the organisation declares (DOMAIN.md): 1 low, 2 moderate,
    # 3 substantial, 4 severe, 5 critical. It feeds the threat side of every site's risk.
    national_threat_level: Mapped[int] = mapped_column(default=2, server_default="2")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # An organisation of another instance or tool whose records arrived as STIX (DECISIONS 30):
    # it has no members here; its STIX identity id is how the next bundle is matched to it.
    remote: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    stix_identity_id: Mapped[str | None] = mapped_column(String(100), index=True, unique=True)
    # The language its members' pages and e-mails fall back to when neither the person nor the
    # browser names one Vigil has ("" = the instance's default, English).
    default_locale: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # The zone its times are shown in ("" = the main zone of its country).
    time_zone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # "Use my location" on its public form is rounded to this many metres before it is sent.
    public_location_precision_m: Mapped[int] = mapped_column(default=1000, server_default="1000")

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    networks: Mapped[list[Network]] = relationship(
        secondary=network_members, back_populates="organisations", order_by="Network.name"
    )


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=network_members, back_populates="networks", order_by="Organisation.name"
    )


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(500))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # The zone the person wants times shown in ("" = their organisation's).
    time_zone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    # Set when an administrator erased the person (orgs.erasure): name and e-mail are gone.
    erased_at: Mapped[dt.datetime | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="person")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()


class Invitation(Base):
    """An e-mail invitation to join an organisation with a role; the token travels by e-mail."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]

    organisation: Mapped[Organisation] = relationship()


class PasswordReset(Base):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class WebSession(Base):
    """A login in a browser; the cookie carries the token, the table only its hash."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    acting_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    awaiting_totp: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    # Loaded with the token in one query; while the token is held, load_principal finds the
    # person in the session instead of asking the database again (every API request).
    person: Mapped[Person] = relationship(lazy="joined", viewonly=True)


class IdentityProvider(Base):
    """An organisation's OpenID Connect provider: its members sign in there, and the claim
    named here says which role each has in Vigil (the directory stays the source of truth)."""

    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    label: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_encrypted: Mapped[str] = mapped_column(String(1000))
    role_claim: Mapped[str] = mapped_column(String(100), default="groups")
    # JSON object: claim value -> Vigil role code; the highest matching role wins.
    role_map: Mapped[str] = mapped_column(Text, default="{}")
    # Space-separated e-mail domains whose people the sign-in page sends to this provider.
    email_domains: Mapped[str] = mapped_column(String(1000), default="")
    passwords_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ExternalIdentity(Base):
    """A person's account at an identity provider (issuer and subject), found again by it at
    each sign-in whatever the e-mail address there has become."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]


class CostBands(Base):
    """What an organisation counts each cost class of a measure as costing (issue 21): a
    currency and a money range per class, set by its administrators; without a row the plan
    uses `orgs.cost_bands.DEFAULT_BANDS`. Whole units of the currency."""

    __tablename__ = "cost_bands"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    low_min: Mapped[int] = mapped_column(BigInteger)
    low_max: Mapped[int] = mapped_column(BigInteger)
    medium_min: Mapped[int] = mapped_column(BigInteger)
    medium_max: Mapped[int] = mapped_column(BigInteger)
    high_min: Mapped[int] = mapped_column(BigInteger)
    high_max: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ListPreference(Base):
    """The filters a person last used on a list (`list_name`: incidents, sites, alerts), as the
    query string the list was shown with; applied when they open the list bare."""

    __tablename__ = "list_preferences"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    list_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    query: Mapped[str] = mapped_column(String(2000))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SavedFilter(Base):
    """Filters a person named to come back to ("Open antisemitic incidents in Berlin"); only
    they see them. A name is unique per person and list."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("person_id", "list_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's index (person_id first) serves "my saved filters of this list".
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    list_name: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
