"""The store's claims and articles as columns, kept beside the store between builds.

Every build reads every claim and article into its model: at 10,000
articles, 19,000 claims and 10,000 articles, a quarter of a second of
SQLite rows.  A build that adds one article changes a handful of them.  So
the columns a write transaction read are saved when it commits, in a file
beside the store (:func:`path_of`), under the store's *stamp*: a random
token the store draws again whenever a transaction adds, replaces or removes
articles (:meth:`geo.store.Store.transaction`).  The next transaction that
begins at the stamp the file holds takes the columns from it, and reads from
SQLite only the articles it has changed since (:func:`patched`).  At its
commit it appends that change to the file (:func:`append`: a few kB, where
the whole columns are 5 MB at 10,000 articles); a reader replays the changes
in order, and after :data:`MAX_CHANGES` of them the columns are written
whole again (:func:`save`).

The file is a cache and nothing more: one that is missing, damaged, from
another version of this format or of Python, or saved under another stamp,
is ignored, and the next commit replaces it.  It is not synced to disk for
the same reason: a torn file fails its checksum.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import marshal
import os
import sys
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Bumped when the saved layout changes; a file of another format is ignored.
FORMAT = 2
#: The first bytes of the file.  Records follow, each its payload's length
#: and CRC-32 (4 bytes each, big-endian), then the payload (marshal).
MAGIC = b"incidentmap store columns\n"
#: What ties the payload to this interpreter: marshal's format follows Python's.
_KEY = (FORMAT, marshal.version, tuple(sys.version_info[:2]))
#: Changes appended after the whole columns before the next save writes them whole.
MAX_CHANGES = 50
#: A change with fewer new claims than this is inserted row by row (else sorted in).
_FEW = 256


@dataclass(frozen=True)
class Columns:
    """Every claim and article, as :meth:`geo.store.Store.claim_columns` reads them.

    ``claims`` maps each column of ``claims.csv`` but ``incident_id`` (the
    article's outlet and date joined) to its values, by claim id;
    ``articles`` holds each article's ``(article_id, path, outlet, url,
    published, title)`` as stored, by article id.
    """

    claims: dict[str, list[Any]]
    articles: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Saved:
    """Columns found beside a store: as they are at ``stamp``, after replaying ``changes``."""

    columns: Columns
    stamp: str
    changes: int


def path_of(store_path: Path) -> Path:
    """Where the columns of the store at ``store_path`` are kept: ``<store>-columns``."""
    return store_path.with_name(store_path.name + "-columns")


def load(store_path: Path, stamp: str) -> Saved | None:
    """The columns kept beside ``store_path`` as they are at ``stamp``; None if unknown.

    The file holds the whole columns under one stamp, then changes, each
    from one stamp to the next: those that follow on are replayed.  A
    record that fails its checksum ends the file there.
    """
    try:
        data = path_of(store_path).read_bytes()
    except OSError:
        return None
    records = _records(data)
    try:
        key, current, names, values, articles = marshal.loads(next(records))
    except (StopIteration, EOFError, ValueError, TypeError):
        return None
    if key != _KEY:
        return None
    columns, changes = Columns(dict(zip(names, values, strict=True)), articles), 0
    for payload in records:
        try:
            before, after, changed, names, values, articles = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return None
        if before == current:  # else a stale writer's: it follows on from no state here
            fresh = Columns(dict(zip(names, values, strict=True)), articles)
            columns, current, changes = patched(columns, changed, fresh), after, changes + 1
    return Saved(columns, stamp, changes) if current == stamp else None


def save(store_path: Path, stamp: str, columns: Columns) -> None:
    """Keep the whole ``columns`` beside ``store_path`` under ``stamp`` (a new file).

    A file that cannot be written (a read-only folder, a full disk) is only
    logged: the next build reads the store instead.
    """
    names = list(columns.claims)
    record = _record((_KEY, stamp, names, [columns.claims[n] for n in names], columns.articles))
    target = path_of(store_path)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(MAGIC + record)
            umask = os.umask(0)  # mkstemp makes 0600 files: the store's usual mode instead
            os.umask(umask)
            os.chmod(name, 0o666 & ~umask)
            os.replace(name, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
    except OSError as exc:
        logger.debug("could not keep the store's columns in %s: %s", target, exc)


def append(
    store_path: Path, before: str, after: str, changed: Iterable[str], fresh: Columns
) -> None:
    """Add to the file beside ``store_path`` the change from ``before`` to ``after``.

    ``fresh`` holds what the store has at ``after`` of the ``changed``
    articles.  Appending costs what changed, where :func:`save` rewrites
    everything; a torn append fails its checksum and is not replayed.
    """
    names = list(fresh.claims)
    record = _record(
        (before, after, sorted(changed), names, [fresh.claims[n] for n in names], fresh.articles)
    )
    target = path_of(store_path)
    try:
        with open(target, "r+b") as handle:  # never creates one: changes follow whole columns
            handle.seek(0, os.SEEK_END)
            handle.write(record)
    except OSError as exc:
        logger.debug("could not add to the store's columns in %s: %s", target, exc)


def patched(cached: Columns, changed: Iterable[str], fresh: Columns) -> Columns:
    """``cached`` with the claims and articles of the ``changed`` articles replaced by ``fresh``.

    ``fresh`` holds what the store has now of those articles (nothing of
    one removed).  Both stay sorted by id.  ``cached``'s lists may be
    reused: it is not to be used again.
    """
    gone = set(changed)
    claims = _without(cached.claims, "article_id", gone)
    claims = _sorted_union(claims, fresh.claims, "claim_id")
    articles = [row for row in cached.articles if row[0] not in gone]
    if fresh.articles:
        articles = sorted(articles + fresh.articles, key=lambda row: row[0])
    return Columns(claims, articles)


def _record(payload: Any) -> bytes:
    data = marshal.dumps(payload)
    return len(data).to_bytes(4, "big") + zlib.crc32(data).to_bytes(4, "big") + data


def _records(data: bytes) -> Iterator[memoryview]:
    """The payloads of ``data``'s records, up to the first torn or damaged one."""
    if not data.startswith(MAGIC):
        return
    view, at = memoryview(data), len(MAGIC)
    while at + 8 <= len(data):
        size = int.from_bytes(view[at : at + 4], "big")
        payload, crc = view[at + 8 : at + 8 + size], int.from_bytes(view[at + 4 : at + 8], "big")
        if len(payload) != size or zlib.crc32(payload) != crc:
            logger.debug("columns file: a damaged record at byte %d ends it", at)
            return
        yield payload
        at += 8 + size


def _without(columns: dict[str, list[Any]], key: str, gone: set[str]) -> dict[str, list[Any]]:
    """The rows of ``columns`` whose ``key`` is not in ``gone``."""
    keep = [i for i, value in enumerate(columns[key]) if value not in gone]
    if len(keep) == len(columns[key]):
        return columns
    return {name: [values[i] for i in keep] for name, values in columns.items()}


def _sorted_union(
    first: dict[str, list[Any]], second: dict[str, list[Any]], key: str
) -> dict[str, list[Any]]:
    """The rows of both (columns of the same names), sorted by ``key``; ``first``'s lists reused."""
    if len(second[key]) < _FEW:  # a few rows: each inserted where it goes
        keys = first[key]
        for row in range(len(second[key])):
            at = bisect.bisect_left(keys, second[key][row])
            for name, values in first.items():
                values.insert(at, second[name][row])
        return first
    joined = {name: first[name] + second[name] for name in first}
    order = sorted(range(len(joined[key])), key=joined[key].__getitem__)
    return {name: [values[i] for i in order] for name, values in joined.items()}
