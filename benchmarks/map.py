"""Map size and drawing time in headless Chromium, beside plain Folium markers.

Run from the repository root: ``python benchmarks/map.py [--incidents 5000]``.
Prints, for the seed build and for a synthetic store of N incidents (3 claims
each): the HTML size and the time from navigation until every marker is in
the page, for incidentmap's map (linked and self-contained) and for plain
Folium with one ``folium.Marker`` (and its popup) per incident.  Every
request is answered locally (Leaflet from xstatic-leaflet, blank tiles).
Figures, no assertions: acceptance limits are 10 MB and 5 s at 5,000.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402

from geo.pipeline import MapOptions, build, load_resources  # noqa: E402
from geo.render import render_map, write_map  # noqa: E402
from tests.browser_support import Traffic, chromium, chromium_available, route_offline  # noqa: E402
from tests.test_render import synthetic  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"


def plain_folium(incidents, claims, path: Path) -> None:
    """The naive map: one Marker with its popup per incident."""
    m = folium.Map(location=[28.5, 66.0], zoom_start=6, tiles=None)
    sentences = claims.groupby("incident_id")["sentence"].apply(list).to_dict()
    for row in incidents.itertuples():
        text = "<br>".join(sentences.get(row.incident_id, []))
        folium.Marker([row.latitude, row.longitude], popup=folium.Popup(text)).add_to(m)
    m.save(str(path))


def draw_time(browser, path: Path, selector: str, count: int, *, repeat: int) -> float:
    """Median seconds from navigation until ``count`` elements match ``selector``."""
    times = []
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        route_offline(page, Traffic())
        start = time.perf_counter()
        page.goto(path.as_uri(), wait_until="commit")
        page.wait_for_function(
            f"document.querySelectorAll({selector!r}).length >= {count}", timeout=120_000
        )
        times.append(time.perf_counter() - start)
        page.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not chromium_available():
        sys.exit("needs Chromium and Playwright (see README: the set-up command)")
    work = Path(tempfile.mkdtemp(prefix="incidentmap-bench-"))
    cases = []
    if SEEDS.is_dir():
        resources = load_resources(data_dir=os.environ.get("INCIDENTMAP_DATA") or None)
        for contained in (False, True):
            out = work / f"seeds-{contained}"
            build([SEEDS], out_dir=out, resources=resources,
                  map_options=MapOptions(self_contained=contained))  # fmt: skip
            n = len((out / "incidents.csv").read_text(encoding="utf-8").splitlines()) - 1
            label = "incidentmap" + (" self-contained" if contained else "")
            cases.append(("seeds", label, out / "incidents.html", "path.im-marker", n))
    incidents, claims, articles = synthetic(args.incidents)
    for contained in (False, True):
        path = work / f"synthetic-{contained}.html"
        m = render_map(incidents, claims, articles=articles, self_contained=contained)
        write_map(m, path)
        label = "incidentmap" + (" self-contained" if contained else "")
        cases.append((f"{args.incidents} synthetic", label, path, "path.im-marker", len(incidents)))
    plain = work / "plain.html"
    plain_folium(incidents, claims, plain)
    cases.append((f"{args.incidents} synthetic", "plain folium Marker", plain,
                  ".leaflet-marker-icon", len(incidents)))  # fmt: skip

    print(f"{'input':<16} {'map':<28} {'HTML MB':>8} {'drawn s':>8} {'vs plain':>9}")
    with chromium() as browser:
        results = []
        for case, label, path, selector, count in cases:
            print(f"  drawing {case} / {label} ...", file=sys.stderr)
            seconds = draw_time(browser, path, selector, count, repeat=args.repeat)
            results.append((case, label, path.stat().st_size / 1e6, seconds))
        plain_s = next(s for c, label, _, s in results if label.startswith("plain"))
        plain_mb = next(mb for c, label, mb, _ in results if label.startswith("plain"))
        for case, label, mb, seconds in results:
            ratio = ""
            if case.endswith("synthetic"):
                ratio = f"{seconds / plain_s:.2f}x / {mb / plain_mb:.2f}x"
            print(f"{case:<16} {label:<28} {mb:>8.2f} {seconds:>8.2f} {ratio:>9}")
    print("(vs plain: drawing time / HTML size, relative to one folium.Marker per incident)")


if __name__ == "__main__":
    main()
