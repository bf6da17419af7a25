"""Work spread over processes (``--jobs``), with the result of one process.

Two shapes of work are spread: extraction (:class:`Extractor`), and one
long step beside the rest (:class:`Beside`: the static images are drawn
while the tables and the HTML map are written).

Extraction is a pure function of one article and the loaded resources, so
the articles of a batch can be extracted in any process: the workers get the
function and the resources once (inherited at fork, or pickled once per
worker elsewhere) and ``Executor.map`` returns the results in the articles'
order.  A batch too small to repay a pool is extracted in this process.
"""

from __future__ import annotations

import multiprocessing
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


class Beside(Generic[Result]):
    """``function(*args, **kwargs)`` run in a forked process while this one goes on.

    :meth:`result` waits for it and returns its value, or raises its
    exception here.  The child is forked, so it reads the arguments this
    process holds without pickling them; only the value travels back.
    Where fork is not available, or ``parallel`` is false (``--jobs 1``),
    the function runs here when :meth:`result` is called: the value is the
    same either way.
    """

    def __init__(
        self,
        function: Callable[..., Result],
        *args: Any,
        parallel: bool = True,
        **kwargs: Any,
    ) -> None:
        self._call = (function, args, kwargs)
        self._process: Any = None
        if parallel and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_send_result, args=(send, function, args, kwargs), daemon=True
            )
            self._process.start()
            send.close()

    def result(self) -> Result:
        """The function's value (waiting for the child when there is one)."""
        function, args, kwargs = self._call
        if self._process is None:
            return function(*args, **kwargs)
        try:
            ok, value = self._receive.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"the process running {function.__name__} ended without an answer "
                f"(exit code {self._process.exitcode}); run with --jobs 1 to see its error here"
            ) from None
        finally:
            self._receive.close()
        self._process.join()
        if ok:
            return value  # type: ignore[no-any-return]
        raise value


def _send_result(
    send: Connection,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """In the child: send ``(True, value)`` or ``(False, exception)``."""
    try:
        answer: tuple[bool, Any] = (True, function(*args, **kwargs))
    except BaseException as exc:  # noqa: BLE001 - every failure is the parent's to raise
        answer = (False, exc)
    try:
        send.send(answer)
    except Exception as exc:  # noqa: BLE001 - an exception that cannot be pickled
        send.send((False, RuntimeError(f"{type(exc).__name__}: {exc}; from {answer[1]!r}")))
    finally:
        send.close()
