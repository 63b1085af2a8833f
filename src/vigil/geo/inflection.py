"""The dictionary forms a place name typed in an inflected form may have: "v Praze" is Praha,
"w Krakowie" Kraków, "in Wiens" Wien, "בירושלים" ירושלים.

simplemma (vigil.core.lemmas) knows these forms, but only in the language a text is identified
as, which a three-word place text does not say. Place names inflect by a few
regular endings, so the candidates are the folded word with its case ending replaced by each
possible nominative ending; the gazetteer decides which candidate is a place, and only places in
the countries preferred by the caller are accepted from them.
"""

from __future__ import annotations

# Folded endings of the oblique cases -> the nominative endings they may come from, in Czech,
# Slovak and Polish (locative, genitive, dative, instrumental), then German and Bulgarian.
# fmt: off
ENDINGS: dict[str, tuple[str, ...]] = {
    # Czech / Slovak: Praze->Praha, Ostrave->Ostrava, Brne->Brno, Plzni->Plzen,
    # Olomouci->Olomouc, Liberci->Liberec, Krakove->Krakov, Vidni->Viden, Budejovicich->Budejovice
    "ze": ("ha", "ga"), "ce": ("ka",), "re": ("ra",), "ne": ("na", "no", "n"),
    "e": ("a", "o", ""), "y": ("a",), "u": ("", "a", "o"), "em": ("",), "ou": ("a",),
    "i": ("", "e", "a", "o"), "ci": ("c", "ec", "ce", "ka"), "ni": ("n", "en", "na", "ne"),
    "ove": ("ov",), "ach": ("a", "e", "y", ""), "ich": ("e", "y"), "ech": ("y", "a"),
    "ami": ("y", "e"), "iach": ("e", "a"), "ku": ("k",), "ska": ("sko",), "sku": ("sko",),
    "ych": ("e", "y"), "ym": ("e", "y"), "ho": ("",),
    # Polish: Krakowie->Krakow, Warszawie->Warszawa, Wroclawiu->Wroclaw, Gdansku->Gdansk,
    # Lodzi->Lodz, Poznaniu->Poznan, Katowicach->Katowice, Pradze->Praga, Kielcach->Kielce
    "owie": ("ow",), "wie": ("wa", "w"), "iu": ("", "ia"), "dze": ("ga",), "ie": ("a", ""),
    "niu": ("n", "en"), "nia": ("n",), "ia": ("",), "ow": ("ow", "y", "e"), "cach": ("ce",),
    "owa": ("ow",), "a": ("", "o"),
    # German genitive and adjective: Wiens->Wien, Kolner->Koln, Berliner->Berlin
    "s": ("",), "es": ("",), "er": ("",),
    # Bulgarian: Софии->София
    "ии": ("ия",),
}
# fmt: on
HEBREW_PREFIXES = "בלמהוש"  # in, to, from, the, and, that: "בירושלים" is in Jerusalem
MIN_STEM = 3


def dictionary_forms(folded: str) -> list[str]:
    """Candidate folded nominatives of a folded word or phrase (each word in turn and the last
    word together with the others, as "ceskych budejovicich" is "ceske budejovice"); the phrase
    itself is not among them."""
    words = folded.split()
    if not words or len(words) > 3:
        return []
    options = [_word_forms(word) for word in words]
    phrases: list[str] = []
    for position, forms in enumerate(options):
        for form in forms:
            phrases.append(" ".join([*words[:position], form, *words[position + 1 :]]))
    if len(words) > 1:
        phrases += [" ".join(combined) for combined in _combinations(options)]
    return [phrase for phrase in dict.fromkeys(phrases) if phrase != folded]


def _word_forms(word: str) -> list[str]:
    forms: list[str] = []
    if word[:1] in HEBREW_PREFIXES and len(word) > MIN_STEM + 1:
        forms.append(word[1:])
        if word[1:2] in HEBREW_PREFIXES:
            forms.append(word[2:])
    for length in range(min(4, len(word) - MIN_STEM), 0, -1):
        ending = word[-length:]
        for nominative in ENDINGS.get(ending, ()):
            forms.append(word[:-length] + nominative)
    return [form for form in dict.fromkeys(forms) if len(form) >= MIN_STEM]


def _combinations(options: list[list[str]]) -> list[list[str]]:
    combined: list[list[str]] = [[]]
    for forms in options:
        combined = [[*head, form] for head in combined for form in forms[:6]]
        if len(combined) > 60:
            return combined[:60]
    return combined
