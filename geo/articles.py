"""Load news articles from disk and turn them into :class:`~geo.records.Article`.

I/O stays at the edge (:func:`find_article_files`, :func:`read_article`, on
top of :mod:`geo._files`, which trusts no folder); the middle is pure:
:func:`decode_bytes` turns bytes into text and :func:`parse_article` turns
text into an article (metadata header read, HTML reduced to text, repeated
paragraphs dropped, size capped, content hashed).  What looks wrong but can
still be read (a publication date in the future, front matter never closed,
a script the extractor does not read) is read, with a warning naming the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import pathlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from geo._decode import ArticleError, cut_bytes, decode_bytes, normalise_newlines
from geo._files import PathKeys, Skipped, Walked, file_problem, read_limited, walk
from geo._html import reduce_html
from geo.records import Article

logger = logging.getLogger(__name__)

#: File suffixes read as articles (compared case-insensitively).
ARTICLE_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm")
_HTML_SUFFIXES = frozenset({".html", ".htm"})

#: Length of ``article_id``: 64 bits of sha256 are plenty for a news corpus
#: and stay readable in CSV files.
ARTICLE_ID_LENGTH = 16
#: Characters of text read from one article (about 500 kB).  A long report is
#: a few tens of kilobytes, so more is a concatenation or a dump.  Extraction
#: grows with the text about linearly (``benchmarks/big_article.py``, text as
#: dense in figures as a wire report: 1.0 s for 100 kB, 1.9 s for 250 kB, 3-4 s
#: for 500 kB), so the cap is what bounds one article's cost, and keeps a
#: build's time in proportion to its articles.  The rest is cut, with a warning.
MAX_ARTICLE_CHARS = 500_000
#: Bytes read from one file (20 MB): an HTML page carries scripts and styles
#: around its text, and reading is cheap; past it, the file is cut.
MAX_FILE_BYTES = 20_000_000
#: A publication date this many days after today is taken for a typo or a
#: scraper's error, not used: one day covers time zones ahead of the reader's.
FUTURE_DATE_SLACK_DAYS = 1
#: Above this share of letters outside the Latin script, the text is not one
#: the extractor can read (its lexicon is English): it is read, with a warning.
MAX_FOREIGN_LETTER_SHARE = 0.5
#: Letters inspected for the script check: plenty to tell, and quick.
SCRIPT_SAMPLE_CHARS = 20_000

_FRONT_MATTER_KEYS = frozenset({"url", "outlet", "published", "date", "title", "source", "author"})
_KEY_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")
_FENCE = re.compile(r"^---[ \t]*$")
# A key, a list item, an indented continuation, a comment or a blank line.
_YAML_LINE = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_-]*[ \t]*:.*|[ \t-].*|#.*|)$")
# Scrapers of some outlets prefix the body with the date on its first line and
# carry on with the article on that same line.
_DATE_LINE = re.compile(r"^[ \t]*date:?[ \t]+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
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


def iter_article_files(paths: Iterable[str | os.PathLike]) -> list[pathlib.Path]:
    """Expand files and folders into a sorted list of article files.

    The files :func:`find_article_files` skips are logged as warnings, with why.

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
    files, skipped = find_article_files(paths)
    for item in skipped:
        logger.warning("skipped %s", item)
    return files


def find_article_files(
    paths: Iterable[str | os.PathLike],
) -> tuple[list[pathlib.Path], list[Skipped]]:
    """Like :func:`iter_article_files`, but return the skipped paths and reasons too.

    Inside folders, an entry that cannot be read is skipped with a reason, not
    a crash or a hang: a FIFO, socket or device named like an article, a
    symbolic link that loops or leads nowhere, a link back to a folder
    already walked, a folder that cannot be listed.  Links to files and
    folders elsewhere are followed.
    """
    inputs = find_inputs(paths)
    return inputs.files, inputs.skipped


@dataclass(frozen=True)
class Inputs:
    """The article files under some paths, the entries skipped, and the other files."""

    files: list[pathlib.Path]
    skipped: list[Skipped]
    #: Files in the folders that are not articles, counted by suffix ("3 .pdf not read").
    ignored: dict[str, int]
    #: Each file's resolved path (:func:`geo._files.path_key`), as found by the walk.
    keys: dict[pathlib.Path, str] = field(default_factory=dict, repr=False)


