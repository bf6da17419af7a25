"""The store: one SQLite file holding articles, claims, reports and incidents.

It is what makes re-runs cheap (an article whose content hash is known is
not read again) and safe: a build happens inside one write transaction,
taken at the start (``BEGIN IMMEDIATE``) so that a second build on the same
store waits for the first, and rolled back by SQLite itself if the process
dies, so the store always holds the last good build.

Waiting is bounded: another build holding the store, or another program
holding a read transaction open on it (a database browser, say), is waited
for up to :data:`DEFAULT_LOCK_TIMEOUT_S`, then the build stops with a
:class:`StoreBusyError` that says which.  Everything else SQLite can say
(a damaged or foreign file, a store written by a newer version, a read-only
file, a full disk) becomes a :class:`StoreError` with one clear sentence.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import logging
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from geo import _sqlite, _store_columns
from geo._sqlite import (
    DEFAULT_LOCK_TIMEOUT_S,
    LOCK_TIMEOUT_ENV,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreVersionError,
    lock_timeout,
)
from geo._store_columns import Columns
from geo.incidents import merge_links
from geo.records import Article, Claim, Place, Report, UnresolvedName
from geo.schema import CLAIM_COLUMNS

__all__ = [
    "DEFAULT_LOCK_TIMEOUT_S",
    "IntegrityCheck",
    "LOCK_TIMEOUT_ENV",
    "SCHEMA_VERSION",
    "Store",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreError",
    "StoreVersionError",
    "lock_timeout",
    "open_store",
]

logger = logging.getLogger(__name__)

#: The layout of the store's tables, written as ``PRAGMA user_version``.  A
#: store with a higher number was written by a newer incidentmap and is
#: refused; a lower one is upgraded in place.  Stores of version 1 predate
#: the pragma and read 0.  The extractor fingerprint includes it, so a new
#: layout also re-reads stored articles.
SCHEMA_VERSION = 3
#: What ``--rebuild`` renames a damaged store to, beside it: kept, never deleted.
DAMAGED_SUFFIX = ".damaged"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, path TEXT NOT NULL, outlet TEXT, url TEXT,
    published TEXT, title TEXT, text TEXT NOT NULL, read_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    claim_id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    scope TEXT NOT NULL, place_id TEXT, area TEXT, figure TEXT NOT NULL, role TEXT NOT NULL,
    value_low INTEGER NOT NULL, value_high INTEGER NOT NULL, qualifier TEXT,
    claimant TEXT, claimant_kind TEXT, event_date TEXT, sentence TEXT,
    start_char INTEGER, end_char INTEGER
);
CREATE TABLE IF NOT EXISTS reports (
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (article_id, seq)
);
CREATE TABLE IF NOT EXISTS unresolved (
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    start_char INTEGER NOT NULL, end_char INTEGER NOT NULL, surface TEXT NOT NULL,
    sentence TEXT NOT NULL, PRIMARY KEY (article_id, start_char)
);
CREATE TABLE IF NOT EXISTS incidents (
    incident_id TEXT PRIMARY KEY, body TEXT NOT NULL
);
-- issue 10 (incremental builds): what each input file was when last read, so an
-- unchanged file is skipped on its size and mtime before it is opened.  A file
-- that could not be read keeps its reason (article_id NULL) and is not retried
-- until it changes.
CREATE TABLE IF NOT EXISTS file_stats (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    article_id TEXT REFERENCES articles(article_id) ON DELETE CASCADE, error TEXT
);
CREATE TABLE IF NOT EXISTS geocode_cache (
    query TEXT PRIMARY KEY, provider TEXT NOT NULL, answer TEXT, reason TEXT,
    asked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    out_dir TEXT PRIMARY KEY, token TEXT NOT NULL, body TEXT NOT NULL
);
-- issue 10 (version 3): what the merge can join each report through (its place's
-- links, geo.incidents.merge_links), so a build finds the groups of places its new
-- reports touch without reading every report; and each group's merged incidents
-- (geo._merged), kept until an article of the group changes.
CREATE TABLE IF NOT EXISTS report_links (
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, links TEXT NOT NULL, PRIMARY KEY (article_id, seq)
);
CREATE TABLE IF NOT EXISTS merged (
    component TEXT PRIMARY KEY, articles TEXT NOT NULL, body TEXT NOT NULL
);
"""
#: Indexes added within version 3 (a store made before gets them when first
#: opened), without which SQLite reads every claim: by the claims' scope (a
#: build reads the area figures twice), and by their article (a group's
#: claims, the claims of the articles a build changed, and each article
#: deleted: SQLite looks up the claims it cascades to).
_INDEXES = {
    "claims_scope": "CREATE INDEX IF NOT EXISTS claims_scope ON claims (scope);",
    "claims_article": "CREATE INDEX IF NOT EXISTS claims_article ON claims (article_id);",
}
#: Tables every store of version 1 or later has; a database without them is not a store.
_CORE_TABLES = frozenset({"meta", "articles", "claims"})
#: The meta key of the store's stamp: a random token drawn again by every
#: transaction that adds, replaces or removes articles (geo._store_columns).
STAMP_META = "stamp"
#: The stored fields of an article, but its text (``Store.article_rows``).
_ARTICLE_FIELDS = "article_id, path, outlet, url, published, title"
#: The columns of a claim that the claims table holds (``Store._read_columns``).
_CLAIM_FIELDS = tuple(c for c in CLAIM_COLUMNS if c not in ("incident_id", "outlet", "published"))


