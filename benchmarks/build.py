"""How a build's cost follows the work: fresh, one more article, nothing new.

Usage::

    python benchmarks/build.py [--sizes 10 100 1000] [--large] [--jobs N] [--repeat N]
                               [--code DIR]

For each size it writes that many synthetic articles (``benchmarks/_articles.py``,
the project's own words), then times, each in a fresh process as a user runs it:

* a fresh build (empty store);
* a no-op build (nothing new);
* adding one article to the store.

and prints, per run, the wall and CPU time, the peak resident memory of the process
(``resource.getrusage``), and where the time went by stage.  The short builds (no-op,
one more article) run ``--repeat`` times from the same state (default 3): the row is
the median run by wall time, and "of" gives the fastest and slowest, since one run on
a shared machine can be a few tenths of a second off.  ``--large`` adds 10,000
articles; ``--code DIR`` measures another checkout (an older commit, say) on the
same articles.  The measured package is byte-compiled first, as an installed one
is.  It asserts nothing: the tests prove equality, this prints figures.
"""

from __future__ import annotations

import argparse
import compileall
import inspect
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The parent needs only the article generator; each child imports geo from --code.
sys.path.insert(0, str(ROOT / "benchmarks"))

#: Sizes measured by default; ``--large`` adds 10,000.
DEFAULT_SIZES = (10, 100, 1000)
LARGE_SIZE = 10_000
#: Pipeline steps timed separately, in the order a build runs them.  ``_surveyed``
#: (finding and checking the files, forked with ``--jobs`` above 1, while the
#: map libraries are imported) is shown as ``find``.
STAGES = (
    "find_inputs", "_surveyed", "load_resources", "_reextract", "_ingest", "_frames",
    "_write_outputs",
)  # fmt: skip
#: The rest of a build: the input check, the store's transaction and commit, the
#: change report, publishing the outputs.
WRITING = "rest"
#: A build with nothing new: comparing the files with the store, and nothing else.
CHECK = "check"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with ``--child``, one timed build)."""
    args = _parser().parse_args(argv)
    if args.child:
        return _child(args)
    sizes = list(args.sizes) + ([LARGE_SIZE] if args.large else [])
    # Byte-compiled first, as an installed package is (pip compiles at install, a
    # checkout on its first run): where PYTHONDONTWRITEBYTECODE is set, as on the
    # machine these figures come from, every measured process would otherwise
    # compile the package's source again (about 0.15 s).
    compileall.compile_dir(str(args.code / "geo"), quiet=1)
    rows = []
    with tempfile.TemporaryDirectory(prefix="incidentmap-bench-") as tmp:
        for size in sizes:
            folder = Path(tmp) / str(size)
            rows.extend(
                _measure_size(folder, size, jobs=args.jobs, code=args.code, repeat=args.repeat)
            )
    _print_table(rows)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES)
    parser.add_argument("--large", action="store_true", help=f"also {LARGE_SIZE:,} articles")
    parser.add_argument(
        "--jobs", type=int, default=None, help="passed to the build (default: the machine's cores)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, metavar="N",
        help="runs of each short build (no-op, one more article); the median is shown",
    )  # fmt: skip
    parser.add_argument(
        "--code", type=Path, default=ROOT, metavar="DIR",
        help="the checkout whose geo package is measured (default: this one), to compare",
    )  # fmt: skip
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--articles", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser


def _measure_size(
    folder: Path, size: int, *, jobs: int | None, code: Path, repeat: int
) -> list[dict[str, Any]]:
    from _articles import one_more, write_articles

    articles, out, before = folder / "articles", folder / "maps", folder / "before"
    _arrived_earlier(write_articles(articles, size))
    rows = [_run(f"fresh {size:,}", articles, out, jobs, code)]
    label = f"no-op {size:,}"
    rows.append(_median([_run(label, articles, out, jobs, code) for _ in range(repeat)]))
    # Each run adds the same article to the same store and outputs.
    shutil.copytree(out, before)
    runs = []
    for _ in range(repeat):
        shutil.rmtree(out)
        shutil.copytree(before, out)
        added = one_more(articles)
        _arrived_earlier([added])
        runs.append(_run(f"add 1 to {size:,}", articles, out, jobs, code))
        added.unlink()
    rows.append(_median(runs))
    return rows


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time, with the fastest and slowest of them all."""
    ranked = sorted(runs, key=lambda run: run["wall"])
    row = dict(ranked[(len(ranked) - 1) // 2])
    row["of"] = f"{len(runs)}: {ranked[0]['wall']:.2f}-{ranked[-1]['wall']:.2f}"
    return row


def _arrived_earlier(paths: list[Path]) -> None:
    """Date files a minute back, as articles saved before the build starts.

    A file modified in the seconds before it is read is read again by the
    next build (it could still change unseen); real articles arrive earlier.
    """
    past = time.time_ns() - 60 * 10**9
    for path in paths:
        os.utime(path, ns=(past, past))


def _run(label: str, articles: Path, out: Path, jobs: int | None, code: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "--articles", str(articles), "--out", str(out)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(code.resolve())}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{label}: the build failed:\n{done.stderr}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report.update(label=label, wall=wall)
    print(f"{label}: {wall:.2f} s", file=sys.stderr)
    return report


def _child(args: argparse.Namespace) -> int:
    """One build in this process, with its stages timed."""
    started = time.perf_counter()
    from geo import pipeline

    stages: dict[str, float] = {"imports": time.perf_counter() - started}
    # As the command line does: resources are loaded by the build, only when it has work.
    # (A checkout from before --jobs measures without it.)  Asked before build is
    # wrapped for timing: the wrapper's signature has no jobs.
    takes_jobs = "jobs" in inspect.signature(pipeline.build).parameters
    for name in (*STAGES, "build"):
        if hasattr(pipeline, name):  # an older checkout (--code) may lack a step
            setattr(pipeline, name, _timed(getattr(pipeline, name), name, stages))
    kwargs = {"jobs": args.jobs or os.cpu_count() or 1} if takes_jobs else {}
    result = pipeline.build(
        [args.articles], out_dir=args.out, map_options=pipeline.MapOptions(tiles=False), **kwargs
    )
    total = time.perf_counter() - started
    if "_surveyed" in stages:  # the walk (and check) of the files, with or without a fork
        stages["find_inputs"] = stages.pop("_surveyed")
    stages[WRITING] = stages.pop("build") - sum(stages.get(n, 0.0) for n in STAGES)
    if "_ingest" not in stages:  # nothing new: the build only checked, and wrote nothing
        stages[CHECK] = stages.pop(WRITING)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the --jobs pool
    print(
        json.dumps(
            {
                "total": total,
                "cpu": usage.ru_utime + usage.ru_stime + workers.ru_utime + workers.ru_stime,
                "peak_mib": max(usage.ru_maxrss, workers.ru_maxrss) / 1024,  # kB on Linux
                "stages": stages,
                "n_new": result.n_new,
                "n_incidents": result.n_incidents,
            }
        ),
        flush=True,
    )
    # The process then ends as the command's does (an older checkout may not say how).
    from geo import cli

    if hasattr(cli, "end_process"):
        cli.end_process(0)
    getattr(cli, "leave_objects_to_exit", lambda: None)()
    return 0


def _timed(function: Callable[..., Any], name: str, into: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            into[name] = into.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def _print_table(rows: list[dict[str, Any]]) -> None:
    columns = ["imports", CHECK, *(s for s in STAGES if s != "_surveyed"), WRITING]
    short = {
        "find_inputs": "find", "load_resources": "resources", "_reextract": "re-read",
        "_ingest": "ingest", "_frames": "merge", "_write_outputs": "outputs",
    }  # fmt: skip
    head = ["run", "wall s", "of", "cpu s", "peak MiB", "new", "incidents"]
    head += [short.get(c, c) for c in columns]
    lines = [head]
    for row in rows:
        stages = row["stages"]
        lines.append(
            [
                row["label"],
                f"{row['wall']:.2f}",
                row.get("of", "1"),
                f"{row['cpu']:.2f}",
                f"{row['peak_mib']:.0f}",
                str(row["n_new"]),
                str(row["n_incidents"]),
                *(f"{stages[c]:.2f}" if c in stages else "-" for c in columns),
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for number, line in enumerate(lines):
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    raise SystemExit(main())