def find_inputs(paths: Iterable[str | os.PathLike]) -> Inputs:
    """:func:`find_article_files`, with the other files in the folders counted too.

    One walk of the folders finds both: a build's summary says what it did
    not read without listing 10,000 names a second time.
    """
    if isinstance(paths, str | bytes | os.PathLike):
        raise TypeError(
            f"paths must be an iterable of paths, got a single {type(paths).__name__} "
            f"{paths!r}; wrap it in a list: iter_article_files([path])"
        )
    found: dict[str, pathlib.Path] = {}
    skipped: list[Skipped] = []
    ignored: Counter[str] = Counter()
    real = PathKeys()
    for given in paths:
        walked = _expand(pathlib.Path(given))
        skipped.extend(walked.skipped)
        ignored.update(pathlib.PurePath(n).suffix.lower() or "(no suffix)" for n in walked.refused)
        for path in walked.files:
            link = bool(walked.links) and path in walked.links
            found.setdefault(real(path, is_link=link), path)
    keys = {path: key for key, path in found.items()}
    return Inputs(sorted(found.values()), skipped, dict(sorted(ignored.items())), keys)


def _expand(path: pathlib.Path) -> Walked:
    """The article files a given path stands for, with what :func:`geo._files.walk` tells."""
    if path.is_dir():
        return walk(path, _is_article_name)
    if path.is_file():
        if not _is_article_name(path.name):
            raise ValueError(
                f"Article file {str(path)!r} has suffix {path.suffix!r}; expected one of "
                f"{', '.join(ARTICLE_SUFFIXES)}. Rename or convert the file, or leave it out."
            )
        return Walked([path], [], {path} if path.is_symlink() else set(), [])
    if path.exists():
        raise ValueError(f"Article path {str(path)!r} is neither a file nor a folder.")
    if path.is_symlink():
        raise ValueError(f"Article path {str(path)!r} cannot be read: {file_problem(path)}.")
    raise FileNotFoundError(
        f"Article path {str(path)!r} does not exist; expected a file "
        f"({', '.join(ARTICLE_SUFFIXES)}) or a folder of them. Check the spelling "
        f"and the working directory ({os.getcwd()})."
    )


def _is_article_name(name: str) -> bool:
    # os.path, not PurePath: a folder of 10,000 names is read at every build.
    return os.path.splitext(name)[1].lower() in ARTICLE_SUFFIXES


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
        If the file cannot be read (not a regular file, no permission), is
        empty (or whitespace only), binary, undecodable, or has a metadata
        header but no text.
    """
    path = pathlib.Path(path)
    name = str(path)
    try:
        data, cut = read_limited(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise ArticleError(
            f"Article file {name!r} cannot be read: {exc.strerror or exc}; expected a "
            "regular file this user can read."
        ) from None
    if cut:
        logger.warning(
            "%s is larger than %d MB; only its first %d MB are read (MAX_FILE_BYTES)",
            name,
            MAX_FILE_BYTES // 1_000_000,
            MAX_FILE_BYTES // 1_000_000,
        )
        data = cut_bytes(data)
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


def parse_article(
    raw: str, *, path: str = "", is_html: bool = False, today: dt.date | None = None
) -> Article:
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
    today : datetime.date, optional
        The date a publication date may not be later than (default: today).

    Returns
    -------
    Article
        ``text`` is the cleaned body: metadata removed, HTML reduced, lines
        that repeat an earlier line dropped, cut after
        :data:`MAX_ARTICLE_CHARS` characters.  ``article_id`` hashes the text
        with its whitespace normalised, and the metadata, not the path, so the
        same article in two files, or re-wrapped, gets the same id.
        ``published`` is None when the date given is in the future (the id
        still hashes it: the id depends on the content alone, not on the day
        it is read).

    Notes
    -----
    Warnings, each naming ``path``: a date that cannot be read or lies in
    the future, front matter opened by ``---`` but never closed (its
    ``key: value`` lines are still read as metadata), text cut at the size
    cap, and text mostly in a script other than Latin (the extractor reads
    English, so such an article yields no incidents).
    """
    where = path or "<article>"
    meta, body = _split_metadata(normalise_newlines(raw).lstrip("\ufeff"), where)
    # A scraper's " date YYYY-MM-DD" may open the body after a header too.
    dated = _DATE_LINE.match(body.lstrip("\n"))
    if dated:
        meta.setdefault("published", dated.group(1))
        body = body.lstrip("\n")[dated.end() :]
    if is_html:
        found, body = reduce_html(body)
        for key, value in _pick(found, _HTML_FIELDS).items():
            meta.setdefault(key, value)
    text = _capped(_drop_repeated_lines(body), where)
    _check_script(text, where)
    date = _published(meta, where)
    outlet, url, title = (meta.get(key, "") for key in ("outlet", "url", "title"))
    return Article(
        article_id=_article_id(text, outlet, url, date, title),
        path=path,
        text=text,
        outlet=outlet,
        url=url,
        published=_not_future(date, where, today or dt.date.today()),
        title=title,
    )