@dataclasses.dataclass
class _Written:
    """What the current write transaction did to the articles, and the columns it read.

    ``stamp`` is the store's stamp when the transaction began (the one it
    commits, once it has); ``articles`` the ids it added, replaced or
    removed (None once it cleared the store); ``columns`` every claim and
    article as read in it, while they are still current, and ``keep`` how
    to keep them beside the store once committed, given the new stamp
    (:mod:`geo._store_columns`), when the file there does not have them.
    """

    stamp: str | None
    articles: set[str] | None = dataclasses.field(default_factory=set)
    columns: Columns | None = None
    keep: Callable[[str], None] | None = None


class FileStat(NamedTuple):
    """An input file as last read: size and mtime, and its article id or why it was skipped."""

    size: int
    mtime_ns: int
    article_id: str | None
    error: str | None = None


class IntegrityCheck:
    """``PRAGMA integrity_check`` of a store file, started now in a thread (or run at once).

    SQLite reads the file without holding the GIL, so a build checks its
    store while it loads the gazetteer (0.05 s at 10,000 articles), and
    :func:`open_store` takes the answer.  Only a clean bill is taken: on
    anything else (no file, an error, a fault) the store is checked again
    when opened, as it would have been, and the error says why.  With
    ``threaded`` false the check runs before the constructor returns (a
    build's survey runs it so, in its own process).
    """

    def __init__(self, path: str | Path, *, threaded: bool = True) -> None:
        self._sound = False
        self._thread: threading.Thread | None = None
        if not threaded:
            self._run(Path(path))
            return
        self._thread = threading.Thread(target=self._run, args=(Path(path),), daemon=True)
        self._thread.start()

    @classmethod
    def answered(cls, sound: bool) -> IntegrityCheck:
        """A check run elsewhere (another process) that found the store ``sound``, or not."""
        check = cls.__new__(cls)
        check._sound, check._thread = sound, None
        return check

    def _run(self, path: Path) -> None:
        if not path.is_file():
            return
        with contextlib.suppress(sqlite3.Error):
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                self._sound = conn.execute("PRAGMA integrity_check(3)").fetchall() == [("ok",)]
            finally:
                conn.close()

    def sound(self) -> bool:
        """Wait for the check; True when it found the store sound."""
        if self._thread is not None:
            self._thread.join()
        return self._sound


