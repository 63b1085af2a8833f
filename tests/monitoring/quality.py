"""The labelled set's measures (docs/monitoring.md): near-duplicate pairs, story clustering
(B-cubed), signal precision and recall, language identification, hard negatives.

Shared by the quality test and `python -m tests.monitoring.quality`, which prints the figures.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from vigil.monitoring.analysis import DEFAULT_THRESHOLD, Analysis, analyse, signal_candidate
from vigil.monitoring.entities import EntityMatcher
from vigil.monitoring.near_duplicates import similarity
from vigil.monitoring.stories import DEFAULT_THRESHOLD as NEAR_DUPLICATE
from vigil.monitoring.stories import StoryClusterer

DATA = Path(__file__).resolve().parents[1] / "data" / "monitoring"


@dataclass
class Measures:
    articles: int
    pair_precision: float
    pair_recall: float
    story_precision: float
    story_recall: float
    story_f1: float
    signal_precision: float
    signal_recall: float
    language_accuracy: float
    type_accuracy: float
    antisemitic_accuracy: float  # of the incidents' antisemitic flags
    antisemitic_hard_negatives: list[str]
    missed_signals: list[str]
    false_signals: list[str]


def articles() -> list[dict]:
    with (DATA / "articles.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def watch() -> dict:
    return yaml.safe_load((DATA / "watch.yaml").read_text("utf-8"))


@functools.cache
def matcher() -> EntityMatcher:
    return EntityMatcher.build(sites=[tuple(site) for site in watch()["sites"]])


def analysed() -> list[tuple[dict, Analysis]]:
    found = matcher()
    return [
        (article, analyse(title=article["title"], text=article["text"], matcher=found))
        for article in articles()
    ]


def _bcubed(truth: list[str], predicted: list[int]) -> tuple[float, float]:
    precision = recall = 0.0
    for item in range(len(truth)):
        same_predicted = {
            other for other in range(len(truth)) if predicted[other] == predicted[item]
        }
        same_truth = {other for other in range(len(truth)) if truth[other] == truth[item]}
        both = len(same_predicted & same_truth)
        precision += both / len(same_predicted)
        recall += both / len(same_truth)
    return precision / len(truth), recall / len(truth)


def _stories(items: list[tuple[dict, Analysis]]) -> list[int]:
    """Each article's story (the index of its first article), adding in publication order."""
    clusterer = StoryClusterer()
    parent = list(range(len(items)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    order = sorted(range(len(items)), key=lambda i: items[i][0]["published_at"])
    for index in order:
        article, analysis = items[index]
        joined = clusterer.add(
            index,
            signature=analysis.signature,
            facts=analysis.facts,
            language=analysis.language,
            published_at=dt.datetime.fromisoformat(article["published_at"]),
        )
        if joined is not None:
            parent[root(index)] = root(joined)
    return [root(index) for index in range(len(items))]


def measure(threshold: float = DEFAULT_THRESHOLD) -> Measures:
    items = analysed()
    sites = [site[0] for site in watch()["sites"]]
    places = {f"place:{place}" for place in watch()["places"]}
    true_pairs = predicted_pairs = both = 0
    for (left, a), (right, b) in itertools.combinations(items, 2):
        truth = left["group"] == right["group"]
        predicted = similarity(a.signature, b.signature) >= NEAR_DUPLICATE
        true_pairs += truth
        predicted_pairs += predicted
        both += truth and predicted
    story_precision, story_recall = _bcubed([a["story"] for a, _ in items], _stories(items))
    signalled = {
        article["id"]
        for article, analysis in items
        if signal_candidate(analysis, sites, threshold, watched_places=places)
    }
    relevant = {article["id"] for article, _ in items if article["relevant"]}
    typed = [(a, r) for a, r in items if a["kind"] == "incident"]
    return Measures(
        articles=len(items),
        pair_precision=both / predicted_pairs if predicted_pairs else 1.0,
        pair_recall=both / true_pairs,
        story_precision=story_precision,
        story_recall=story_recall,
        story_f1=2 * story_precision * story_recall / (story_precision + story_recall),
        signal_precision=len(signalled & relevant) / len(signalled) if signalled else 1.0,
        signal_recall=len(signalled & relevant) / len(relevant),
        language_accuracy=sum(a["language"] == r.language for a, r in items) / len(items),
        type_accuracy=sum(a["incident_type"] == r.relevance.incident_type for a, r in typed)
        / len(typed),
        antisemitic_accuracy=sum(a["antisemitic"] == r.relevance.antisemitic for a, r in typed)
        / len(typed),
        antisemitic_hard_negatives=[
            a["id"] for a, r in items if a["kind"] != "incident" and r.relevance.antisemitic
        ],
        missed_signals=sorted(relevant - signalled),
        false_signals=sorted(signalled - relevant),
    )


if __name__ == "__main__":
    for name, value in vars(measure()).items():
        print(f"{name}: {value if not isinstance(value, float) else round(value, 4)}")
