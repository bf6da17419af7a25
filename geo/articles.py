"""Load news articles from disk and turn them into :class:`~geo.records.Article`.

I/O stays at the edge (:func:`iter_article_files`, :func:`read_article`); the
middle is pure: :func:`decode_bytes` turns bytes into text and
:func:`parse_article` turns text into an article (metadata header read, HTML
reduced to text, repeated paragraphs dropped, content hashed).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import logging
import os
import pathlib
import re
import unicodedata
from collections.abc import Iterable
from html.parser import HTMLParser

from geo.records import Article

logger = logging.getLogger(__name__)

#: File suffixes read as articles (compared case-insensitively).
ARTICLE_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm")
_HTML_SUFFIXES = frozenset({".html", ".htm"})

#: How much of a file is inspected for binary content; a text file that is
#: plain prose shows it long before this.
BINARY_SNIFF_BYTES = 8 * 1024
#: Above this share of control characters the "text" is not prose, even if it
#: decodes; legitimate files carry at most a stray form feed or two.
MAX_CONTROL_SHARE = 0.05
#: Longest article text read, in characters (about 2 MB): news articles run to
#: tens of kilobytes, so more is a dump or a feed saved as one file, and a
#: build must not stall on it.  Longer text is cut at a line end, with a warning.
MAX_ARTICLE_CHARS = 2_000_000
#: Length of ``article_id``: 64 bits of sha256 are plenty for a news corpus
#: and stay readable in CSV files.
ARTICLE_ID_LENGTH = 16

_FRONT_MATTER_KEYS = frozenset({"url", "outlet", "published", "date", "title", "source", "author"})
_KEY_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")
_FENCE = re.compile(r"^---[ \t]*$")
# A key, a list item, an indented continuation, a comment or a blank line.
_YAML_LINE = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_-]*[ \t]*:.*|[ \t-].*|#.*|)$")
# Scrapers of some outlets prefix the body with the date on its first line and
# carry on with the article on that same line.
_DATE_LINE = re.compile(r"^[ \t]*date:?[ \t]+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
_CONTROL_OK = frozenset("\t\n\r\f\v")
# Article field <- header keys, first non-empty wins ("author" is read, not kept).
_HEADER_FIELDS = {
    "url": ("url",),
    "outlet": ("outlet", "source"),
    "published": ("published", "date"),
    "title": ("title",),
}
# Article field <- what the HTML reducer found; og:title lacks the " | Site" suffix.
_HTML_FIELDS = {
    "outlet": ("og:site_name",),
    "url": ("canonical", "og:url"),
    "published": ("article:published_time", "time"),
    "title": ("og:title", "title"),
}

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
# Full names, three-letter abbreviations and "sept", as newsrooms write them.
_MONTHS = {
    **{name: number for number, name in enumerate(_MONTH_NAMES.split(), start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES.split(), start=1)},
    "sept": 9,
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


class ArticleError(ValueError):
    """A file that cannot be used as an article (empty, binary, undecodable)."""


def iter_article_files(paths: Iterable[str | os.PathLike]) -> list[pathlib.Path]:
    """Expand files and folders into a sorted list of article files.

    Parameters
    ----------
    paths : iterable of str or os.PathLike
        Files and folders.  Folders are searched recursively for files ending
        in one of :data:`ARTICLE_SUFFIXES` (any case); hidden files and
        folders inside them are skipped and other suffixes are ignored.

    Returns
    -------
    list of pathlib.Path
        Sorted, without duplicates (the same file reached twice counts once).

    Raises
    ------
    FileNotFoundError
        If a path does not exist.
    ValueError
        If a file named explicitly has an unsupported suffix.
    TypeError
        If ``paths`` is a single string or path instead of a collection.
    """
    if isinstance(paths, str | bytes | os.PathLike):
        raise TypeError(
            f"paths must be an iterable of paths, got a single {type(paths).__name__} "
            f"{paths!r}; wrap it in a list: iter_article_files([path])"
        )
    found: dict[pathlib.Path, pathlib.Path] = {}
    for given in paths:
        for path in _expand(pathlib.Path(given)):
            found.setdefault(path.resolve(), path)
    return sorted(found.values())


def _expand(path: pathlib.Path) -> list[pathlib.Path]:
    if path.is_dir():
        files: list[pathlib.Path] = []
        for root, dirs, names in os.walk(path):
            # Pruning in place stops os.walk from descending into hidden folders.
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            files.extend(
                pathlib.Path(root, name)
                for name in names
                if not name.startswith(".") and _is_article_name(name)
            )
        return files
    if path.is_file():
        if not _is_article_name(path.name):
            raise ValueError(
                f"Article file {str(path)!r} has suffix {path.suffix!r}; expected one of "
                f"{', '.join(ARTICLE_SUFFIXES)}. Rename or convert the file, or leave it out."
            )
        return [path]
    if path.exists():
        raise ValueError(f"Article path {str(path)!r} is neither a file nor a folder.")
    raise FileNotFoundError(
        f"Article path {str(path)!r} does not exist; expected a file "
        f"({', '.join(ARTICLE_SUFFIXES)}) or a folder of them. Check the spelling "
        f"and the working directory ({os.getcwd()})."
    )


def _is_article_name(name: str) -> bool:
    return pathlib.PurePath(name).suffix.lower() in ARTICLE_SUFFIXES


def read_article(path: pathlib.Path) -> Article:
    """Read one article file.

    Parameters
    ----------
    path : pathlib.Path
        A ``.txt``/``.md`` (plain text) or ``.html``/``.htm`` file.  It is
        stored in :attr:`Article.path` as given.

    Returns
    -------
    Article

    Raises
    ------
    ArticleError
        If the file is empty (or whitespace only), binary, undecodable, or has
        a metadata header but no text.
    """
    path = pathlib.Path(path)
    data = path.read_bytes()
    name = str(path)
    raw = decode_bytes(data, source=name)
    if not raw.strip():
        raise ArticleError(
            f"Article file {name!r} is empty; expected the text of a news article. "
            "Re-save the article or remove the file from the input."
        )
    article = parse_article(raw, path=name, is_html=path.suffix.lower() in _HTML_SUFFIXES)
    if not article.text:
        raise ArticleError(
            f"Article file {name!r} has a metadata header but no text after it; "
            "expected the article body below the header. Add the text or remove the file."
        )
    return article


def decode_bytes(data: bytes, *, source: str = "") -> str:
    """Decode the bytes of an article file into text with Unix newlines.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are recognised;
    anything else that is not UTF-8 is read as cp1252, then latin-1, the
    encodings of most old Western web pages and Windows editors.

    Parameters
    ----------
    data : bytes
        The file content.
    source : str, optional
        The file name, used in messages.

    Returns
    -------
    str

    Raises
    ------
    ArticleError
        If the data looks binary or a BOM-marked UTF-16/32 file does not decode.
    """
    where = f"Article file {source!r}" if source else "Article data"
    text = _decode_bom(data, where)
    if text is None:
        if b"\x00" in data[:BINARY_SNIFF_BYTES]:
            raise ArticleError(
                f"{where} looks binary (NUL bytes in the first {BINARY_SNIFF_BYTES} bytes); "
                "expected UTF-8 or 8-bit text. Convert it to a .txt or .html file, "
                "save UTF-16 text with a byte-order mark, or remove it."
            )
        text = _decode_8bit(data, where)
    sample = text[:BINARY_SNIFF_BYTES]
    controls = sum(1 for ch in sample if ch not in _CONTROL_OK and unicodedata.category(ch) == "Cc")
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        raise ArticleError(
            f"{where} looks binary ({controls} control characters in its first "
            f"{len(sample)} characters); expected text. Convert it to a .txt or .html "
            "file, or remove it."
        )
    return _normalise_newlines(text)


def _decode_bom(data: bytes, where: str) -> str | None:
    # UTF-32 first: the UTF-32-LE mark starts with the UTF-16-LE one.
    for codec, boms in (
        ("utf-32", (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)),
        ("utf-16", (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)),
    ):
        if data.startswith(boms):
            try:
                return data.decode(codec)  # consumes the mark
            except UnicodeDecodeError as exc:
                raise ArticleError(
                    f"{where} starts with a {codec} byte-order mark but does not decode as "
                    f"{codec} ({exc.reason} at byte {exc.start}); re-save it as UTF-8."
                ) from exc
    return None


def _decode_8bit(data: bytes, where: str) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # cp1252 leaves five bytes undefined; latin-1 then reads them as C1 controls.
    codec = "cp1252" if all(b not in data for b in b"\x81\x8d\x8f\x90\x9d") else "latin-1"
    logger.info("%s is not UTF-8; reading it as %s", where, codec)
    return data.decode(codec)


def _normalise_newlines(text: str) -> str:
    return re.sub(r"\r\n?|[\u2028\u2029]", "\n", text)


def parse_article(raw: str, *, path: str = "", is_html: bool = False) -> Article:
    """Turn the text of an article file into an :class:`Article`.

    Parameters
    ----------
    raw : str
        The decoded file content.  It may start with a metadata header: YAML
        front matter between ``---`` lines; a bare block of ``key: value``
        lines ended by ``---``; or a first line ``date YYYY-MM-DD`` followed
        by article text on the same line.
    path : str, optional
        Where the text came from; stored on the article and named in warnings.
    is_html : bool, optional
        Reduce the body from HTML to text and take missing metadata from
        ``<meta>``, ``<link rel=canonical>``, ``<time>`` and ``<title>``.

    Returns
    -------
    Article
        ``text`` is the cleaned body: metadata removed, HTML reduced, lines
        that repeat an earlier line dropped.  ``article_id`` hashes the text
        and the metadata, not the path, so the same article in two files
        gets the same id.
    """
    meta, body = _split_metadata(_normalise_newlines(raw).lstrip("\ufeff"))
    if is_html:
        html_meta, body = _reduce_html(body)
        for key, value in html_meta.items():
            meta.setdefault(key, value)
    text = _cap_length(_drop_repeated_lines(body), path)
    published = _published(meta, path)
    outlet, url, title = (meta.get(key, "") for key in ("outlet", "url", "title"))
    return Article(
        article_id=_article_id(text, outlet, url, published, title),
        path=path,
        text=text,
        outlet=outlet,
        url=url,
        published=published,
        title=title,
    )


def _cap_length(text: str, path: str) -> str:
    """Cut a text longer than :data:`MAX_ARTICLE_CHARS` at its last line end before the limit."""
    if len(text) <= MAX_ARTICLE_CHARS:
        return text
    end = text.rfind("\n", 0, MAX_ARTICLE_CHARS + 1)
    cut = text[: end if end > 0 else MAX_ARTICLE_CHARS].rstrip()
    logger.warning(
        "Article file %r has %d characters of text; only the first %d are read "
        "(MAX_ARTICLE_CHARS). Split it into one file per article to read it all.",
        path or "(no file)", len(text), len(cut),
    )  # fmt: skip
    return cut


def _split_metadata(raw: str) -> tuple[dict[str, str], str]:
    """Return the metadata header as canonical keys, and the body after it."""
    lines = raw.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if first < len(lines) and _FENCE.match(lines[first]):
        # YAML front matter: foreign keys (tags, lang...) are allowed and ignored,
        # but a line of prose means the fences are rules around text, not a header.
        for end in range(first + 1, len(lines)):
            if _FENCE.match(lines[end]):
                return _header(lines[first + 1 : end]), "\n".join(lines[end + 1 :])
            if not _YAML_LINE.match(lines[end]):
                break
        return {}, raw
    # A bare block must be unmistakable, since prose can look like "Note: ...".
    for end in range(first, len(lines)):
        if _FENCE.match(lines[end]):
            if end > first:
                return _header(lines[first:end]), "\n".join(lines[end + 1 :])
            break
        match = _KEY_VALUE.match(lines[end])
        if not match or match.group(1).lower() not in _FRONT_MATTER_KEYS:
            break
    match = _DATE_LINE.match(raw)
    if match:
        return {"published": match.group(1)}, raw[match.end() :]
    return {}, raw


def _header(lines: list[str]) -> dict[str, str]:
    pairs = (match.groups() for match in map(_KEY_VALUE.match, lines) if match)
    return _pick({key.lower(): _unquote(value) for key, value in pairs}, _HEADER_FIELDS)


def _pick(found: dict[str, str], fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    picked = {
        field: next((found[k] for k in keys if found.get(k)), "") for field, keys in fields.items()
    }
    return {field: value for field, value in picked.items() if value}


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].strip()
    return value


def _published(meta: dict[str, str], path: str) -> dt.date | None:
    value = meta.get("published", "")
    if not value:
        return None
    date = _parse_date(value)
    if date is None:
        logger.warning(
            "%s: cannot read the published date %r (expected 2026-02-04, "
            "'4 February 2026' or 'February 4, 2026'); leaving it empty",
            path or "<article>",
            value,
        )
    return date


def _parse_date(value: str) -> dt.date | None:
    """Read ``2026-02-04[T...]``, ``4 Feb 2026`` or ``February 4, 2026``; else None."""
    value = value.strip()
    try:
        if match := _ISO_DATE.fullmatch(value):
            year, month, day = (int(group) for group in match.groups())
        elif match := _DAY_MONTH_YEAR.fullmatch(value):
            day, month, year = int(match[1]), _MONTHS.get(match[2].lower(), 0), int(match[3])
        elif match := _MONTH_DAY_YEAR.fullmatch(value):
            day, month, year = int(match[2]), _MONTHS.get(match[1].lower(), 0), int(match[3])
        else:
            return None
        return dt.date(year, month, day)
    except ValueError:  # month 0 (unknown name), 30 February...
        return None


def _drop_repeated_lines(body: str) -> str:
    seen: set[str] = set()
    kept = []
    for line in body.split("\n"):
        key = " ".join(line.split()).casefold()
        if key in seen:
            continue
        # Rules and ornaments ("---", "* * *") are structure, not paragraphs.
        if any(ch.isalnum() for ch in key):
            seen.add(key)
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _article_id(text: str, outlet: str, url: str, published: dt.date | None, title: str) -> str:
    # JSON keeps the fields apart, so moving text between them changes the hash.
    payload = json.dumps([text, outlet, url, published.isoformat() if published else "", title])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:ARTICLE_ID_LENGTH]


# ---------------------------------------------------------------------------- HTML

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


def _reduce_html(markup: str) -> tuple[dict[str, str], str]:
    """Return metadata found in the page (canonical keys) and its readable text."""
    parser = _HtmlReducer()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return _pick(parser.found, _HTML_FIELDS), re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
