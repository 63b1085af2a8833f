"""Monitoring's text analysis per article: language ID, lemmas, MinHash, entities and scoring.

Builds `--articles` synthetic articles (default 100,000; 5,000 with --quick) from the labelled
set in tests/data/monitoring: each takes a title and three paragraphs from articles of one
language, its numbers changed and a line naming a random city of Vigil's gazetteer added, so the
vocabulary repeats as in a real news stream but no two articles are the same. Then it times, in
this one process (one core), `vigil.monitoring.analysis.analyse` per article with an entity
matcher of nine watched sites plus the gazetteer and institutions, and the stages on their own.
Then every signature goes into a `StoryClusterer` (MinHash LSH plus the fact index), whose memory
is measured with tracemalloc and also estimated by `memory_bytes()`.

Extraction is measured separately: trafilatura on HTML pages built from the labelled articles
(header, navigation, share and newsletter lines, a related-links block, a footer) through
`vigil.monitoring.extraction.extract_article` when that module is present, else trafilatura
directly (noted in the output).

Then the time from a new article in a watched feed to a signal in the inbox, through the worker,
on a fresh database (bench/monitoring_latency.py): cold (first in the process) and warm.

    python bench/monitoring.py            # 100,000 articles, 2,000 pages, 6 rounds, SQLite
    python bench/monitoring.py --quick    # 5,000 articles, 200 pages, 3 rounds (under a minute)
    python bench/monitoring.py --db postgresql --pg-url postgresql+psycopg://...

Printed last: docs_per_s, the stages' docs per second (tokens_docs_per_s is the ceiling: only
splitting into words; ratio_to_tokens is docs_per_s over it), extraction_docs_per_s, lsh_mb,
feed_to_signal_s (warm median), feed_to_signal_cold_s, as name=value pairs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import html
import json
import random
import re
import sys
import time
import tracemalloc
from pathlib import Path

import yaml
from api import DEFAULT_PG_URL  # bench/api.py
from monitoring_latency import feed_to_signal

from vigil.core.lemmas import tokens
from vigil.core.text_language import identify_language
from vigil.geo.gazetteer import gazetteer
from vigil.monitoring.analysis import analyse
from vigil.monitoring.entities import COUNTRIES, EntityMatcher
from vigil.monitoring.extraction import extract_article
from vigil.monitoring.near_duplicates import signature
from vigil.monitoring.relevance import score_prepared
from vigil.monitoring.stories import StoryClusterer
from vigil.monitoring.text import prepare

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "monitoring"
NUMBER = re.compile(r"\d+")
SENTENCE = re.compile(r"(?<=[.!?])\s+")
SYNDICATED_SHARE = 0.2


def labelled() -> list[dict]:
    with (DATA / "articles.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if '-orig"' in line]


def synthetic(count: int, seed: int) -> list[tuple[str, str]]:
    """Articles made of the labelled set's paragraphs of one language, sentences shuffled and
    words of the language's vocabulary slipped in (so that texts differ shingle by shingle while
    the vocabulary stays the news's), numbers changed, two random cities named; one in five is a
    syndicated copy of an earlier one with a credit line."""
    rng = random.Random(seed)
    by_language: dict[str, list[dict]] = {}
    for article in labelled():
        by_language.setdefault(article["language"], []).append(article)
    sentences = {
        language: [s for a in found for s in SENTENCE.split(a["text"]) if s.strip()]
        for language, found in by_language.items()
    }
    vocabulary = {
        language: sorted({w for s in found for w in s.split()})
        for language, found in sentences.items()
    }
    cities = [city.name for country in COUNTRIES for city in gazetteer().in_country(country)]
    languages = sorted(by_language)
    made: list[tuple[str, str]] = []
    for _ in range(count):
        if made and rng.random() < SYNDICATED_SHARE:
            title, text = rng.choice(made[-2000:])
            made.append((title, f"{text}\n\nWith agency material. Share this article."))
            continue
        language = rng.choice(languages)
        title = rng.choice(by_language[language])["title"]
        paragraphs = []
        for _ in range(3):
            chosen = rng.sample(sentences[language], 2)
            words = " ".join(chosen).split()
            for _ in range(len(words) // 6):
                words.insert(rng.randrange(len(words)), rng.choice(vocabulary[language]))
            paragraphs.append(" ".join(words))
        text = "\n\n".join(paragraphs) + f"\n\n{rng.choice(cities)}, {rng.choice(cities)}."
        text = NUMBER.sub(lambda _: str(rng.randrange(2, 5000)), text)
        made.append((title, text))
    return made


def matcher() -> EntityMatcher:
    watch = yaml.safe_load((DATA / "watch.yaml").read_text("utf-8"))
    return EntityMatcher.build(sites=[tuple(site) for site in watch["sites"]])


def pages(count: int) -> list[bytes]:
    found = []
    articles = labelled()
    for index in range(count):
        article = articles[index % len(articles)]
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article["text"].split("\n\n"))
        titles = [articles[(index + n) % len(articles)]["title"] for n in (1, 2, 3)]
        related = "".join(f'<li><a href="/a/">{html.escape(t)}</a></li>' for t in titles)
        found.append(
            f"""<!doctype html><html lang="{article["language"]}"><head><meta charset="utf-8">