def open_store(
    path: str | Path,
    *,
    rebuild: bool = False,
    timeout: float | None = None,
    checked: IntegrityCheck | None = None,
) -> Store:
    """Open a store for a build and check its integrity first.

    Parameters
    ----------
    path
        The store file (created if missing).
    rebuild
        The build will forget the store's content anyway: a damaged store is
        renamed to ``<path>.damaged`` (kept for inspection) and a new one
        started, with a warning.
    timeout
        Seconds to wait for other holders (default :func:`lock_timeout`).
    checked
        The check already under way (:class:`IntegrityCheck`); when it
        found the store sound, it is not checked again.

    Raises
    ------
    StoreDamagedError
        The file is not a database or fails ``PRAGMA integrity_check`` (and
        ``rebuild`` is false).
    StoreError
        Any other reason the store cannot be opened (version, read-only...).
    """
    try:
        sound = checked is not None and checked.sound()
        store = Store(path, timeout=timeout)
        try:
            if not sound:
                store.check_integrity()
        except BaseException:
            store.close()
            raise
        return store
    except StoreDamagedError as exc:
        if not rebuild:
            raise
        aside = _sqlite.set_aside(Path(path), DAMAGED_SUFFIX)
        why = str(exc).removesuffix(" (rebuild with --rebuild)")
        logger.warning("%s; it was renamed to %s and a new store started", why, aside)
        return Store(path, timeout=timeout)


