"""A build's outputs as one unit: staged, moved into place, and owed when a build dies.

The store commits a build in one transaction; the outputs (map, tables,
static map, ``changes.json``) are files written after that commit.  A build
that died between the two used to leave outputs that disagreed with each
other and a change report that was lost for good: the next build found
nothing new.  Two halves close that gap.

:class:`OutputFolder`
    Holds a lock on the output folder for the whole build (two builds that
    write the same ``--out`` from different stores must not interleave),
    writes every output into a staging folder inside it, then moves them
    into place, the state file (:data:`STATE_NAME`, naming the published
    build) last.  On entry it finishes what a dead build left: a staging
    folder with its manifest is rolled forward, one without is deleted, as
    are the temporary files of killed writes.

:class:`Debt`
    What the outputs owe, recorded in the store in the build's own
    transaction: the state the outputs last showed (the baseline the change
    report is measured from) and the articles read since.  The next build
    into the same folder finds a debt whose token the state file does not
    name, and reports from that baseline, so ``changes.json`` describes
    every change since the outputs were last written, none lost.

The lock is :func:`fcntl.flock` on the folder itself (POSIX): the kernel
drops it when the process dies, so a killed build never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo._faults import checkpoint
from geo.atomic import fsync_dir, remove_orphans, write_text_atomic
from geo.changes import describe_changes, has_changes
from geo.store import Store, lock_timeout

logger = logging.getLogger(__name__)

#: Names the build whose outputs are in place (its token and files); hidden.
STATE_NAME = ".incidentmap-published.json"
#: Staging folders are ``<out>/.incidentmap-staging-<random>``.
STAGING_PREFIX = ".incidentmap-staging-"
#: Written into a staging folder once every output is in it: from then on the
#: outputs are complete, and a dead build's staging is rolled forward.
MANIFEST_NAME = "MANIFEST.json"
#: How often a build waiting for the output folder's lock tries again.
LOCK_POLL_S = 0.1

Writer = Callable[[Path], Mapping[str, Path]]


class OutputBusyError(RuntimeError):
    """Another build held the output folder for longer than the timeout."""


class PublishError(RuntimeError):
    """The outputs could not be written (a full disk, a read-only folder...)."""


class OutputFolder:
    """The output folder of a build, locked for as long as the ``with`` block runs.

    Parameters
    ----------
    path
        The folder (created if missing).
    timeout
        Seconds to wait for another build holding it (default
        :func:`geo.store.lock_timeout`, a minute).

    Raises
    ------
    OutputBusyError
        Another build held the folder for longer than ``timeout``.
    PublishError
        The folder cannot be created or locked (read-only, say).
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float | None = None) -> None:
        self.path = Path(path)
        self.timeout = lock_timeout(timeout)
        self._fd: int | None = None

    @property
    def key(self) -> str:
        """The folder as the store knows it: its absolute path."""
        return str(self.path.resolve())

    def __enter__(self) -> OutputFolder:
        """Create and lock the folder, then finish or clear what dead builds left in it."""
        with _plain_errors(self.path, "create and lock the output folder", owed=False):
            self.path.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDONLY)
        if not os.access(self.path, os.W_OK | os.X_OK):
            self.__exit__()
            # Found before the store is touched: nothing is owed.
            raise PublishError(
                f"cannot write into the output folder {self.path}: it is read-only; nothing "
                "was changed. Make it writable, or pass a different --out"
            )
        try:
            self._lock()
            self.recover()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        """Release the lock."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def _lock(self) -> None:
        assert self._fd is not None
        deadline = time.monotonic() + self.timeout
        waited = False
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            if not waited:
                waited = True
                checkpoint("out-busy")
                msg = "the output folder %s is in use by another build; waiting up to %.0f s"
                logger.warning(msg, self.path, self.timeout)
            if time.monotonic() >= deadline:
                raise OutputBusyError(
                    f"the output folder {self.path} is in use by another build (waited "
                    f"{self.timeout:.0f} s); wait for it to finish, or pass a different --out"
                )
            time.sleep(LOCK_POLL_S)

    @property
    def published(self) -> str | None:
        """The token of the build whose change report is in place, or None."""
        try:
            return json.loads((self.path / STATE_NAME).read_text(encoding="utf-8"))["token"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @staticmethod
    def has_leftovers(path: str | os.PathLike[str]) -> bool:
        """Whether a stopped build left staged outputs in ``path`` (to be finished)."""
        return any(Path(path).glob(STAGING_PREFIX + "*"))

    def recover(self) -> None:
        """Roll forward complete staging folders, delete incomplete ones and orphan temp files."""
        for staging in sorted(self.path.glob(STAGING_PREFIX + "*")):
            if (staging / MANIFEST_NAME).is_file():
                logger.warning("finishing the outputs a stopped build left in %s", staging)
                self._roll_forward(staging)
            else:
                logger.info("removing %s: a stopped build's unfinished outputs", staging)
                shutil.rmtree(staging, ignore_errors=True)
        remove_orphans(self.path)

    def publish(
        self,
        token: str | None,
        write: Writer,
        *,
        extra: Mapping[str, str] | None = None,
        keep: Iterable[str] = (),
    ) -> dict[str, Path]:
        """Write the outputs into a staging folder, then move them into place.

        Parameters
        ----------
        token
            The debt this publication pays (:meth:`Debt.record`), written into
            the state file last; None leaves the state file as it is.
        write
            Writes every output into the folder it is given and returns
            ``{file name: path}``; it must write nowhere else.
        extra
            More files by name, as text (``changes.json``).
        keep
            Outputs this publication leaves as they are (``changes.json`` of a
            build that changed nothing).  Any other file the last publication
            wrote and this one does not is removed.

        Returns
        -------
        dict of str to pathlib.Path
            The final path of each output, by file name.

        Raises
        ------
        PublishError
            An output could not be written; nothing in the folder changed, and
            the store keeps the debt for the next build.
        """
        staging = self.path / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
        with _plain_errors(self.path, "write the outputs into"):
            try:
                staging.mkdir()
                names = self._stage(staging, write, extra or {})
                kept = sorted(set(keep) - set(names))
                manifest = (
                    json.dumps({"token": token, "files": names, "kept": kept}, indent=1) + "\n"
                )
                write_text_atomic(staging / MANIFEST_NAME, manifest)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            try:
                checkpoint("staged")
                self._roll_forward(staging)
            except KeyboardInterrupt:
                # The outputs are complete: the renames left take milliseconds,
                # and leave the folder consistent rather than half moved.
                if (staging / MANIFEST_NAME).exists():
                    self._roll_forward(staging)
                raise
        return {name: self.path / name for name in names}

    @staticmethod
    def _stage(staging: Path, write: Writer, extra: Mapping[str, str]) -> list[str]:
        written = {name: Path(path) for name, path in write(staging).items()}
        for name, text in extra.items():
            write_text_atomic(staging / name, text)
            written[name] = staging / name
        strays = [str(p) for name, p in written.items() if p != staging / name]
        if strays:
            raise ValueError(
                f"outputs must be written straight into the staging folder {staging}, "
                f"but these were not: {', '.join(strays)}"
            )
        return list(written)

    def _roll_forward(self, staging: Path) -> None:
        """Move a complete staging folder's files into place; the state file last.

        Idempotent: a file already moved is skipped, so a build killed half
        way through is finished by the next one.  A file whose bytes equal
        the one in place is not moved, so a build with nothing new touches
        no output.
        """
        manifest = json.loads((staging / MANIFEST_NAME).read_text(encoding="utf-8"))
        for name in manifest["files"]:
            source, target = staging / name, self.path / name
            if not source.exists():
                continue
            if _same_bytes(source, target):
                source.unlink()
            else:
                os.replace(source, target)
                checkpoint("mid-publish")
        previous = self._state()
        current = [*manifest["files"], *manifest.get("kept", [])]
        # An output the last publication wrote and this one does not (the
        # fragment, once --fragment is dropped) would show old figures beside
        # new ones: it goes.  Only plain names of this folder are touched.
        for name in previous.get("files", []):
            if name not in current and _own_output(name):
                with contextlib.suppress(FileNotFoundError):
                    (self.path / name).unlink()
        token = manifest["token"] if manifest["token"] is not None else previous.get("token")
        state = json.dumps({"token": token, "files": current}, indent=1) + "\n"
        if state != _text_or_empty(self.path / STATE_NAME):
            write_text_atomic(self.path / STATE_NAME, state)
        fsync_dir(self.path)
        shutil.rmtree(staging, ignore_errors=True)

    def _state(self) -> dict[str, Any]:
        """The state file's content: the published token and the files it wrote ({} if none)."""
        try:
            state = json.loads((self.path / STATE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}


def _own_output(name: Any) -> bool:
    """A name an output of this folder can have: plain, not hidden, not the state file."""
    return isinstance(name, str) and bool(name) and Path(name).name == name and name[0] != "."


def _text_or_empty(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


@dataclass
class Debt:
    """What the outputs of one folder last showed, and the articles read since.

    Made by :meth:`open` at the start of a build's transaction; the change
    report (:meth:`changes`) is measured from it, and :meth:`record` stores
    it again with the build's own articles, so that a build that dies
    after its commit leaves its report to the next one.
    """

    incidents: list[dict[str, Any]]
    area_claims: list[dict[str, Any]]
    article_ids: list[str]
    articles: dict[str, list[str]] = field(
        default_factory=lambda: {"new": [], "replaced": [], "pruned": []}
    )
    owed: bool = False
    #: The baseline's incident rows as the store holds them (recorded as they are).
    incident_json: list[str] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, store: Store, folder: OutputFolder) -> Debt:
        """The baseline for a build into ``folder``: a dead build's, else the store's state."""
        pending = store.get_pending(folder.key)
        if pending is not None and pending[0] != folder.published:
            logger.warning(
                "the last build into %s stopped before its outputs were written; "
                "this build writes them, its changes included",
                folder.path,
            )
            return cls(**pending[1], owed=True)
        area = [
            {"scope": c.scope, "figure": c.figure, "role": c.role, "value_low": c.value_low}
            for c in store.claims(scope="area")
        ]
        rows, texts = store.read_incidents()
        return cls(rows, area, sorted(store.article_ids()), incident_json=texts)

    def changes(
        self,
        *,
        new_incidents: list[dict[str, Any]],
        new_claims: list[dict[str, Any]],
        read: Iterable[str],
        replaced: Iterable[str],
        pruned: Iterable[str],
        present: set[str],
    ) -> dict[str, Any]:
        """The change report from this baseline to the build's state (see :mod:`geo.changes`).

        ``read`` are the articles this build read; re-read ones the baseline
        knew (``--rebuild``) are not news.  Articles of a dead build count too.
        """
        known = set(self.article_ids)
        self.articles = {
            "new": sorted(a for a in ({*self.articles["new"], *read} - known) if a in present),
            "replaced": sorted({*self.articles["replaced"], *replaced}),
            "pruned": sorted({*self.articles["pruned"], *pruned}),
        }
        return describe_changes(
            old_incidents=self.incidents,
            new_incidents=new_incidents,
            old_claims=self.area_claims,
            new_claims=new_claims,
            new_articles=self.articles["new"],
            replaced_articles=self.articles["replaced"],
            pruned_articles=self.articles["pruned"],
        )

    def record(self, store: Store, folder: OutputFolder, changes: Mapping[str, Any]) -> str | None:
        """Record the debt in the store (inside the build's transaction); return its token.

        A build that changed nothing owes no report: any older debt is paid
        by the outputs it writes, and None is returned.
        """
        if not has_changes(changes):
            store.clear_pending(folder.key)
            return None
        token = uuid.uuid4().hex
        body = {
            "area_claims": self.area_claims,
            "article_ids": self.article_ids,
            "articles": self.articles,
        }
        if self.incident_json is None:  # a dead build's baseline, read back
            store.set_pending(folder.key, token, {**body, "incidents": self.incidents})
        else:
            store.set_pending(folder.key, token, body, incident_json=self.incident_json)
        return token


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


@contextlib.contextmanager
def _plain_errors(folder: Path, doing: str, *, owed: bool = True) -> Iterator[None]:
    """Turn an OSError into one sentence that names the folder and the fix."""
    try:
        yield
    except OSError as exc:
        what = exc.strerror or str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        then = (
            "; the store keeps this build, and the next build writes what is owed"
            if owed
            else "; nothing was changed"
        )
        raise PublishError(
            f"cannot {doing} {folder}: {what}{where}{then}. Free some space or make the folder "
            "writable, or pass a different --out"
        ) from exc
