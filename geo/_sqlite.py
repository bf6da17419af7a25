"""The store's SQLite file: bounded waits for its locks, and one clear sentence per failure.

:class:`geo.store.Store` says *what* the store holds; this module says how
its file is locked and what to tell the user when SQLite refuses.  Waiting
is bounded: another build holding the store (at ``BEGIN IMMEDIATE``), or
another program keeping a read transaction open on it (at ``COMMIT``), is
waited for up to :func:`lock_timeout`, then a :class:`StoreBusyError` says
which.  A damaged or foreign file, a store from a newer version, a read-only
file and a full disk each become a :class:`StoreError` with its fix.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from geo._faults import checkpoint

logger = logging.getLogger("geo.store")

#: How long a build waits for another build, or a program reading the store,
#: before it stops: long enough for a small build to finish, short enough
#: that a forgotten database browser is noticed.
DEFAULT_LOCK_TIMEOUT_S = 60.0
#: Environment variable that overrides :data:`DEFAULT_LOCK_TIMEOUT_S` (seconds),
#: for scripts that would rather fail fast, and for tests.
LOCK_TIMEOUT_ENV = "INCIDENTMAP_LOCK_TIMEOUT"

_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


class StoreError(RuntimeError):
    """The store cannot be used: the message says why and what to do."""


class StoreBusyError(StoreError):
    """Another build, or another program reading the store, held it for too long."""


class StoreDamagedError(StoreError):
    """The store file is not a database, or fails SQLite's integrity check."""


class StoreVersionError(StoreError):
    """The store was written by a newer incidentmap, or is not an incidentmap store."""


def lock_timeout(value: float | None = None) -> float:
    """Return ``value``, else ``$INCIDENTMAP_LOCK_TIMEOUT``, else :data:`DEFAULT_LOCK_TIMEOUT_S`."""
    if value is not None:
        return float(value)
    text = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise ValueError(
            f"{LOCK_TIMEOUT_ENV}={text!r} is not a number of seconds (0 or more); "
            f"unset it to wait the default {DEFAULT_LOCK_TIMEOUT_S:.0f} s"
        )
    return seconds


def damaged(path: Path, reason: str) -> str:
    """The message for a damaged store (the words the README promises)."""
    return f"the store is damaged: {path}: {reason} (rebuild with --rebuild)"


@contextlib.contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn an :class:`sqlite3.Error` raised inside into a :class:`StoreError` about ``path``."""
    try:
        yield
    except sqlite3.Error as exc:
        raise store_error(exc, path) from exc


def begin(conn: sqlite3.Connection, path: Path, timeout: float) -> None:
    """``BEGIN IMMEDIATE``: take the write lock, waiting up to ``timeout`` for another writer.

    The first attempt does not wait, so that a build which has to wait says
    so (a warning, and the ``store-busy`` checkpoint the tests listen for)
    instead of hanging without a word.
    """
    with translated(path):
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
            checkpoint("store-busy")
            msg = "the store %s is in use by another build; waiting up to %.0f s for it"
            logger.warning(msg, path, timeout)
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                raise StoreBusyError(
                    f"the store {path} is in use by another build (waited {timeout:.0f} s); "
                    "wait for it to finish, or pass a different --store"
                ) from None
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


def commit(conn: sqlite3.Connection, path: Path, timeout: float) -> None:
    """``COMMIT``, or roll back and say why (a reader that never let go, a full disk...)."""
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        rollback(conn)
        if _is_busy(exc):
            # Our write lock kept other writers out: what blocks the commit is
            # a reader that kept its shared lock for the whole timeout.
            raise StoreBusyError(
                f"another program kept a read transaction open on the store {path} (a "
                f"database browser, say) for more than {timeout:.0f} s, so this build could "
                "not save; nothing was written. Close that program (or end its transaction) "
                "and run again"
            ) from None
        raise store_error(exc, path) from exc


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if any (SQLite may have done so already)."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def set_aside(path: Path, suffix: str) -> Path:
    """Rename a damaged store (and any journal beside it) to ``<path><suffix>``; return it.

    The journal must go too: left beside a new store of the same name,
    SQLite would take it for that store's hot journal and play it back.
    """
    aside = Path(str(path) + suffix)
    for extra in ("-journal", "-wal", "-shm"):
        companion = Path(str(path) + extra)
        if companion.exists():
            os.replace(companion, Path(str(aside) + extra))
    os.replace(path, aside)
    return aside


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """One clear sentence for what SQLite said about the store at ``path``."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith(_DAMAGED) or "not a database" in text or "malformed" in text:
        return StoreDamagedError(damaged(path, text))
    if name.startswith("SQLITE_FULL"):
        return StoreError(
            f"the disk under the store {path} is full ({text}); nothing was written. "
            "Free some space, or pass --store with a file on another disk"
        )
    if name.startswith("SQLITE_READONLY"):
        return StoreError(
            f"the store {path} is read-only ({text}); nothing was written. Make the file and "
            "its folder writable (SQLite writes a journal beside it), or pass a different --store"
        )
    if name.startswith("SQLITE_CANTOPEN"):
        return StoreError(
            f"cannot open the store {path} ({text}); check that its folder exists and is "
            "writable, or pass a different --store"
        )
    if _is_busy(exc):
        return StoreBusyError(
            f"the store {path} is in use by another program ({text}); close it and run again"
        )
    return StoreError(f"the store {path} failed: {text} ({name or type(exc).__name__})")


def _is_busy(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(exc)
