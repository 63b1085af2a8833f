"""CAP codes in words (CAP 1.2's own definitions), the one place they are put into words: the
alert pages (templates/alerts/_labels.html) and the alert e-mails both read them from here, so
a recipient reads "Extreme — extraordinary threat to life or property" in either, in their
language, rather than a bare CAP code in the e-mail.

Each code has a short word (an e-mail's subject) and what it means. They are marked here for
extraction and translated where they are shown: in the page's language, or in the recipient's
for an e-mail (vigil.orgs.languages).
"""

from __future__ import annotations

from collections.abc import Callable

import jinja2

from vigil.core.localisation import DEFAULT_LOCALE, gettext_for

Gettext = Callable[[str], str]


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Mark a message for translation where it is shown, not where it is written."""
    return message


CAP_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "status": {
        "Actual": (N_("Actual"), N_("a real alert, to act on")),
        "Exercise": (N_("Exercise"), N_("for those taking part in an exercise")),
        "Test": (N_("Test"), N_("a technical test, nothing to do")),
        "System": (N_("System"), N_("a message about the system itself")),
        "Draft": (N_("Draft"), N_("not ready to act on")),
    },
    "urgency": {
        "Immediate": (N_("Immediate"), N_("act now")),
        "Expected": (N_("Expected"), N_("act soon, within the hour")),
        "Future": (N_("Future"), N_("act in the near future")),
        "Past": (N_("Past"), N_("no action needed any more")),
        "Unknown": (N_("Unknown"), N_("urgency not known")),
    },
    "severity": {
        "Extreme": (N_("Extreme"), N_("extraordinary threat to life or property")),
        "Severe": (N_("Severe"), N_("significant threat to life or property")),
        "Moderate": (N_("Moderate"), N_("possible threat to life or property")),
        "Minor": (N_("Minor"), N_("little or no known threat to life or property")),
        "Unknown": (N_("Unknown"), N_("severity not known")),
    },
    "certainty": {
        "Observed": (N_("Observed"), N_("has happened or is happening")),
        "Likely": (N_("Likely"), N_("more likely than not")),
        "Possible": (N_("Possible"), N_("possible but not likely")),
        "Unlikely": (N_("Unlikely"), N_("not expected to happen")),
        "Unknown": (N_("Unknown"), N_("certainty not known")),
    },
    "response": {
        "Shelter": (N_("Shelter"), N_("take shelter where you are")),
        "Evacuate": (N_("Evacuate"), N_("leave the area")),
        "Prepare": (N_("Prepare"), N_("get ready to act")),
        "Execute": (N_("Execute"), N_("carry out the planned action")),
        "Avoid": (N_("Avoid"), N_("keep away from the area")),
        "Monitor": (N_("Monitor"), N_("follow the news and instructions")),
        "Assess": (N_("Assess"), N_("weigh up the information given")),
        "AllClear": (N_("All clear"), N_("the threat is over")),
        "None": (N_("None"), N_("no action advised")),
    },
}


def cap_word(kind: str, code: str, gettext: Gettext) -> str:
    """The short word for a code ("Extreme"); a code Vigil has no words for, as it is."""
    found = CAP_WORDS.get(kind, {}).get(code)
    return gettext(found[0]) if found else code


def cap_words(kind: str, code: str, gettext: Gettext) -> str:
    """The word and what it means ("Extreme — extraordinary threat to life or property")."""
    found = CAP_WORDS.get(kind, {}).get(code)
    return f"{gettext(found[0])} — {gettext(found[1])}" if found else code


@jinja2.pass_context
def cap_words_of_page(context: jinja2.runtime.Context, kind: str, code: str) -> str:
    """cap_words in the language the page is rendered in (the same catalogue as its `_`);
    the alerts domain gives it to the templates as `cap_words` (its `template_globals`)."""
    return cap_words(kind, code, gettext_for(context.get("locale") or DEFAULT_LOCALE))
