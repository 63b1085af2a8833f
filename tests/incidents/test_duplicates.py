"""Duplicate detection: measured on a generated, labelled corpus (DECISIONS 18), bound by the
access policy, and served by its routes; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session

from tests.incidents.duplicate_corpus import (
    DUPLICATE_MAX_MOVE_KM,
    DUPLICATE_MAX_SHIFT,
    Corpus,
    generate,
    km_between,
)
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import TLP, Principal, Role
from vigil.incidents import duplicates
from vigil.incidents.duplicate_features import Wording
from vigil.incidents.duplicate_scoring import (
    SUGGEST_THRESHOLD,
    distance_closeness,
    time_closeness,
)
from vigil.incidents.duplicates import candidates
from vigil.incidents.models import Incident
from vigil.incidents.schemas import IncidentFields, Place
from vigil.incidents.typology import IncidentType, Precision, Source, Status
from vigil.orgs.models import Organisation
from vigil.orgs.principals import load_principal

MIN_PRECISION = 0.9
MIN_RECALL = 0.9


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return generate()


def incident_row(fields: IncidentFields, org: Organisation, tlp: TLP) -> dict[str, Any]:
    return {
        "owner_org_id": org.id,
        "tlp": tlp.value,
        "source": Source.member.value,
        "status": Status.triaged.value,
        "title": fields.title,
        "narrative": fields.narrative,
        "occurred_from": fields.occurred_from,
        "timezone": fields.timezone,
        "lat": fields.place.lat,
        "lon": fields.place.lon,
        "city": fields.place.city,
        "country": fields.place.country,
        "precision": fields.place.precision.value,
        "type": fields.type.value,
        "address": fields.place.address,
        "target_kind": None if fields.target_kind is None else fields.target_kind.value,
        "site_id": fields.site_id,
    }


def insert_incidents(
    session: Session, items: list[IncidentFields], org: Organisation, tlp: TLP = TLP.amber_strict
) -> list[int]:
    """One bulk INSERT (executemany), ids in the order given."""
    rows = [incident_row(f, org, tlp) for f in items]
    stmt = insert(Incident).returning(Incident.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def principal_in(session: Session, settings: Settings, org: Organisation, role: Role) -> Principal:
    person = make_person(session, settings, org=org, role=role)
    principal = load_principal(session, person_id=person.id)
    assert principal is not None
    return principal


def fields(**overrides: Any) -> IncidentFields:
    values: dict[str, Any] = {
        "title": "Swastikas sprayed on the synagogue",
        "narrative": "Swastikas sprayed on the front wall of the synagogue in Rykestraße at night.",
        "occurred_from": dt.datetime(2025, 3, 2, 6, 30, tzinfo=dt.UTC),
        "place": Place(lat=52.5387, lon=13.4198, city="Berlin", country="DE", precision="exact"),
        "type": IncidentType.damage,
    }
    values.update(overrides)
    return IncidentFields(**values)


def second_witness() -> IncidentFields:
    return fields(
        title="Graffiti at the Rykestrasse synagogue",
        narrative="Someone painted swastikas on the synagogue front wall, Rykestrasse, last night.",
        occurred_from=dt.datetime(2025, 3, 2, 9, 30, tzinfo=dt.UTC),
        place=Place(lat=52.5398, lon=13.4210, city="Berlin", country="DE", precision="exact"),
    )


# Scoring, without a database.


def test_time_and_distance_count_fully_when_close_and_nothing_beyond_the_limits() -> None:
    assert time_closeness(0) == time_closeness(3) == 1.0
    assert 1.0 > time_closeness(4) > time_closeness(12) > time_closeness(30) > 0.0
    assert time_closeness(36) == time_closeness(500) == 0.0
    assert distance_closeness(0) == distance_closeness(0.2) == 1.0
    assert 1.0 > distance_closeness(0.3) > distance_closeness(1) > distance_closeness(4) > 0.0
    assert distance_closeness(5) == distance_closeness(50) == 0.0


def test_wording_ignores_case_accents_punctuation_and_word_order() -> None:
    first = Wording.of("Hakenkreuze an der Synagoge, Große Hamburger Straße!")
    same = Wording.of("GROSSE HAMBURGER STRASSE: synagoge hakenkreuze")
    other = Wording.of("Unattended suitcase by the tram stop, police cordoned it off")

    assert first.similarity(same) > 0.95
    assert first.similarity(other) < 0.2
    assert Wording.of("").similarity(first) == 0.0


def test_corpus_labels_follow_its_own_rule(corpus: Corpus) -> None:
    """Duplicates lie within the generator's envelope of their incident; near-misses of none."""
    kinds = Counter(p.kind for p in corpus.probes)
    assert kinds["duplicate"] >= 100
    assert {"other_day", "same_spot_other_event", "km_away", "other_city"} <= set(kinds)

    def within(a: IncidentFields, b: IncidentFields) -> bool:
        close_in_time = abs(a.occurred_from - b.occurred_from) <= DUPLICATE_MAX_SHIFT
        if a.place.lat is None or a.place.precision != Precision.exact:
            return close_in_time
        assert a.place.lon is not None and b.place.lat is not None and b.place.lon is not None
        km = km_between(a.place.lat, a.place.lon, b.place.lat, b.place.lon)
        return close_in_time and km <= DUPLICATE_MAX_MOVE_KM + 0.05

    for probe in corpus.probes:
        if probe.duplicate_of is not None:
            assert within(probe.fields, corpus.base[probe.duplicate_of])
        elif probe.fields.place.precision == Precision.exact:
            assert not any(within(probe.fields, b) for b in corpus.base), probe


