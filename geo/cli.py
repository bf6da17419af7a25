"""Command line: ``incidentmap build``, ``evaluate``, ``places``, ``fetch-boundaries``.

A thin layer over :mod:`geo.pipeline`: it parses arguments, configures
logging and the progress display (a bar only on a terminal, plain lines when
piped, nothing with ``-q``), prints the summary, and turns known errors into
one clear line and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from geo import __version__

if TYPE_CHECKING:
    from geo.pipeline import BuildResult

logger = logging.getLogger("geo")

#: What ``incidentmap build`` writes into ``--out``, for ``--help``.
OUTPUTS = (
    ("incidents.html", "the interactive map (layers per attack type, district choropleth)"),
    ("incidents_fragment.html", "with --fragment: a snippet to paste into a report page"),
    ("incidents.csv", "one row per incident (DESIGN.md columns, plus geo_source)"),
    ("claims.csv", "one row per reported figure, with its claimant and sentence"),
    ("incidents.geojson", "the incidents as points"),
    ("districts.csv", "per district: incidents, killed by side (low/best/high), injured, dates"),
    ("incidents.gpkg", "GeoPackage for QGIS: incidents, claims, districts (polygons), areas"),
    ("areas.csv", "wave-wide figures per area, parties' claims beside"),
    ("incidents.png, .svg", "a static map for reports"),
    ("changes.json", "what changed since the outputs were last written"),
    ("incidentmap.db", "the store (SQLite): re-runs read only new articles (see --store)"),
)
ENVIRONMENT = (
    (
        "INCIDENTMAP_DATA",
        "a folder whose boundaries/geoBoundaries-PAK-ADM2.geojson (or the file itself) "
        "replaces the district layer shipped with incidentmap; other geoBoundaries files "
        "there replace downloads",
    ),
    (
        "INCIDENTMAP_CACHE",
        "where fetch-boundaries keeps its downloads (default: ~/.cache/incidentmap, or "
        "$XDG_CACHE_HOME/incidentmap)",
    ),
)
#: Shown with the unresolved-name count so the summary stays short.
UNRESOLVED_SHOWN = 5
LOADING_STAGE = "loading the gazetteer and district polygons"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return _interrupted()
    except FileNotFoundError as exc:
        print(f"incidentmap: {exc}", file=sys.stderr)
        return 2
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"incidentmap: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        return _store_failed(exc)


#: The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells expect.
INTERRUPTED_EXIT = 130


def _interrupted() -> int:
    """Ctrl-C: one line, not a traceback; what was committed and written stays."""
    print(
        "incidentmap: interrupted; nothing was left half-written (run the command again to finish)",
        file=sys.stderr,
    )
    return INTERRUPTED_EXIT


def _store_failed(exc: sqlite3.Error) -> int:
    """An SQLite error that no store method translated: still one line, not a traceback."""
    print(f"incidentmap: the store failed: {exc}; if it persists, rebuild with --rebuild",
          file=sys.stderr)  # fmt: skip
    return 1


def _table(title: str, rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows) + 2
    return f"{title}:\n" + "\n".join(f"  {name:<{width}}{text}" for name, text in rows)


def _examples(*rows: tuple[str, str]) -> str:
    return _table("examples", rows)


def _sub(commands: argparse._SubParsersAction, name: str, **kwargs) -> argparse.ArgumentParser:
    return commands.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="incidentmap",
        description="Turn news articles about attacks into an evidence-backed incident map.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(
            [
                _examples(
                    ("incidentmap build", "read the sample reports, write the map into maps/"),
                    ("incidentmap build ARTICLES/ --out OUT", "your own articles"),
                    ("incidentmap places unresolved", "names no gazetteer entry matched"),
                    ("incidentmap fetch-boundaries adm3", "download the tehsil layer"),
                    ("incidentmap COMMAND --help", "options and examples of a command"),
                ),
                _table("outputs of build (in --out, default maps/)", OUTPUTS),
                _table("environment", ENVIRONMENT),
            ]
        ),
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
    _add_build(commands, common)
    _add_evaluate(commands, common)
    _add_places(commands, common)
    _add_fetch(commands, common)
    return parser


def _add_build(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    build = _sub(
        commands,
        "build",
        parents=[common],
        help="read articles and write the map and exports",
        description="Read new articles into the store, merge incidents, join them to the "
        "district polygons (shipped with incidentmap), and write the map and exports. "
        "Prints what it read, skipped and could not place; a progress display on a "
        "terminal, plain lines when piped, nothing with -q.",
        epilog="\n\n".join(
            [
                _examples(
                    ("incidentmap build", "the sample reports in data/articles -> maps/"),
                    ("incidentmap build ~/articles --out out", "files and folders of articles"),
                    ("incidentmap build a.txt b.html --out out", "single files"),
                    ("incidentmap build ~/articles --out out --prune", "drop deleted files"),
                    ("incidentmap build ~/articles --cdn", "a lighter map, Leaflet from a CDN"),
                    ("incidentmap -q build ~/articles && echo ok", "silent, for scripts"),
                ),
                _table("writes (in --out, default maps/)", OUTPUTS),
                _table("environment", ENVIRONMENT),
                "exit status: 0 done; 1 bad input (e.g. no readable article: the message says "
                "what was found), 2 a path that does not exist",
            ]
        ),
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
        "--rebuild",
        action="store_true",
        help="forget the store's articles and read every article again (a damaged store is "
        "set aside as FILE.damaged; the --online cache is kept: see 'places forget')",
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
        "--cdn",
        action="store_true",
        help="link Leaflet from its CDN instead of inlining it (a smaller page that needs "
        "the network); by default the map opens with no network at all, tiles aside",
    )
    build.add_argument(
        "--self-contained", action="store_true", help=argparse.SUPPRESS
    )  # the default now; kept so that older scripts still run
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
        help="processes that read new articles (default: the machine's cores); above 1, "
        "the static image is also drawn in a second process; the outputs are the same for any N",
    )  # fmt: skip
    build.set_defaults(func=_build)


def _add_evaluate(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    evaluate = _sub(
        commands,
        "evaluate",
        parents=[common],
        help="score a build against a hand-annotated gold file",
        description="Score OUT/incidents.csv and OUT/claims.csv against a gold CSV in the "
        "format of shared/fixtures/seed_gold.csv: place and district precision, recall "
        "and F1, (district, attack type) F1, figures found with the right role.",
        epilog=_examples(
            ("incidentmap build ../shared/seeds --out OUT", "build from the seeds first"),
            ("incidentmap evaluate OUT --gold ../shared/fixtures/seed_gold.csv", "then score"),
        ),
    )
    evaluate.add_argument("out", metavar="OUT", help="the build's output folder")
    evaluate.add_argument("--gold", required=True, metavar="GOLD.csv", help="the gold file")
    evaluate.add_argument(
        "--explain",
        action="store_true",
        help="also list every missed, extra and wrong place and figure, one line each",
    )
    evaluate.add_argument(
        "--store", metavar="FILE", help="the build's store (default: OUT/incidentmap.db)"
    )
    evaluate.set_defaults(func=_evaluate)


def _add_places(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    places = _sub(
        commands,
        "places",
        help="look up place names; list names that did not resolve",
        description="Look a place name up in the gazetteer, or list the names the "
        "articles use like places that no gazetteer entry matched.",
        epilog=_examples(
            ("incidentmap places lookup Noshki", "the places a name may denote"),
            ("incidentmap places unresolved", "names from the last build in maps/"),
            ("incidentmap places unresolved --store out/incidentmap.db", "another build"),
        ),
    )
    place_commands = places.add_subparsers(required=True, metavar="SUBCOMMAND")
    lookup = _sub(
        place_commands,
        "lookup",
        parents=[common],
        help="the places a name may denote, with coordinates, district, precision, source",
        description="List the places a name may denote, best first, with coordinates, "
        "district (from the district polygons), precision and source.",
        epilog=_examples(
            ("incidentmap places lookup Noshki", "a spelling of Nushki"),
            ("incidentmap places lookup Qalat --province ''", "anywhere in Pakistan"),
        ),
    )
    lookup.add_argument("name", metavar="NAME", help='a place name, e.g. "Noshki"')
    lookup.add_argument(
        "--province", default="Balochistan", help="the region's province (default: Balochistan)"
    )
    lookup.set_defaults(func=_places_lookup)
    unresolved = _sub(
        place_commands,
        "unresolved",
        parents=[common],
        help="names used like places in the articles that no gazetteer entry matched",
        description="List the names the articles use like places ('in Kolpur') that no "
        "gazetteer entry matched, most frequent first, with their sentences; add a "
        "spelling to data/places.csv, or build with --online.",
        epilog=_examples(
            ("incidentmap places unresolved", "the store of a build into maps/"),
            ("incidentmap places unresolved --store out/incidentmap.db", "another store"),
        ),
    )
    unresolved.add_argument(
        "--store", default="maps/incidentmap.db", metavar="FILE",
        help="the store of a build (default: maps/incidentmap.db)",
    )  # fmt: skip
    unresolved.set_defaults(func=_places_unresolved)
    forget = place_commands.add_parser(
        "forget",
        parents=[common],
        help="clear cached online (Nominatim) answers: all of them, or one name's",
        description="Forget what --online builds cached about place names (answers, misses "
        "and rejected answers), so that the next --online build asks again. --rebuild keeps "
        "the cache; this clears it.",
    )
    forget.add_argument("name", nargs="?", metavar="NAME", help="the name to forget (default: all)")
    forget.add_argument(
        "--store", default="maps/incidentmap.db", metavar="FILE",
        help="the store of a build (default: maps/incidentmap.db)",
    )  # fmt: skip
    forget.add_argument(
        "--province", default="Balochistan",
        help="the province NAME was looked up for (default: Balochistan)",
    )  # fmt: skip
    forget.set_defaults(func=_places_forget)


def _add_fetch(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    fetch = _sub(
        commands,
        "fetch-boundaries",
        parents=[common],
        help="download other geoBoundaries layers (tehsils, provinces), sha256 checked",
        description="The district layer ships with incidentmap; this downloads the other "
        "geoBoundaries layers of data/boundaries/registry.txt into the cache (needs "
        "internet). Each file must have the registry's sha256: a download or a cached file "
        "with another hash is refused. With no LAYER, lists the layers and their state.",
        epilog="\n\n".join(
            [
                _examples(
                    ("incidentmap fetch-boundaries", "list the layers, cached or not"),
                    ("incidentmap fetch-boundaries adm3", "tehsils (ODbL: credit the source)"),
                    ("incidentmap fetch-boundaries adm1 adm2", "provinces, full-resolution ADM2"),
                    (
                        "incidentmap fetch-boundaries adm3 --mirror URL",
                        "from a mirror of releaseData/gbOpen/PAK/",
                    ),
                ),
                _table("environment", ENVIRONMENT),
            ]
        ),
    )
    fetch.add_argument("layers", nargs="*", metavar="LAYER", help="e.g. adm1, adm3-simplified")
    fetch.add_argument(
        "--mirror", metavar="URL",
        help="a folder laid out like geoBoundaries' releaseData/gbOpen/PAK/ (hashes still checked)",
    )  # fmt: skip
    fetch.set_defaults(func=_fetch)


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


def _build(args: argparse.Namespace) -> int:
    from geo import pipeline
    from geo._progress import StageProgress, choose_mode
    from geo.region import Region

    stages = (LOADING_STAGE, *pipeline.BUILD_STAGES)
    with StageProgress(stages, mode=choose_mode(quiet=args.quiet)) as progress:
        progress.stage(LOADING_STAGE)
        result = pipeline.build(
            args.paths,
            out_dir=args.out,
            store_path=args.store,
            rebuild=args.rebuild,
            prune=args.prune,
            online=args.online,
            nominatim=args.nominatim,
            map_options=pipeline.MapOptions(
                tiles=not args.no_tiles, self_contained=not args.cdn, fragment=args.fragment
            ),
            # Resources are loaded by build() itself, and only when there is work.
            region=Region(admin1=args.province),
            progress=progress.items,
            on_stage=progress.stage,
            jobs=args.jobs or os.cpu_count() or 1,
        )
    if not args.quiet:
        print("\n".join(summary_lines(result)))
    return 0


def summary_lines(result: BuildResult) -> list[str]:
    """The summary ``incidentmap build`` prints: what was read, found and written."""
    from geo.articles import ARTICLE_SUFFIXES
    from geo.changes import has_changes
    from geo.changes import summary_lines as change_lines

    lines = [
        f"articles: {result.n_files} found, {result.n_new} new, "
        f"{result.n_known} already in the store, {len(result.skipped)} skipped"
    ]
    lines += [f"  skipped {path}: {why}" for path, why in result.skip_reasons.items()]
    if result.ignored:
        counts = ", ".join(f"{n} {suffix}" for suffix, n in result.ignored.items())
        lines.append(f"  not read: {counts} (articles end in {', '.join(ARTICLE_SUFFIXES)})")
    if result.reextracted:
        lines.append(f"re-read {result.reextracted} stored articles with the current extractor")
    if result.replaced:
        lines.append(f"replaced {len(result.replaced)} articles whose file changed")
    if result.pruned:
        lines.append(f"retracted {len(result.pruned)} articles whose file is gone")
    lines.append(f"incidents: {result.n_incidents}; figures: {result.n_claims}")
    lines.append(_unresolved_line(result.unresolved, result.store))
    if has_changes(result.changes):
        lines += change_lines(result.changes)
    else:
        lines.append("changes: nothing new")
    lines.append(result.boundaries)
    lines += [f"wrote {Path(path)}" for path in result.outputs.values()]
    return lines


def _unresolved_line(names: Sequence[str], store: Path | None) -> str:
    if not names:
        return "place names not resolved: 0"
    shown = ", ".join(names[:UNRESOLVED_SHOWN]) + (", ..." if len(names) > UNRESOLVED_SHOWN else "")
    command = "incidentmap places unresolved" + (f" --store {store}" if store else "")
    return (
        f"place names not resolved: {len(names)} ({shown}); their incidents count only in "
        f"wider figures. List them with: {command}"
    )


def _evaluate(args: argparse.Namespace) -> int:
    from geo.evaluate import evaluate_build

    result = evaluate_build(
        Path(args.out),
        Path(args.gold),
        store=Path(args.store) if args.store else None,
        explain=args.explain,
    )
    print(result.report())
    if args.explain:
        print()
        print(result.explain())
    return 0


def _places_lookup(args: argparse.Namespace) -> int:
    from geo.districts import find_boundary_file, load_districts
    from geo.gazetteer import load_gazetteer
    from geo.places import lookup, lookup_lines
    from geo.region import Region

    gazetteer = load_gazetteer(region=Region(admin1=args.province))
    districts = load_districts(find_boundary_file())
    candidates = lookup(gazetteer, args.name, districts=districts)
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


def _places_forget(args: argparse.Namespace) -> int:
    from geo.geocode import cache_key
    from geo.region import Region
    from geo.store import Store

    if not Path(args.store).exists():
        raise FileNotFoundError(f"no store at {args.store}: pass --store FILE")
    query = None if args.name is None else cache_key(args.name, Region(admin1=args.province))
    with Store(args.store) as store, store.transaction():
        gone = store.geocode_forget(query)
    if not gone:
        what = "no cached answers" if query is None else f"no cached answer for {args.name!r}"
        print(f"{what} in {args.store}")
        return 0
    print(f"forgot {len(gone)} cached answer{'s' if len(gone) != 1 else ''}: {', '.join(gone)}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    import pooch

    from geo.boundaries import BoundaryError, LayerNotCached, layer_info, layer_path, layers

    # pooch says "Downloading file ..." on its own logger; -q silences it too.
    pooch.get_logger().setLevel(logging.ERROR if args.quiet else logging.INFO)
    known = layers()
    if not args.layers:
        for name, layer in known.items():
            try:
                state = f"cached: {layer_path(name)} (sha256 ok)"
            except LayerNotCached:
                state = "not downloaded"
            except BoundaryError as exc:
                state = f"REFUSED: {exc}"
            print(f"{name:<16} {layer_info(layer)}; {state}")
        return 0
    unknown = [name for name in args.layers if name not in known]
    if unknown:
        raise ValueError(
            f"unknown boundary layer(s) {', '.join(unknown)}; expected one of "
            f"{', '.join(known)} (the district layer adm2 ships with incidentmap already)"
        )
    progressbar = not args.quiet and sys.stderr.isatty()
    for name in args.layers:
        path = layer_path(name, download=True, base_url=args.mirror, progressbar=progressbar)
        if not args.quiet:
            print(f"{name}: {path} (sha256 ok; {layer_info(known[name])})")
    return 0


def run() -> None:
    """The ``incidentmap`` command: :func:`main`, then end the process with its code."""
    end_process(main())


def end_process(code: int) -> NoReturn:
    """End this process now with ``code``: what it wrote flushed, Python's teardown skipped.

    After a build over 10,000 articles, tearing the interpreter down (every
    module cleared, 200 MB of objects freed one by one, after a last
    collection) took about 0.06 s; the operating system frees the memory at
    once.  The command has closed every file it wrote by now; the logging
    handlers and the standard streams are flushed here.  A reader that has
    gone away (``| head``) is not the command's failure: its code stands.
    For the end of a command only: no exit handler runs.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
