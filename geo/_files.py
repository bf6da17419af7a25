"""Finding and opening article files without trusting the folder they are in.

A folder of articles is input like any other: it may hold a FIFO named like
an article (opening it for reading waits for a writer forever), symbolic
links that lead in a circle, links to folders already walked, folders and
files this user cannot read, and files far larger than any article.  Each is
reported with a reason (:class:`Skipped`) and the walk goes on; a build
never hangs on, or is aborted by, one bad entry.
"""

from __future__ import annotations

import errno
import os
import pathlib
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class Skipped:
    """A path that was not read, and why."""

    path: pathlib.Path
    reason: str

    def __str__(self) -> str:
        """``path: reason``, as the build's warnings print it."""
        return f"{self.path}: {self.reason}"


def path_key(path: str | os.PathLike[str]) -> str:
    """The key a file is known by in the store: its resolved path."""
    return os.path.realpath(path)


class PathKeys:
    """:func:`path_key` for many files, resolving each folder once.

    Resolving a path stats every component of it; for thousands of files
    in a few folders it costs more than the rest of a build with nothing new.
    A file that is itself a symbolic link is resolved in full.
    """

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: str | os.PathLike[str], *, is_link: bool | None = None) -> str:
        """Return the resolved path; ``is_link`` when the caller already knows."""
        name = os.fspath(path)
        folder, base = os.path.split(name)
        if is_link is None:
            is_link = os.path.islink(name)
        if is_link or base in ("", ".", ".."):
            return path_key(name)
        resolved = self._folders.get(folder)
        if resolved is None:
            resolved = self._folders[folder] = path_key(folder or os.curdir)
        return os.path.join(resolved, base)


class NotRegularFileError(OSError):
    """The path is a FIFO, socket, device or folder where a file was expected."""


class Walked(NamedTuple):
    """What :func:`walk` found."""

    #: The regular files ``wanted`` accepts, in the order walked.
    files: list[pathlib.Path]
    #: What could not be read, and why.
    skipped: list[Skipped]
    #: Which of ``files`` are symbolic links (the listing tells, so a caller
    #: need not ask the disk again for each file).
    links: set[pathlib.Path]
    #: The names of the other files, which ``wanted`` refused.
    refused: list[str]


def walk(folder: pathlib.Path, wanted: Callable[[str], bool]) -> Walked:
    """Find the regular files under ``folder`` that ``wanted`` accepts.

    Hidden files and folders are left out silently; names ``wanted``
    refuses are only listed.  Symbolic links are followed, to files and to
    folders, but a folder reached twice (a link back to an ancestor, or two
    links to one place) is walked once, and a link that loops or leads
    nowhere is skipped with its reason, as is a folder that cannot be listed.
    """
    found = Walked([], [], set(), [])
    files, skipped, links = found.files, found.skipped, found.links
    seen: set[tuple[int, int]] = set()
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            info = here.stat()
        except OSError as exc:
            skipped.append(Skipped(here, _why(exc, here)))
            continue
        if (info.st_dev, info.st_ino) in seen:
            target = os.path.realpath(here)
            skipped.append(Skipped(here, f"a link to a folder already read ({target})"))
            continue
        seen.add((info.st_dev, info.st_ino))
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(here, _why(exc, here, folder=True)))
            continue
        below = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = pathlib.Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows links; False for a broken or looping one
            except OSError:
                is_dir = False
            if is_dir:
                below.append(path)
            elif wanted(entry.name) or entry.is_symlink() and _loops(path):
                # A regular file, as the listing says (no link): nothing to check.
                link = entry.is_symlink()
                regular = not link and entry.is_file(follow_symlinks=False)
                problem = "" if regular else file_problem(path)
                if problem:
                    skipped.append(Skipped(path, problem))
                else:
                    files.append(path)
                    if link:
                        links.add(path)
            else:
                found.refused.append(entry.name)
        stack.extend(reversed(below))
    return found


def file_problem(path: pathlib.Path) -> str:
    """Why ``path`` cannot be read as a regular file, or "" when it can be tried."""
    try:
        info = path.stat()
    except OSError as exc:
        return _why(exc, path)
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({_kind(info.st_mode)}); only regular files are read"
    return ""


def read_limited(path: pathlib.Path, limit: int) -> tuple[bytes, bool]:
    """Read at most ``limit`` bytes of a regular file; return them and whether there was more.

    The file is opened without blocking and checked on the open descriptor,
    so a FIFO swapped in after :func:`walk` looked is refused, not waited on.

    Raises
    ------
    NotRegularFileError
        If ``path`` is not a regular file.
    OSError
        If it cannot be opened or read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(
                errno.EINVAL, f"not a regular file ({_kind(mode)})", str(path)
            )
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return data[:limit], len(data) > limit


def _loops(path: pathlib.Path) -> bool:
    try:
        path.stat()
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _why(exc: OSError, path: pathlib.Path, *, folder: bool = False) -> str:
    if exc.errno == errno.ELOOP:
        return "a symbolic link that loops (it leads back to itself)"
    if exc.errno == errno.ENOENT and path.is_symlink():
        return f"a symbolic link to {os.readlink(path)}, which does not exist"
    if exc.errno in (errno.EACCES, errno.EPERM):
        what = "folder" if folder else "file"
        return f"cannot read the {what} ({exc.strerror}); check its permissions"
    return f"cannot read it ({exc.strerror or exc})"


def _kind(mode: int) -> str:
    kinds: Iterable[tuple[Callable[[int], bool], str]] = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    )
    return next((name for test, name in kinds if test(mode)), "not a plain file")
