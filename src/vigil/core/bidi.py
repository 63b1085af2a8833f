"""Text of one direction inside a page of the other (a Latin place name in a Hebrew sentence, a
Hebrew site name on an English page): user text is isolated with its own direction written out.

The direction is found on the server, as `dir="auto"` would find it (the first strong letter),
because WeasyPrint knows neither `<bdi>` nor `dir="auto"`: it takes `dir="ltr"`/`"rtl"` and lays
each inline element out as its own box, which isolates it. Browsers isolate `<bdi>` anyway.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape

from vigil.core.localisation import RTL_LOCALES

LTR_CLASSES = frozenset({"L"})
RTL_CLASSES = frozenset({"R", "AL"})


def right_to_left(locale: str) -> bool:
    """Whether pages in `locale` (`he`, `he_IL`) are written right to left."""
    return locale.split("_")[0] in RTL_LOCALES


def direction_of(text: str) -> str | None:
    """'ltr' or 'rtl' by the first strongly directional letter (Unicode bidi rules P2-P3);
    None for text without one (numbers, dates, punctuation), which takes its surroundings'."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in LTR_CLASSES:
            return "ltr"
        if kind in RTL_CLASSES:
            return "rtl"
    return None


def _plain(value: object) -> str:
    return value.striptags() if isinstance(value, Markup) else str(value)


def text_dir(value: object) -> str:
    """For a block's `dir` attribute (a narrative, a paragraph of a report): its own direction,
    else `auto`."""
    return direction_of(_plain(value)) or "auto"


def isolated(value: object) -> Markup:
    """`value` (escaped unless it is markup already) in a `<bdi>` that says its direction."""
    if value is None or value == "":
        return Markup("")
    direction = direction_of(_plain(value))
    attribute = f' dir="{direction}"' if direction else ""
    return Markup(f"<bdi{attribute}>{escape(value)}</bdi>")  # noqa: S704 - escaped above


MIRRORED = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹", strict=True))
NEUTRAL = frozenset({"ON", "WS", "S", "B"})


def _resolved_types(text: str, base: str) -> list[str]:
    """Each character's bidi class after the weak and neutral rules (W1-W7, N1-N2 of UAX 9),
    enough for one line of label text without embeddings."""
    types: list[str] = []
    for char in text:
        kind = unicodedata.bidirectional(char)
        kind = "R" if kind == "AL" else kind
        types.append((types[-1] if types else base) if kind == "NSM" else kind)
    n = len(types)
    for i in range(1, n - 1):  # W4: one separator between two digits joins them
        if types[i] in ("ES", "CS") and types[i - 1] == "EN" == types[i + 1]:
            types[i] = "EN"
    for i in range(n):  # W5: terminators next to digits (%, $, ...) join them
        if types[i] == "ET":
            j = i
            while j < n and types[j] == "ET":
                j += 1
            if (i > 0 and types[i - 1] == "EN") or (j < n and types[j] == "EN"):
                types[i:j] = ["EN"] * (j - i)
    types = ["ON" if t in ("ES", "ET", "CS") else t for t in types]  # W6
    strong = base
    for i, t in enumerate(types):  # W7: digits after Latin are Latin
        if t in ("L", "R"):
            strong = t
        elif t == "EN" and strong == "L":
            types[i] = "L"
    as_strong = ["R" if t in ("EN", "AN") else t for t in types]
    i = 0
    while i < n:  # N1-N2: neutrals between two alike take their side, else the base
        if as_strong[i] not in NEUTRAL:
            i += 1
            continue
        j = i
        while j < n and as_strong[j] in NEUTRAL:
            j += 1
        before = as_strong[i - 1] if i > 0 else base
        after = as_strong[j] if j < n else base
        types[i:j] = [before if before == after and before in ("L", "R") else base] * (j - i)
        i = j
    return types


def visual(text: str, base: str | None = None) -> str:
    """`text` in the order its characters are seen, left to right (UAX 9 rules L2 and L4), for
    renderers that draw characters in the order given: WeasyPrint's SVG text has no bidi."""
    direction = base or direction_of(text) or "ltr"
    types = _resolved_types(text, "R" if direction == "rtl" else "L")
    even = direction == "ltr"
    levels = [
        (0 if t == "L" else 1 if t == "R" else 2) if even else (1 if t == "R" else 2) for t in types
    ]
    chars = [MIRRORED.get(c, c) if level % 2 else c for c, level in zip(text, levels, strict=True)]
    order = list(range(len(chars)))
    for level in range(max(levels, default=0), 0, -1):  # L2: reverse runs at each level
        i = 0
        while i < len(order):
            if levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = order[i:j][::-1]
            i = j
    return "".join(chars[k] for k in order)


def svg_text(value: object) -> str:
    """Text for an SVG `<text>`, escaped; text with right-to-left letters comes in the order it
    is seen and forced to stay so, which browsers and WeasyPrint (no bidi in SVG) draw alike."""
    text = str(value)
    if not any(unicodedata.bidirectional(c) in RTL_CLASSES for c in text):
        return str(escape(text))
    shown = escape(visual(text))
    return f'<tspan direction="ltr" unicode-bidi="bidi-override">{shown}</tspan>'


# Registered with the other template filters at app start (core.pages.install).
BIDI_FILTERS = {"bdi": isolated, "text_dir": text_dir}
