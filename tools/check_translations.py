"""Check the shipped message catalogues against the template (messages.pot): every message
translated in every plural form, nothing fuzzy, and each translation keeping its message's
placeholders (`%(name)s`, `{name}`) and HTML tags, which a translation that drops or renames
one would break at run time.

    .venv/bin/python tools/check_translations.py            # every shipped language
    .venv/bin/python tools/check_translations.py de cs      # some
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[1] / "src" / "vigil" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _tags(text: str) -> Counter[str]:
    # Attributes may be translated (title="..."); the tag names and their order of opening may not.
    return Counter(re.sub(r"\s.*", "", tag.strip("<>/")) + ("/" if tag.startswith("</") else "")
                   for tag in TAG.findall(text))  # fmt: skip


def _controls(text: str) -> set[str]:
    # A tab pasted into a translation shows on the page as a gap or a stray letter before it.
    return {c for c in text if c < " " and c != "\n"}


def problems(language: str) -> list[str]:
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return [f"{language}: no catalogue at {path}"]
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    found: list[str] = []
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        translated = catalogue.get(message.id)
        if translated is None or not translated.string:
            found.append(f"{language}: untranslated: {key!r}")
            continue
        if translated.fuzzy:
            found.append(f"{language}: fuzzy: {key!r}")
        sources = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = (
            [translated.string] if isinstance(translated.string, str) else list(translated.string)
        )
        if isinstance(message.id, tuple) and len(strings) != catalogue.num_plurals:
            found.append(
                f"{language}: {len(strings)} plural forms, not {catalogue.num_plurals}: {key!r}"
            )
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for string in strings:
            if not string:
                found.append(f"{language}: a plural form is empty: {key!r}")
            elif isinstance(message.id, str) and set(PLACEHOLDER.findall(string)) != wanted:
                found.append(f"{language}: placeholders differ: {key!r} -> {string!r}")
            elif isinstance(message.id, tuple) and not set(PLACEHOLDER.findall(string)) <= wanted:
                found.append(f"{language}: unknown placeholder: {key!r} -> {string!r}")
            elif _tags(string) != _tags(sources[0]):
                found.append(f"{language}: HTML tags differ: {key!r} -> {string!r}")
            elif _controls(string) - _controls(" ".join(sources)):
                found.append(f"{language}: a tab or control character: {key!r} -> {string!r}")
    stale = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id} - {
        m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id
    }
    found += [f"{language}: not in the template any more: {key!r}" for key in sorted(stale)]
    return found


def shipped() -> list[str]:
    return sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())


def main(argv: list[str]) -> int:
    found = [problem for language in (argv or shipped()) for problem in problems(language)]
    for problem in found[:200]:
        print(problem)
    if len(found) > 200:
        print(f"... and {len(found) - 200} more")
    print(f"{len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