class Store:
    """An open store file.  Use as a context manager; writes go through :meth:`transaction`.

    Parameters
    ----------
    path
        The store file; it and its folder are created if missing.
    timeout
        Seconds to wait for another holder of the store (default
        :func:`lock_timeout`).

    Raises
    ------
    StoreError
        The file is damaged, not a store, from a newer version, or cannot be
        opened or written (the message says which, and what to do).
    """

    def __init__(self, path: str | Path, *, timeout: float | None = None) -> None:
        self.path = Path(path)
        self.timeout = lock_timeout(timeout)
        #: The incident table as read in the current transaction (see read_incidents).
        self._incidents_read: list[dict[str, Any]] | None = None
        #: What the current transaction changed (see _Written); None outside one.
        self._written: _Written | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder of the store {self.path}: {exc.strerror}; "
                "pass --store with a file in a folder you can write"
            ) from None
        with _sqlite.translated(self.path):
            self._conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            with _sqlite.translated(self.path):
                self._setup()
        except BaseException:
            self._conn.close()
            raise

    def _setup(self) -> None:
        # Checked before any pragma that could change the file (journal_mode).
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"the store {self.path} has schema version {version}, but this incidentmap "
                f"reads schema version {SCHEMA_VERSION} at most: it was written by a newer "
                "incidentmap. Upgrade incidentmap, or pass a different --store"
            )
        tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master")}
        if version == 0 and tables and not tables >= _CORE_TABLES:
            raise StoreVersionError(
                f"{self.path} is an SQLite database but not an incidentmap store (it has "
                f"tables {', '.join(sorted(tables))}); pass a different --store"
            )
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA journal_mode = DELETE")
        self._conn.execute("PRAGMA synchronous = FULL")
        # A write transaction that spills pages to the file mid-way needs the
        # exclusive lock, and waits the whole timeout for it at every spill
        # while a reader holds the file (13 minutes in one report).  Kept in
        # memory, the only such wait is at COMMIT, once.
        self._conn.execute("PRAGMA cache_spill = OFF")
        if version < SCHEMA_VERSION:
            # executescript commits first; the schema only adds missing tables.
            self._conn.executescript(_SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")
        for name, sql in _INDEXES.items():
            if name not in tables:
                # Read-only (or claims without a scope, as in the first stores): read without it.
                with contextlib.suppress(sqlite3.OperationalError):
                    self._conn.execute(sql)

    def __enter__(self) -> Store:
        """Return the store itself."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the connection."""
        self.close()

    def close(self) -> None:
        """Close the underlying connection."""
        self._conn.close()

    def check_integrity(self) -> None:
        """Run SQLite's ``PRAGMA integrity_check``; raise :class:`StoreDamagedError` on a fault.

        It reads the whole file (about 0.2 s for 70 MB), so a build finds a
        damaged store before it reads a single article into it.
        """
        with _sqlite.translated(self.path):
            rows = self._conn.execute("PRAGMA integrity_check(3)").fetchall()
        if rows != [("ok",)]:
            reason = "; ".join(str(r[0]) for r in rows)
            raise StoreDamagedError(_sqlite.damaged(self.path, reason))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the store's write lock; commit on success, roll back on any error.

        Raises
        ------
        StoreBusyError
            Another build held the store, or another program kept a read
            transaction open on it at commit, for longer than the timeout.
        StoreError
            SQLite failed (a full disk, a read-only file...); nothing was written.
        """
        _sqlite.begin(self._conn, self.path, self.timeout)
        self._incidents_read = None
        written = self._written = _Written(self.get_meta(STAMP_META))
        try:
            yield
            self._conn.execute(
                "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT (key) "
                "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
            if written.stamp is None or written.articles != set():
                written.stamp = secrets.token_hex(8)
                self.set_meta(STAMP_META, written.stamp)
        except BaseException as exc:
            _sqlite.rollback(self._conn)
            if isinstance(exc, sqlite3.Error):
                raise _sqlite.store_error(exc, self.path) from exc
            raise
        finally:
            self._incidents_read = None
            self._written = None
        _sqlite.commit(self._conn, self.path, self.timeout)
        if written.keep is not None and written.stamp is not None:
            written.keep(written.stamp)

    def generation(self) -> int:
        """How many write transactions the store has committed (:meth:`transaction` counts).

        Two equal readings mean no transaction wrote the store in between,
        from this connection or any other.  (SQLite keeps a change counter
        in the file's header, but reading the file from Python would close a
        descriptor of it, and POSIX then drops the locks this process holds.)
        """
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ meta

    def get_meta(self, key: str) -> str | None:
        """Return a stored setting, or None."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -------------------------------------------------------------- articles

    def article_ids(self) -> set[str]:
        """Return the ids of every article read so far."""
        return {r[0] for r in self._conn.execute("SELECT article_id FROM articles")}

    def add_article(
        self,
        article: Article,
        claims: Iterable[Claim],
        reports: Iterable[Report],
        unresolved: Iterable[UnresolvedName] = (),
    ) -> None:
        """Store an article with what was extracted from it (replacing any earlier copy)."""
        self.remove_article(article.article_id)  # notes the change (_wrote)
        self._conn.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.article_id, article.path, article.outlet, article.url,
                _iso(article.published), article.title, article.text,
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            ),
        )  # fmt: skip
        self._conn.executemany(
            f"INSERT INTO claims VALUES ({', '.join('?' * 16)})",
            [
                (
                    c.claim_id, c.article_id, c.scope, c.place_id, c.area, c.figure, c.role,
                    c.value_low, c.value_high, c.qualifier, c.claimant, c.claimant_kind,
                    _iso(c.event_date), c.sentence, c.start_char, c.end_char,
                )
                for c in claims
            ],
        )  # fmt: skip
        reports = list(reports)
        self._conn.executemany(
            "INSERT INTO reports VALUES (?, ?, ?)",
            [(article.article_id, i, _report_json(r)) for i, r in enumerate(reports)],
        )
        self._conn.executemany(
            "INSERT INTO report_links VALUES (?, ?, ?)",
            [
                (article.article_id, i, json.dumps(merge_links(r.place)))
                for i, r in enumerate(reports)
            ],
        )
        self._conn.executemany(
            "INSERT OR IGNORE INTO unresolved VALUES (?, ?, ?, ?, ?)",
            [(u.article_id, u.start_char, u.end_char, u.surface, u.sentence) for u in unresolved],
        )

    def article_paths(self) -> dict[str, str]:
        """Return each stored article's file path, by article id."""
        return dict(self._conn.execute("SELECT article_id, path FROM articles"))

    def remove_article(self, article_id: str) -> None:
        """Forget an article and everything extracted from it."""
        self._wrote(article_id)
        self._conn.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))

    def clear(self) -> None:
        """Forget everything (``--rebuild``)."""
        self._wrote(None)
        self._conn.execute("DELETE FROM articles")
        self._conn.execute("DELETE FROM incidents")
        self._incidents_read = None
        self._conn.execute("DELETE FROM file_stats")
        self._conn.execute("DELETE FROM merged")

    def _wrote(self, article_id: str | None) -> None:
        """Note that an article (None: every one) is added, replaced or removed.

        In a transaction, the change is counted for its commit (a new stamp)
        and the columns read so far are dropped.  Outside one (each statement
        its own commit), the stamp is removed: no saved columns match again.
        """
        written = self._written
        if written is None:
            self._conn.execute("DELETE FROM meta WHERE key = ?", (STAMP_META,))
            return
        if article_id is None or written.articles is None:
            written.articles = None
        else:
            written.articles.add(article_id)
        written.columns, written.keep = None, None

    def articles(self) -> list[Article]:
        """Return every stored article, by id."""
        rows = self._conn.execute(
            "SELECT article_id, path, text, outlet, url, published, title FROM articles "
            "ORDER BY article_id"
        )
        return [
            Article(a, p, t, outlet or "", url or "", _date(pub), title or "")
            for a, p, t, outlet, url, pub, title in rows
        ]

    def claims(
        self, *, scope: str | None = None, articles: Iterable[str] | None = None
    ) -> list[Claim]:
        """Return the stored claims, with the outlet and date of their article.

        Every claim, or those of one ``scope`` ("area"), or of some ``articles``.
        """
        where, args = ("WHERE c.scope = ?", [scope]) if scope is not None else ("", [])
        with contextlib.ExitStack() as stack:
            if articles is not None:
                listed = stack.enter_context(self._listed(articles))
                where += " AND " if where else "WHERE "
                where += f"c.article_id IN (SELECT id FROM {listed})"
            rows = self._conn.execute(
                "SELECT c.*, a.outlet, a.published FROM claims c JOIN articles a "
                f"USING (article_id) {where} ORDER BY c.claim_id",
                args,
            ).fetchall()
        out = []
        for row in rows:
            (cid, aid, where_, pid, area, fig, role, low, high, qual, who, kind, date, sent,
             start, end, outlet, published) = row  # fmt: skip
            out.append(
                Claim(
                    cid,
                    aid,
                    where_,
                    pid or "",
                    area or "",
                    fig,
                    role,
                    low,
                    high,
                    qual or "",
                    who or "",
                    kind or "unattributed",
                    _date(date),
                    sent or "",
                    start,
                    end,
                    outlet or "",
                    _date(published),
                )  # fmt: skip
            )
        return out

    def claim_columns(self) -> dict[str, list[Any]]:
        """Every claim as the columns of ``claims.csv`` (``incident_id`` empty), by claim id.

        The values :meth:`claims` gives (the article's outlet, its date as
        ISO text, missing text as ""), read straight into columns: a build
        with many claims makes no object per claim.  In a transaction, they
        come from the columns saved beside the store when those are current
        (:meth:`_columns`).
        """
        claims = self._columns().claims
        blank = [""] * len(claims["claim_id"])
        return {name: list(claims[name]) if name in claims else blank for name in CLAIM_COLUMNS}

    def _columns(self) -> Columns:
        """Every claim and article as columns; in a transaction, read once and kept.

        A write transaction that begins at the stamp of the columns kept
        beside the store (:mod:`geo._store_columns`) takes them from there
        and reads only the articles it changed; once it commits, it adds
        that change to the file (or writes it anew, after many changes or
        when it read everything).
        """
        written = self._written
        if written is None:
            return self._read_columns()
        if written.columns is not None:
            return written.columns
        changed, saved = written.articles, None
        if written.stamp is not None and changed is not None:
            saved = _store_columns.load(self.path, written.stamp)
        if saved is None or changed is None:
            columns = self._read_columns()
            written.keep = functools.partial(_store_columns.save, self.path, columns=columns)
        elif changed:
            fresh = self._read_columns(changed)
            columns = _store_columns.patched(saved.columns, changed, fresh)
            if saved.changes < _store_columns.MAX_CHANGES:
                written.keep = functools.partial(
                    _store_columns.append, self.path, saved.stamp, changed=set(changed), fresh=fresh
                )
            else:
                written.keep = functools.partial(_store_columns.save, self.path, columns=columns)
        else:
            columns = saved.columns
        written.columns = columns
        return columns

    def _read_columns(self, articles: Iterable[str] | None = None) -> Columns:
        """Every claim and article as columns (of ``articles`` only, when given), from SQLite."""
        # Read in the table's order and sorted here, the article's fields joined
        # from a dict: several times faster than SQLite's ORDER BY and JOIN,
        # which look up a row of each table per claim.
        with self._of_articles(articles) as where:
            stored = self._article_tuples(where)
            claim_rows = self._conn.execute(
                "SELECT claim_id, scope, coalesce(area, ''), figure, role, value_low, "
                "value_high, coalesce(qualifier, ''), coalesce(claimant, ''), "
                "coalesce(nullif(claimant_kind, ''), 'unattributed'), article_id, "
                f"coalesce(sentence, '') FROM claims{where}"
            ).fetchall()
        sources = {row[0]: (row[2] or "", row[4] or "") for row in stored}
        rows = sorted(row for row in claim_rows if row[10] in sources)  # as an inner join
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(_CLAIM_FIELDS)
        named = {name: list(values) for name, values in zip(_CLAIM_FIELDS, columns, strict=True)}
        named["outlet"] = [sources[a][0] for a in named["article_id"]]
        named["published"] = [sources[a][1] for a in named["article_id"]]
        return Columns(named, stored)

    def unresolved(self) -> list[UnresolvedName]:
        """Return every name used like a place that did not resolve."""
        rows = self._conn.execute(
            "SELECT article_id, start_char, end_char, surface, sentence FROM unresolved "
            "ORDER BY article_id, start_char"
        )
        return [UnresolvedName(*row) for row in rows]

    def reports(self, articles: Iterable[str] | None = None) -> list[Report]:
        """Return every stored report, or those of some ``articles``."""
        if articles is None:
            rows = self._conn.execute("SELECT body FROM reports ORDER BY article_id, seq")
            return [_report_from_json(r[0]) for r in rows]
        with self._listed(articles) as listed:
            rows = self._conn.execute(
                f"SELECT body FROM reports WHERE article_id IN (SELECT id FROM {listed}) "
                "ORDER BY article_id, seq"
            )
            return [_report_from_json(r[0]) for r in rows]

    def report_links(self) -> list[tuple[str, int, list[str]]]:
        """Return ``(article_id, seq, links)`` of every report (see :func:`merge_links`)."""
        rows = self._conn.execute("SELECT article_id, seq, links FROM report_links").fetchall()
        # One JSON array of every row's links: one decoder call, not one per report.
        links = _json_rows(row[2] for row in rows)
        return [(a, seq, keys) for (a, seq, _), keys in zip(rows, links, strict=True)]

    def article_rows(self, articles: Iterable[str] | None = None) -> list[Article]:
        """Return the stored articles without their text (``text`` empty), by id."""
        if articles is None and self._written is not None:
            rows = self._columns().articles  # kept in the transaction (_columns)
        else:
            with self._of_articles(articles) as where:
                rows = self._article_tuples(where)
        return [
            Article(a, p, "", outlet or "", url or "", _date(pub), title or "")
            for a, p, outlet, url, pub, title in rows
        ]

    # ---------------------------------------------------- merged groups (geo._merged)

    def merged_articles(self) -> dict[str, list[str]]:
        """Return each merged group's article ids, by group."""
        rows = self._conn.execute("SELECT component, articles FROM merged")
        return {c: json.loads(a) for c, a in rows}

    def merged_bodies(self) -> list[dict[str, Any]]:
        """Return every merged group's body, by group."""
        rows = self._conn.execute("SELECT body FROM merged ORDER BY component")
        return [json.loads(r[0]) for r in rows]

    def put_merged(self, component: str, articles: list[str], body: dict[str, Any]) -> None:
        """Store a group's merged incidents (replacing an earlier version)."""
        self._conn.execute(
            "INSERT OR REPLACE INTO merged VALUES (?, ?, ?)",
            (component, json.dumps(articles), json.dumps(body, sort_keys=True)),
        )

    def drop_merged(self, components: Iterable[str] | None = None) -> None:
        """Forget some merged groups, or all of them."""
        if components is None:
            self._conn.execute("DELETE FROM merged")
            return
        self._conn.executemany("DELETE FROM merged WHERE component = ?", [(c,) for c in components])

    def _article_tuples(self, where: str) -> list[tuple[Any, ...]]:
        """Each article's ``_ARTICLE_FIELDS`` (all, or those ``where`` selects), by id."""
        query = f"SELECT {_ARTICLE_FIELDS} FROM articles{where} ORDER BY article_id"
        return self._conn.execute(query).fetchall()

    @contextlib.contextmanager
    def _of_articles(self, articles: Iterable[str] | None) -> Iterator[str]:
        """A ``WHERE`` clause keeping the rows of ``articles`` (none: "", every row)."""
        if articles is None:
            yield ""
            return
        with self._listed(articles) as listed:
            yield f" WHERE article_id IN (SELECT id FROM {listed})"

    @contextlib.contextmanager
    def _listed(self, ids: Iterable[str]) -> Iterator[str]:
        """A temporary table of ids, for ``IN (SELECT id FROM ...)`` (no limit on their number)."""
        self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS listed_ids (id TEXT PRIMARY KEY)")
        self._conn.execute("DELETE FROM listed_ids")
        self._conn.executemany("INSERT OR IGNORE INTO listed_ids VALUES (?)", [(i,) for i in ids])
        try:
            yield "listed_ids"
        finally:
            self._conn.execute("DELETE FROM listed_ids")

    # ------------------------------------------------------------- incidents

    def replace_incidents(self, rows: Iterable[dict[str, Any]]) -> None:
        """Store the current incident table (one JSON row per incident).

        Only the rows that differ from the stored ones are encoded and
        written: one more article changes a few incidents of thousands.  The
        table is read first, unless this transaction has read it already
        (:meth:`read_incidents`).
        """
        read = self._incidents_read if self._incidents_read is not None else self.incidents()
        same = {r["incident_id"]: r for r in read}
        new: dict[str, str | None] = {
            r["incident_id"]: None if same.get(r["incident_id"]) == r else _ROW_JSON(r)
            for r in rows
        }
        gone = [(i,) for i in same if i not in new]
        changed = [(i, body) for i, body in new.items() if body is not None]
        self._conn.executemany("DELETE FROM incidents WHERE incident_id = ?", gone)
        self._conn.executemany("INSERT OR REPLACE INTO incidents VALUES (?, ?)", changed)
        self._incidents_read = None

    def incidents(self) -> list[dict[str, Any]]:
        """Return the incident table of the last build."""
        return _json_rows(self.incident_json())

    def incident_json(self) -> list[str]:
        """The incident table of the last build, each row as the JSON text stored."""
        rows = self._conn.execute("SELECT body FROM incidents ORDER BY incident_id").fetchall()
        return [row[0] for row in rows]

    def read_incidents(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The incident table as rows and as the JSON texts stored (to store again as they are).

        Inside a transaction the rows are remembered until it ends or the
        table is written: :meth:`replace_incidents` then encodes only the
        rows that changed.
        """
        texts = self.incident_json()
        rows = _json_rows(texts)
        if self._conn.in_transaction:
            self._incidents_read = rows
        return rows, texts

    # ------------------------------------------- file stats (issue 10: incremental builds)

    def file_stats(self) -> dict[str, FileStat]:
        """Return what each input file was when last read, by resolved path."""
        rows = self._conn.execute("SELECT path, size, mtime_ns, article_id, error FROM file_stats")
        return {r[0]: FileStat(*r[1:]) for r in rows}

    def set_file_stat(self, path: str, stat: FileStat) -> None:
        """Record what a file was when read: its article, or why it could not be read."""
        self._conn.execute(
            "INSERT OR REPLACE INTO file_stats VALUES (?, ?, ?, ?, ?)",
            (path, stat.size, stat.mtime_ns, stat.article_id, stat.error),
        )

    def counts(self) -> tuple[int, int]:
        """Return the number of stored incidents and claims (for a build that changed nothing)."""
        incidents = self._conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
        claims = self._conn.execute("SELECT count(*) FROM claims").fetchone()[0]
        return incidents, claims

    # --------------------------------------------------------- geocode cache

    def geocode_get(self, query: str) -> tuple[bool, dict[str, Any] | None]:
        """Return ``(found, answer)`` for an online geocoder query; None answer = a miss.

        The cache survives :meth:`clear`: an answer stays valid across ``--rebuild``.
        """
        row = self._conn.execute(
            "SELECT answer FROM geocode_cache WHERE query = ?", (query,)
        ).fetchone()
        if row is None:
            return False, None
        return True, (json.loads(row[0]) if row[0] is not None else None)

    def geocode_put(
        self, query: str, provider: str, answer: dict[str, Any] | None, reason: str
    ) -> None:
        """Record an online geocoder's answer, or a miss (``answer=None``) with its reason."""
        self._conn.execute(
            "INSERT OR REPLACE INTO geocode_cache VALUES (?, ?, ?, ?, ?)",
            (
                query, provider,
                None if answer is None else json.dumps(answer, sort_keys=True, ensure_ascii=False),
                reason, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            ),
        )  # fmt: skip

    def geocode_entries(self) -> list[tuple[str, bool, str]]:
        """Return ``(query, found, reason)`` for every cached online answer, by query."""
        rows = self._conn.execute(
            "SELECT query, answer IS NOT NULL, reason FROM geocode_cache ORDER BY query"
        )
        return [(q, bool(found), reason or "") for q, found, reason in rows]

    def geocode_forget(self, query: str | None = None) -> list[str]:
        """Forget the cached answer to ``query``, or every cached answer; return the queries.

        Callers hold :meth:`transaction`.
        """
        where, args = ("WHERE query = ?", (query,)) if query is not None else ("", ())
        gone = [r[0] for r in self._conn.execute(f"SELECT query FROM geocode_cache {where}", args)]
        self._conn.execute(f"DELETE FROM geocode_cache {where}", args)
        return sorted(gone)

    # --------------------------------------------------------------- pending

    def get_pending(self, out_dir: str) -> tuple[str, dict[str, Any]] | None:
        """Return ``(token, body)`` of what a build owes the output folder ``out_dir``, or None.

        See :mod:`geo.publish`: a build records what its outputs owe in the
        same transaction as the articles, so a build that dies after its
        commit leaves the debt for the next one.
        """
        row = self._conn.execute(
            "SELECT token, body FROM pending WHERE out_dir = ?", (out_dir,)
        ).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def set_pending(
        self,
        out_dir: str,
        token: str,
        body: dict[str, Any],
        *,
        incident_json: Sequence[str] | None = None,
    ) -> None:
        """Record what the outputs in ``out_dir`` owe (replacing an earlier record).

        ``incident_json`` are the body's ``"incidents"`` rows as JSON texts
        (:meth:`incident_json`), put in as they are: encoding the incident
        table of 10,000 articles again took 0.1 s of a build.
        """
        text = json.dumps(body, sort_keys=True, default=str)
        if incident_json is not None:
            if "incidents" in body:
                raise ValueError("give the incidents in the body or as JSON, not both")
            rows = ", ".join(incident_json)
            text = f'{text[:-1]}{", " if body else ""}"incidents": [{rows}]}}'
        self._conn.execute(
            "INSERT OR REPLACE INTO pending VALUES (?, ?, ?)", (out_dir, token, text)
        )

    def clear_pending(self, out_dir: str) -> None:
        """Forget what the outputs in ``out_dir`` owed."""
        self._conn.execute("DELETE FROM pending WHERE out_dir = ?", (out_dir,))


def _iso(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _report_json(report: Report) -> str:
    body = dataclasses.asdict(report)
    body["event_date"] = _iso(report.event_date)
    body["date_end"] = _iso(report.date_end)
    return json.dumps(body, sort_keys=True)


def _report_from_json(text: str) -> Report:
    body = json.loads(text)
    body["place"] = Place(**body["place"])
    body["event_date"] = _date(body["event_date"])
    body["date_end"] = _date(body.get("date_end"))
    for key in ("attack_types", "targets", "claim_ids"):
        body[key] = tuple(body[key])
    body["sentences"] = tuple(tuple(s) for s in body["sentences"])
    return Report(**body)


#: One encoder for the incident rows: ``json.dumps`` with options builds a
#: new encoder at every call, which cost more than encoding a row.
_ROW_JSON = json.JSONEncoder(default=str, sort_keys=True).encode


def _json_rows(texts: Iterable[str]) -> list[Any]:
    """Decode many JSON texts as one array: one call of the decoder, not one per row."""
    return json.loads("[" + ",".join(texts) + "]")  # type: ignore[no-any-return]
