"""What pages take from outside the catalogues is in the reader's language too: country names
(CLDR, through Babel), the error page's title and message (msgids of the errors), and a word
with two meanings kept apart by its context (pgettext)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import html, sign_in
from tests.orgs.factories import make_org, make_person
from vigil.core.config import Settings
from vigil.core.localisation import translations
from vigil.core.policy import Role


def test_the_country_select_names_and_orders_countries_in_the_page_language(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed), role=Role.analyst)
    committed.commit()
    sign_in(client, person.email)
    select = html(client.get("/sites?lang=de")).find("select", id="q-country")
    names = {o.attrs["value"]: o.text for o in select.find_all("option") if o.attrs["value"]}
    assert names["DE"] == "Deutschland" and names["CZ"] == "Tschechien"
    ordered = [o.text for o in select.find_all("option") if o.attrs["value"]]
    assert ordered.index("Österreich") < ordered.index("Polen")  # Ö sorts as O in German
    english = html(client.get("/sites?lang=en")).find("select", id="q-country")
    assert "Germany" in [o.text for o in english.find_all("option")]


def test_the_error_page_speaks_the_readers_language(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    """Needs the new msgids translated (run after the lead's translation at merge)."""
    person = make_person(committed, settings, org=make_org(committed), role=Role.analyst)
    committed.commit()
    sign_in(client, person.email)
    german = translations("de").gettext
    assert german("Not found") != "Not found", "translate and compile the catalogues first"
    page = html(client.get("/sites/999999?lang=de"))
    assert page.find("h1").text == german("Not found")
    assert "Not found" not in page.text


def test_an_error_with_values_is_translated_and_keeps_its_values(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    """A message with values (`NotFound("No annual report %(id)s.", id=...)`) is translated as
    its msgid, then filled: the reader sees their language with the id in it."""
    person = make_person(committed, settings, org=make_org(committed), role=Role.analyst)
    committed.commit()
    sign_in(client, person.email)
    czech = translations("cs").gettext
    assert czech("No annual report %(id)s.") != "No annual report %(id)s.", "compile catalogues"
    detail = html(client.get("/annual-reports/987654?lang=cs")).find(class_="error-detail")
    assert detail.text == czech("No annual report %(id)s.") % {"id": 987654}
    assert "987654" in detail.text and "No annual report" not in detail.text


def test_a_messages_numbers_are_written_as_the_page_language_writes_them(
    client: TestClient,  # the app, which registers the filters
) -> None:
    """Duplicate reasons say "2,5 km" to a Czech coordinator and "2.5 km" to an English one."""
    from vigil.core.pages import templates

    shown = templates.env.from_string(
        "{{ _('%(km)s km apart', **({'km': 2.5, 'name': 'Praha 1'}|numbers)) }}"
    )
    czech, english = translations("cs").gettext, translations("en").gettext
    assert shown.render(locale="cs", _=lambda m, **v: czech(m) % v) == czech("%(km)s km apart") % {
        "km": "2,5"
    }
    assert shown.render(locale="en", _=lambda m, **v: english(m) % v) == "2.5 km apart"


def test_a_role_named_in_a_message_is_named_in_the_readers_language() -> None:
    """The role is a value of the message, yet a Czech reader reads it in Czech; the API's
    English text keeps the role's English name."""
    from vigil.core.errors import Forbidden
    from vigil.core.policy import Role

    message = "This needs the role %(role)s or higher in the organisation."
    refusal = Forbidden(message, role=Role.coordinator.name_term)
    czech = translations("cs").gettext
    assert czech("Coordinator") != "Coordinator", "compile the catalogues first"
    assert refusal.shown(czech) == czech(message) % {"role": czech("Coordinator")}
    assert refusal.detail == "This needs the role Coordinator or higher in the organisation."