# The service, on both databases.


def test_precision_and_recall_on_the_labelled_corpus(
    session: Session, settings: Settings, corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    org = make_org(session)
    principal = principal_in(session, settings, org, Role.coordinator)
    ids = insert_incidents(session, corpus.base, org)

    true_positives = false_positives = 0
    missed: Counter[str] = Counter()
    wrongly: Counter[str] = Counter()
    for probe in corpus.probes:
        found = candidates(session=session, principal=principal, fields=probe.fields)
        expected = None if probe.duplicate_of is None else ids[probe.duplicate_of]
        suggested = {c.incident_id for c in found if c.suggested}
        true_positives += expected in suggested
        false_positives += len(suggested - {expected})
        if expected is not None and expected not in suggested:
            missed[probe.fields.place.precision.value] += 1
        if suggested - {expected}:
            wrongly[probe.kind] += len(suggested - {expected})
    duplicates_count = sum(p.duplicate_of is not None for p in corpus.probes)
    precision = true_positives / max(1, true_positives + false_positives)
    recall = true_positives / duplicates_count

    with capsys.disabled():
        print(
            f"\nduplicate detection [{session.get_bind().dialect.name}] at threshold "
            f"{SUGGEST_THRESHOLD}: precision {precision:.3f}, recall {recall:.3f} "
            f"({true_positives} of {duplicates_count} duplicates found, {false_positives} wrong "
            f"suggestions among {len(corpus.probes)} reports against {len(ids)} incidents); "
            f"missed by place precision {dict(missed)}, wrong by kind {dict(wrongly)}"
        )
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL


def test_suggestion_comes_with_its_reasons(session: Session, settings: Settings) -> None:
    org = make_org(session)
    principal = principal_in(session, settings, org, Role.viewer)
    same_event, other_day = insert_incidents(
        session,
        [fields(), fields(occurred_from=dt.datetime(2025, 2, 27, 6, 30, tzinfo=dt.UTC))],
        org,
    )

    found = candidates(session=session, principal=principal, fields=second_witness())

    assert [c.incident_id for c in found] == [same_event]
    best = found[0]
    assert best.suggested and best.score >= SUGGEST_THRESHOLD
    assert best.reasons[0] == "3 h apart"
    assert best.reasons[1] == "150 m apart"
    assert best.km_apart is not None and 0.14 <= best.km_apart <= 0.16
    assert "names both give: Rykestraße" in best.reasons
    assert any(r.startswith("similar wording (") for r in best.reasons)
    assert best.reasons[-1] == "same type: damage"
    assert best.place_precision == "exact"
    assert best.carried_by[:3] == ["time", "place", "names"]
    names = next(r for r in best.reason_details if r.signal == "names")
    assert (names.message, names.values) == ("names both give: %(names)s", {"names": "Rykestraße"})
    assert other_day not in [c.incident_id for c in found]


def test_incident_another_organisation_keeps_to_itself_is_never_suggested(
    session: Session, settings: Settings
) -> None:
    a, b = make_org(session), make_org(session)
    make_network(session, a, b)
    a_coordinator = principal_in(session, settings, a, Role.coordinator)
    b_viewer = principal_in(session, settings, b, Role.viewer)
    (strict,) = insert_incidents(session, [fields()], b, TLP.amber_strict)
    (green,) = insert_incidents(
        session, [fields(occurred_from=dt.datetime(2025, 3, 2, 7, 30, tzinfo=dt.UTC))], b, TLP.green
    )

    for_a = candidates(session=session, principal=a_coordinator, fields=second_witness())
    for_b = candidates(session=session, principal=b_viewer, fields=second_witness())

    assert [c.incident_id for c in for_a] == [green]
    assert {c.incident_id for c in for_b if c.suggested} == {strict, green}


def test_merged_incidents_and_the_incident_itself_are_not_candidates(
    session: Session, settings: Settings
) -> None:
    org = make_org(session)
    principal = principal_in(session, settings, org, Role.viewer)
    first, second, merged = insert_incidents(
        session, [fields(), second_witness(), second_witness()], org
    )
    session.get_one(Incident, merged).status = Status.merged.value
    session.flush()

    found = duplicates.incident_candidates(session=session, principal=principal, incident_id=first)

    assert [c.incident_id for c in found] == [second]


# The routes.


@pytest.fixture
def people(committed: Session, settings: Settings) -> dict[str, dict[str, str]]:
    org = make_org(committed)
    stranger_org = make_org(committed)
    headers = {
        role: token_headers(committed, make_person(committed, settings, org=org, role=r))
        for role, r in (("reporter", Role.reporter), ("coordinator", Role.coordinator))
    }
    stranger = make_person(committed, settings, org=stranger_org, role=Role.coordinator)
    headers["stranger"] = token_headers(committed, stranger)
    committed.commit()
    return headers


def report_json(item: IncidentFields) -> dict[str, Any]:
    return item.model_dump(mode="json")


def test_report_duplicates_for_coordinators_of_its_organisation(
    client: TestClient, people: dict[str, dict[str, str]]
) -> None:
    first = client.post("/api/v1/reports", json=report_json(fields()), headers=people["reporter"])
    incident_id = client.post(
        f"/api/v1/reports/{first.json()['id']}/triage",
        json={"action": "new_incident"},
        headers=people["coordinator"],
    ).json()["incident_id"]
    second = client.post(
        "/api/v1/reports", json=report_json(second_witness()), headers=people["reporter"]
    )
    assert second.status_code == 201
    assert [c["incident_id"] for c in second.json()["duplicates"]] == [incident_id]
    url = f"/api/v1/reports/{second.json()['id']}/duplicates"

    found = client.get(url, headers=people["coordinator"])

    assert found.status_code == 200
    (candidate,) = found.json()
    assert candidate["incident_id"] == incident_id and candidate["suggested"] is True
    assert "same type: damage" in candidate["reasons"]
    assert client.get(url, headers=people["reporter"]).status_code == 403
    assert client.get(url, headers=people["stranger"]).status_code == 404
    assert (
        client.get("/api/v1/reports/999999/duplicates", headers=people["coordinator"]).status_code
        == 404
    )
    assert client.get(url).status_code == 401


def test_incident_duplicates_lists_the_other_incidents_of_the_event(
    client: TestClient, people: dict[str, dict[str, str]]
) -> None:
    ids = []
    for item in (fields(), second_witness()):
        report = client.post("/api/v1/reports", json=report_json(item), headers=people["reporter"])
        decided = client.post(
            f"/api/v1/reports/{report.json()['id']}/triage",
            json={"action": "new_incident"},
            headers=people["coordinator"],
        )
        ids.append(decided.json()["incident_id"])
    url = f"/api/v1/incidents/{ids[0]}/duplicates"

    found = client.get(url, headers=people["reporter"])

    assert found.status_code == 200
    assert [c["incident_id"] for c in found.json()] == [ids[1]]
    assert client.get(url, headers=people["stranger"]).status_code == 404
    assert (
        client.get("/api/v1/incidents/999999/duplicates", headers=people["reporter"]).status_code
        == 404
    )
    assert client.get(f"{url}?limit=0", headers=people["reporter"]).status_code == 422
