"""Pages as a browser meets them, for the page tests of every domain: HTML parsed into a small
tree to ask questions of (never grepped), forms posted with their CSRF token, signing in, and a
look at what the app committed."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.orgs.factories import PASSWORD
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None = None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    def walk(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag)
            and all(
                v in n.attrs.get(k, "").split() if k == "class" else n.attrs.get(k) == v
                for k, v in wanted.items()
            )
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def html(response: httpx.Response) -> Node:
    assert response.headers["content-type"].startswith("text/html"), response.headers
    return parse(response.text)


def parse(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    return builder.root


def csrf_of(page: Node) -> str:
    return page.find("input", name="csrf_token").attrs["value"]


def alerts(page: Node) -> list[str]:
    return [n.text for n in page.find_all(role="alert")]


def submit(
    client: TestClient,
    page_path: str,
    action: str,
    data: dict[str, Any],
    **kwargs: Any,
) -> httpx.Response:
    """Load the page, then post its form the way a browser would (with its CSRF token)."""
    token = csrf_of(html(client.get(page_path)))
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False, **kwargs)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    response = submit(client, "/login", "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    return response


def flash_after(client: TestClient, response: httpx.Response) -> Node:
    assert response.status_code == 303, response.text
    return html(client.get(response.headers["location"]))


def db_rows(settings: Settings, stmt: Any) -> list[Any]:
    """Read what the app committed, in a short transaction of its own."""
    with get_sessionmaker(settings.sqlalchemy_url)() as session:
        return list(session.scalars(stmt))
