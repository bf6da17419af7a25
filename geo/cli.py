"""Command line: ``incidentmap build``, ``incidentmap fetch-boundaries``.

A thin layer over :mod:`geo.pipeline`: it parses arguments, configures
logging and the progress bar (only on a terminal, so piped output stays
quiet and scriptable), and turns known errors into one clear line and a
non-zero exit code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from geo import __version__

logger = logging.getLogger("geo")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args) or 0)
    except FileNotFoundError as exc:
        print(f"incidentmap: {exc}", file=sys.stderr)
        return 2
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"incidentmap: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="incidentmap",
        description="Turn news articles about attacks into an evidence-backed incident map.",
    )
    parser.add_argument("--version", action="version", version=f"incidentmap {__version__}")
    # -v/-q work before or after the command: "incidentmap -q build" or "build -q".
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: the subcommand's own default would otherwise undo "-q build".
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="say more"
    )
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only errors"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="say more")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build",
        parents=[common],
        help="read articles and write the map and exports",
        description="Read new articles into the store, merge incidents, write the map, "
        "incidents.csv, claims.csv and incidents.geojson.",
    )
    build.add_argument(
        "paths", nargs="*", metavar="PATH",
        help="article files (.txt, .md, .html) or folders; default: data/articles (samples)",
    )  # fmt: skip
    build.add_argument("--out", default="maps", metavar="DIR", help="output folder (default: maps)")
    build.add_argument(
        "--store", metavar="FILE", help="the store file (default: DIR/incidentmap.db)"
    )
    build.add_argument(
        "--rebuild", action="store_true", help="forget the store and read every article again"
    )
    build.add_argument(
        "--prune", action="store_true", help="retract stored articles whose file is gone"
    )
    build.add_argument(
        "--online",
        action="store_true",
        help="look up place names the gazetteer lacks on OpenStreetMap's Nominatim "
        "(1 request/s at most, every answer cached in the store)",
    )
    build.add_argument(
        "--nominatim", default="https://nominatim.openstreetmap.org", metavar="URL",
        help="the Nominatim service --online asks (default: OpenStreetMap's)",
    )  # fmt: skip
    build.add_argument(
        "--self-contained",
        action="store_true",
        help="inline every script and stylesheet: the map opens with no network (tiles aside)",
    )
    build.add_argument(
        "--fragment",
        action="store_true",
        help="also write incidents_fragment.html, a snippet to paste into a report page",
    )
    build.add_argument(
        "--no-tiles", action="store_true", help="plain map without a basemap (works offline)"
    )
    build.add_argument(
        "--province", default="Balochistan",
        help="province whose places are mapped (default: Balochistan; '' for all of Pakistan)",
    )  # fmt: skip
    build.add_argument(
        "-j", "--jobs", type=_positive_int, default=None, metavar="N",
        help="processes that read new articles (default: the machine's cores); "
        "the outputs are the same for any N",
    )  # fmt: skip
    build.set_defaults(func=_build)

    evaluate = commands.add_parser(
        "evaluate",
        parents=[common],
        help="score a build against a hand-annotated gold file",
        description="Score OUT/incidents.csv and OUT/claims.csv against a gold CSV in the "
        "format of shared/fixtures/seed_gold.csv.",
    )
    evaluate.add_argument("out", metavar="OUT", help="the build's output folder")
    evaluate.add_argument("--gold", required=True, metavar="GOLD.csv", help="the gold file")
    evaluate.add_argument(
        "--store", metavar="FILE", help="the build's store (default: OUT/incidentmap.db)"
    )
    evaluate.set_defaults(func=_evaluate)

    places = commands.add_parser(
        "places", help="look up place names; list names that did not resolve"
    )
    place_commands = places.add_subparsers(required=True, metavar="SUBCOMMAND")
    lookup = place_commands.add_parser(
        "lookup",
        parents=[common],
        help="the places a name may denote, with coordinates, district, precision, source",
    )
    lookup.add_argument("name", metavar="NAME", help='a place name, e.g. "Noshki"')
    lookup.add_argument(
        "--province", default="Balochistan", help="the region's province (default: Balochistan)"
    )
    lookup.set_defaults(func=_places_lookup)
    unresolved = place_commands.add_parser(
        "unresolved",
        parents=[common],
        help="names used like places in the articles that no gazetteer entry matched",
    )
    unresolved.add_argument(
        "--store", default=f"maps/{'incidentmap.db'}", metavar="FILE",
        help="the store of a build (default: maps/incidentmap.db)",
    )  # fmt: skip
    unresolved.set_defaults(func=_places_unresolved)

    fetch = commands.add_parser(
        "fetch-boundaries",
        parents=[common],
        help="download the district polygons into the per-user cache (needs internet)",
    )
    fetch.set_defaults(func=_fetch)
    return parser


def _positive_int(text: str) -> int:
    """Parse ``--jobs``: a whole number of processes, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more processes, got {value}")
    return value


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("incidentmap: %(levelname)s: %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(level)


def _progress(enabled: bool):
    """A tqdm bar on a terminal; nothing when output is piped."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def wrap(items: Iterable[Any], total: int) -> Iterable[Any]:
        return tqdm(items, total=total, desc="articles", unit="article", leave=False)

    return wrap


def _build(args: argparse.Namespace) -> int:
    from geo.changes import has_changes, summary_lines
    from geo.pipeline import MapOptions, build
    from geo.region import Region

    result = build(
        args.paths,
        out_dir=args.out,
        store_path=args.store,
        rebuild=args.rebuild,
        prune=args.prune,
        online=args.online,
        nominatim=args.nominatim,
        map_options=MapOptions(
            tiles=not args.no_tiles, self_contained=args.self_contained, fragment=args.fragment
        ),
        region=Region(admin1=args.province),
        progress=_progress(not args.quiet),
        jobs=args.jobs or os.cpu_count() or 1,
    )
    if args.quiet:
        return 0
    print(
        f"articles: {result.n_files} found, {result.n_new} new, "
        f"{result.n_known} already in the store, {len(result.skipped)} skipped"
    )
    if result.reextracted:
        print(f"re-read {result.reextracted} stored articles with the current extractor")
    if result.replaced:
        print(f"replaced {len(result.replaced)} articles whose file changed")
    if result.pruned:
        print(f"retracted {len(result.pruned)} articles whose file is gone")
    print(f"incidents: {result.n_incidents}; claims: {result.n_claims}")
    if has_changes(result.changes):
        print("\n".join(summary_lines(result.changes)))
    else:
        print("changes: nothing new")
    print(result.boundaries)
    for path in result.outputs.values():
        print(f"wrote {Path(path)}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from geo.evaluate import evaluate_build

    result = evaluate_build(
        Path(args.out), Path(args.gold), store=Path(args.store) if args.store else None
    )
    print(result.report())
    return 0


def _places_lookup(args: argparse.Namespace) -> int:
    from geo.districts import find_boundary_file, load_districts
    from geo.gazetteer import load_gazetteer
    from geo.places import lookup, lookup_lines
    from geo.region import Region

    gazetteer = load_gazetteer(region=Region(admin1=args.province))
    path = find_boundary_file(download=False)
    candidates = lookup(
        gazetteer, args.name, districts=load_districts(path) if path is not None else None
    )
    if not candidates:
        print(
            f"incidentmap: no place called {args.name!r} in the gazetteer; add the spelling "
            "to data/places.csv (with its district and source) or build with --online",
            file=sys.stderr,
        )
        return 1
    resolution = gazetteer.explain(args.name)
    why = f"{resolution.method} match, {resolution.reason}"
    print("\n".join(lookup_lines(candidates, why=why)))
    return 0


def _places_unresolved(args: argparse.Namespace) -> int:
    from geo.places import unresolved_lines
    from geo.store import Store

    if not Path(args.store).exists():
        raise FileNotFoundError(
            f"no store at {args.store}: run 'incidentmap build' first or pass --store FILE"
        )
    with Store(args.store) as store:
        lines = unresolved_lines(store.unresolved())
    print("\n".join(lines) if lines else "every place name resolved")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from geo.districts import find_boundary_file

    path = find_boundary_file(download=True)
    if path is None:
        print(
            "incidentmap: could not download the district polygons (no network?)", file=sys.stderr
        )
        return 1
    print(f"district polygons: {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
