"""Extraction scores on the seeds and the development corpus, side by side, and its cost.

Builds each set into a temporary folder with the project's pipeline, scores
it with ``incidentmap evaluate``'s scorer against its gold file, and prints
one table; then times the pure extraction (mentions, article analysis,
claims) per article, resources loaded once.  Prints; asserts nothing.

    INCIDENTMAP_DATA=../shared/data python benchmarks/extraction.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.articles import iter_article_files, read_article  # noqa: E402
from geo.evaluate import evaluate_build  # noqa: E402
from geo.pipeline import MapOptions, build, extract, load_resources  # noqa: E402

SHARED = ROOT.parent / "shared"
SETS = {
    "seeds": (SHARED / "seeds", SHARED / "fixtures" / "seed_gold.csv"),
    "corpus": (SHARED / "corpus" / "articles", SHARED / "corpus" / "gold.csv"),
    "unseen (project's own)": (
        ROOT / "tests" / "data" / "unseen" / "articles",
        ROOT / "tests" / "data" / "unseen" / "gold.csv",
    ),
}
#: The targets of issue 9 on the development corpus.
TARGETS = {
    "place F1": 0.90,
    "district F1": 0.95,
    "(district, type) F1": 0.80,
    "gold figures found": 0.85,
    "build's figures right": 0.90,
}


def score_sets(resources) -> dict[str, dict[str, str]]:
    """Build and score every set that is present; rows of the table by set."""
    table = {}
    for name, (articles, gold) in SETS.items():
        if not articles.exists() or not gold.exists():
            print(f"skipped {name}: {articles} or {gold} not found", file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            build(
                [articles],
                out_dir=out,
                resources=resources,
                map_options=MapOptions(tiles=False),
            )
            result = evaluate_build(out, gold)
        table[name] = {
            "articles": str(len(iter_article_files([articles]))),
            "place F1": f"{result.places.f1:.2f}",
            "place P / R": f"{result.places.precision:.2f} / {result.places.recall:.2f}",
            "district F1": f"{result.districts.f1:.2f}",
            "(district, type) F1": f"{result.district_types.f1:.2f}",
            "article+place F1": (
                f"{result.article_places.f1:.2f}" if result.article_places else "-"
            ),
            "gold figures found": f"{result.figure_share:.2f}"
            f" ({result.figures_found}/{result.figures_total})",
            "build's figures right": f"{result.figure_precision:.2f}"
            f" ({result.figures_right}/{result.figures_reported})",
            "background mapped": str(len(result.background_mapped)),
        }
    return table


def time_extraction(resources, repeat: int) -> tuple[float, float, int]:
    """Median and worst milliseconds of extraction per article, over every set."""
    articles = [
        read_article(path)
        for folder, _ in SETS.values()
        if folder.exists()
        for path in iter_article_files([folder])
    ]
    per_article = []
    for article in articles:
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            extract(article, resources)
            runs.append((time.perf_counter() - start) * 1000)
        per_article.append(min(runs))
    return statistics.median(per_article), max(per_article), len(articles)


def print_table(table: dict[str, dict[str, str]]) -> None:
    names = list(table)
    rows = list(next(iter(table.values())))
    width = max(len(r) for r in rows) + 2
    cols = [max(len(n), *(len(table[n][r]) for r in rows)) + 2 for n in names]
    print("".ljust(width) + "".join(n.ljust(c) for n, c in zip(names, cols, strict=True)))
    for row in rows:
        target = f"  (target {TARGETS[row]:.2f} on the corpus)" if row in TARGETS else ""
        cells = "".join(table[n][row].ljust(c) for n, c in zip(names, cols, strict=True))
        print(row.ljust(width) + cells + target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per article")
    args = parser.parse_args()
    start = time.perf_counter()
    resources = load_resources()
    print(f"resources loaded in {time.perf_counter() - start:.2f} s\n")
    table = score_sets(resources)
    if table:
        print_table(table)
    median, worst, count = time_extraction(resources, args.repeat)
    print(
        f"\nextraction per article ({count} articles, best of {args.repeat}): "
        f"median {median:.1f} ms, slowest {worst:.1f} ms"
    )


if __name__ == "__main__":
    main()
