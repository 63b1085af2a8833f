"""Pages of people and organisations: sign-in, sessions, CSRF, throttling, second factor,
invitations, roles, API tokens. HTML is parsed, never grepped."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import alerts, csrf_of, db_rows, flash_after, html, sign_in, submit
from tests.orgs.factories import PASSWORD, make_org, make_person
from vigil.app import create_app
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.csrf import VISITOR_COOKIE
from vigil.core.deps import SESSION_COOKIE
from vigil.core.jobs import Job
from vigil.core.mail import SEND_EMAIL
from vigil.core.policy import SYSTEM, Role
from vigil.domains import NAV
from vigil.orgs import accounts, second_factor
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Invitation, Membership, Person, WebSession

# --- signing in and out ------------------------------------------------------------------


def test_login_shows_dashboard_with_name(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    person = make_person(committed, settings, org=org, role=Role.analyst)
    committed.commit()

    response = sign_in(client, person.email)

    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    assert response.headers["location"] == "/"
    page = html(client.get("/"))
    assert person.name in page.find("h1").text
    assert org.name in page.find("p", class_="lead").text
    nav = page.find("nav", class_="nav-wide")
    links = {a.text for a in nav.find_all("a")}
    assert {label for _path, label in NAV} == links
    assert {"Dashboard", "Notices", "Statistics", "Annual reports"} <= links


def test_signed_out_visit_goes_to_login_and_comes_back(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()

    first = client.get("/account?tab=tokens", follow_redirects=False)

    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=/account%3Ftab%3Dtokens"
    page = html(client.get(first.headers["location"]))
    assert page.find("input", name="next").attrs["value"] == "/account?tab=tokens"
    response = submit(
        client,
        "/login",
        "/login",
        {"email": person.email, "password": PASSWORD, "next": "/account?tab=tokens"},
    )
    assert response.headers["location"] == "/account?tab=tokens"


def test_login_never_redirects_off_site(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()

    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        response = submit(
            client,
            "/login",
            "/login",
            {"email": person.email, "password": PASSWORD, "next": target},
        )
        assert response.headers["location"] == "/", target


def test_wrong_password_shows_generic_error_and_is_audited(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()

    wrong = submit(client, "/login", "/login", {"email": person.email, "password": "nope" * 4})
    unknown = submit(
        client, "/login", "/login", {"email": "nobody@example.org", "password": "nope" * 4}
    )

    assert wrong.status_code == unknown.status_code == 400
    assert alerts(html(wrong)) == alerts(html(unknown)) == [accounts.LOGIN_FAILED]
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    assert html(wrong).find("input", name="email").attrs["value"] == person.email
    failures = db_rows(
        settings,
        select(AuditEntry).where(AuditEntry.action == "login.failure").order_by(AuditEntry.id),
    )
    assert len(failures) == 2


def test_form_without_csrf_token_is_refused(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    client.get("/login")  # the browser has its CSRF cookie, but the form lacks the field

    missing = client.post(
        "/login", data={"email": person.email, "password": PASSWORD}, follow_redirects=False
    )
    forged = client.post(
        "/login",
        data={"email": person.email, "password": PASSWORD, "csrf_token": "x.y"},
        follow_redirects=False,
    )

    assert missing.status_code == forged.status_code == 403
    assert SESSION_COOKIE not in missing.headers.get("set-cookie", "")
    assert html(missing).find("h1").text == "Forbidden"
    assert db_rows(settings, select(WebSession)) == []


def test_visitor_cookie_of_the_csrf_token_is_httponly_lax_and_secure_over_https(
    settings: Settings,
) -> None:
    https = settings.model_copy(update={"https": True})
    with TestClient(create_app(https), base_url="https://testserver") as client:
        response = client.get("/login")
        again = client.get("/login")

    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{VISITOR_COOKIE}=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" in cookie
    visitor = cookie.split(";")[0].split("=", 1)[1]
    assert len(visitor) >= 32
    # The page carries a token signed for the visitor id, never the id itself.
    token = csrf_of(html(response))
    assert visitor not in response.text and token != visitor
    assert "set-cookie" not in again.headers and csrf_of(html(again)) == token


def test_logout_ends_the_session(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    sign_in(client, person.email)
    stolen = client.cookies[SESSION_COOKIE]

    response = submit(client, "/", "/logout", {})

    assert response.headers["location"] == "/login"
    cleared = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    assert len(cleared) == 1 and cleared[0].startswith(f'{SESSION_COOKIE}="";')
    # Max-Age=0 on the same path it was set on, or the browser would keep it.
    assert "max-age=0" in cleared[0].lower() and "path=/" in cleared[0].lower()
    assert SESSION_COOKIE not in client.cookies
    assert "You are signed out." in html(client.get("/login")).find("div", class_="flash").text
    client.cookies.set(SESSION_COOKIE, stolen)  # the old cookie no longer opens anything
    again = client.get("/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/login"
    ended = db_rows(settings, select(WebSession.ended_at))
    assert len(ended) == 1 and ended[0] is not None


def test_sixth_failure_in_the_window_is_429_with_retry_after(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    bad = {"email": person.email, "password": "wrong-password-again"}
    for _ in range(settings.login_max_failures):
        assert submit(client, "/login", "/login", bad).status_code == 400

    blocked = submit(client, "/login", "/login", {"email": person.email, "password": PASSWORD})

    assert blocked.status_code == 429
    retry_after = int(blocked.headers["retry-after"])
    assert 0 < retry_after <= settings.login_delay_seconds
    page = html(blocked)
    assert page.find("h1").text == "Too many attempts"
    assert "Try again in 1 minute." in alerts(page)[0]


def _enable_totp(committed: Session, settings: Settings, person: Person) -> pyotp.TOTP:
    uri = second_factor.start_totp_enrolment(
        session=committed, settings=settings, person_id=person.id
    )
    totp = pyotp.TOTP(parse_qs(urlsplit(uri).query)["secret"][0])
    second_factor.confirm_totp(
        session=committed, settings=settings, person_id=person.id, code=totp.now()
    )
    return totp


def test_totp_login_takes_two_steps(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    totp = _enable_totp(committed, settings, person)
    committed.commit()

    first = sign_in(client, person.email)

    assert first.headers["location"] == "/login/totp?next=/"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    wrong_code = "000000" if totp.now() != "000000" else "111111"
    wrong = submit(client, "/login/totp", "/login/totp", {"code": wrong_code, "next": "/"})
    assert wrong.status_code == 400
    assert alerts(html(wrong)) == ["The code is not right. Use the current code from your app."]
    right = submit(client, "/login/totp", "/login/totp", {"code": totp.now(), "next": "/"})
    assert right.status_code == 303 and right.headers["location"] == "/"
    assert person.name in html(client.get("/")).find("h1").text
    actions = db_rows(settings, select(AuditEntry.action).order_by(AuditEntry.id))
    assert actions[-2:] == ["login.totp_failure", "login.totp_success"]


def test_totp_enrolment_shows_qr_code_and_turns_on_with_a_code(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    sign_in(client, person.email)

    started = submit(client, "/account", "/account/totp/start", {})
    setup = html(client.get(started.headers["location"]))

    assert setup.find("svg", class_="qr").find("path")
    secret = "".join(setup.find("figure").find("code").text.split())
    wrong = submit(client, "/account/totp", "/account/totp/confirm", {"code": "12345"})
    assert wrong.status_code == 422
    code = pyotp.TOTP(secret).now()
    done = submit(client, "/account/totp", "/account/totp/confirm", {"code": code})
    assert "Your second factor is on." in flash_after(client, done).find("div", class_="flash").text
    assert db_rows(settings, select(Person.totp_enabled).where(Person.id == person.id)) == [True]


def test_switching_organisation_changes_who_you_act_for(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    first, second, stranger = make_org(committed), make_org(committed), make_org(committed)
    # The switcher lists by name; the factory's numbered names would sort 10 before 9.
    first.name, second.name = f"Alpha {first.name}", f"Beta {second.name}"
    person = make_person(committed, settings, org=first, role=Role.analyst)
    orgs_service.add_member(
        session=committed, principal=SYSTEM, org_id=second.id, person=person, role=Role.viewer
    )
    committed.commit()
    sign_in(client, person.email)
    switcher = html(client.get("/")).find("form", action="/switch-org")
    assert [o.text for o in switcher.find_all("option")] == [first.name, second.name]

    response = submit(client, "/", "/switch-org", {"org_id": str(second.id), "next": "/notices"})
    refused = submit(client, "/", "/switch-org", {"org_id": str(stranger.id), "next": "/"})

    assert response.headers["location"] == "/notices"
    assert f"{second.name} as Viewer" in html(client.get("/")).find("p", class_="lead").text
    assert refused.status_code == 403


# --- invitations and members -------------------------------------------------------------


def test_invite_form_creates_invitation_and_queues_email(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    committed.commit()
    sign_in(client, admin.email)

    response = submit(
        client,
        f"/orgs/{org.slug}/admin",
        f"/orgs/{org.slug}/admin/invite",
        {"email": "New.Member@Example.org", "role": "analyst"},
    )

    page = flash_after(client, response)
    assert "new.member@example.org" in page.find("div", class_="flash").text.lower()
    invitation = db_rows(settings, select(Invitation))
    assert [(i.email, i.role, i.org_id) for i in invitation] == [
        ("new.member@example.org", "analyst", org.id)
    ]
    jobs = db_rows(settings, select(Job).where(Job.kind == SEND_EMAIL))
    assert len(jobs) == 1
    assert json.loads(jobs[0].payload)["to"] == "new.member@example.org"


def test_invite_with_bad_address_names_the_field(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    committed.commit()
    sign_in(client, admin.email)

    response = submit(
        client,
        f"/orgs/{org.slug}/admin",
        f"/orgs/{org.slug}/admin/invite",
        {"email": "not-an-address", "role": "viewer"},
    )

    assert response.status_code == 422
    page = html(response)
    assert alerts(page)[0].startswith("email:")
    assert page.find("input", name="email").attrs["aria-invalid"] == "true"
    assert db_rows(settings, select(Job)) == []


def _invitation_link(settings: Settings) -> str:
    payload = json.loads(db_rows(settings, select(Job.payload))[0])
    match = re.search(r"/invite/(\S+)", payload["text"])
    assert match
    return f"/invite/{match.group(1)}"


def test_accepting_an_invitation_creates_the_person(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    committed.commit()
    sign_in(client, admin.email)
    submit(
        client,
        f"/orgs/{org.slug}/admin",
        f"/orgs/{org.slug}/admin/invite",
        {"email": "ada@example.org", "role": "reporter"},
    )
    submit(client, "/", "/logout", {})
    link = _invitation_link(settings)

    page = html(client.get(link))
    assert org.name in page.find("h1").text
    too_short = submit(client, link, link, {"name": "Ada Lovelace", "password": "short"})
    assert too_short.status_code == 422
    accepted = submit(
        client, link, link, {"name": "Ada Lovelace", "password": "analytical engine notes"}
    )

    assert accepted.headers["location"] == "/login"
    people = db_rows(settings, select(Person).where(Person.email == "ada@example.org"))
    assert [p.name for p in people] == ["Ada Lovelace"]
    roles = db_rows(settings, select(Membership.role).where(Membership.person_id == people[0].id))
    assert roles == ["reporter"]
    sign_in(client, "ada@example.org", "analytical engine notes")
    assert "Ada Lovelace" in html(client.get("/")).find("h1").text
    used = client.get(link)
    assert used.status_code == 410  # used once
    assert html(used).find("h1").text == "This invitation was already accepted"


def test_org_admin_changes_a_role(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    member = make_person(committed, settings, org=org, role=Role.viewer)
    committed.commit()
    sign_in(client, admin.email)
    action = f"/orgs/{org.slug}/admin/members/{member.id}/role"

    response = submit(client, f"/orgs/{org.slug}/admin", action, {"role": "analyst"})

    assert "The role is changed." in flash_after(client, response).find("div", class_="flash").text
    stmt = select(Membership.role).where(Membership.person_id == member.id)
    assert db_rows(settings, stmt) == ["analyst"]
    row = html(
        submit(
            client,
            f"/orgs/{org.slug}/admin",
            action,
            {"role": "coordinator"},
            headers={"HX-Request": "true"},
        )
    )
    assert row.find("tr").attrs["id"] == f"member-{member.id}"
    assert row.find("option", selected="").attrs["value"] == "coordinator"
    assert row.find("div", id="live-status").text == "The role is changed."
    assert db_rows(settings, stmt) == ["coordinator"]


def test_last_admin_demotion_is_shown_as_an_error_not_a_500(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    committed.commit()
    sign_in(client, admin.email)

    response = submit(
        client,
        f"/orgs/{org.slug}/admin",
        f"/orgs/{org.slug}/admin/members/{admin.id}/role",
        {"role": "viewer"},
    )

    page = flash_after(client, response)
    assert "at least one administrator" in alerts(page)[0]
    stmt = select(Membership.role).where(Membership.person_id == admin.id)
    assert db_rows(settings, stmt) == ["org_admin"]


def test_org_admin_removes_a_member(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    member = make_person(committed, settings, org=org, role=Role.viewer)
    committed.commit()
    sign_in(client, admin.email)

    response = submit(
        client,
        f"/orgs/{org.slug}/admin",
        f"/orgs/{org.slug}/admin/members/{member.id}/remove",
        {},
    )

    page = flash_after(client, response)
    assert "The member is removed." in page.find("div", class_="flash").text
    assert not page.find_all("tr", id=f"member-{member.id}")
    assert db_rows(settings, select(Membership.person_id)) == [admin.id]


def test_non_admin_gets_403_on_admin_pages(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    make_person(committed, settings, org=org, role=Role.org_admin)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    committed.commit()
    sign_in(client, coordinator.email)

    org_page = html(client.get(f"/orgs/{org.slug}"))
    admin_page = client.get(f"/orgs/{org.slug}/admin")
    invite = submit(
        client,
        f"/orgs/{org.slug}",
        f"/orgs/{org.slug}/admin/invite",
        {"email": "x@example.org", "role": "org_admin"},
    )
    platform = client.get("/admin")

    assert coordinator.name in org_page.find("table").text
    assert not org_page.find_all("a", href=f"/orgs/{org.slug}/admin")
    assert admin_page.status_code == invite.status_code == platform.status_code == 403
    assert html(admin_page).find("h1").text == "Forbidden"
    assert db_rows(settings, select(Invitation)) == []


def test_platform_admin_creates_organisation_and_network(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    admin = make_person(committed, settings, platform_admin=True)
    committed.commit()
    sign_in(client, admin.email)

    org = submit(
        client,
        "/admin",
        "/admin/organisations",
        {"name": "Leipzig Watch", "slug": "leipzig-watch", "kind": "ngo", "country": "de"},
    )
    net = submit(client, "/admin", "/admin/networks", {"name": "Saxony", "slug": "saxony"})
    bad = submit(
        client,
        "/admin",
        "/admin/organisations",
        {"name": "Dup", "slug": "leipzig-watch", "kind": "ngo", "country": "DE"},
    )

    assert org.status_code == net.status_code == 303
    assert bad.status_code == 422 and "already exists" in alerts(html(bad))[0]
    page = html(client.get("/admin"))
    org_id = page.find("select", name="org_id").find("option").attrs["value"]
    net_id = page.find("select", name="network_id").find("option").attrs["value"]
    joined = submit(
        client, "/admin", "/admin/networks/members", {"org_id": org_id, "network_id": net_id}
    )
    row = flash_after(client, joined).find("a", href="/orgs/leipzig-watch").parent
    assert row is not None and row.parent is not None
    assert "Saxony" in row.parent.text


# --- account: API tokens, password reset ---------------------------------------------------


def test_token_secret_is_shown_once_and_revoking_works(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    sign_in(client, person.email)

    created = submit(client, "/account", "/account/tokens", {"name": "SIEM export"})

    secret = html(created).find("input", id="token-secret").attrs["value"]
    assert secret.startswith("vgl_")
    api = TestClient(client.app)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/me", headers=bearer).json()["email"] == person.email
    account = html(client.get("/account"))
    assert secret not in json.dumps([n.attrs for n in account.walk()]) + account.text
    row = account.find("th", scope="row").parent
    assert row is not None and "SIEM export" in row.text
    revoke_action = row.find("form").attrs["action"]
    revoked = submit(client, "/account", revoke_action, {})
    assert "is revoked" in flash_after(client, revoked).find("div", class_="flash").text
    assert api.get("/api/v1/me", headers=bearer).status_code == 401


def test_password_reset_answers_the_same_for_unknown_addresses(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()

    known = submit(client, "/password-reset", "/password-reset", {"email": person.email})
    unknown = submit(client, "/password-reset", "/password-reset", {"email": "no@example.org"})

    assert known.status_code == unknown.status_code == 200
    assert html(known).find("main").text == html(unknown).find("main").text
    payload = json.loads(db_rows(settings, select(Job.payload))[0])
    assert payload["to"] == person.email
    match = re.search(r"/password-reset/(\S+)", payload["text"])
    assert match
    link = f"/password-reset/{match.group(1)}"
    changed = submit(client, link, link, {"password": "a brand new passphrase"})
    assert changed.headers["location"] == "/login"
    sign_in(client, person.email, "a brand new passphrase")


def test_page_language_and_direction_follow_the_persons_locale(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    person.locale = "he"
    committed.commit()

    anonymous = html(client.get("/login", headers={"Accept-Language": "fr-CH, fr;q=0.9"}))
    sign_in(client, person.email)
    signed_in = html(client.get("/"))

    assert (anonymous.find("html").attrs["lang"], anonymous.find("html").attrs["dir"]) == (
        "fr",
        "ltr",
    )
    assert (signed_in.find("html").attrs["lang"], signed_in.find("html").attrs["dir"]) == (
        "he",
        "rtl",
    )


# --- your account: profile, password, sessions ---------------------------------------------

NEW_PASSWORD = "a brand new passphrase"


def test_profile_edit_is_saved_and_changes_the_page_language(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    sign_in(client, person.email)
    form = html(client.get("/account")).find("form", action="/account/profile")
    offered = [o.attrs["value"] for o in form.find("select", name="locale").find_all("option")]
    assert offered == ["", "en", "de", "fr", "cs", "pl", "nl", "bg", "he"]

    saved = submit(client, "/account", "/account/profile", {"name": " Ada Byron ", "locale": "de"})

    page = flash_after(client, saved)
    assert (page.find("html").attrs["lang"], page.find("html").attrs["dir"]) == ("de", "ltr")
    assert page.find("input", id="profile-name").attrs["value"] == "Ada Byron"
    assert page.find("select", name="locale").find("option", selected="").attrs["value"] == "de"
    people = db_rows(settings, select(Person).where(Person.id == person.id))
    assert [(p.name, p.locale) for p in people] == [("Ada Byron", "de")]
    audited = db_rows(settings, select(AuditEntry).where(AuditEntry.action == "profile.update"))
    assert [(a.actor_id, json.loads(a.detail)) for a in audited] == [
        (person.id, {"fields": ["name", "locale"]})
    ]
    submit(client, "/account", "/account/profile", {"name": "Ada Byron", "locale": "he"})
    hebrew = html(client.get("/account")).find("html")
    assert (hebrew.attrs["lang"], hebrew.attrs["dir"]) == ("he", "rtl")
    # "" follows the browser; a link's ?lang= wins over both.
    submit(client, "/account", "/account/profile", {"name": "Ada Byron", "locale": ""})
    czech = html(client.get("/account", headers={"Accept-Language": "cs"})).find("html")
    assert czech.attrs["lang"] == "cs"
    polish = html(client.get("/account?lang=pl", headers={"Accept-Language": "cs"}))
    assert polish.find("html").attrs["lang"] == "pl"


def test_profile_edit_refuses_an_unknown_language_and_an_empty_name(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    sign_in(client, person.email)

    unknown = submit(client, "/account", "/account/profile", {"name": "Ada", "locale": "xx"})
    empty = submit(client, "/account", "/account/profile", {"name": "  ", "locale": "fr"})

    assert unknown.status_code == empty.status_code == 422
    assert alerts(html(unknown))[0].startswith("locale:")
    assert html(unknown).find("select", name="locale").attrs["aria-invalid"] == "true"
    page = html(empty)
    assert alerts(page)[0].startswith("name:")
    assert page.find("input", id="profile-name").attrs["aria-invalid"] == "true"
    assert "aria-invalid" not in page.find("input", id="token-name").attrs  # another form
    people = db_rows(settings, select(Person).where(Person.id == person.id))
    # Unchanged: a new account has chosen no language yet.
    assert [(p.name, p.locale) for p in people] == [(person.name, "")]


def test_password_change_refuses_a_wrong_current_password_and_a_weak_new_one(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    sign_in(client, person.email)

    wrong = submit(
        client,
        "/account",
        "/account/password",
        {"current_password": "not my password at all", "new_password": NEW_PASSWORD},
    )
    weak = submit(
        client,
        "/account",
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short"},
    )

    assert wrong.status_code == weak.status_code == 422
    wrong_page, weak_page = html(wrong), html(weak)
    assert alerts(wrong_page)[0].startswith("current_password:")
    assert wrong_page.find("input", name="current_password").attrs["aria-invalid"] == "true"
    assert alerts(weak_page)[0].startswith("new_password:")
    assert weak_page.find("input", name="new_password").attrs["aria-invalid"] == "true"
    # The wrong guess is kept on record (it counts toward throttling); nothing else changed.
    failures = db_rows(
        settings, select(AuditEntry).where(AuditEntry.action == "password.change_failure")
    )
    assert [a.actor_id for a in failures] == [person.id]
    assert sign_in(TestClient(client.app), person.email).status_code == 303
    assert client.get("/account", follow_redirects=False).status_code == 200


def test_password_change_retires_the_old_password_and_signs_out_other_sessions(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    sign_in(client, person.email)
    elsewhere = TestClient(client.app)
    sign_in(elsewhere, person.email)
    assert elsewhere.get("/", follow_redirects=False).status_code == 200

    changed = submit(
        client,
        "/account",
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert (
        "Your password is changed." in flash_after(client, changed).find("div", class_="flash").text
    )
    assert client.get("/", follow_redirects=False).status_code == 200  # this browser stays in
    signed_out = elsewhere.get("/", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/login"
    newcomer = TestClient(client.app)
    old = submit(newcomer, "/login", "/login", {"email": person.email, "password": PASSWORD})
    assert old.status_code == 400
    sign_in(newcomer, person.email, NEW_PASSWORD)
    audited = db_rows(settings, select(AuditEntry).where(AuditEntry.action == "password.change"))
    assert [json.loads(a.detail) for a in audited] == [{"other_sessions_ended": 1}]


def test_signing_in_again_ends_the_previous_session(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    committed.commit()
    sign_in(client, person.email)
    previous = client.cookies[SESSION_COOKIE]

    sign_in(client, person.email)

    assert client.cookies[SESSION_COOKIE] != previous
    assert client.get("/", follow_redirects=False).status_code == 200
    replay = TestClient(client.app)
    replay.cookies.set(SESSION_COOKIE, previous)
    refused = replay.get("/", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/login"
    sessions = db_rows(settings, select(WebSession).order_by(WebSession.id))
    assert [w.ended_at is not None for w in sessions] == [True, False]


def test_logout_ends_a_sign_in_still_waiting_for_its_code(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed))
    totp = _enable_totp(committed, settings, person)
    committed.commit()
    sign_in(client, person.email)
    halfway = client.cookies[SESSION_COOKIE]

    response = submit(client, "/login/totp", "/logout", {})

    assert response.headers["location"] == "/login"
    assert SESSION_COOKIE not in client.cookies
    client.cookies.set(SESSION_COOKIE, halfway)  # the code no longer completes that sign-in
    late = submit(client, "/login", "/login/totp", {"code": totp.now(), "next": "/"})
    assert late.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert [w.ended_at is not None for w in db_rows(settings, select(WebSession))] == [True]
