"""The stored figures agree with the incidents after every kind of write: after each, the
refresh leaves nothing for the check to find, and the counts (from the cells and from the
incidents) equal a plain count written here from the counting rules (DOMAIN.md 1-4)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.incidents.test_service import new_incident, principal_with
from tests.incidents.test_transfer import csv_file, good_row
from vigil.core.config import Settings
from vigil.core.db import get_engine, transaction
from vigil.core.policy import TLP, Principal, Role
from vigil.core.transfer.importing import Upload
from vigil.geo.regions import region_of
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.csv_import import import_incidents
from vigil.incidents.models import Incident
from vigil.incidents.schemas import IncidentUpdate, Place, ReportCreate, TriageDecision
from vigil.incidents.typology import Bias, IncidentType, Status, TargetKind
from vigil.reports import figures
from vigil.reports.counting import Dim, FigureFilters, counts, from_cells
from vigil.reports.figures import check_figures, freshness, refresh_figures

BASIS = {"new", "triaged", "verified", "closed"}
PUBLISHED = {"verified", "closed"}
# A filter that selects every incident but that the cells cannot answer (the marking).
EVERY_TLP = FigureFilters(tlp=[t.value for t in TLP])
SHAPES: list[tuple[Dim, ...]] = [
    (),
    ("month",),
    ("org", "month", "status"),
    ("month", "type"),
    ("year", "bias"),
    ("month", "ihra"),
    ("country", "city", "target_kind"),
    ("region",),
]
# Filters the cells answer; with every marking added the incidents answer them instead.
FILTERS: list[dict[str, Any]] = [
    {"type": ["damage", "threat"]},
    {"country": "de"},
    {"city": "BERLIN"},
    {"bias": ["antisemitism"]},
    {"ihra": ["ihra.2"]},
    {"target_kind": ["property"]},
    {"status": ["verified", "closed"]},
    {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 5, 1)},
]
# 21:30 UTC on 31 March 2026 is 23:30 in Berlin (summer time since the 29th): a March incident.
MARCH_END = dt.datetime(2026, 3, 31, 21, 30, tzinfo=dt.UTC)
BERLIN = "Europe/Berlin"


def oracle(session: Session, org_ids: Sequence[int], by: Sequence[str], **only: Any) -> Counter:
    """Counted incidents by `by`, straight from the incident rows: merged, rejected and deleted
    ones never count, the month is read in the incident's zone, each code counts."""
    session.expire_all()
    found: Counter[tuple[str, ...]] = Counter()
    basis = only.pop("basis", BASIS)
    for incident in session.scalars(select(Incident).where(Incident.owner_org_id.in_(org_ids))):
        if incident.status not in basis or any(getattr(incident, k) != v for k, v in only.items()):
            continue
        local = incident.occurred_from.astimezone(ZoneInfo(incident.timezone or "UTC"))
        values = {
            "org": [str(incident.owner_org_id)],
            "year": [f"{local:%Y}"],
            "month": [f"{local:%Y-%m}"],
            "status": [incident.status],
            "type": [incident.type],
            "target_kind": [incident.target_kind or ""],
            "country": [incident.country or ""],
            "city": [incident.city or ""],
            "region": [
                region_of(incident.country or "", incident.city or "", incident.lat, incident.lon)
            ],
            "bias": sorted(incident.codes_of("bias")) or ["unspecified"],
            "ihra": sorted(incident.codes_of("ihra")) or ["unspecified"],
        }
        keys: list[tuple[str, ...]] = [()]
        for dim in by:
            keys = [key + (value,) for key in keys for value in values[dim]]
        found.update(keys)
    return found


