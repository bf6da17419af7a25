"""Extraction spread over processes (``--jobs``), with the result of one process.

Extraction is a pure function of one article and the loaded resources, so
the articles of a batch can be extracted in any process: the workers get the
function and the resources once (inherited at fork, or pickled once per
worker elsewhere) and ``Executor.map`` returns the results in the articles'
order.  A batch too small to repay a pool is extracted in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
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
