"""What the analysis keeps of an article in its `entities` column: a JSON list the inbox and the
signals read. Each item has a `kind`: `place`, `organisation` or `site` for what the article
names (key, name, lat, lon), `fact` for a fact that links reports of one event across languages
(key), `watch` for what of its organisation's watchlist it touched (`watched`: site, place or
term, with the watch's id, the site, the place and distance, the words as written), and one
`reading`: the lexicon's own score, whether it read an antisemitic incident, and whether the
article may raise a signal."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vigil.monitoring.entities import Mention


@dataclass
class ArticleEntities:
    facts: frozenset[str] = frozenset()
    watch_hits: list[dict[str, Any]] = field(default_factory=list)
    lexicon_score: float = 0.0
    antisemitic: bool = False
    signal: bool = False


def dump_entities(
    *,
    mentions: Iterable[Mention],
    facts: Iterable[str],
    watch_hits: Iterable[dict[str, Any]],
    lexicon_score: float,
    antisemitic: bool,
    signal: bool,
) -> str:
    items: list[dict[str, Any]] = [dataclasses.asdict(m) for m in mentions]
    items += [{"kind": "fact", "key": fact} for fact in sorted(facts)]
    items += [{**hit, "kind": "watch", "watched": hit["kind"]} for hit in watch_hits]
    items.append(
        {
            "kind": "reading",
            "lexicon_score": lexicon_score,
            "antisemitic": antisemitic,
            "signal": signal,
        }
    )
    return json.dumps(items, ensure_ascii=False)


def load_entities(text: str | None) -> ArticleEntities:
    """The analysis's part of the column; an article not analysed yet gives empty values."""
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return ArticleEntities()
    found = ArticleEntities()
    facts: set[str] = set()
    for item in items if isinstance(items, list) else []:
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind == "fact":
            facts.add(str(item.get("key", "")))
        elif kind == "watch":
            found.watch_hits.append({**item, "kind": item.get("watched", "")})
        elif kind == "reading":
            found.lexicon_score = float(item.get("lexicon_score", 0.0))
            found.antisemitic = bool(item.get("antisemitic"))
            found.signal = bool(item.get("signal"))
    found.facts = frozenset(facts)
    return found
