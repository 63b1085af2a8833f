"""Relaying imported CAP messages keeps their meaning: an imported Update or Cancel updates or
cancels what Vigil sent for its original (or says the original is unknown), an expired alert
goes out only when confirmed, and Vigil's CAP speaks the alert's languages."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.alerts import cap_documents as docs
from tests.alerts.conftest import Desk
from tests.alerts.factories import VIENNA
from tests.alerts.test_cap_import import imported, send, sent_cap
from tests.html import db_rows
from vigil.alerts.cap import Info
from vigil.alerts.languages import UNTRANSLATED, WRITTEN_IN
from vigil.alerts.models import Alert
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Person

T0 = docs.soon(-2)
T1 = docs.soon(-1)


def canonical(reference: str) -> str:
    """A reference as Vigil writes it: its time in UTC as +00:00."""
    return reference.removesuffix("-00:00") + "+00:00"


def relayed_original(client: TestClient, desk: Desk, identifier: str = "AT-BMI-2026-0007") -> int:
    """An authority's alert, imported and sent to the sites in Vienna."""
    draft = imported(client, desk, docs.document(identifier=identifier, sent=T0))
    response = send(client, desk, draft["id"])
    assert response.status_code == 200 and response.json()["deliveries"] > 0, response.text
    return int(draft["id"])


def states(settings: Settings) -> dict[int, tuple[str, str]]:
    return {a.id: (a.msg_type, a.state) for a in db_rows(settings, select(Alert))}


def test_imported_cancel_cancels_what_vigil_sent_for_its_original(
    client: TestClient, desk: Desk, settings: Settings
) -> None:
    original = relayed_original(client, desk)
    # the authority writes the original's time in UTC; it sent it with +01:00
    cancel = docs.document(
        identifier="AT-BMI-2026-0008",
        sent=T1,
        msg_type="Cancel",
        references=docs.reference("AT-BMI-2026-0007", T0),
        infos=[],
    )
    draft = imported(client, desk, cancel)
    assert (draft["msg_type"], draft["replaces_id"]) == ("Cancel", original)
    assert draft["imported"]["unknown_references"] == []
    assert (draft["event"], draft["needs_area"]) == ("Bombendrohung", False)
    response = send(client, desk, draft["id"])
    assert response.status_code == 200 and response.json()["deliveries"] > 0, response.text
    assert states(settings)[original] == ("Alert", "cancelled")
    out = sent_cap(client, desk, draft["id"])
    assert out.msg_type.value == "Cancel"
    as_vigil_sent = sent_cap(client, desk, original).reference()
    assert as_vigil_sent in out.references
    assert out.references[-1] == canonical(docs.reference("AT-BMI-2026-0008", T1))


def test_imported_messages_follow_the_newest_relay_of_their_original(
    client: TestClient, desk: Desk, settings: Settings
) -> None:
    original = relayed_original(client, desk)
    first = docs.reference("AT-BMI-2026-0007", T0)
    update = docs.document(
        identifier="AT-BMI-2026-0009",
        msg_type="Update",
        references=first,
        infos=[docs.Info(instruction="Polizei vor Ort; Gebäude weiter meiden.")],
    )
    updated = imported(client, desk, update)
    assert (updated["msg_type"], updated["replaces_id"]) == ("Update", original)
    assert send(client, desk, updated["id"]).status_code == 200
    assert states(settings)[original] == ("Alert", "updated")
    update_out = sent_cap(client, desk, updated["id"])
    assert sent_cap(client, desk, original).reference() in update_out.references
    assert update_out.info[0].instruction == "Polizei vor Ort; Gebäude weiter meiden."
    # a Cancel naming only the first message cancels what Vigil sent last: the update
    cancel = docs.document(
        identifier="AT-BMI-2026-0010", msg_type="Cancel", references=first, infos=[]
    )
    cancelled = imported(client, desk, cancel)
    assert send(client, desk, cancelled["id"]).status_code == 200
    assert states(settings)[updated["id"]] == ("Update", "cancelled")
    cancel_out = sent_cap(client, desk, cancelled["id"])
    assert update_out.reference() in cancel_out.references
    assert cancel_out.info[0].instruction == "Polizei vor Ort; Gebäude weiter meiden."


