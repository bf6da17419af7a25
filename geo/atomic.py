"""Atomic file writes: a reader sees the old file or the new one, never half.

Every output (map, CSV, GeoJSON, changelog) goes through :func:`atomic_write`
so that a build killed at any moment leaves the last good state on disk.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal


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
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically, as UTF-8."""
    with atomic_write(path) as handle:
        handle.write(text)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path, mode="wb", encoding=None) as handle:
        handle.write(data)