def agree(session: Session, org_ids: Sequence[int]) -> None:
    """Refresh; then the check finds nothing and both counting paths equal the oracle."""
    session.flush()
    refresh_figures(session)
    assert freshness(session).pending_changes == 0
    assert check_figures(session) == []
    for by in SHAPES:
        want = dict(oracle(session, org_ids, by))
        assert from_cells(FigureFilters(), by) and not from_cells(EVERY_TLP, by)
        cube = counts(session=session, org_ids=org_ids, filters=FigureFilters(), by=by)
        live = counts(session=session, org_ids=org_ids, filters=EVERY_TLP, by=by)
        assert cube == want, by
        assert live == want, by
    every = {"tlp": EVERY_TLP.tlp}
    for values in FILTERS:
        cells = FigureFilters.model_validate(values)
        assert from_cells(cells, ("month",))
        for by in (("month",), ("month", "bias")):
            cube = counts(session=session, org_ids=org_ids, filters=cells, by=by)
            live = FigureFilters.model_validate(values | every)
            assert cube == counts(session=session, org_ids=org_ids, filters=live, by=by), values
    published = counts(
        session=session, org_ids=org_ids, filters=FigureFilters(), by=("month",), basis=PUBLISHED
    )
    assert published == dict(oracle(session, org_ids, ("month",), basis=PUBLISHED))


def report(
    session: Session, settings: Settings, principal: Principal, title: str, **fields: Any
) -> int:
    """A member's report, triaged into a new incident by the coordinator."""
    values: dict[str, Any] = {
        "title": title,
        "occurred_from": MARCH_END,
        "timezone": BERLIN,
        "type": IncidentType.damage,
        "place": Place(city="Berlin", country="DE"),
        "bias": [Bias.antisemitism],
        "ihra": ["ihra.2"],
        "target_kind": TargetKind.property,
        "tlp": TLP.green,
    }
    values.update(fields)
    submitted = reports_service.submit_report(
        session=session, principal=principal, settings=settings, data=ReportCreate(**values)
    )
    incident = service.triage(
        session=session,
        principal=principal,
        report_id=submitted.id,
        decision=TriageDecision(action="new_incident"),
    )
    assert incident is not None
    return incident.id


class World:
    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.coordinator = principal_with(session, settings, Role.coordinator)
        self.other = principal_with(session, settings, Role.coordinator)
        self.org_ids = [next(iter(p.roles)) for p in (self.coordinator, self.other)]
        self.ids = [
            report(session, settings, self.coordinator, "Graffiti at the centre"),
            report(
                session,
                settings,
                self.coordinator,
                "Threat by phone",
                occurred_from=MARCH_END + dt.timedelta(hours=1),  # 00:30 on 1 April in Berlin
                type=IncidentType.threat,
                bias=[Bias.antisemitism, Bias.racism_xenophobia],
                ihra=[],
                target_kind=None,
            ),
            report(
                session,
                settings,
                self.other,
                "Stickers in Prague",
                occurred_from=dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC),  # February there
                timezone="Europe/Prague",
                place=Place(city="Prague", country="CZ"),
                type=IncidentType.literature,
                bias=[],
                ihra=[],
            ),
            report(
                session,
                settings,
                self.other,
                "Abuse in New York",
                occurred_from=dt.datetime(2026, 5, 1, 2, 0, tzinfo=dt.UTC),  # 30 April there
                timezone="America/New_York",
                place=Place(city="New York", country="US"),
                type=IncidentType.abusive_behaviour,
                bias=[Bias.anti_muslim],
                ihra=[],
            ),
        ]

    def update(self, incident_id: int, **fields: Any) -> None:
        owner = self.session.get(Incident, incident_id)
        assert owner is not None
        principal = self.coordinator if owner.owner_org_id == self.org_ids[0] else self.other
        service.update_incident(
            session=self.session,
            principal=principal,
            incident_id=incident_id,
            data=IncidentUpdate(**fields),
        )


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    made = World(session, settings)
    agree(session, made.org_ids)
    return made


def test_figures_agree_after_member_reports_are_triaged(world: World) -> None:
    months = counts(
        session=world.session, org_ids=world.org_ids, filters=FigureFilters(), by=("month",)
    )
    assert months == {("2026-02",): 1, ("2026-03",): 1, ("2026-04",): 2}


