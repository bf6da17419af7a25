"""How long one oversized article takes to read and extract, below and above the size cap.

Writes articles of growing size (varied sentences written for the project,
numbered so that no line repeats) into a temporary folder, then times
``read_article`` and the pure extraction stages on each.  Above
``MAX_ARTICLE_CHARS`` the text is cut, so the time stops growing: a 50 MB
dump costs what the cap costs.

    python benchmarks/big_article.py [MB ...]
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

from geo.articles import MAX_ARTICLE_CHARS, read_article
from geo.pipeline import extract, load_resources

SENTENCES = (
    "Gunmen attacked a Levies checkpoint in Turbat on Saturday, killing three personnel, "
    "police said.",
    "A roadside bomb struck a convoy in Panjgur; officials said two soldiers were killed.",
    "Militants stormed a bank in Kalat and killed four guards, a police official said.",
    "The district administration imposed a curfew in Mastung after the blast.",
    "Residents said the market stayed closed for a second day.",
)


def article(size: int) -> str:
    lines, total, i = ["published: 2026-02-01", "---"], 0, 0
    while total < size:
        line = f"{SENTENCES[i % len(SENTENCES)]} (report {i})"
        lines.append(line + ("\n" if i % 4 == 3 else ""))
        total += len(line) + 1
        i += 1
    return "\n".join(lines)


def main(sizes_mb: list[float]) -> None:
    logging.basicConfig(level=logging.ERROR)
    resources = load_resources()
    print(f"MAX_ARTICLE_CHARS = {MAX_ARTICLE_CHARS:,}")
    print(f"{'file MB':>8} {'text chars':>12} {'read s':>8} {'extract s':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for mb in sizes_mb:
            path = Path(folder) / f"{mb}.txt"
            path.write_text(article(int(mb * 1_000_000)), encoding="utf-8")
            start = time.perf_counter()
            read = read_article(path)
            middle = time.perf_counter()
            extract(read, resources)
            end = time.perf_counter()
            print(f"{mb:8.2f} {len(read.text):12,} {middle - start:8.2f} {end - middle:10.2f}")


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [0.1, 0.25, 0.5, 1, 8, 50])
