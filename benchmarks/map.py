"""Map size and drawing time in headless Chromium, beside plain Folium markers.

Run from the repository root: ``python benchmarks/map.py [--articles 2300]``.

The incidents are real-shaped: ``benchmarks/synth.py`` writes the articles
(about 4 kB each, several outlets per event) and the real pipeline builds
them (the build is cached under ``.benchmarks/``, keyed by the article count,
the seed and the extractor, so a second run starts at once).  For that
build it prints, side by side: the size of incidentmap's ``incidents.html``
(self-contained, and with ``--cdn``) and of plain Folium with one
``folium.Marker`` and popup per incident, and the median time from
navigation start until every marker is drawn (the browser's clock, on the
first animation frame where they all are).  Every request is answered on the
machine (Leaflet and jQuery from the xstatic packages, blank tiles).
Figures, no assertions (acceptance: at 5,000 incidents, 5x lighter than
plain Folium and drawn in under 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synth import write_articles  # noqa: E402
from geo.exports import MapOptions  # noqa: E402
from geo.pipeline import build, extractor_fingerprint, load_resources  # noqa: E402
from tests.browser_support import Traffic, chromium, chromium_available, route_offline  # noqa: E402

CACHE = ROOT / ".benchmarks"


def cached_build(n_articles: int, seed: int) -> Path:
    """Build the synthetic articles once; later runs reuse the store and outputs."""
    folder = CACHE / f"synth-{n_articles}-{seed}"
    articles = folder / "articles"
    if not articles.is_dir():
        print(f"writing {n_articles} articles ...", file=sys.stderr)
        write_articles(articles, n_articles, seed=seed)
    key = folder / "built-with"
    if not key.is_file() or key.read_text() != extractor_fingerprint():
        print("building them through the pipeline (once) ...", file=sys.stderr)
        start = time.perf_counter()
        build([articles], out_dir=folder / "out", resources=load_resources())
        print(f"  built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        key.write_text(extractor_fingerprint())
    return folder


def map_files(folder: Path) -> dict[str, Path]:
    """incidentmap's page, self-contained and linked, for the cached build."""
    resources = load_resources()
    store = folder / "out" / "incidentmap.db"
    cdn = folder / "cdn"
    build([folder / "articles"], out_dir=cdn, store_path=store, resources=resources,
          map_options=MapOptions(self_contained=False))  # fmt: skip
    build([folder / "articles"], out_dir=folder / "out", store_path=store, resources=resources)
    return {"incidentmap": folder / "out" / "incidents.html",
            "incidentmap --cdn": cdn / "incidents.html"}  # fmt: skip


def plain_folium(folder: Path, path: Path) -> int:
    """The naive map: one Marker with its popup (the claims' sentences) per incident."""
    import folium
    import pandas as pd

    incidents = pd.read_csv(folder / "out" / "incidents.csv", keep_default_na=False)
    claims = pd.read_csv(folder / "out" / "claims.csv", keep_default_na=False)
    sentences = claims.groupby("incident_id")["sentence"].apply(list).to_dict()
    m = folium.Map(location=[28.5, 66.0], zoom_start=6, tiles=None)
    located = incidents[incidents["latitude"] != ""]
    for row in located.itertuples():
        text = "<br>".join(sentences.get(row.incident_id, []))
        folium.Marker([float(row.latitude), float(row.longitude)], popup=folium.Popup(text)).add_to(
            m
        )
    m.save(str(path))
    return len(located)


#: Checks ``ready`` on every animation frame from the page's first script on,
#: and records when it first holds: the browser's own clock, from navigation start.
WATCH = """
window.__drawnAt = null;
(function watch() {
  var ready = false;
  try { ready = Boolean(READY); } catch (e) { ready = false; }
  if (ready) { window.__drawnAt = performance.now(); } else { requestAnimationFrame(watch); }
})();
"""


def draw_time(browser, path: Path, ready: str, *, repeat: int) -> float:
    """Median seconds from navigation start until ``ready`` (a JS expression) holds.

    Measured in the page (``performance.now()`` on the first animation frame
    where it holds), so the driver's own polling does not count.
    """
    times = []
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.add_init_script(WATCH.replace("READY", ready))
        route_offline(page, Traffic())
        page.goto(path.as_uri(), wait_until="commit")
        page.wait_for_function("window.__drawnAt !== null", timeout=300_000)
        times.append(page.evaluate("window.__drawnAt") / 1000)
        page.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2300, help="about 5,000 incidents")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not chromium_available():
        sys.exit("needs Chromium and Playwright (see README: the set-up command)")
    folder = cached_build(args.articles, args.seed)
    ours = map_files(folder)
    plain = folder / "plain-folium.html"
    n = plain_folium(folder, plain)
    cases = [(label, path, "document.querySelector('[data-im-ready]') !== null")
             for label, path in ours.items()]  # fmt: skip
    cases.append(("plain folium, 1 Marker each", plain,
                  f"document.querySelectorAll('.leaflet-marker-icon').length >= {n}"))  # fmt: skip
    print(f"{n} incidents from {args.articles} synthetic articles (seed {args.seed})")
    print(f"{'map':<30} {'HTML MB':>8} {'drawn s':>8} {'lighter':>8}")
    with chromium() as browser:
        rows = []
        for label, path, ready in cases:
            print(f"  drawing {label} ...", file=sys.stderr)
            seconds = draw_time(browser, path, ready, repeat=args.repeat)
            rows.append((label, path.stat().st_size / 1e6, seconds))
    plain_mb = rows[-1][1]
    for label, mb, seconds in rows:
        print(f"{label:<30} {mb:>8.2f} {seconds:>8.2f} {plain_mb / mb:>7.1f}x")
    print("(lighter: plain Folium's HTML size divided by this map's)")


if __name__ == "__main__":
    main()