def test_figures_agree_after_a_csv_import(world: World) -> None:
    rows = [good_row(n, timezone=BERLIN) for n in range(3)]
    rows.append(good_row(3, occurred_from="2026-02-28T23:30:00+00:00", timezone=BERLIN))
    columns = ["title", "occurred_from", "timezone", "type", "city", "country", "bias", "ihra"]
    upload = Upload(raw=csv_file(rows, columns), filename="incidents.csv", dry_run=False)
    done = import_incidents(session=world.session, principal=world.coordinator, upload=upload)
    assert len(done.incident_ids) == 4
    agree(world.session, world.org_ids)
    march = counts(
        session=world.session,
        org_ids=world.org_ids[:1],
        filters=FigureFilters(start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1)),
    )
    assert march == {(): 2}  # the graffiti and the import of 00:30 on 1 March in Berlin


def test_figures_agree_after_merges_and_unmerges(world: World) -> None:
    graffiti, threat, stickers, _abuse = world.ids
    service.merge_incidents(
        session=world.session, principal=world.coordinator, source_id=threat, target_id=graffiti
    )
    agree(world.session, world.org_ids)
    assert counts(session=world.session, org_ids=world.org_ids[:1], filters=FigureFilters()) == {
        (): 1
    }
    service.unmerge_incident(session=world.session, principal=world.coordinator, incident_id=threat)
    agree(world.session, world.org_ids)
    service.merge_incidents(
        session=world.session, principal=world.other, source_id=stickers, target_id=_abuse
    )
    agree(world.session, world.org_ids)


def test_figures_agree_after_tlp_changes(world: World) -> None:
    graffiti, threat, *_ = world.ids
    world.update(graffiti, tlp=TLP.amber)
    world.update(threat, tlp=TLP.clear)
    agree(world.session, world.org_ids)
    amber = counts(
        session=world.session,
        org_ids=world.org_ids,
        filters=FigureFilters(tlp=["amber"]),
        by=("month",),
    )
    assert amber == dict(oracle(world.session, world.org_ids, ("month",), tlp="amber"))
    assert amber == {("2026-03",): 1}


def test_figures_agree_after_status_changes(world: World) -> None:
    graffiti, threat, stickers, abuse = world.ids
    world.update(graffiti, status=Status.verified)
    world.update(threat, status=Status.rejected)
    world.update(stickers, status=Status.verified)
    agree(world.session, world.org_ids)
    world.update(stickers, status=Status.closed)
    world.update(abuse, status=Status.new)
    agree(world.session, world.org_ids)
    world.update(threat, status=Status.new)
    world.update(graffiti, status=Status.triaged)
    agree(world.session, world.org_ids)


def test_figures_agree_after_edits_across_a_month_boundary(world: World) -> None:
    graffiti, threat, stickers, abuse = world.ids
    world.update(graffiti, occurred_from=MARCH_END + dt.timedelta(minutes=45))  # into April
    world.update(threat, timezone="Europe/London")  # 22:30 on 31 March in London: March
    world.update(stickers, type=IncidentType.assault, target_kind=TargetKind.person)
    world.update(abuse, place=Place(city="Vienna", country="AT"), timezone="Europe/Vienna")
    agree(world.session, world.org_ids)
    world.update(graffiti, bias=[Bias.anti_roma, Bias.unknown], ihra=[])
    world.update(threat, bias=[Bias.antisemitism], ihra=["ihra.4", "ihra.7"])
    agree(world.session, world.org_ids)
    assert counts(
        session=world.session, org_ids=world.org_ids[:1], filters=FigureFilters(), by=("month",)
    ) == {("2026-03",): 1, ("2026-04",): 1}