def _capped(text: str, where: str) -> str:
    """Cut text longer than :data:`MAX_ARTICLE_CHARS` at a paragraph (else line) break."""
    if len(text) <= MAX_ARTICLE_CHARS:
        return text
    end = max(text.rfind("\n\n", 0, MAX_ARTICLE_CHARS), text.rfind("\n", 0, MAX_ARTICLE_CHARS))
    end = end if end > MAX_ARTICLE_CHARS // 2 else MAX_ARTICLE_CHARS
    logger.warning(
        "%s: the text is %d characters long; only the first %d are read (MAX_ARTICLE_CHARS): "
        "split it into its articles to read all of it",
        where,
        len(text),
        end,
    )
    return text[:end].rstrip()


def _check_script(text: str, where: str) -> None:
    """Warn when most letters are in a script the extractor does not read."""
    letters = [ch for ch in text[:SCRIPT_SAMPLE_CHARS] if ch.isalpha()]
    foreign = Counter(_script(ch) for ch in letters if not _is_latin(ch))
    if not letters or sum(foreign.values()) <= MAX_FOREIGN_LETTER_SHARE * len(letters):
        return
    script = foreign.most_common(1)[0][0]
    logger.warning(
        "%s: %.0f%% of its letters are in %s script, which the extractor does not read (it "
        "reads English): expect no incidents from it. Add an English version of the article",
        where,
        100 * sum(foreign.values()) / len(letters),
        script,
    )


def _is_latin(ch: str) -> bool:
    # ASCII, Latin-1 and Latin Extended A/B, and Latin Extended Additional.
    return ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff"


def _script(ch: str) -> str:
    """The script of a letter, from its Unicode name ("ARABIC LETTER BEH" -> "Arabic")."""
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0].title()


def _split_metadata(raw: str, where: str) -> tuple[dict[str, str], str]:
    """Return the metadata header as canonical keys, and the body after it."""
    lines = raw.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if first < len(lines) and _FENCE.match(lines[first]):
        # YAML front matter: foreign keys (tags, lang...) are allowed and ignored.
        for end in range(first + 1, len(lines)):
            if _FENCE.match(lines[end]):
                return _header(lines[first + 1 : end]), "\n".join(lines[end + 1 :])
            if not _YAML_LINE.match(lines[end]):
                break
        return _unclosed_front_matter(lines, first, where) or ({}, raw)
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


def _unclosed_front_matter(
    lines: list[str], fence: int, where: str
) -> tuple[dict[str, str], str] | None:
    """Read front matter whose closing ``---`` is missing, with a warning; None if it is none.

    It is front matter if the line after the fence is ``key: value`` with a
    key of :data:`_FRONT_MATTER_KEYS`; it ends at the first other line
    (blank lines aside).  Otherwise the fence is a rule above prose.
    """
    keys = [i for i in range(fence + 1, len(lines)) if lines[i].strip()]
    if not keys or not _is_header_line(lines[keys[0]]):
        return None
    end = next((i for i in keys if not _is_header_line(lines[i])), len(lines))
    read = f"line {end}" if end == fence + 2 else f"lines {fence + 2}-{end}"
    logger.warning(
        "%s: the front matter opened by '---' on line %d is not closed by a '---' line; "
        "%s read as metadata, and the text starts at line %d. Add the closing '---'",
        where,
        fence + 1,
        read,
        end + 1,
    )
    return _header(lines[fence + 1 : end]), "\n".join(lines[end:])


def _is_header_line(line: str) -> bool:
    match = _KEY_VALUE.match(line)
    return not line.strip() or bool(match and match.group(1).lower() in _FRONT_MATTER_KEYS)


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


def _published(meta: dict[str, str], where: str) -> dt.date | None:
    value = meta.get("published", "")
    if not value:
        return None
    date = _parse_date(value)
    if date is None:
        logger.warning(
            "%s: cannot read the published date %r (expected 2026-02-04, "
            "'4 February 2026' or 'February 4, 2026'); leaving it empty",
            where,
            value,
        )
    return date


def _not_future(date: dt.date | None, where: str, today: dt.date) -> dt.date | None:
    """Drop a publication date later than ``today`` (a typo, or a scraper's clock), warning."""
    if date is None or (date - today).days <= FUTURE_DATE_SLACK_DAYS:
        return date
    logger.warning(
        "%s: the published date %s is in the future (today is %s); it is not used, so "
        "dates the text gives in part stay unknown. Correct the date in the file",
        where,
        date.isoformat(),
        today.isoformat(),
    )
    return None


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
    # Whitespace is layout: re-wrapped or re-indented, an article is the same
    # source.  JSON keeps the fields apart, so moving text between them changes
    # the hash.
    fields = [" ".join(value.split()) for value in (text, outlet, url, title)]
    payload = json.dumps([*fields[:3], published.isoformat() if published else "", fields[3]])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:ARTICLE_ID_LENGTH]