def test_update_of_an_alert_vigil_does_not_know_says_so_and_still_imports(
    client: TestClient, desk: Desk
) -> None:
    unknown = docs.reference("AT-BMI-2025-0999", T0)
    update = docs.document(identifier="AT-BMI-2026-0011", msg_type="Update", references=unknown)
    draft = imported(client, desk, update)
    assert (draft["msg_type"], draft["replaces_id"]) == ("Update", None)
    assert draft["imported"]["unknown_references"] == [unknown]
    assert send(client, desk, draft["id"]).status_code == 200
    out = sent_cap(client, desk, draft["id"])
    assert out.msg_type.value == "Update"
    assert out.references[0] == canonical(unknown)


def test_cap_1_0_update_names_its_original_by_identifier(
    client: TestClient, desk: Desk, settings: Settings
) -> None:
    info = docs.Info(category=None)
    alert = docs.document(version="1.0", identifier="AT-10", sent=T0, infos=[info])
    original = imported(client, desk, alert)
    assert send(client, desk, original["id"]).status_code == 200
    update = docs.document(
        version="1.0", identifier="AT-11", msg_type="Update", references="AT-10", infos=[info]
    )
    draft = imported(client, desk, update)
    assert (draft["replaces_id"], draft["imported"]["unknown_references"]) == (original["id"], [])
    assert send(client, desk, draft["id"]).status_code == 200
    assert states(settings)[original["id"]] == ("Alert", "updated")
    assert (
        sent_cap(client, desk, original["id"]).reference()
        in sent_cap(client, desk, draft["id"]).references
    )


def test_cancel_of_an_original_never_sent_is_refused_with_the_reason(
    client: TestClient, desk: Desk, settings: Settings
) -> None:
    original = imported(client, desk, docs.document(identifier="AT-BMI-2026-0012", sent=T0))
    reference = docs.reference("AT-BMI-2026-0012", T0)
    cancel = docs.document(
        identifier="AT-BMI-2026-0013", msg_type="Cancel", references=reference, infos=[]
    )
    draft = imported(client, desk, cancel)
    assert draft["replaces_id"] == original["id"]
    refused = send(client, desk, draft["id"])
    assert refused.status_code == 409
    assert f"Alert {original['id']}" in refused.json()["detail"]
    assert "never sent" in refused.json()["detail"]
    assert states(settings)[original["id"]] == ("Alert", "draft")


def test_the_same_message_twice_is_refused_and_named(client: TestClient, desk: Desk) -> None:
    data = docs.document()
    first = imported(client, desk, data)
    again = imported(client, desk, data, status=409)
    assert f"alert {first['id']}" in again["detail"]


def test_relaying_an_expired_alert_needs_a_confirmation(
    client: TestClient, desk: Desk, settings: Settings
) -> None:
    old = docs.Info(expires=docs.soon(-1))
    draft = imported(client, desk, docs.document(sent=docs.soon(-5), infos=[old]))
    refused = send(client, desk, draft["id"])
    assert refused.status_code == 409 and "expired" in refused.json()["detail"]
    assert states(settings)[draft["id"]] == ("Alert", "draft")
    confirmed = send(client, desk, draft["id"], confirm_expired="true")
    assert confirmed.status_code == 200, confirmed.text
    assert states(settings)[draft["id"]] == ("Alert", "sent")