def test_figures_agree_after_incidents_are_deleted(world: World) -> None:
    """The app deletes no incident (nor organisation); a row deleted in SQL, or its codes,
    still reaches the figures through the triggers."""
    graffiti, threat, _stickers, abuse = world.ids
    world.session.flush()
    world.session.execute(text("DELETE FROM incident_codes WHERE incident_id = :i"), {"i": threat})
    agree(world.session, world.org_ids)
    for incident_id in (graffiti, abuse):
        world.session.execute(text("DELETE FROM incidents WHERE id = :i"), {"i": incident_id})
    agree(world.session, world.org_ids)
    assert (
        sum(counts(session=world.session, org_ids=world.org_ids, filters=FigureFilters()).values())
        == 2
    )


def test_words_filter_counts_from_the_incidents_as_the_cells_would(world: World) -> None:
    by: tuple[Dim, ...] = ("month", "bias")
    words = FigureFilters(q="threat")
    assert not from_cells(words, by)
    found = counts(session=world.session, org_ids=world.org_ids, filters=words, by=by)
    assert found == {("2026-04", "antisemitism"): 1, ("2026-04", "racism_xenophobia"): 1}


def test_change_committed_during_a_refresh_waits_for_the_next(
    settings: Settings, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite writers queue at BEGIN IMMEDIATE: none commits during a refresh")
    url = settings.sqlalchemy_url
    with transaction(url) as session:
        first = principal_with(session, settings, Role.coordinator)
        second = principal_with(session, settings, Role.coordinator)
        new_incident(session, settings, first)
    recompute = figures.recompute_months
    written: list[int] = []

    def meanwhile(session: Session, org_id: int, months: set[str]) -> None:
        if not written:  # another organisation's incident, committed after the marks were read
            with transaction(url) as other:
                written.append(new_incident(other, settings, second))
        recompute(session, org_id, months)

    monkeypatch.setattr(figures, "recompute_months", meanwhile)
    with transaction(url) as session:
        refresh_figures(session)
    monkeypatch.setattr(figures, "recompute_months", recompute)
    with transaction(url) as session:
        assert freshness(session).pending_changes > 0
        assert check_figures(session) != []  # not counted yet, but its mark is kept
        refresh_figures(session)
    with transaction(url) as session:
        assert check_figures(session) == []
        org_ids = [next(iter(p.roles)) for p in (first, second)]
        assert counts(session=session, org_ids=org_ids, filters=FigureFilters(), by=("org",)) == {
            (str(org_ids[0]),): 1,
            (str(org_ids[1]),): 1,
        }


def _someone_waits_for_a_lock(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    with get_engine(url).connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            conn.rollback()
            if waiting:
                return True
    return False


def test_a_second_refresh_waits_for_the_first_and_finds_nothing_left(
    settings: Settings, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The periodic task and `vigil reports figures refresh` may run at once: the second
    waits for the first's commit instead of writing the same cells again."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite writers queue at BEGIN IMMEDIATE: two refreshes never overlap")
    url = settings.sqlalchemy_url
    with transaction(url) as session:
        refresh_figures(session)  # the figures' state exists, as it does after the first run
    with transaction(url) as session:
        new_incident(session, settings, principal_with(session, settings, Role.coordinator))
    recompute = figures.recompute_months
    second: dict[str, Any] = {}

    def refresh_again() -> None:
        try:
            with transaction(url) as session:
                second["marks"] = refresh_figures(session)
        except Exception as exc:  # reported to the test below
            second["error"] = exc

    def meanwhile(session: Session, org_id: int, months: set[str]) -> None:
        if "thread" not in second:
            second["thread"] = threading.Thread(target=refresh_again)
            second["thread"].start()
            assert _someone_waits_for_a_lock(url, 10.0)
        recompute(session, org_id, months)

    monkeypatch.setattr(figures, "recompute_months", meanwhile)
    with transaction(url) as session:
        assert refresh_figures(session) > 0
    second["thread"].join(timeout=30)
    assert "error" not in second, second.get("error")
    assert second["marks"] == 0
    with transaction(url) as session:
        assert check_figures(session) == []
