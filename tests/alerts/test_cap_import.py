"""CAP import through the API: as liberal as the OASIS schemas (CAP 1.0 and 1.1 mapped to 1.2,
empty optional elements, a point, signatures, other encodings), nothing the message said is
lost on the way back out, an imported Update or Cancel keeps its meaning, an area of codes
must be drawn before sending, an expired alert needs a confirmation, and what goes out speaks
the alert's languages and passes the official schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.alerts import cap_documents as docs
from tests.alerts.conftest import Desk
from tests.html import db_rows
from vigil.alerts.cap import CapAlert
from vigil.alerts.cap_xml import parse_cap, validate_generated
from vigil.alerts.models import Alert
from vigil.app import create_app
from vigil.core.config import Settings


def imported(client: TestClient, desk: Desk, data: bytes, status: int = 201) -> dict[str, Any]:
    response = client.post("/api/v1/alerts/import", content=data, headers=desk.headers)
    assert response.status_code == status, response.text
    return dict(response.json())


def send(client: TestClient, desk: Desk, alert_id: int, **params: str) -> Any:
    return client.post(f"/api/v1/alerts/{alert_id}/send", params=params, headers=desk.headers)


def sent_cap(client: TestClient, desk: Desk, alert_id: int) -> CapAlert:
    """The CAP document Vigil publishes for an alert, checked against the OASIS schema."""
    response = client.get(f"/api/v1/alerts/{alert_id}.cap.xml", headers=desk.headers)
    assert response.status_code == 200, response.text
    validate_generated(response.content)
    return parse_cap(response.content)


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_cap_1_0_and_1_1_import_mapped_to_1_2_like_1_2(
    client: TestClient, desk: Desk, version: str
) -> None:
    info = docs.Info(
        certainty="Very Likely" if version == "1.0" else "Likely",
        category=None if version == "1.0" else "Security",
        extra=(
            "<eventCode>SAME=CEM</eventCode>"
            if version == "1.0"
            else "<eventCode><valueName>SAME</valueName><value>CEM</value></eventCode>"
        ),
    )
    data = docs.document(
        version=version, infos=[info], scope=None if version == "1.0" else "Public"
    )
    draft = imported(client, desk, data)
    assert draft["imported"]["cap_version"] == version
    assert (draft["msg_type"], draft["certainty"], draft["needs_area"]) == (
        "Alert",
        "Likely",
        False,
    )
    assert draft["categories"] == (["Other"] if version == "1.0" else ["Security"])
    assert send(client, desk, draft["id"]).status_code == 200  # a draft has no CAP document
    out = sent_cap(client, desk, draft["id"])
    assert out.info[0].language == "de-AT"
    assert [(c.value_name, c.value) for c in out.info[0].event_code] == [("SAME", "CEM")]


def test_every_info_block_and_what_it_says_goes_back_out(client: TestClient, desk: Desk) -> None:
    german = docs.Info(
        sender_name="Bundesministerium für Inneres",
        extra=(
            "<audience>Gemeinden und Sicherheitsbeauftragte</audience>"
            "<eventCode><valueName>AT-BMI</valueName><value>THREAT-BOMB</value></eventCode>"
            f"<onset>{docs.cap_time(docs.soon(1), 2)}</onset>"
        ),
        tail=(
            "<web>https://bmi.gv.example/warnungen/0001</web><contact>+43 1 000 000</contact>"
            "<parameter><valueName>Stufe</valueName><value>2</value></parameter>"
            "<parameter><valueName>Quelle</valueName><value></value></parameter>"
            "<resource><resourceDesc>Lagekarte</resourceDesc><mimeType>image/png</mimeType>"
            "<size>2048</size><uri>https://bmi.gv.example/karte.png</uri></resource>"
        ),
        area=(
            "<areaDesc>Wien Innere Stadt</areaDesc><circle>48.2082,16.3738 3</circle>"
            "<geocode><valueName>NUTS3</valueName><value>AT130</value></geocode>"
        ),
    )
    english = docs.Info(
        language="en-US",
        event="Bomb threat",
        headline="Bomb threat against places of worship in Vienna",
        instruction="Do not enter the building, keep away, report to 133.",
        area=(
            "<areaDesc>Vienna, inner city</areaDesc><circle>48.2082,16.3738 3</circle>"
            "<geocode><valueName>NUTS3</valueName><value>AT130</value></geocode>"
        ),
    )
    head = "<code>profile:AT-CAP:1.0</code><note>Übung ausgeschlossen</note>"
    data = docs.document(infos=[german, english], head=head, source="Lagezentrum")
    draft = imported(client, desk, data)
    assert draft["languages"] == ["de-AT", "en-US"]
    assert send(client, desk, draft["id"]).status_code == 200
    out = sent_cap(client, desk, draft["id"])
    assert (out.source, out.code, out.note) == (
        "Lagezentrum",
        ["profile:AT-CAP:1.0"],
        "Übung ausgeschlossen",
    )
    first, second = out.info
    assert (first.language, second.language) == ("de-AT", "en-US")
    assert second.instruction == "Do not enter the building, keep away, report to 133."
    assert first.audience == "Gemeinden und Sicherheitsbeauftragte"
    assert first.sender_name == "Bundesministerium für Inneres"
    assert first.onset is not None and (first.web, first.contact) == (
        "https://bmi.gv.example/warnungen/0001",
        "+43 1 000 000",
    )
    assert [(p.value_name, p.value) for p in first.parameter] == [("Stufe", "2"), ("Quelle", "")]
    assert [(r.resource_desc, r.mime_type, r.size) for r in first.resource] == [
        ("Lagekarte", "image/png", 2048)
    ]
    for block, words in ((first, "Wien Innere Stadt"), (second, "Vienna, inner city")):
        (area,) = block.area
        assert area.area_desc == words
        assert [(g.value_name, g.value) for g in area.geocodes] == [("NUTS3", "AT130")]


def test_area_of_codes_only_is_drawn_before_sending(client: TestClient, desk: Desk) -> None:
    draft = imported(client, desk, docs.document(infos=[docs.Info(area=docs.NUTS_ONLY)]))
    assert (draft["needs_area"], draft["area_desc"]) == (True, "Wien")
    refused = send(client, desk, draft["id"])
    assert refused.status_code == 422
    assert "NUTS3 AT130" in refused.json()["detail"] and "draw" in refused.json()["detail"]
    drawn = client.post(
        f"/api/v1/alerts/{draft['id']}/retarget",
        json={"area": {"circle": {"lat": 48.2082, "lon": 16.3738, "radius_km": 2}}},
        headers=desk.headers,
    )
    assert drawn.status_code == 200 and drawn.json()["needs_area"] is False
    relayed = send(client, desk, draft["id"])
    assert relayed.status_code == 200 and relayed.json()["deliveries"] > 0
    (area,) = sent_cap(client, desk, draft["id"]).info[0].area
    assert area.area_desc == "Wien" and area.circles[0].radius_km == 2
    assert {(g.value_name, g.value) for g in area.geocodes} == {
        ("NUTS3", "AT130"),
        ("EMMA_ID", "AT009"),
    }


def test_circle_of_radius_zero_is_a_point_to_draw_around(client: TestClient, desk: Desk) -> None:
    point = "<areaDesc>Epizentrum bei Wien</areaDesc><circle>48.2,16.37 0.0</circle>"
    draft = imported(client, desk, docs.document(infos=[docs.Info(area=point)]))
    assert draft["circle"] == {"lat": 48.2, "lon": 16.37, "radius_km": 0.0}
    assert draft["needs_area"] is True
    assert send(client, desk, draft["id"]).status_code == 422


def test_empty_optional_elements_import_as_absent(client: TestClient, desk: Desk) -> None:
    head = "<restriction/><addresses/><code>x-profile</code><note/><references/><incidents/>"
    info = docs.Info(tail="<web/><contact/>", extra="<audience></audience>")
    draft = imported(client, desk, docs.document(infos=[info], head=head))
    assert send(client, desk, draft["id"]).status_code == 200
    out = sent_cap(client, desk, draft["id"])
    assert out.note is None and out.info[0].contact is None and out.info[0].web is None
    assert out.info[0].audience is None


def test_signature_is_kept_verbatim_and_shown_unverified(
    client: TestClient, desk: Desk, settings: Settings
) -> None:
    draft = imported(client, desk, docs.document(signature=docs.SIGNATURE))
    assert draft["imported"]["signature"] == "unverified"
    (row,) = db_rows(settings, select(Alert.cap_details).where(Alert.id == draft["id"]))
    assert json.loads(row)["signatures"] == [docs.SIGNATURE]


def test_iso_8859_1_document_keeps_its_accents(
    client: TestClient, desk: Desk, settings: Settings
) -> None:
    info = docs.Info(headline="Erdbeben bei Usulután", area=docs.NUTS_ONLY)
    draft = imported(client, desk, docs.document(infos=[info], encoding="ISO-8859-1"))
    assert draft["headline"] == "Erdbeben bei Usulután"
    (source,) = db_rows(settings, select(Alert.source_xml).where(Alert.id == draft["id"]))
    assert "Erdbeben bei Usulután" in source


@pytest.mark.parametrize("encoding", ["Shift_JIS", "UTF-16"])
def test_multi_byte_encoding_is_honoured(client: TestClient, desk: Desk, encoding: str) -> None:
    info = docs.Info(
        language="ja-JP",
        event="爆破予告",
        headline="爆破予告 ウィーン",
        description="複数の礼拝所に脅迫状が届いた。",
        instruction="建物に入らないでください。",
    )
    draft = imported(client, desk, docs.document(infos=[info], encoding=encoding))
    assert (draft["headline"], draft["language"]) == ("爆破予告 ウィーン", "ja-JP")


SHORT_POLYGON = "<areaDesc>Stadtpark</areaDesc><polygon>48.2,16.3 48.3,16.4</polygon>"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            docs.document(scope=None),
            "cap",
            "Tag 'cap:scope' expected.",
        ),
        (
            docs.document(version="1.1", infos=[docs.Info(urgency="Soon")]),
            "cap.info.urgency",
            "'Soon': value must be one of",
        ),
        (
            docs.document(msg_type="Cancel"),
            "cap.references",
            "a Cancel message must give references",
        ),
        (
            docs.document(
                infos=[docs.Info(area="<areaDesc>x</areaDesc><polygon>1,1 2,2</polygon>")]
            ),
            "cap.info.0.area.0.polygon.0",
            "at least 4",
        ),
        (
            docs.document().replace(b'encoding="UTF-8"', b'encoding="x-klingon"'),
            "cap",
            "encoding 'x-klingon', which Vigil does not know",
        ),
        (
            docs.document().replace(b'encoding="UTF-8"', b'encoding="base64"'),
            "cap",
            "encoding 'base64', which Vigil does not know",
        ),
        (
            docs.document().replace("Gotteshäuser".encode(), b"Gottesh\xe4user"),
            "cap",
            "not valid UTF-8",
        ),
    ],
)
def test_broken_documents_name_what_is_wrong_and_where(
    client: TestClient, desk: Desk, settings: Settings, data: bytes, field: str, words: str
) -> None:
    problem = imported(client, desk, data, status=422)
    first = problem["errors"][0]
    assert first["field"] == field and words in first["message"], problem
    if "encoding" not in words:
        assert "line " in first["message"]
    assert db_rows(settings, select(func.count()).select_from(Alert)) == [0]


def test_broken_documents_name_the_line(client: TestClient, desk: Desk) -> None:
    data = docs.document(version="1.1", infos=[docs.Info(urgency="Soon")])
    problem = imported(client, desk, data, status=422)
    line = next(n for n, text in enumerate(data.decode().splitlines(), 1) if "Soon" in text)
    assert f"(line {line}, CAP 1.1)" in problem["errors"][0]["message"]


def test_signature_verified_with_a_configured_certificate_only(
    settings: Settings, desk: Desk, tmp_path: Path
) -> None:
    key, certificate = docs.authority("Bundesministerium für Inneres")
    stranger_key, stranger = docs.authority("Someone else")
    folder = tmp_path / "certificates"
    folder.mkdir()
    (folder / "bmi.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    trusting = settings.model_copy(update={"cap_certificates": folder})
    genuine = docs.signed(docs.document(identifier="AT-S-1"), key, certificate)
    # changed after signing (and so a message of its own: another identifier)
    changed = genuine.replace("Gotteshäuser".encode(), b"Schulen").replace(b"AT-S-1", b"AT-S-2")
    foreign = docs.signed(docs.document(identifier="AT-S-3"), stranger_key, stranger)
    with TestClient(create_app(trusting)) as client:
        verified = imported(client, desk, genuine)["imported"]
        assert verified["signature"] == "verified"
        assert verified["signed_by"] == "CN=Bundesministerium für Inneres"
        assert imported(client, desk, changed)["imported"]["signature"] == "unverified"
        assert imported(client, desk, foreign)["imported"]["signature"] == "unverified"
