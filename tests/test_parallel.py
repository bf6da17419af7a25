"""Work in a second process (geo._parallel.Helper, Forked): same value, same errors, elsewhere."""

from __future__ import annotations

import errno
import os

import pytest

from geo._parallel import Forked, Helper

HERE = "tests.test_parallel"


def pid_and(value: int, *, times: int) -> tuple[int, int]:
    return os.getpid(), value * times


def fail(code: int) -> None:
    raise OSError(code, "no space left for the drawing", "incidents.png")


def die() -> None:
    os._exit(3)


def test_parallel_runs_in_another_process_and_returns_its_value():
    with Helper(["json"], parallel=True) as helper:
        pid, value = helper.call(f"{HERE}:pid_and", 6, times=7)()

    assert value == 42
    assert pid != os.getpid()


def test_not_parallel_runs_here_when_asked():
    with Helper(["json"], parallel=False) as helper:
        pid, value = helper.call(f"{HERE}:pid_and", 6, times=7)()

    assert (pid, value) == (os.getpid(), 42)


@pytest.mark.parametrize("parallel", [True, False])
def test_the_calls_exception_is_raised_here_with_its_errno(parallel):
    with Helper(parallel=parallel) as helper, pytest.raises(OSError) as caught:
        helper.call(f"{HERE}:fail", errno.ENOSPC)()

    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == "incidents.png"


def test_a_helper_that_dies_is_reported_with_its_exit_code():
    with Helper(parallel=True) as helper, pytest.raises(RuntimeError, match="exit code 3"):
        helper.call(f"{HERE}:die")()


def test_a_module_the_helper_cannot_import_fails_the_call_not_the_start():
    with (
        Helper(["no_such_module_here"], parallel=True) as helper,
        pytest.raises(ModuleNotFoundError, match="no_such_module_here"),
    ):
        helper.call(f"{HERE}:pid_and", 1, times=1)()


def test_a_helper_never_called_ends_with_its_owner():
    helper = Helper(["json"], parallel=True)
    process = helper._process
    helper.close()

    assert not process.is_alive()
    assert process.exitcode == 0


# -- Forked: a process forked when its input is ready ------------------------------------


def test_forked_reads_this_processs_memory_without_pickling():
    unpicklable = {"count": lambda: 42}  # a lambda cannot cross a pipe: only fork carries it
    with Forked(lambda table: (os.getpid(), table["count"]()), unpicklable) as child:
        pid, value = child.result()

    assert (value, pid != os.getpid()) == (42, True)


def test_forked_not_parallel_runs_here_at_once():
    ran = []
    with Forked(lambda: ran.append(os.getpid()) or "done", parallel=False) as child:
        assert ran == [os.getpid()]  # before the result is asked for
        assert child.result() == "done"


@pytest.mark.parametrize("parallel", [True, False])
def test_forked_raises_the_functions_exception_here(parallel):
    with Forked(fail, errno.ENOSPC, parallel=parallel) as child, pytest.raises(OSError) as caught:
        child.result()

    assert caught.value.errno == errno.ENOSPC


def test_a_forked_child_that_dies_is_reported_with_its_exit_code():
    with (
        Forked(die) as child,
        pytest.raises(RuntimeError, match=r":die ended without an answer \(exit code 3\)"),
    ):
        child.result()


def test_leaving_a_forked_child_unasked_ends_it():
    import time

    child = Forked(time.sleep, 60)
    process = child._process
    child.close()

    assert not process.is_alive()
