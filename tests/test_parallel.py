"""One step beside the rest (geo._parallel.Beside): same value, same errors, another process."""

from __future__ import annotations

import errno
import os

import pytest

from geo._parallel import Beside


def _pid_and(value: int, *, times: int) -> tuple[int, int]:
    return os.getpid(), value * times


def _fail(code: int) -> None:
    raise OSError(code, "no space left for the drawing", "incidents.png")


def _die() -> None:
    os._exit(3)


def test_parallel_runs_in_another_process_and_returns_its_value():
    pid, value = Beside(_pid_and, 6, times=7, parallel=True).result()

    assert value == 42
    assert pid != os.getpid()


def test_not_parallel_runs_here_when_asked():
    pid, value = Beside(_pid_and, 6, times=7, parallel=False).result()

    assert (pid, value) == (os.getpid(), 42)


@pytest.mark.parametrize("parallel", [True, False])
def test_the_functions_exception_is_raised_here_with_its_errno(parallel):
    with pytest.raises(OSError) as caught:
        Beside(_fail, errno.ENOSPC, parallel=parallel).result()

    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == "incidents.png"


def test_a_child_that_dies_is_reported_with_its_exit_code():
    with pytest.raises(RuntimeError, match=r"_die ended without an answer \(exit code 3\)"):
        Beside(_die, parallel=True).result()