<title>{html.escape(article["title"])} | News</title>
<meta property="article:published_time" content="{article["published_at"]}"></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a>
</nav></header>
<main><article><h1>{html.escape(article["title"])}</h1><p class="byline">By a correspondent</p>
{paragraphs}<div class="share">Share this article</div>
<div class="newsletter">Sign up for our newsletter</div></article>
<aside><h2>Related</h2><ul>{related}</ul></aside></main>
<footer>© News Ltd. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>""".encode()
        )
    return found


def extraction(count: int) -> float:
    """Pages a second through the extraction the worker uses."""
    built = pages(count)
    extract_article(built[0], url="https://news.example/a")
    start = time.process_time()
    for page in built:
        extract_article(page, url="https://news.example/a")
    return count / (time.process_time() - start)


def bench(args: argparse.Namespace) -> dict[str, str]:
    # First, so that its first round is this process's first analysis (cold).
    latency = feed_to_signal(args.db, args.pg_url, args.rounds)
    articles = synthetic(args.articles, args.seed)
    found = matcher()
    analyse(title="warm-up", text="Warm-up text for the caches and models.", matcher=found)
    # The worker analyses one article at a time; only what the story index needs is kept here,
    # and the generated texts are moved out of the collector's way, so that its passes over a
    # growing heap are not counted against the analysis.
    gc.collect()
    gc.freeze()
    kept = []
    start = time.process_time()
    for title, text in articles:
        analysis = analyse(title=title, text=text, matcher=found)
        kept.append((analysis.signature, analysis.facts, analysis.language))
    whole = time.process_time() - start

    sample = articles[: min(len(articles), 5_000)]
    stages: dict[str, float] = {}
    # The ceiling: only splitting each article into words, which every stage needs once.
    t0 = time.process_time()
    for t, x in sample:
        tokens(t)
        tokens(x)
    stages["tokens"] = time.process_time() - t0
    t0 = time.process_time()
    languages = [identify_language(f"{t}\n{x}")[0] for t, x in sample]
    stages["language"] = time.process_time() - t0
    t0 = time.process_time()
    prepared = [prepare(t, x, lang) for (t, x), lang in zip(sample, languages, strict=True)]
    stages["lemmas"] = time.process_time() - t0
    t0 = time.process_time()
    for _, x in sample:
        signature(x)
    stages["minhash"] = time.process_time() - t0
    t0 = time.process_time()
    mentions = [found.find_prepared(p) for p in prepared]
    stages["entities"] = time.process_time() - t0
    t0 = time.process_time()
    for p, lang, m in zip(prepared, languages, mentions, strict=True):
        score_prepared(p, lang, m)
    stages["scoring"] = time.process_time() - t0

    published = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    tracemalloc.start()
    clusterer = StoryClusterer()
    joined = 0
    t0 = time.process_time()
    for key, (signature_bytes, facts, language) in enumerate(kept):
        at = published + dt.timedelta(minutes=key)
        joined += (
            clusterer.add(
                key, signature=signature_bytes, facts=facts, language=language, published_at=at
            )
            is not None
        )
    clustering = time.process_time() - t0
    lsh_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    extraction_rate = extraction(args.pages)
    words = sum(len(t.split()) + len(x.split()) for t, x in articles) / len(articles)
    result = {
        "docs_per_s": f"{len(articles) / whole:.0f}",
        **{
            f"{name}_docs_per_s": f"{len(sample) / seconds:.0f}" for name, seconds in stages.items()
        },
        "ratio_to_tokens": f"{len(articles) / whole / (len(sample) / stages['tokens']):.3f}",
        "clustering_docs_per_s": f"{len(kept) / clustering:.0f}",
        "extraction_docs_per_s": f"{extraction_rate:.0f}",
        "lsh_mb": f"{lsh_bytes / 1e6:.1f}",
        "lsh_estimate_mb": f"{clusterer.memory_bytes() / 1e6:.1f}",
        "joined": str(joined),
        "articles": str(len(articles)),
        "words_per_article": f"{words:.0f}",
        "db": args.db,
        **latency,
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 articles, 200 pages")
    parser.add_argument("--articles", type=int, default=None, help="default 100,000")
    parser.add_argument("--pages", type=int, default=None, help="default 2,000")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=None, help="feed to signal; default 6")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args()
    args.articles = args.articles or (5_000 if args.quick else 100_000)
    args.pages = args.pages or (200 if args.quick else 2_000)
    args.rounds = args.rounds or (3 if args.quick else 6)
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
