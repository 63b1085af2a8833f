"""What extraction leaves around an article's text in practice, removed before it is analysed:
a "read also" block of links to other stories (whose titles would lend this article their places
and words) and the short trailing lines of sharing, newsletter and agency credits.

trafilatura removes most of it from HTML; this catches what survives it, and what arrives in
feeds' full-text fields and uploaded files.
"""

from __future__ import annotations

import re

# "Read also" and "related" markers in the languages read; the rest of the text is links.
# fmt: off
READ_ALSO = (
    "read also", "read more", "related", "see also", "more on this", "lesen sie auch",
    "mehr zum thema", "das könnte sie auch interessieren", "lire aussi", "à lire aussi",
    "voir aussi", "sur le même sujet", "čtěte také", "čtěte též", "související", "přečtěte si",
    "przeczytaj także", "przeczytaj też", "zobacz też", "czytaj także", "lees ook", "meer over",
    "gerelateerd", "עוד באתר", "כתבות נוספות", "קראו עוד", "прочетете още", "още по темата",
)
# fmt: on
_MARKERS = "|".join(re.escape(marker) for marker in READ_ALSO)
# At the start of a line, or after a sentence when followed by a colon.
_READ_ALSO = re.compile(
    rf"^\s*(?:{_MARKERS})\s*[:：]?|(?<=[.!?])\s+(?:{_MARKERS})\s*[:：]",
    re.IGNORECASE | re.MULTILINE,
)
TAIL_CHARS = 1500
SHORT_LINE_WORDS = 8  # trailing lines shorter than this are credits, not the article


def strip_boilerplate(text: str) -> str:
    """The text without a trailing related-links block and trailing short lines."""
    # Related links close an article: only its last part is searched, and never its first third.
    start = max(len(text) // 3, len(text) - TAIL_CHARS)
    # Most articles have no marker at all: finding none by plain substring search costs a
    # tenth of the regular expression's search.
    tail = text[start:].lower()
    if any(marker in tail for marker in READ_ALSO):
        found = _READ_ALSO.search(text, start)
        if found:
            text = text[: found.start()]
    lines = text.rstrip().split("\n")
    while len(lines) > 1 and len(lines[-1].split()) < SHORT_LINE_WORDS:
        lines.pop()
    return "\n".join(lines).strip()
