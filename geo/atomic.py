"""Atomic file writes: a reader sees the old file or the new one, never half.

Every output (map, CSV, GeoJSON, changelog) goes through :func:`atomic_write`
so that a build killed at any moment leaves the last good state on disk.  A
killed write leaves its temporary file behind (nothing runs after SIGKILL);
:func:`remove_orphans` clears them, from a folder no write is under way in.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

logger = logging.getLogger(__name__)

#: Temporary files are ``.<name>.<random>.tmp`` beside their target (see
#: :func:`tempfile.mkstemp`, whose random part is 8 characters).
TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + "$")


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    *,
    mode: Literal["w", "wb"] = "w",
    encoding: str | None = "utf-8",
) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success, rename it into place.

    The temporary file lives in the same folder so that :func:`os.replace`
    is a rename on one file system (atomic on POSIX and Windows).  On any
    exception the temporary file is removed and ``path`` is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent
    )
    try:
        kwargs: dict[str, Any] = {"encoding": encoding, "newline": ""} if mode == "w" else {}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600 files; give the output the usual umask mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, target)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's entries to disk, so that a rename in it survives a power cut.

    Where folders cannot be opened (Windows), the rename is left to the OS.
    """
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically, as UTF-8."""
    with atomic_write(path) as handle:
        handle.write(text)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path, mode="wb", encoding=None) as handle:
        handle.write(data)


def remove_orphans(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files that killed writes left in ``folder``; return them.

    Only names :func:`atomic_write` makes are touched.  Call it only while
    no write into ``folder`` can be under way (the build holds the output
    folder's lock when it does).
    """
    removed = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if _TEMP_NAME.match(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    if removed:
        logger.info("removed %d temporary files of interrupted writes in %s", len(removed), folder)
    return sorted(removed)
