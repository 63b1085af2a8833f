"""The extraction check (`tools/check_extraction.py`, run by `make lint`): a template with human
text outside gettext fails, naming file, line and text; translated text, scripts, code and
allowed words pass; and the shipped templates pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "check_extraction.py"

BROKEN = """{% extends "base.html" %}
{% block content %}
<h1>{{ _("Sites") }}</h1>
<p class="meta">{{ ngettext("%(num)s site", "%(num)s sites", n) }} · TLP:CLEAR · 12 km</p>
<p>
  Nothing here yet.
</p>
<input type="search" placeholder="{{ _('Words') }}" aria-label="Search words">
<input type="submit" value="Send">
<button type="submit" name="action" value="send">{{ _("Send") }}</button>
<img src="/static/map.png" alt="{{ _('Map') }}">
<a href="/x" title="Open the {{ thing }} now">{{ _("Open") }}</a>
{% trans %}Written in a trans block{% endtrans %}
<script>const words = "not shown";</script>
<p><code>/rollcall/{{ token }}</code></p>
<!-- a comment is not shown -->
{% if x %}<span>{{ _("Yes") }}</span>{% else %}<span>Never</span>{% endif %}
{% endblock %}
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, check=False
    )


def test_a_template_with_text_outside_gettext_fails_naming_each(tmp_path: Path) -> None:
    template = tmp_path / "broken.html"
    template.write_text(BROKEN, encoding="utf-8")
    result = _run(str(template))
    assert result.returncode == 1
    found = [line for line in result.stdout.splitlines() if "broken.html" in line]
    assert found == [
        f"{template}:6: text outside gettext: Nothing here yet.",
        f'{template}:8: text outside gettext: input aria-label="Search words"',
        f'{template}:9: text outside gettext: input value="Send"',
        f'{template}:12: text outside gettext: a title="Open the \ue000 now"',
        f"{template}:17: text outside gettext: Never",
    ]


def test_a_flash_message_without_tr_fails(tmp_path: Path) -> None:
    code = tmp_path / "pages.py"
    code.write_text(
        'def done(request):\n    return redirect("/", request, "The site is saved.")\n'
        'def fine(request):\n    return redirect("/", request, tr(request, "Saved."))\n',
        encoding="utf-8",
    )
    result = _run(str(code))
    assert result.returncode == 1
    assert f"{code}:2: redirect() message without tr()" in result.stdout
    assert ":4:" not in result.stdout


def test_error_messages_must_be_literal_msgids(tmp_path: Path) -> None:
    code = tmp_path / "service.py"
    code.write_text(
        'raise NotFound(f"No site {site_id}.")\nraise Invalid("name", "The name is taken.")\n'
        'raise NotFound("No site %(id)s.", id=site_id)\n'
        'raise Conflict("Site {} is taken.".format(name))\n'
        'raise Forbidden("Not for " + role)\n',
        encoding="utf-8",
    )
    result = _run(str(code))
    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if "service.py" in line] == [
        f"{code}:{line}: {name}() message is not a literal msgid "
        "(write it with %(name)s placeholders as keyword arguments)"
        for line, name in ((1, "NotFound"), (4, "Conflict"), (5, "Forbidden"))
    ]


def test_the_shipped_templates_keep_their_text_in_gettext() -> None:
    result = _run()
    assert result.returncode == 0, result.stdout
