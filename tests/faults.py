"""Real faults for tests: a read-only folder and a full disk.

A read-only folder is made with ``chmod`` for a normal user; root ignores
modes, so for root it is a read-only bind mount.  A full disk is a small
tmpfs, which only root can mount.  Where neither works (a container without
mount rights), the test is skipped with the reason; every such test has a
twin that injects the same error through a patched writer and always runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise OSError(result.stderr.strip() or f"mount {' '.join(args)} failed")


def _umount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], capture_output=True, check=False)


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """Make ``folder`` and everything in it read-only for this process while inside."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for path in sorted(modes, reverse=True):  # children first
            path.chmod(modes[path] & ~0o222)
        try:
            yield folder
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if not _can_mount():
        pytest.skip("root without the mount command: cannot make a folder read-only")
    try:
        _mount("--bind", str(folder), str(folder))
    except OSError as exc:
        pytest.skip(f"cannot bind-mount a folder read-only here: {exc}")
    try:
        _mount("-o", "remount,bind,ro", str(folder))
    except OSError as exc:
        _umount(folder)
        pytest.skip(f"cannot remount a folder read-only here: {exc}")
    try:
        yield folder
    finally:
        _umount(folder)


@contextlib.contextmanager
def small_disk(folder: Path, size_kb: int) -> Iterator[Path]:
    """Mount a tmpfs of ``size_kb`` kilobytes on ``folder`` (root only) while inside."""
    if not _can_mount():
        pytest.skip("a small disk needs root and the mount command (a tmpfs)")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _mount("-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder))
    except OSError as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    try:
        yield folder
    finally:
        _umount(folder)
