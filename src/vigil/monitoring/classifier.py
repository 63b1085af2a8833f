"""An organisation's own relevance classifier, trained in the worker from its coordinators'
feedback, that adjusts the lexicon's score of its next articles.

A hashing vectoriser over the article's lemmas and a logistic regression (scikit-learn); nothing
is downloaded and nothing is pickled: the model is its parameters and non-zero coefficients as
JSON, read back into the same arithmetic. Before it is kept, it is measured on a held-out part
of the feedback: precision and recall of the lexicon's score alone and of the adjusted score,
at the signal threshold (its effect, shown to the organisation).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.lemmas import lemmatise
from vigil.monitoring.article_entities import load_entities
from vigil.monitoring.models import Article, Classifier, Feedback, Verdict

TRAIN_CLASSIFIER = "monitoring.train_classifier"
N_FEATURES = 2**17
WEIGHT = 1.0  # of the classifier's log-odds added to the lexicon's
EDGE = 1e-4  # scores are kept off 0 and 1 to have log-odds
HELD_OUT_SHARE = 0.3
MIN_COEFFICIENT = 1e-6  # smaller ones are not stored
MODEL_VERSION = 1


def _vectoriser() -> HashingVectorizer:
    return HashingVectorizer(
        n_features=N_FEATURES,
        analyzer=lambda lemmas: lemmas,
        alternate_sign=False,
        binary=True,
        norm="l2",
    )


def article_lemmas(title: str, text: str, language: str) -> list[str]:
    return lemmatise(f"{title}\n{text}", language)


@dataclass(frozen=True)
class ClassifierModel:
    coefficients: dict[int, float]
    intercept: float
    weight: float = WEIGHT

    def probability(self, lemmas: list[str]) -> float:
        row = _vectoriser().transform([lemmas])
        total = self.intercept + sum(
            self.coefficients.get(int(i), 0.0) * float(v)
            for i, v in zip(row.indices, row.data, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-total))

    def adjust(self, score: float, lemmas: list[str]) -> float:
        """The lexicon's score moved by the organisation's own judgement of such articles, in
        log-odds: an unsure classifier (0.5) leaves it, a sure one moves it most; an article
        the lexicon found nothing in stays at 0."""
        if score <= 0:
            return 0.0
        probability = min(max(self.probability(lemmas), EDGE), 1 - EDGE)
        bounded = min(max(score, EDGE), 1 - EDGE)
        odds = math.log(bounded / (1 - bounded)) + self.weight * math.log(
            probability / (1 - probability)
        )
        return round(1.0 / (1.0 + math.exp(-odds)), 4)

    def as_json(self) -> str:
        return json.dumps(
            {
                "version": MODEL_VERSION,
                "vectoriser": {"kind": "hashing", "n_features": N_FEATURES, "binary": True},
                "weight": self.weight,
                "intercept": self.intercept,
                "coefficients": {str(i): round(c, 6) for i, c in self.coefficients.items()},
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> ClassifierModel | None:
        data = json.loads(text or "{}")
        if data.get("version") != MODEL_VERSION:
            return None
        return cls(
            {int(i): float(c) for i, c in data["coefficients"].items()},
            float(data["intercept"]),
            float(data["weight"]),
        )


def request_training(session: Session, org_id: int) -> None:
    """Have the organisation's classifier retrained, once for a burst of feedback: a training
    job not yet started reads every verdict given before it starts."""
    payload = {"org_id": org_id}
    waiting = session.scalar(
        select(jobs.Job.id).where(
            jobs.Job.kind == TRAIN_CLASSIFIER,
            jobs.Job.status == jobs.PENDING,
            jobs.Job.leased_until.is_(None),
            jobs.Job.payload == json.dumps(payload),
        )
    )
    if waiting is None:
        jobs.enqueue(session, kind=TRAIN_CLASSIFIER, payload=payload)


def classifier_of(session: Session, org_id: int) -> ClassifierModel | None:
    row = session.get(Classifier, org_id)
    return None if row is None else ClassifierModel.from_json(row.model)


def _fit(features: list[list[str]], labels: list[int]) -> ClassifierModel:
    model = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", max_iter=1000)
    model.fit(_vectoriser().transform(features), np.array(labels))
    coefficients = {
        int(i): float(c) for i, c in enumerate(model.coef_[0]) if abs(c) > MIN_COEFFICIENT
    }
    return ClassifierModel(coefficients, float(model.intercept_[0]))


def _figures(predicted: list[bool], labels: list[int]) -> dict[str, float | None]:
    true_positive = sum(1 for p, y in zip(predicted, labels, strict=True) if p and y)
    flagged, relevant = sum(predicted), sum(labels)
    return {
        "precision": round(true_positive / flagged, 3) if flagged else None,
        "recall": round(true_positive / relevant, 3) if relevant else None,
    }


def _effect(
    features: list[list[str]], labels: list[int], lexicon: list[float], threshold: float
) -> dict[str, Any]:
    """Precision and recall at the signal threshold on feedback the model did not learn from."""
    indices = list(range(len(labels)))
    train, test = train_test_split(
        indices, test_size=HELD_OUT_SHARE, stratify=labels, random_state=0
    )
    if len({labels[i] for i in train}) < 2:
        return {"held_out": 0}
    model = _fit([features[i] for i in train], [labels[i] for i in train])
    truth = [labels[i] for i in test]
    return {
        "held_out": len(test),
        "threshold": threshold,
        "lexicon": _figures([lexicon[i] >= threshold for i in test], truth),
        "adjusted": _figures(
            [model.adjust(lexicon[i], features[i]) >= threshold for i in test], truth
        ),
    }


def train_classifier(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    """The job: (re)train the organisation's classifier once it has enough feedback of both
    kinds; with less, the lexicon alone keeps scoring."""
    org_id = int(payload["org_id"])
    rows = session.execute(
        select(Feedback.verdict, Article.title, Article.text, Article.language, Article.entities)
        .join(Article, Article.id == Feedback.article_id)
        .where(Feedback.org_id == org_id)
        .order_by(Feedback.id)
    ).all()
    labels = [0 if verdict == Verdict.not_relevant.value else 1 for verdict, *_ in rows]
    if (
        len(rows) < settings.monitoring_classifier_min_samples
        or min(labels.count(0), labels.count(1)) < 2
    ):
        return
    features = [article_lemmas(title, text, language) for _v, title, text, language, _e in rows]
    lexicon = [load_entities(e).lexicon_score for *_r, e in rows]
    effect = _effect(features, labels, lexicon, settings.monitoring_signal_threshold)
    effect.update(samples=len(rows), relevant=sum(labels))
    model = _fit(features, labels)
    row = session.get(Classifier, org_id)
    if row is None:
        row = Classifier(org_id=org_id)
        session.add(row)
    row.model, row.samples, row.trained_at = model.as_json(), len(rows), utcnow()
    row.effect = json.dumps(effect, sort_keys=True)
