"""Reduce an HTML page to the text of its article, and the metadata in its head.

Scripts, styles, navigation, headers, footers, asides and forms are dropped;
block elements become paragraph breaks and line breaks in the source are
layout, not text.  Metadata comes from ``<meta>`` (Open Graph and article
tags), ``<link rel=canonical>``, ``<time datetime>`` and ``<title>``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg"}
    | {"template", "button", "select"}
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "article", "section", "tr", "blockquote", "main", "ul", "ol", "table"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "figure", "dl", "dt", "dd", "pre"}
)
_META_KEYS = frozenset({"og:site_name", "article:published_time", "og:url", "og:title"})


class _HtmlReducer(HTMLParser):
    """Collect the readable text of a page and its metadata."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.found: dict[str, str] = {}
        self._skipping: list[str] = []
        self._title: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping.append(tag)
        if self._skipping:
            return
        attr = {key.lower(): (value or "").strip() for key, value in attrs}
        if tag == "meta":
            key = (attr.get("property") or attr.get("name", "")).lower()
            if key in _META_KEYS and attr.get("content"):
                self.found.setdefault(key, attr["content"])
        elif tag == "link" and "canonical" in attr.get("rel", "").lower().split():
            if attr.get("href"):
                self.found.setdefault("canonical", attr["href"])
        elif tag == "time" and attr.get("datetime"):
            self.found.setdefault("time", attr["datetime"])
        elif tag == "title" and "title" not in self.found:
            self._title = []
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP_TAGS:  # "<svg/>" has no content to skip
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skipping:
            while self._skipping.pop() != tag:
                pass
            return
        if self._skipping:
            return
        if tag == "title" and self._title is not None:
            self.found["title"] = " ".join("".join(self._title).split())
            self._title = None
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._title is not None:
            self._title.append(data)
        else:
            # Line breaks in HTML source are layout, not text: only tags break lines.
            self.parts.append(re.sub(r"\s+", " ", data))


def reduce_html(markup: str) -> tuple[dict[str, str], str]:
    """Return the metadata found in a page (by meta key) and its readable text."""
    parser = _HtmlReducer()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return parser.found, re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