def _compose(client: TestClient, desk: Desk, **extra: object) -> dict[str, object]:
    body = {
        "event": "Bombendrohung",
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "headline": "Bombendrohung gegen Gotteshäuser",
        "instruction": "Gebäude nicht betreten.",
        "area_desc": "Wien",
        "circle": {"lat": VIENNA[0], "lon": VIENNA[1], "radius_km": 2},
        "expires": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat(),
        **extra,
    }
    response = client.post("/api/v1/alerts?send=true", json=body, headers=desk.headers)
    return {"status": response.status_code, **response.json()}


def test_outgoing_cap_speaks_the_alert_language_one_info_block_each(
    client: TestClient, desk: Desk, settings: Settings
) -> None:
    with transaction(settings.sqlalchemy_url) as session:
        person = session.get(Person, desk.person_id)
        assert person is not None
        person.locale = "de"
    plain = _compose(client, desk)
    assert plain["status"] == 201, plain
    # the desk's sites read English: they get a block of their own, the German words marked
    info, added = sent_cap(client, desk, plain["alert"]["id"]).info  # type: ignore[index]
    assert (info.language, added.language) == ("de", "en")
    assert (added.instruction, _marks(added)) == (info.instruction, ("de", True))
    assert _marks(info) == (None, False)
    english = {
        "language": "en-GB",
        "event": "Bomb threat",
        "headline": "Bomb threat against places of worship",
        "instruction": "Do not enter the building.",
    }
    both = _compose(client, desk, language="de-AT", translations=[english])
    assert both["status"] == 201, both
    assert both["alert"]["languages"] == ["de-AT", "en-GB"]  # type: ignore[index]
    german, translated = sent_cap(client, desk, both["alert"]["id"]).info  # type: ignore[index]
    assert (german.language, german.instruction) == ("de-AT", "Gebäude nicht betreten.")
    assert (translated.language, translated.instruction) == ("en-GB", "Do not enter the building.")
    assert translated.area[0].circles == german.area[0].circles
    twice = _compose(client, desk, language="en-GB", translations=[english])
    assert twice["status"] == 422
    assert twice["errors"][0]["field"] == "translations.0.language"  # type: ignore[index]


def test_an_update_drops_translations_its_new_words_would_contradict(
    client: TestClient, desk: Desk
) -> None:
    english = {"language": "en", "headline": "Bomb threat", "instruction": "Keep away."}
    sent = _compose(client, desk, language="de", translations=[english])
    alert_id = sent["alert"]["id"]  # type: ignore[index]
    graver = client.post(
        f"/api/v1/alerts/{alert_id}/update", json={"severity": "Extreme"}, headers=desk.headers
    )
    assert graver.status_code == 201, graver.text
    blocks = sent_cap(client, desk, graver.json()["alert"]["id"]).info
    assert [(b.language, b.severity.value) for b in blocks] == [
        ("de", "Extreme"),
        ("en", "Extreme"),
    ]
    reworded = client.post(
        f"/api/v1/alerts/{graver.json()['alert']['id']}/update",
        json={"instruction": "Polizei vor Ort."},
        headers=desk.headers,
    )
    # the English translation would contradict: the English readers get the new German words,
    # marked as not translated
    only, english = sent_cap(client, desk, reworded.json()["alert"]["id"]).info
    assert (only.language, only.instruction) == ("de", "Polizei vor Ort.")
    assert (english.language, english.instruction) == ("en", "Polizei vor Ort.")
    assert english.headline != "Bomb threat" and _marks(english) == ("de", True)


def _marks(block: Info) -> tuple[str | None, bool]:
    """The language a block's untranslated words are in, and whether it says it has any."""
    found = {p.value_name: p.value for p in block.parameter}
    return found.get(WRITTEN_IN), UNTRANSLATED in found


def test_a_composed_circle_of_radius_zero_is_refused(client: TestClient, desk: Desk) -> None:
    refused = _compose(client, desk, circle={"lat": VIENNA[0], "lon": VIENNA[1], "radius_km": 0})
    assert refused["status"] == 422
    assert "radius 0 reaches no site" in str(refused["detail"])
