"""What a long command shows while it works: a bar, plain lines, or nothing.

Only the command line uses this (the library never draws).  On a terminal a
tqdm bar counts the stages of a build, with a second bar for the articles;
when stderr is piped each stage is one plain line, so a log reads cleanly;
with ``-q`` nothing at all.  Everything goes to stderr: stdout keeps the
summary, for scripts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TextIO

Mode = Literal["bar", "lines", "off"]


def choose_mode(*, quiet: bool, stream: TextIO | None = None) -> Mode:
    """``off`` with ``-q``, ``bar`` on a terminal, else ``lines``."""
    if quiet:
        return "off"
    stream = stream or sys.stderr
    return "bar" if stream.isatty() else "lines"


class StageProgress:
    """Progress over named stages, with the per-item loop of one of them.

    Parameters
    ----------
    stages
        Every stage, in order; :meth:`stage` is called with each.
    mode
        See :func:`choose_mode`.
    stream
        Where to draw (default stderr).
    """

    def __init__(self, stages: Sequence[str], *, mode: Mode, stream: TextIO | None = None):
        self.stages = tuple(stages)
        self.mode = mode
        self.stream = stream or sys.stderr
        self._bar: Any = None
        self._done = 0

    def stage(self, name: str) -> None:
        """Mark the start of stage ``name`` (the previous one is done)."""
        number = self.stages.index(name) + 1 if name in self.stages else self._done + 1
        if self.mode == "lines":
            print(f"incidentmap: [{number}/{len(self.stages)}] {name}", file=self.stream)
        elif self.mode == "bar":
            bar = self._overall()
            bar.set_description_str(name, refresh=False)
            bar.update(number - 1 - bar.n)
            bar.refresh()  # update(0) for the first stage draws nothing by itself
        self._done = number

    def items(self, items: Iterable[Any], total: int) -> Iterable[Any]:
        """Wrap the loop of the current stage (a second bar on a terminal)."""
        if self.mode != "bar":
            return items
        from tqdm import tqdm

        return tqdm(items, total=total, unit="file", leave=False, position=1, file=self.stream)

    def close(self) -> None:
        """Finish the display (the bar disappears before the summary)."""
        if self._bar is not None:
            self._bar.update(len(self.stages) - self._bar.n)
            self._bar.close()
            self._bar = None

    def _overall(self) -> Any:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=len(self.stages),
                unit="stage",
                leave=False,
                position=0,
                file=self.stream,
                bar_format="{desc}: {n_fmt}/{total_fmt} stages |{bar}| {elapsed}",
            )
        return self._bar

    def __enter__(self) -> StageProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
