"""An article's text, title, date, author and declared language from a page or an e-mail, with
the page's furniture (navigation, comments, related coverage, share and sign-up lines) left
out, and the address an article is known by."""

from __future__ import annotations

import datetime as dt

from vigil.monitoring.extraction import extract_article, extract_email
from vigil.monitoring.feed_items import article_key

PAGE = """<html lang="de"><head><title>Angriff auf Synagoge - Zeitung</title>
<meta name="author" content="Anna Schmidt">
<meta property="article:published_time" content="2026-03-02T10:00:00+01:00"></head>
<body><nav><a href="/">Home</a> | <a href="/sport">Sport</a></nav><article>
<h1>Angriff auf Synagoge in Berlin</h1>
<p>Am Montag wurde die Synagoge in der Oranienburger Straße mit Farbe beschmiert. Die Polizei
ermittelt wegen Sachbeschädigung und prüft einen antisemitischen Hintergrund.</p>
<p>Zeugen berichteten von zwei Männern, die gegen drei Uhr morgens flüchteten. Die Gemeinde
zeigte sich erschüttert und forderte mehr Schutz.</p>
<p>Share on Facebook</p><p>Newsletter abonnieren</p>
<div class="related"><h3>Related coverage</h3><ul><li><a href="/x">Stadtfest am Wochenende
mit großem Feuerwerk und vielen Ständen</a></li></ul></div></article>
<div id="comments"><p>Leserkommentar: furchtbar, das darf nicht passieren, wir sind entsetzt.</p>
</div><footer>© Zeitung 2026</footer></body></html>"""


def test_a_page_gives_its_story_without_its_furniture() -> None:
    article = extract_article(PAGE, url="https://zeitung.example/a")

    assert article.title == "Angriff auf Synagoge in Berlin"
    assert article.author == "Anna Schmidt"
    assert article.language_hint == "de"
    assert article.published_at is not None and article.published_at.tzinfo is not None
    assert article.published_at.date() == dt.date(2026, 3, 2)
    assert article.text.startswith("Am Montag wurde die Synagoge")
    assert "flüchteten" in article.text
    for furniture in ("Share", "Newsletter", "Related", "Stadtfest", "Leserkommentar", "Home"):
        assert furniture not in article.text, furniture


def test_an_empty_or_textless_page_gives_empty_fields() -> None:
    assert extract_article(b"").text == ""
    assert extract_article("<html><body></body></html>").title == ""


def test_an_email_is_read_from_its_html_part_else_its_text() -> None:
    both = b"""From: Press Office <press@police.example>
Subject: Arrest after attack on synagogue
Date: Mon, 02 Mar 2026 11:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

The plain version.
--b
Content-Type: text/html; charset=utf-8

<html lang="en"><body><article><h1>Arrest</h1><p>Police arrested two men on Monday after paint
was thrown at the synagogue on Main Street. The investigation continues with help from
witnesses.</p></article></body></html>
--b--
"""
    article = extract_email(both)
    assert article.title == "Arrest after attack on synagogue"
    assert article.author == "Press Office"
    assert article.published_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    assert "two men on Monday" in article.text and "plain version" not in article.text
    assert article.language_hint == "en"

    plain = extract_email(
        b"From: a@b.example\nSubject: Note\nContent-Language: pl\n\nTekst komunikatu.\n"
    )
    assert (plain.title, plain.text, plain.author, plain.language_hint) == (
        "Note",
        "Tekst komunikatu.",
        "a@b.example",
        "pl",
    )


def test_an_article_is_known_by_its_address_without_fragment_or_tracking() -> None:
    key = article_key("HTTPS://News.example/a/b?id=7&utm_source=rss&utm_medium=x#comments")
    assert key == "https://news.example/a/b?id=7"
    assert article_key("https://news.example/a/b?id=7") == key
