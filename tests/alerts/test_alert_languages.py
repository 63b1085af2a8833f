"""An alert in the languages of those it reaches: its CAP document carries one `info` block per
language of its recipients (validated against the OASIS schema), the words not translated
marked; each e-mail (a real SMTP server), webhook call (a real receiver) and the alert page
use the block in their reader's language, else the first; an imported multi-language message
is shown in the reader's language."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.alerts import cap_documents as docs
from tests.alerts.factories import World, build_world, send
from tests.alerts.receivers import Inbox, Receiver, wait_for
from tests.conftest import base_settings
from tests.html import html, sign_in
from tests.orgs.factories import make_person, token_headers
from vigil.alerts import endpoints
from vigil.alerts.cap import CapAlert
from vigil.alerts.cap_xml import parse_cap, validate_generated
from vigil.alerts.languages import UNTRANSLATED, WRITTEN_IN
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import Role
from vigil.orgs import accounts
from vigil.orgs.models import Organisation, Person
from vigil.worker import run_worker

HEADLINE = "Shots fired near Stephansplatz"


@pytest.fixture
def settings(db_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Settings:
    return base_settings(db_url, tmp_path / "data", smtp_port=inbox[1])


def _czech_subscriber(settings: Settings, world: World) -> str:
    """A member of the peer organisation who reads Czech and asked for alert e-mails."""
    with transaction(settings.sqlalchemy_url) as session:
        peer = session.get(Organisation, world.peer_id)
        assert peer is not None
        person = make_person(session, settings, org=peer, role=Role.viewer)
        person.locale = "cs"
        principal = accounts.principal_for(session, person.id)
        endpoints.subscribe(session=session, principal=principal, org_id=peer.id, on=True)
        return person.email


def _cap(client: TestClient, settings: Settings, world: World, alert_id: int) -> CapAlert:
    with transaction(settings.sqlalchemy_url) as session:
        coordinator = session.get(Person, world.coordinator_id)
        org = session.get(Organisation, world.org_id)
        assert coordinator is not None and org is not None
        headers = token_headers(session, coordinator, org)
    response = client.get(f"/api/v1/alerts/{alert_id}.cap.xml", headers=headers)
    assert response.status_code == 200, response.text
    validate_generated(response.content)  # the OASIS CAP 1.2 schema
    return parse_cap(response.content)


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_an_alert_to_a_czech_and_an_english_reader_speaks_both(
    client: TestClient, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=2, contacts=1)
    czech = _czech_subscriber(settings, world)
    alert_id = send(settings, world, event="Damage or desecration of property")

    cap = _cap(client, settings, world, alert_id)
    assert [i.language for i in cap.info] == ["en", "cs"]
    english, translated = cap.info
    assert translated.event == "Poškození nebo znesvěcení majetku"  # one of Vigil's own labels
    assert (translated.headline, translated.instruction) == (english.headline, english.instruction)
    marks = {p.value_name: p.value for p in translated.parameter}
    assert marks == {UNTRANSLATED: "headline description instruction areaDesc", WRITTEN_IN: "en"}
    assert UNTRANSLATED not in {p.value_name for p in english.parameter}
    assert (translated.severity, translated.urgency) == (english.severity, english.urgency)
    assert [a.area_desc for a in translated.area] == [a.area_desc for a in english.area]

    run_worker(settings, once=True)
    mails = inbox[0].all()
    (to_czech,) = [m for m in mails if m["To"] == czech]
    assert str(to_czech["Subject"]) == f"[Výstraha Vigil] Extrémní - {HEADLINE}"
    lines = _text(to_czech).splitlines()
    assert "Závažnost: Extrémní — mimořádná hrozba pro život nebo majetek" in lines
    assert "Reakce: Ukrýt se — ukryjte se tam, kde jste" in lines
    english_mails = [m for m in mails if m["To"] != czech]
    assert english_mails, "the sites' contacts and the English subscriber"
    for message in english_mails:
        assert str(message["Subject"]) == f"[Vigil alert] Extreme - {HEADLINE}"
        assert "Severity: Extreme — extraordinary threat to life or property" in _text(message)


def test_an_alert_to_english_readers_only_has_one_block(
    client: TestClient, settings: Settings
) -> None:
    world = build_world(settings, sites=2, contacts=1)
    alert_id = send(settings, world)
    assert [i.language for i in _cap(client, settings, world, alert_id).info] == ["en"]


def test_a_webhook_gets_the_composers_translation_in_its_organisations_language(
    client: TestClient, settings: Settings, receiver: Receiver
) -> None:
    world = build_world(settings, sites=2, contacts=1, webhook_urls=(f"{receiver.url}/ok",))
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(
            update(Organisation).where(Organisation.id == world.peer_id).values(default_locale="de")
        )
    german = {"language": "de", "headline": "Schüsse am Stephansplatz", "instruction": "Türen zu."}
    alert_id = send(settings, world, translations=[german])

    cap = _cap(client, settings, world, alert_id)
    assert [i.language for i in cap.info] == ["en", "de"]  # given, so nothing is added
    assert cap.info[1].headline == "Schüsse am Stephansplatz"
    assert UNTRANSLATED not in {p.value_name for p in cap.info[1].parameter}

    run_worker(settings, once=True)
    wait_for(lambda: receiver.on("/ok"), what="the webhook call")
    body = receiver.on("/ok")[0].json()["alert"]
    assert (body["language"], body["headline"], body["instruction"]) == (
        "de",
        "Schüsse am Stephansplatz",
        "Türen zu.",
    )
    assert body["untranslated"] is False and body["languages"] == ["en", "de"]


def test_an_imported_message_is_shown_in_the_readers_language(
    client: TestClient, settings: Settings
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    czech = docs.Info(language="cs-CZ", event="Hrozba bombou", headline="Hrozba bombou ve Vídni")
    english = docs.Info(language="en-GB", event="Bomb threat", headline="Bomb threat in Vienna")
    with transaction(settings.sqlalchemy_url) as session:
        coordinator = session.get(Person, world.coordinator_id)
        org = session.get(Organisation, world.org_id)
        assert coordinator is not None and org is not None
        headers = token_headers(session, coordinator, org)
        email = coordinator.email
    data = docs.document(infos=[english, czech])
    response = client.post("/api/v1/alerts/import", content=data, headers=headers)
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["languages"] == ["en-GB", "cs-CZ"]

    sign_in(client, email)
    for lang, headline in (("cs", "Hrozba bombou ve Vídni"), ("en", "Bomb threat in Vienna")):
        page = html(client.get(f"/alerts/{draft['id']}", params={"lang": lang}))
        assert page.find("h1").text == headline
        assert page.find("h1").attrs["lang"] == ("cs-CZ" if lang == "cs" else "en-GB")
    # a language the message does not speak: the first block, said to be the sender's words
    page = html(client.get(f"/alerts/{draft['id']}", params={"lang": "de"}))
    assert page.find("h1").text == "Bomb threat in Vienna"
    assert page.find_all(id="alert-untranslated")
