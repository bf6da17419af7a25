"""What a build may skip: input files unchanged since they were read, or the whole build.

Re-runs after new articles arrive are the common case, so a build's cost
should follow the new work.  Two checks make it so:

* each input file is compared with what the store recorded when it was last
  read (size and modification time, :class:`~geo.store.FileStat`); a file
  that matches is not opened, let alone hashed or extracted again;
* when every file matches, the extractor is the same, and the outputs were
  written completely by a build with the same code and options
  (:func:`outputs_key`), there is nothing to do: the build returns without
  merging or writing anything, so every output keeps its bytes.

A file modified within :data:`RACY_NS` of being read may change again
within the same clock tick without its size or mtime moving; its stat is
stored as unknown, so the next build reads it once more (git's "racily
clean" rule).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISLNK
from typing import Any, Literal

from geo import __version__
from geo._files import PathKeys, path_key
from geo.store import FileStat, Store

#: A file whose mtime is this close to the moment it was read is read again next time.
RACY_NS = 2_000_000_000
#: Environment variables that decide which boundary file a build finds (geo.districts).
BOUNDARY_ENV = ("INCIDENTMAP_DATA", "INCIDENTMAP_CACHE")
#: Where the store says which outputs the last complete build wrote, and with what.
OUTPUTS_META = "outputs"

Status = Literal["unchanged", "unreadable", "changed"]


@dataclass
class Scan:
    """Input files sorted by what the store knows of them."""

    unchanged: int = 0
    #: Files that could not be read last time and have not changed since: path -> reason.
    unreadable: dict[Path, str] = field(default_factory=dict)
    #: Files to read: new, changed, or not recorded; with their stat (None: stat failed).
    changed: list[tuple[Path, os.stat_result | None]] = field(default_factory=list)
    #: The store's key (resolved path) of each file stat'ed, by its path as text.
    keys: dict[str, str] = field(default_factory=dict)
    #: The store's generation (:meth:`geo.store.Store.generation`) the scan
    #: was taken at, when no transaction committed while it ran.
    generation: int | None = None

    @property
    def nothing_new(self) -> bool:
        """True when no file needs reading."""
        return not self.changed


def scan(store: Store, files: Iterable[Path], known_keys: Mapping[Path, str] | None = None) -> Scan:
    """Stat every file and compare it with what the store recorded when it was read.

    ``known_keys`` are the files' resolved paths where the caller has them
    already (:attr:`geo.articles.Inputs.keys`); a file that is a link is
    resolved again, as it is now.
    """
    before = store.generation()
    recorded = store.file_stats()
    known = store.article_ids()
    keys = PathKeys()
    given = known_keys or {}
    result = Scan()
    for path in files:
        try:
            stat = os.lstat(path)
            link = S_ISLNK(stat.st_mode)
            if link:
                stat = os.stat(path)
        except OSError:
            result.changed.append((path, None))  # reading it will say why
            continue
        key = result.keys[str(path)] = (None if link else given.get(path)) or keys(
            path, is_link=link
        )
        old = recorded.get(key)
        if old is None or (old.size, old.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            result.changed.append((path, stat))
        elif old.error is not None:
            result.unreadable[path] = old.error
        elif old.article_id in known:
            result.unchanged += 1
        else:
            result.changed.append((path, stat))
    result.generation = before if store.generation() == before else None
    return result


def rescan(
    store: Store,
    earlier: Scan | None,
    files: Callable[[], tuple[Iterable[Path], Mapping[Path, str] | None]],
) -> Scan:
    """``earlier``, while the store has not been written since it was taken; else a new scan.

    A build with something to do has scanned its files once already, to
    find that out (outside its transaction).  The files may have changed
    since, but a file is read as it is, and a change recorded late is found
    by the next build; what must not have moved is the store.  ``files``
    gives the files and their known keys (as :func:`scan` takes them) when
    they are scanned again.
    """
    if earlier is not None and earlier.generation == store.generation():
        return earlier
    return scan(store, *files())


def record(
    store: Store,
    path: Path,
    stat: os.stat_result | None,
    *,
    article_id: str | None = None,
    error: str | None = None,
) -> None:
    """Remember what a file was when read (nothing when it could not even be stat'ed)."""
    if stat is None:
        return
    racy = time.time_ns() - stat.st_mtime_ns < RACY_NS
    mtime = -1 if racy else stat.st_mtime_ns
    store.set_file_stat(path_key(path), FileStat(stat.st_size, mtime, article_id, error))


def outputs_key(settings: Iterable[object]) -> str:
    """A hash of what the outputs depend on besides the store: code, tables, settings."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    data = package.parent / "data"
    code = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    tables = sorted(p for p in data.glob("*") if p.is_file())
    for path in code + tables:
        digest.update(str(path.relative_to(path.parents[1])).encode())
        digest.update(path.read_bytes())
    for setting in settings:
        digest.update(repr(setting).encode())
    return digest.hexdigest()[:24]


def written_outputs(
    store: Store, key: str, *, boundaries: str | None
) -> tuple[dict[str, Path], str] | None:
    """The outputs of the last complete build with this key, if all are still there.

    Returns them with the boundary note of that build.  ``boundaries`` is
    the note of the loaded polygons; None means they are not loaded yet (the
    command line checks before loading anything): then the last build must
    have read a polygon file that is still as it was, found the same way.
    """
    text = store.get_meta(OUTPUTS_META)
    if not text:
        return None
    last = json.loads(text)
    if last.get("key") != key:
        return None
    if boundaries is not None and last["boundaries"] != boundaries:
        return None
    if boundaries is None and (last["boundary_file"] is None or last["env"] != _search_env()):
        return None
    if (
        last["boundary_file"] is not None
        and stat_of(last["boundary_file"][0]) != last["boundary_file"]
    ):
        return None
    outputs = {name: Path(path) for name, path in last["files"]}
    if not all(path.exists() for path in outputs.values()):
        return None
    return outputs, last["boundaries"]


def mark_outputs(
    store: Store,
    key: str | None,
    outputs: Mapping[str, Path] | None = None,
    *,
    boundaries: str = "",
    boundary_file: Path | None = None,
) -> None:
    """Record a complete set of outputs (or, with ``key=None``, that they are out of date)."""
    if key is None:
        store.set_meta(OUTPUTS_META, "")
        return
    last = {
        "key": key,
        "files": [[name, str(path)] for name, path in (outputs or {}).items()],
        "boundaries": boundaries,
        "boundary_file": None if boundary_file is None else stat_of(str(boundary_file)),
        "env": _search_env(),
    }
    store.set_meta(OUTPUTS_META, json.dumps(last, sort_keys=True))


def stat_of(path: str) -> list[Any] | None:
    """``[path, size, mtime_ns]`` of a file, or None when it cannot be stat'ed."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [path, stat.st_size, stat.st_mtime_ns]


def _search_env() -> dict[str, str]:
    """The variables that decide where the polygons are found."""
    return {name: os.environ.get(name, "") for name in BOUNDARY_ENV}
