"""From stored articles to signals, through the worker: stories, watches (site, place, term),
the e-mail of a high signal to coordinators over real SMTP, isolation between organisations in
the API, and a job re-run after a kill."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.core.test_mail import Inbox, _free_port
from tests.monitoring import articles
from tests.monitoring.pipeline import make_source, make_watch, store_articles
from tests.orgs.factories import make_org, make_person, token_headers
from tests.sites.factories import acting, make_site
from vigil.core import jobs
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.policy import Role
from vigil.monitoring import analysing, signals
from vigil.monitoring.models import Article, Signal, SignalStatus, Story
from vigil.orgs.models import Organisation, Person
from vigil.orgs.principals import load_principal
from vigil.sites.models import Site
from vigil.worker import run_worker


@dataclass
class World:
    org: Organisation
    coordinator: Person
    admin: Person
    viewer: Person
    site: Site
    source_id: int


def build(session: Session, settings: Settings) -> World:
    org = make_org(session)
    coordinator = make_person(session, settings, org=org, role=Role.coordinator)
    admin = make_person(session, settings, org=org, role=Role.org_admin)
    viewer = make_person(session, settings, org=org, role=Role.viewer)
    lat, lon = articles.SITE_POINT
    site = make_site(
        session, acting(session, coordinator, org), name=articles.SITE_NAME, lat=lat, lon=lon
    )
    source = make_source(session, org)
    session.commit()
    return World(org, coordinator, admin, viewer, site, source.id)


def store(session: Session, world: World, *items: tuple[str, str]) -> list[int]:
    from vigil.monitoring.models import Source

    source = session.get(Source, world.source_id)
    assert source is not None
    ids = [a.id for a in store_articles(session, source, *items)]
    session.commit()
    return ids


def signals_of(session: Session, org: Organisation) -> list[Signal]:
    session.commit()  # a new snapshot
    return list(
        session.scalars(select(Signal).where(Signal.owner_org_id == org.id).order_by(Signal.id))
    )


def story_of(session: Session, article_id: int) -> Story:
    article = session.get(Article, article_id)
    assert article is not None and article.story_id is not None
    story = session.get(Story, article.story_id)
    assert story is not None
    return story


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def test_article_naming_a_watched_site_is_a_story_and_one_signal_its_copy_joins(
    committed: Session, settings: Settings, client: TestClient
) -> None:
    world = build(committed, settings)
    graffiti, protest = store(committed, world, articles.GRAFFITI, articles.PROTEST)
    run_worker(settings, once=True)
    [copy] = store(committed, world, articles.GRAFFITI_SYNDICATED)
    run_worker(settings, once=True)

    committed.expire_all()
    story = story_of(committed, graffiti)
    assert story_of(committed, copy).id == story.id, "the syndicated copy joins the story"
    assert story.article_count == 2
    assert story_of(committed, protest).id != story.id
    [signal] = [s for s in signals_of(committed, world.org) if s.story_id == story.id]
    assert signal.tlp == "amber" and signal.status == SignalStatus.new.value
    reasons = json.loads(signal.reasons)
    [site_hit] = [r for r in reasons if r["label"] == "watch:site"]
    assert site_hit["site_id"] == world.site.id and site_hit["term"] == articles.SITE_NAME
    terms = [r for r in reasons if not r["label"].startswith(("watch:", "reading:"))]
    assert terms, "the lexicon's terms explain the score"
    assert {"term", "where", "weight", "label"} <= set(terms[0])
    assert {"label": "reading:antisemitic", "term": "", "where": ""} in reasons
    assert signal.site_id == world.site.id
    assert signal.score >= settings.monitoring_signal_threshold

    protest_story = story_of(committed, protest)
    assert protest_story.incident_type != "damage" and protest_story.score < 0.5
    assert [s for s in signals_of(committed, world.org) if s.story_id == protest_story.id] == [], (
        "political criticism naming the site is no signal"
    )

    headers = token_headers(committed, world.viewer)
    committed.commit()
    page = client.get("/api/v1/monitoring/signals", headers=headers).json()
    assert signal.id in [item["id"] for item in page["items"]]
    detail = client.get(f"/api/v1/monitoring/signals/{signal.id}", headers=headers).json()
    assert {a["id"] for a in detail["articles"]} == {graffiti, copy}
    assert detail["article_count"] == 2
    assert {"label": "watch:site", "term": articles.SITE_NAME, "where": ""} in detail["reasons"]


def test_a_place_near_a_watched_point_and_a_watched_term_raise_signals(
    committed: Session, settings: Settings
) -> None:
    world = build(committed, settings)
    principal = acting(committed, world.coordinator, world.org)
    lat, lon = articles.POTSDAM
    place = make_watch(committed, principal, kind="place", value="Potsdam", lat=lat, lon=lon,
                       radius_km=5)  # fmt: skip
    term = make_watch(committed, principal, kind="term", value="memorial stone")
    committed.commit()
    threat, stones = store(committed, world, articles.BOMB_THREAT, articles.MEMORIAL_STONES)
    run_worker(settings, once=True)

    by_story = {s.story_id: json.loads(s.reasons) for s in signals_of(committed, world.org)}
    place_hits = [
        r for r in by_story[story_of(committed, threat).id] if r["label"].startswith("watch:")
    ]
    assert [(h["label"], h["watch_id"], h["term"]) for h in place_hits] == [
        ("watch:place", place.id, "Potsdam")
    ]
    assert place_hits[0]["distance_km"] < 5
    term_hits = [
        r for r in by_story[story_of(committed, stones).id] if r["label"].startswith("watch:")
    ]
    assert [(h["label"], h["watch_id"]) for h in term_hits] == [("watch:term", term.id)]
    assert term_hits[0]["term"].lower() == "memorial stones", "matched by its lemmas"
    assert term_hits[0]["where"] == "title"


def test_every_alias_watched_for_a_site_finds_it_in_any_inflection(
    committed: Session, settings: Settings
) -> None:
    world = build(committed, settings)
    principal = acting(committed, world.coordinator, world.org)
    for alias in ("Alte Synagoge", "Stará synagoga"):  # one watch each, as the demo keeps them
        make_watch(committed, principal, kind="site", site_id=world.site.id, aliases=[alias])
    committed.commit()
    german, czech = store(committed, world, articles.ALTE_SYNAGOGE, articles.STARA_SYNAGOGA)
    run_worker(settings, once=True)

    for article_id, named in ((german, "Alte Synagoge"), (czech, "Stará synagoga")):
        story = story_of(committed, article_id)
        [signal] = [s for s in signals_of(committed, world.org) if s.story_id == story.id]
        assert signal.site_id == world.site.id, named


def test_a_high_signal_emails_the_coordinators_once(
    committed: Session, settings: Settings, smtp: tuple[Inbox, int], client: TestClient
) -> None:
    server, port = smtp
    mailing = settings.model_copy(update={"smtp_port": port})
    world = build(committed, settings)
    store(committed, world, articles.GRAFFITI)
    run_worker(mailing, once=True)
    store(committed, world, articles.GRAFFITI_SYNDICATED)
    run_worker(mailing, once=True)

    [signal] = signals_of(committed, world.org)
    assert signal.score >= settings.monitoring_high_signal_threshold
    assert signal.notified_at is not None
    assert sorted(m["To"] for m in server.messages) == sorted(
        [world.coordinator.email, world.admin.email]
    ), "coordinators and admins, each once; not the viewer"
    message = server.messages[0]
    assert articles.SITE_NAME in message["Subject"]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and f"/monitoring/signals/{signal.id}" in body.get_content()

    viewer = load_principal(committed, person_id=world.viewer.id)
    assert viewer is not None
    assert signals.unseen_high_signals(committed, viewer) == 1
    headers = token_headers(committed, world.coordinator)
    committed.commit()
    answer = client.post(
        f"/api/v1/monitoring/signals/{signal.id}/decision",
        headers=headers,
        json={"status": "dismissed"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "dismissed"
    committed.expire_all()
    assert signals.unseen_high_signals(committed, viewer) == 0
    audited = committed.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "monitoring.signal.dismissed",
            AuditEntry.target_id == str(signal.id),
        )
    )
    assert audited == 1
    viewer_headers = token_headers(committed, world.viewer)
    committed.commit()
    refused = client.post(
        f"/api/v1/monitoring/signals/{signal.id}/decision",
        headers=viewer_headers,
        json={"status": "relevant"},
    )
    assert refused.status_code == 403


def test_another_organisation_reads_none_of_the_signals_or_watches(
    committed: Session, settings: Settings, client: TestClient
) -> None:
    world = build(committed, settings)
    watch = make_watch(
        committed, acting(committed, world.coordinator, world.org), kind="term", value="arson"
    )
    other = make_org(committed)
    outsider = make_person(committed, settings, org=other, role=Role.org_admin)
    committed.commit()
    store(committed, world, articles.GRAFFITI)
    run_worker(settings, once=True)
    [signal] = signals_of(committed, world.org)
    headers = token_headers(committed, outsider)
    committed.commit()

    assert client.get("/api/v1/monitoring/signals", headers=headers).json()["items"] == []
    assert client.get(f"/api/v1/monitoring/signals/{signal.id}", headers=headers).status_code == 404
    decided = client.post(
        f"/api/v1/monitoring/signals/{signal.id}/decision",
        headers=headers,
        json={"status": "dismissed"},
    )
    assert decided.status_code == 404
    assert client.get("/api/v1/monitoring/watches", headers=headers).json() == []
    gone = client.delete(f"/api/v1/monitoring/watches/{watch.id}", headers=headers)
    assert gone.status_code == 404
    [article_id] = committed.scalars(select(Article.id).where(Article.org_id == world.org.id))
    judged = client.put(
        f"/api/v1/monitoring/articles/{article_id}/feedback",
        headers=headers,
        json={"verdict": "not_relevant"},
    )
    assert judged.status_code == 404
    assert signals_of(committed, world.org)[0].status == SignalStatus.new.value


def test_the_job_run_again_after_a_kill_doubles_nothing(
    committed: Session, settings: Settings
) -> None:
    world = build(committed, settings)
    store(committed, world, articles.GRAFFITI, articles.GRAFFITI_SYNDICATED, articles.PROTEST)
    # Killed before its commit: nothing of the job's work is left.
    with pytest.raises(KeyboardInterrupt), transaction(settings.sqlalchemy_url) as session:
        [job] = jobs.claim(session, worker="killed", lease_seconds=60)
        analysing.analyse_articles(session, job.payload, settings)
        raise KeyboardInterrupt
    assert committed.scalar(select(func.count(Story.id))) == 0
    committed.commit()
    # Killed after its work committed, before the job was marked done: it runs again.
    with transaction(settings.sqlalchemy_url) as session:
        [job] = jobs.claim(session, worker="killed", lease_seconds=60)
    with transaction(settings.sqlalchemy_url) as session:
        analysing.analyse_articles(session, job.payload, settings)
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(update(jobs.Job).values(leased_until=utcnow()))
    before = _counts(committed, world)
    assert run_worker(settings, once=True) >= 1
    assert _counts(committed, world) == before
    assert before[:2] == (2, 1), "two stories, one signal"


def _counts(session: Session, world: World) -> tuple[int, ...]:
    session.commit()  # a new snapshot
    stories = session.scalar(select(func.count(Story.id)).where(Story.org_id == world.org.id))
    signals = session.scalar(select(func.count(Signal.id)))
    articles_in_stories = session.scalar(select(func.sum(Story.article_count)))
    mails = session.scalar(select(func.count(jobs.Job.id)).where(jobs.Job.kind == "send_email"))
    return (stories or 0, signals or 0, articles_in_stories or 0, mails or 0)
