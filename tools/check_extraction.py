"""Find human text that gettext never sees, so a page cannot show English in another language.

Templates: each Jinja template is split by Jinja's own lexer into its template data and its
Jinja constructs; the data, with every construct replaced by a neutral mark (keeping its line
breaks, so line numbers stay the template's), is read as HTML. Text with letters outside
`{{ _(...) }}`, `ngettext`, `pgettext` and `{% trans %}`, and the human attributes (title,
placeholder, aria-label, alt, label, and the value of submit inputs) fail, with file:line and
the text.
Script and style bodies and HTML comments are not text. Words that are not language (TLP, CSV,
names, units) are listed in tools/extraction_allowed.txt.

Python: the page code's redirects and flash messages must carry translated text (`tr(...)`).
The messages of the errors pages show (`NotFound("...")`, `Invalid(field, "...")`) must be
literal strings with `%(name)s` placeholders and the values as keyword arguments, not
f-strings, concatenations or `.format()`, so that pybabel extracts them (the `-k` keywords in
babel.cfg) and pages translate them (core.errors).

    .venv/bin/python tools/check_extraction.py                   # the shipped templates and code
    .venv/bin/python tools/check_extraction.py a.html b.py       # some files
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "src" / "vigil" / "templates"
PYTHON = ROOT / "src" / "vigil"
ALLOWED_FILE = Path(__file__).with_name("extraction_allowed.txt")
MARK = "\ue000"  # stands for a Jinja construct: not a letter, not markup
HUMAN_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "label"})
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
# Script and style are not text; code, kbd and samp show paths, commands and values verbatim.
SILENT_ELEMENTS = frozenset({"script", "style", "code", "kbd", "samp"})
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# The errors whose messages pages show; the same names are pybabel keywords (babel.cfg).
ERROR_MESSAGE_ARGUMENT = {
    "DomainError": 0,
    "NotFound": 0,
    "Forbidden": 0,
    "Unauthorized": 0,
    "LoginFailed": 0,
    "Conflict": 0,
    "TooManyRequests": 0,
    "Invalid": 1,
}


def allowed_words(path: Path = ALLOWED_FILE) -> frozenset[str]:
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        words.update(line.split())
    return frozenset(words)


def is_human(text: str, allowed: frozenset[str]) -> bool:
    """Text with a word that is language: not a mark, a number, a symbol or an allowed word."""
    return any(word not in allowed for word in WORD.findall(text.replace(MARK, " ")))


def _environment() -> jinja2.Environment:
    # Only lexed, never rendered: autoescape does not matter.
    return jinja2.Environment(  # noqa: S701
        extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True
    )


def template_data(source: str, env: jinja2.Environment | None = None) -> str:
    """The template's HTML with each Jinja construct (and each `{% trans %}` block, which is
    translated) replaced by MARK, on the template's own line numbers."""
    env = env or _environment()
    out: list[str] = []
    line = 1
    in_trans = 0
    previous: tuple[str, str] = ("", "")
    for lineno, kind, value in env.lex(source):
        if kind == "name" and previous[0] == "block_begin":
            if value == "trans":
                in_trans += 1
            elif value == "endtrans":
                in_trans -= 1
        if kind != "whitespace":
            previous = (kind, value)
        if lineno > line:
            out.append("\n" * (lineno - line))
            line = lineno
        if kind != "data" or in_trans:
            if not out or not out[-1].endswith(MARK):
                out.append(MARK)
            continue
        out.append(value)
        line += value.count("\n")
    return "".join(out)


class _HumanText(HTMLParser):
    def __init__(self, allowed: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed = allowed
        self.silent = 0
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SILENT_ELEMENTS:
            self.silent += 1
        values = dict(attrs)
        # An <input type="submit"> shows its value; a <button>'s value is only sent, never shown.
        button = tag == "input" and (values.get("type") or "").lower() in BUTTON_INPUTS
        for name, value in attrs:
            human = name in HUMAN_ATTRIBUTES or (name == "value" and button)
            if human and value and is_human(value, self.allowed):
                self.found.append((self.getpos()[0], f'{tag} {name}="{value.strip()}"'))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SILENT_ELEMENTS:
            self.silent -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SILENT_ELEMENTS and self.silent:
            self.silent -= 1

    def handle_data(self, data: str) -> None:
        if not self.silent and is_human(data, self.allowed):
            line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
            self.found.append((line, " ".join(data.replace(MARK, "…").split())))


def template_problems(path: Path, allowed: frozenset[str]) -> list[str]:
    source = path.read_text(encoding="utf-8")
    try:
        data = template_data(source)
    except jinja2.TemplateSyntaxError as exc:
        return [f"{path}:{exc.lineno}: not a template Jinja can read: {exc.message}"]
    parser = _HumanText(allowed)
    parser.feed(data)
    parser.close()
    return [f"{_shown(path)}:{line}: text outside gettext: {text}" for line, text in parser.found]


def _literal_text(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def python_problems(path: Path) -> list[str]:
    """Error messages pybabel cannot extract (f-strings, concatenations), and flash messages
    of page code handed over as bare English."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[str] = []
    pages = path.name.endswith("pages.py")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        index = ERROR_MESSAGE_ARGUMENT.get(name)
        if index is not None and len(node.args) > index:
            message = node.args[index]
            if isinstance(message, ast.JoinedStr) or _formatted(message):
                found.append(
                    f"{_shown(path)}:{node.lineno}: {name}() message is not a literal msgid "
                    "(write it with %(name)s placeholders as keyword arguments)"
                )
        if pages and name in {"redirect", "flash"}:
            given = [*node.args[2:3], *(k.value for k in node.keywords if k.arg == "message")]
            texts = [a for a in given if _literal_text(a) or isinstance(a, ast.JoinedStr)]
            for text in texts:
                if not isinstance(text, ast.Constant) or is_human(str(text.value), frozenset()):
                    found.append(f"{_shown(path)}:{node.lineno}: {name}() message without tr()")
    return found


def _formatted(node: ast.expr) -> bool:
    """A message assembled in code: text joined by an operator, or a literal's `.format()`."""
    if isinstance(node, ast.BinOp):
        return _mentions_text(node)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and _literal_text(node.func.value)
    )


def _mentions_text(node: ast.expr) -> bool:
    return any(_literal_text(n) or isinstance(n, ast.JoinedStr) for n in ast.walk(node))  # type: ignore[arg-type]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def shipped_files() -> Iterator[Path]:
    yield from sorted(TEMPLATES.rglob("*.html"))
    yield from sorted(PYTHON.rglob("*.py"))


def problems(paths: Iterable[Path]) -> list[str]:
    allowed = allowed_words()
    found: list[str] = []
    for path in paths:
        if path.suffix == ".py":
            found += python_problems(path)
        else:
            found += template_problems(path, allowed)
    return found


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv]
    found = problems(files or shipped_files())
    for problem in found:
        print(problem)
    print(f"{len(found)} strings outside gettext")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
