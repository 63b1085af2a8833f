"""Coordinators' feedback trains their organisation's classifier in the worker: it changes that
organisation's scores, not another's, and its measured effect is reported."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.monitoring.pipeline import make_source, store_articles
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.monitoring.article_entities import load_entities
from vigil.monitoring.models import Article, Classifier
from vigil.worker import run_worker

CITIES = ("Berlin", "Hamburg", "Munich", "Cologne", "Leipzig", "Dresden", "Bremen", "Essen")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Sunday")


def leaflets(n: int) -> tuple[str, str]:
    city, day = CITIES[n % 8], DAYS[n % 8]
    return (
        f"Hateful leaflets in letterboxes in {city}",
        f"Residents of {city} found hateful leaflets in their letterboxes on {day}. The leaflets "
        f"blamed the community for the war and called for a boycott of its shops; {n + 3} "
        "households reported them to the police.",
    )


def football(n: int) -> tuple[str, str]:
    city, day = CITIES[n % 8], DAYS[n % 8]
    return (
        f"{city} fans threaten the referee",
        f"After the football derby in {city} on {day}, fans threatened the referee with "
        f"violence and threw bottles; police arrested {n + 2} supporters outside the stadium.",
    )


def test_feedback_changes_its_organisations_scores_only_and_reports_the_effect(
    committed: Session, settings: Settings, client: TestClient
) -> None:
    training = settings.model_copy(update={"monitoring_classifier_min_samples": 12})
    org, other = make_org(committed), make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    source, other_source = make_source(committed, org), make_source(committed, other)
    labelled = store_articles(
        committed, source, *[leaflets(n) for n in range(7)], *[football(n) for n in range(7)]
    )
    headers = token_headers(committed, coordinator)
    committed.commit()
    run_worker(training, once=True)

    for article in labelled:
        verdict = "relevant" if "leaflets" in article.title else "not_relevant"
        answer = client.put(
            f"/api/v1/monitoring/articles/{article.id}/feedback",
            headers=headers,
            json={"verdict": verdict},
        )
        assert answer.status_code == 200, answer.text
    again = client.put(
        f"/api/v1/monitoring/articles/{labelled[0].id}/feedback",
        headers=headers,
        json={"verdict": "relevant"},
    )
    assert again.json()["id"] == answer.json()["id"] - 13, "one verdict per article, updated"
    run_worker(training, once=True)

    classifier = client.get("/api/v1/monitoring/classifier", headers=headers).json()
    assert classifier["trained"] and classifier["samples"] == 14
    effect = classifier["effect"]
    assert effect["held_out"] > 0 and effect["relevant"] == 7
    assert set(effect["lexicon"]) == set(effect["adjusted"]) == {"precision", "recall"}
    model = json.loads(committed.scalars(select(Classifier.model)).one())
    assert model["vectoriser"]["kind"] == "hashing" and model["coefficients"]

    new = [leaflets(9), football(9)]
    mine = store_articles(committed, source, *new)
    theirs = store_articles(committed, other_source, *new)
    committed.commit()
    run_worker(training, once=True)
    committed.expire_all()
    scores = {
        a.id: (a.score, load_entities(a.entities).lexicon_score)
        for a in committed.scalars(
            select(Article).where(Article.id.in_([*map(id_of, mine + theirs)]))
        )
    }
    (mine_leaflet, lexicon_leaflet), (mine_football, lexicon_football) = (
        scores[mine[0].id],
        scores[mine[1].id],
    )
    assert mine_leaflet > lexicon_leaflet > 0
    assert lexicon_football > mine_football, "sport the coordinators judged not relevant"
    assert scores[theirs[0].id] == (lexicon_leaflet, lexicon_leaflet)
    assert scores[theirs[1].id] == (lexicon_football, lexicon_football)


def id_of(article: Article) -> int:
    return article.id
