"""Builds articles.jsonl, the labelled set, from the base articles written by hand.

Run once when the base texts change (`python tests/data/monitoring/build_set.py`); the tests
read the committed JSONL, never this script. Each base article is kept, and copies are derived
as a syndicating site would publish them: other boilerplate around the same text (agency line,
share and newsletter lines, "read also" links to other stories), a light edit (a few words
dropped, a correction line), and for incidents a regional copy that drops the last paragraph.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import yaml

HERE = Path(__file__).parent
BOILERPLATE = {
    "en": (
        "Share this article",
        "Sign up for our morning newsletter",
        "Read also:",
        "Updated with a police statement.",
        "Reporting by our correspondent; editing by the news desk.",
    ),
    "de": (
        "Artikel teilen",
        "Jetzt den Newsletter abonnieren",
        "Lesen Sie auch:",
        "Aktualisiert mit einer Stellungnahme der Polizei.",
        "Mit Material von dpa.",
    ),
    "fr": (
        "Partager cet article",
        "Inscrivez-vous à notre newsletter",
        "Lire aussi :",
        "Mis à jour avec la réaction de la police.",
        "Avec AFP.",
    ),
    "cs": (
        "Sdílet článek",
        "Přihlaste se k odběru newsletteru",
        "Čtěte také:",
        "Aktualizováno o vyjádření policie.",
        "Zdroj: ČTK.",
    ),
    "pl": (
        "Udostępnij artykuł",
        "Zapisz się do naszego newslettera",
        "Przeczytaj także:",
        "Zaktualizowano o komunikat policji.",
        "Źródło: PAP.",
    ),
    "nl": (
        "Deel dit artikel",
        "Meld je aan voor onze nieuwsbrief",
        "Lees ook:",
        "Bijgewerkt met een reactie van de politie.",
        "Bron: ANP.",
    ),
    "he": (
        "שתפו את הכתבה",
        "הירשמו לניוזלטר שלנו",
        "עוד באתר:",
        "עודכן עם תגובת המשטרה.",
        "בשיתוף סוכנויות הידיעות.",
    ),
    "bg": (
        "Споделете статията",
        "Абонирайте се за нашия бюлетин",
        "Прочетете още:",
        "Обновено с позиция на полицията.",
        "Източник: БТА.",
    ),
}


def _base() -> list[dict]:
    articles = []
    for name in ("base_incidents.yaml", "base_negatives.yaml"):
        for entry in yaml.safe_load((HERE / name).read_text("utf-8")):
            entry.setdefault("relevant", False)
            entry.setdefault("type", "")
            entry.setdefault("antisemitic", False)
            entry["text"] = entry["text"].strip()
            articles.append(entry)
    return articles


def _record(base: dict, variant: str, title: str, text: str, hours: int) -> dict:
    published = dt.datetime.fromisoformat(str(base["published"])) + dt.timedelta(hours=hours)
    return {
        "id": f"{base['id']}-{variant}",
        "group": base["id"],  # articles of one group are near-duplicates of each other
        "story": base["story"],
        "language": base["lang"],
        "published_at": published.isoformat(),
        "relevant": base["relevant"],
        "incident_type": base["type"],
        "antisemitic": base["antisemitic"],
        "kind": base["kind"],
        "title": title,
        "text": text,
    }


def _light_edit(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(3):
        at = rng.randrange(1, len(words) - 1)
        if "\n" not in words[at]:
            del words[at]
    return " ".join(words)


def main() -> None:
    rng = random.Random(15)
    bases = _base()
    records = []
    for base in bases:
        share, newsletter, read_also, update, agency = BOILERPLATE[base["lang"]]
        others = [
            b["title"] for b in bases if b["lang"] == base["lang"] and b["story"] != base["story"]
        ]
        related = "\n".join(rng.sample(others, min(2, len(others))))
        records.append(_record(base, "orig", base["title"], base["text"], 0))
        syndicated = f"{base['text']}\n\n{agency}\n{share}\n{newsletter}\n{read_also}\n{related}"
        records.append(_record(base, "synd", base["title"], syndicated, 2))
        edited = f"{_light_edit(base['text'], rng)}\n\n{update}\n{share}"
        records.append(_record(base, "edit", base["title"].rstrip("."), edited, 5))
        if base["kind"] == "incident":
            paragraphs = base["text"].split("\n\n")
            regional = "\n\n".join(paragraphs[:-1] if len(paragraphs) > 2 else paragraphs)
            regional = f"{regional}\n\n{agency} {read_also}\n{related}"
            records.append(_record(base, "regional", base["title"], regional, 9))
    with (HERE / "articles.jsonl").open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(len(records), "articles")


if __name__ == "__main__":
    main()
