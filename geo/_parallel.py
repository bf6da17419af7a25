"""Work spread over processes (``--jobs``), with the result of one process.

Three shapes of work are spread: extraction (:class:`Extractor`); one long
step beside the rest, in a process started early (:class:`Helper`: the
static images are drawn while the store is updated and the other outputs
are written); and a step forked when its input is ready (:class:`Forked`:
the GeoPackage and the big tables are made while the store is updated
and the other outputs are made).

Extraction is a pure function of one article and the loaded resources, so
the articles of a batch can be extracted in any process: the workers get the
function and the resources once (inherited at fork, or pickled once per
worker elsewhere) and ``Executor.map`` returns the results in the articles'
order.  A batch too small to repay a pool is extracted in this process.
"""

from __future__ import annotations

import importlib
import multiprocessing
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

#: Fewer articles than this per process are extracted here: starting a pool costs more.
MIN_ARTICLES_PER_JOB = 8

Item = TypeVar("Item")
Result = TypeVar("Result")


class Extractor(Generic[Item, Result]):
    """``function(item, resources)`` over batches of items, here or in ``jobs`` processes.

    Use as a context manager: the pool, started at the first batch large
    enough, is shut down on leaving.  ``function`` must be importable at
    module level (workers find it by name).
    """

    def __init__(
        self, function: Callable[[Item, Any], Result], resources: Any, *, jobs: int
    ) -> None:
        self.function = function
        self.resources = resources
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Extractor[Item, Result]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def map(self, items: Sequence[Item]) -> Iterator[Result]:
        """Yield ``function(item, resources)`` for every item, in order.

        With a pool every item is submitted at once and the results are
        yielded as they come, so the caller stores one while the workers
        extract the next.
        """
        if self.jobs == 1 or len(items) < MIN_ARTICLES_PER_JOB * self.jobs:
            return (self.function(item, self.resources) for item in items)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                initializer=_init_worker,
                initargs=(self.function, self.resources),
            )
        chunk = max(1, len(items) // (self.jobs * 4))
        return self._pool.map(_in_worker, items, chunksize=chunk)


_WORKER: tuple[Callable[[Any, Any], Any], Any] | None = None


def _init_worker(function: Callable[[Any, Any], Any], resources: Any) -> None:
    global _WORKER
    _WORKER = (function, resources)


def _in_worker(item: Any) -> Any:
    assert _WORKER is not None, "the pool's initializer sets the function and resources"
    function, resources = _WORKER
    return function(item, resources)


class _Child:
    """A process that answers one call over a pipe (:class:`Helper`, :class:`Forked`)."""

    _process: Any = None
    _connection: Connection

    def _answer(self, target: str) -> Any:
        try:
            ok, value = self._connection.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"the process running {target} ended without an answer (exit code "
                f"{self._process.exitcode}); run with --jobs 1 to see its error here"
            ) from None
        if ok:
            return value
        raise value

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the process: it stops waiting, or is stopped if it is still working."""
        if self._process is None:
            return
        self._connection.close()
        self._process.join(timeout=1)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._process = None


class Helper(_Child):
    """A second process, started early, that imports modules and then runs one call.

    A build starts it before loading and merging, so that by the time the
    outputs are written its imports (matplotlib, for the static image) are
    done, and the call it runs overlaps the rest of the writing.  The call
    names its function as ``"module:function"``, looked up in the helper;
    its arguments and value are pickled (keep them small).  The helper is
    forked, so a module the parent imported before it started is the
    parent's (tests patch it there).  Without a safe fork (only Linux has
    one: macOS's system libraries may crash in a forked child), or with
    ``parallel`` false (``--jobs 1``), the call runs here when its result
    is asked for: the value is the same either way.

    Use as a context manager: leaving it ends the helper whatever it was doing.
    """

    def __init__(self, modules: Sequence[str] = (), *, parallel: bool = True) -> None:
        self._sent = False
        if parallel and _can_fork():
            context = multiprocessing.get_context("fork")
            self._connection, theirs = context.Pipe()
            self._process = context.Process(
                target=_serve, args=(theirs, self._connection, tuple(modules)), daemon=True
            )
            self._process.start()
            theirs.close()

    def __enter__(self) -> Helper:
        return self

    def call(self, target: str, *args: Any, **kwargs: Any) -> Callable[[], Any]:
        """Start ``target(*args, **kwargs)``; return a function that waits for its value.

        The returned function raises the call's exception here, or a
        RuntimeError when the helper died without answering.
        """
        if self._process is None or self._sent:
            return lambda: _resolve(target)(*args, **kwargs)
        self._sent = True
        self._connection.send((target, args, kwargs))
        return lambda: self._answer(target)


class Forked(_Child):
    """``function(*args, **kwargs)`` in a process forked now; :meth:`result` waits for its value.

    Forked at the call, the child starts from this process's memory as it
    is: what the function reads (a model just built) is not pickled to get
    there, only its value comes back (keep that small).  A build writes the
    GeoPackage and the GeoJSON this way while it makes the CSV tables and the
    HTML map.  Without a safe fork, or with ``parallel`` false, the function
    runs here, at once; either way :meth:`result` returns its value or raises
    its exception.

    Use as a context manager: leaving it ends the child whatever it was doing.
    """

    def __init__(
        self, function: Callable[..., Any], *args: Any, parallel: bool = True, **kwargs: Any
    ) -> None:
        self._target = f"{function.__module__}:{function.__qualname__}"
        self._here: tuple[bool, Any] | None = None
        if not (parallel and _can_fork()):
            self._here = _outcome(function, args, kwargs)
            return
        context = multiprocessing.get_context("fork")
        self._connection, theirs = context.Pipe()
        self._process = context.Process(
            target=_run_forked,
            args=(theirs, self._connection, function, args, kwargs),
            daemon=True,
        )
        self._process.start()
        theirs.close()

    def __enter__(self) -> Forked:
        return self

    def done(self) -> bool:
        """True once :meth:`result` would not wait."""
        return self._here is not None or self._connection.poll()

    def result(self) -> Any:
        """The function's value; its exception is raised here."""
        if self._here is None:
            return self._answer(self._target)
        ok, value = self._here
        if ok:
            return value
        raise value


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _serve(connection: Connection, parents: Connection, modules: tuple[str, ...]) -> None:
    """In the helper: import, wait for one call, answer ``(True, value)`` or ``(False, error)``.

    The parent's end of the pipe, inherited at fork, is closed first: the
    parent closing its own then reaches the helper as the end of input.
    Ctrl-C is the parent's to handle (it ends the helper); a parent that has
    gone away is not an error worth a traceback.
    """
    parents.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    failed: BaseException | None = None
    try:
        for module in modules:
            importlib.import_module(module)
    except BaseException as exc:  # noqa: BLE001 - reported with the call
        failed = exc
    try:
        target, args, kwargs = connection.recv()
    except (EOFError, OSError):
        return
    if failed is not None:
        _reply(connection, (False, failed))
    else:
        _reply(connection, _outcome(_resolve(target), args, kwargs))


def _run_forked(
    connection: Connection,
    parents: Connection,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """In a :class:`Forked` child: run the function and answer, as :func:`_serve` does."""
    parents.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _reply(connection, _outcome(function, args, kwargs))


def _outcome(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[bool, Any]:
    """``(True, value)`` of the call, or ``(False, exception)``."""
    try:
        return True, function(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - every failure is the caller's to raise
        return False, exc


def _reply(connection: Connection, answer: tuple[bool, Any]) -> None:
    """Send the answer; a parent that has gone away is not an error worth a traceback."""
    try:
        connection.send(answer)
    except (BrokenPipeError, EOFError, OSError):
        pass
    except Exception as exc:  # noqa: BLE001 - an exception that cannot be pickled
        connection.send((False, RuntimeError(f"{type(exc).__name__}: {exc}; from {answer[1]!r}")))
    finally:
        connection.close()
