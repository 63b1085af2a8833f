"""The article in a fetched page or an uploaded e-mail: its main text, title, date and author,
without the page's navigation, comments, "related coverage" blocks and share or sign-up lines.

Extraction never touches the network (trafilatura is given the bytes already fetched through
the egress guard) and favours precision: a line of boilerplate left in the text would make
syndicated copies of one story look different, and a sign-up line would be scored as content.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage, MIMEPart
from email.utils import parsedate_to_datetime

import trafilatura

# Short lines that are a page's furniture, not its story: share buttons, newsletter sign-ups,
# "read more" and "related" headings, in the languages monitoring reads.
_FURNITURE = re.compile(
    r"^\W*("
    r"share|teilen|partager|sdílet|udostępnij|delen|שתף|"
    r"sign up|subscribe|newsletter|abonnieren|s'abonner|abonnez|odebírat|subskrybuj|zapisz się|"
    r"abonneer|הירשמו|follow us|folgen sie|suivez-nous|sledujte|obserwuj|volg ons|"
    r"read more|weiterlesen|lire la suite|čtěte také|czytaj także|czytaj więcej|lees meer|"
    r"related|mehr zum thema|à lire aussi|související|powiązane|gerelateerd|כתבות נוספות|"
    r"advertisement|anzeige|publicité|reklama|advertentie|פרסומת|"
    r"copyright|©|all rights reserved"
    r")\b",
    re.IGNORECASE,
)
_FURNITURE_MAX_CHARS = 90  # a real paragraph that starts with "Share" is longer than a button
_LANG = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    published_at: dt.datetime | None
    author: str
    language_hint: str  # the page's declared language ("de"), "" when it declares none


EMPTY = Extracted(title="", text="", published_at=None, author="", language_hint="")


def extract_article(html: str | bytes, *, url: str = "") -> Extracted:
    """The main text and metadata of one article page; empty fields when the page has none
    (a page without a readable article still becomes an article with its title, if any)."""
    if not html or not html.strip():
        return EMPTY
    document = trafilatura.bare_extraction(
        html,
        url=url or None,
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        # not trafilatura's `deduplicate`: its process-wide cache would strip the text of the
        # second copy of a syndicated story, which stories must see whole to cluster it
        deduplicate=False,
    )
    if document is None:
        return Extracted("", "", None, "", _language_hint(html))
    title = _clean(getattr(document, "title", None) or "")
    text = _strip_furniture(getattr(document, "text", None) or "", title=title)
    return Extracted(
        title=title[:500],
        text=text,
        published_at=_date(getattr(document, "date", None) or ""),
        author=_clean(getattr(document, "author", None) or "")[:300],
        language_hint=_language_hint(html),
    )


def extract_email(raw: bytes) -> Extracted:
    """An uploaded .eml (a press release or a newsletter forwarded to the team): its HTML part
    read like a page, else its text part; the subject is the title, the sender the author."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default makes one
        return EMPTY
    title = _clean(str(message.get("Subject", "") or ""))
    author = _sender(message)
    published_at = _email_date(str(message.get("Date", "") or ""))
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    text, language_hint = "", ""
    if html_part is not None:
        article = extract_article(_content(html_part))
        text, language_hint = article.text, article.language_hint
        author = author or article.author
    if not text and text_part is not None:
        text = _strip_furniture(_content(text_part), title=title)
    language_hint = language_hint or _clean(str(message.get("Content-Language", "") or ""))[:2]
    return Extracted(
        title=title[:500],
        text=text,
        published_at=published_at,
        author=author[:300],
        language_hint=language_hint.lower(),
    )


def _strip_furniture(text: str, *, title: str) -> str:
    lines = [_clean(line) for line in text.splitlines()]
    kept = [
        line
        for line in lines
        if line and not (len(line) <= _FURNITURE_MAX_CHARS and _FURNITURE.match(line))
    ]
    if kept and title and kept[0] == title:
        kept = kept[1:]  # the headline is the title, not the first paragraph
    return "\n".join(kept)


def _clean(value: str) -> str:
    return " ".join(value.split())


def _date(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return _utc(parsed)


def _email_date(value: str) -> dt.datetime | None:
    if not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return _utc(parsed)


def _utc(value: dt.datetime) -> dt.datetime:
    """Timezone-aware UTC, as Vigil stores every time (a date without a zone is taken as UTC)."""
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _sender(message: EmailMessage) -> str:
    header = message.get("From")
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    if addresses:
        first = addresses[0]
        return _clean(first.display_name or first.addr_spec)
    return _clean(str(header or ""))


def _content(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown or broken charset
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _language_hint(html: str | bytes) -> str:
    head = html[:4000].encode("utf-8", "replace") if isinstance(html, str) else html[:4000]
    match = _LANG.search(head)
    return match.group(1).decode("ascii").lower() if match else ""
