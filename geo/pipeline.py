"""The build: articles on disk -> store -> incidents -> map and exports.

This is the I/O edge of the project.  It loads the heavy things once
(gazetteer, lexicon, district polygons), reads only articles whose content
the store does not know, and does all store writes inside one transaction,
so a build that dies leaves the last good state.  Outputs are then written
atomically from what the store holds, so a build with nothing new rewrites
the same bytes.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from geo import __version__, _incremental
from geo._faults import checkpoint
from geo._files import Skipped
from geo._parallel import Extractor, Forked, Helper
from geo._paths import PROJECT_DATA
from geo.articles import ARTICLE_SUFFIXES, ArticleError, Inputs, find_inputs, read_article
from geo.boundaries import DATA_ENV, is_shipped
from geo.changes import describe_changes, has_changes
from geo.options import MapOptions
from geo.publish import Debt, OutputFolder
from geo.records import Article, Claim, Report, UnresolvedName
from geo.region import DEFAULT_REGION, Region
from geo.store import SCHEMA_VERSION, IntegrityCheck, Store, StoreError, open_store

# geopandas, the map libraries and the extractors take most of a second to
# import: they are imported where used, so a build with nothing new starts and
# ends at once.
if TYPE_CHECKING:
    import geopandas as gpd

    from geo.exports import Underway
    from geo.gazetteer import Gazetteer
    from geo.geocode import OnlineGeocoder
    from geo.lexicon import Lexicon
    from geo.model import Model, Places

logger = logging.getLogger(__name__)

#: Where ``incidentmap build`` with no path reads: the project's own sample reports.
SAMPLE_ARTICLES = PROJECT_DATA / "articles"
DEFAULT_OUT = Path("maps")
STORE_NAME = "incidentmap.db"
#: OpenStreetMap's public geocoder; its usage policy asks for 1 request/s and a real user agent.
NOMINATIM_URL = "https://nominatim.openstreetmap.org"
CHANGES_NAME = "changes.json"
#: What extraction depends on: a change to any of these re-reads stored articles.
_EXTRACTOR_MODULES = (
    "articles", "_decode", "_html", "text", "gazetteer", "_matching", "lexicon", "mentions",
    "figures", "numbers", "dates", "claimants", "analysis", "claims", "records",
)  # fmt: skip


def extractor_fingerprint() -> str:
    """A hash of the extraction code and the curated tables it reads.

    Stored with the store, it tells a later build whether the articles were
    read by the same extractor; if not, they are read again from their stored
    text, so an improved lexicon takes effect without ``--rebuild``.
    """
    digest = hashlib.sha256(f"{__version__}/{SCHEMA_VERSION}".encode())
    package = Path(__file__).resolve().parent
    files = [package / f"{name}.py" for name in _EXTRACTOR_MODULES]
    files += sorted(p for p in PROJECT_DATA.glob("*") if p.suffix in (".csv", ".txt"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


Progress = Callable[[Iterable[Any], int], Iterable[Any]]
#: What a build tells ``on_stage`` as it goes, in this order (the command
#: line's progress display counts them).
BUILD_STAGES = (
    "reading articles",
    "merging incidents",
    "writing the maps and exports",
)


class NoReadableArticleError(ValueError):
    """The input holds no article the build can read (empty, or only other files)."""


@dataclass(frozen=True)
class BuildResult:
    """What a build did, for the command line's summary.

    ``skipped`` lists the article files that could not be read and
    ``skip_reasons`` says why (file -> message); ``ignored`` counts the other
    files in the input folders by suffix (a ``.pdf`` is not read);
    ``unresolved`` holds the distinct names the articles use like places that
    no gazetteer entry matched (``incidentmap places unresolved`` lists them
    with their sentences).
    """

    n_files: int
    n_new: int
    n_known: int
    skipped: tuple[str, ...]
    n_incidents: int
    n_claims: int
    outputs: dict[str, Path]
    boundaries: str
    reextracted: int = 0
    replaced: tuple[str, ...] = ()
    pruned: tuple[str, ...] = ()
    changes: dict[str, Any] = field(default_factory=dict)
    skip_reasons: dict[str, str] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)
    unresolved: tuple[str, ...] = ()
    store: Path | None = None


@dataclass(frozen=True)
class Resources:
    """The heavy, read-only things a build needs, loaded once."""

    gazetteer: Gazetteer
    lexicon: Lexicon
    districts: gpd.GeoDataFrame | None
    boundaries: str
    region: Region
    online: OnlineGeocoder | None = None
    #: The polygon file read (None: polygons handed in).
    boundary_file: Path | None = None


def load_resources(
    *, region: Region = DEFAULT_REGION, data_dir: str | Path | None = None
) -> Resources:
    """Load the gazetteer, the lexicons and the district polygons.

    The polygons are the layer shipped with the package (its sha256 checked),
    or the user's own copy in ``data_dir`` or ``$INCIDENTMAP_DATA``; so a
    fresh machine with no network draws districts.
    """
    from geo.districts import find_boundary_file, load_districts
    from geo.gazetteer import load_gazetteer  # with rapidfuzz: not needed to find the files
    from geo.lexicon import load_lexicon

    path = find_boundary_file(data_dir=data_dir)
    if is_shipped(path):
        note = f"district polygons: geoBoundaries PAK ADM2 2019, shipped ({path}, sha256 checked)"
    else:
        origin = "data_dir" if data_dir is not None else f"${DATA_ENV}"
        note = f"district polygons: {path} (from {origin})"
    districts = load_districts(path)
    return Resources(
        load_gazetteer(region=region), load_lexicon(), districts, note, region, boundary_file=path
    )


@dataclass(frozen=True)
class Extraction:
    """What one article yields: claims, per-place reports, and names that did not resolve."""

    claims: list[Claim]
    reports: list[Report]
    unresolved: list[UnresolvedName]


def extract(article: Article, resources: Resources) -> Extraction:
    """Run the pure stages on one article: mentions, then claims and reports."""
    from geo.claims import build_claims_and_reports
    from geo.mentions import extract_mentions

    mentions = extract_mentions(
        article,
        gazetteer=resources.gazetteer,
        lexicon=resources.lexicon,
        resolve_unknown=resources.online.lookup if resources.online else None,
    )
    claims, reports = build_claims_and_reports(
        article,
        mentions,
        area=resources.region.admin1 or "Pakistan",
    )
    return Extraction(claims, reports, [u for m in mentions for u in m.unresolved])


#: Allocations between two collections of the youngest generation during a
#: build (CPython's default is 700).
BUILD_GC_THRESHOLD = 100_000


@contextlib.contextmanager
def _seldom_collected() -> Iterator[None]:
    """Look for reference cycles seldom while a build runs.

    A build allocates millions of small objects (cells, rows, strings) that
    live until it ends, and makes few cycles.  At CPython's default, the
    collector ran about 570 times in one more article to 10,000 and took
    0.2 s of 3 s finding next to nothing; now it runs a few times.  Memory is
    still freed by reference counting as soon as it is unused.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(BUILD_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


@_seldom_collected()
def build(
    paths: Sequence[str | Path] = (),
    *,
    out_dir: str | Path = DEFAULT_OUT,
    store_path: str | Path | None = None,
    rebuild: bool = False,
    prune: bool = False,
    online: bool = False,
    nominatim: str = NOMINATIM_URL,
    map_options: MapOptions | None = None,
    resources: Resources | None = None,
    progress: Progress | None = None,
    on_stage: Callable[[str], None] | None = None,
    jobs: int = 1,
    region: Region = DEFAULT_REGION,
) -> BuildResult:
    """Read new articles into the store, then write the map, exports and changelog.

    Parameters
    ----------
    paths
        Article files or folders; none means the project's sample reports.
    out_dir
        Where the map and exports go.
    store_path
        The store file; default ``<out_dir>/incidentmap.db``.
    rebuild
        Forget what the store holds and read every article again.
    prune
        Retract stored articles whose file no longer exists.
    online
        Ask Nominatim (rate-limited, cached in the store) about place names
        the local gazetteer lacks.
    nominatim
        The Nominatim service to ask (a self-hosted one, say).
    map_options
        How to write the HTML map: basemap tiles, self-contained, fragment.
    resources
        Loaded gazetteer, lexicons and polygons (see :func:`load_resources`).
    progress
        Wraps the per-article loop, e.g. a tqdm progress bar.
    on_stage
        Called with each of :data:`BUILD_STAGES` as the build reaches it.
    jobs
        Processes that extract new articles (``--jobs``); the result is the
        same for any number.
    region
        Where incidents are mapped, when ``resources`` are not given (they
        are then loaded only when there is work to do).

    Raises
    ------
    NoReadableArticleError
        If the paths hold no article that can be read; nothing is written.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise TypeError(f"jobs must be an int, got {type(jobs).__name__} {jobs!r}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}; pass 1 to extract in this process")
    paths = paths or [SAMPLE_ARTICLES]
    stage = on_stage or (lambda name: None)
    out = Path(out_dir)
    store_file = Path(store_path) if store_path else out / STORE_NAME
    map_options = map_options or MapOptions()
    region = resources.region if resources else region
    outputs_key = _incremental.outputs_key((out.resolve(), map_options, region))
    survey = _surveyed(
        paths,
        store_file,
        outputs_key,
        resources,
        check=not (rebuild or online),
        rebuild=rebuild,
        prune=prune,
        out=out,
        jobs=jobs,
    )
    for note in survey.notes:
        logger.info("%s", note)
    for item in survey.skipped:
        logger.warning("skipped %s", item)
    if survey.nothing_readable:
        raise NoReadableArticleError(survey.nothing_readable)
    if survey.unchanged is not None:
        for reason in survey.scan.unreadable.values() if survey.scan else ():
            logger.warning("skipped %s", reason)
        return survey.unchanged
    scanned = survey.scan
    # The static image is drawn in a second process (--jobs above 1), started now
    # so that its imports are done while this one loads and merges.
    from geo.exports import Underway
    from geo.static import DRAWING_MODULES

    with Helper(DRAWING_MODULES, parallel=jobs > 1) as drawer, contextlib.ExitStack() as later:
        if survey.sound is None:
            checked = IntegrityCheck(store_file)  # while the resources load
        else:
            checked = IntegrityCheck.answered(survey.sound)
        resources = resources or load_resources(region=region)
        # A build is one unit (geo.publish): the output folder stays locked until
        # its files are in place, and what they owe is committed with the store.
        with (
            OutputFolder(out) as folder,
            open_store(store_file, rebuild=rebuild, checked=checked) as store,
        ):
            with store.transaction():
                if online:
                    from geo.geocode import OnlineGeocoder, StoreCache

                    url = urlsplit(nominatim)
                    geocoder = OnlineGeocoder(
                        cache=StoreCache(store),
                        region=resources.region,
                        domain=url.netloc + url.path.rstrip("/"),
                        scheme=url.scheme or "https",
                        districts=resources.districts,
                    )
                    resources = replace(resources, online=geocoder)
                debt = Debt.open(store, folder)
                if rebuild:
                    store.clear()
                _incremental.mark_outputs(store, None)  # until this build's outputs are all written
                reextracted = _reextract(store, resources, jobs=jobs) if _stale(store) else 0
                store.set_meta("extractor", extractor_fingerprint())
                stage(BUILD_STAGES[0])
                scan = _incremental.rescan(store, scanned, lambda: (survey.files, survey.path_keys))
                wrap = progress or (lambda items, total: items)
                ingest = _ingest(store, scan, resources, wrap, jobs=jobs)
                pruned = _prune(store) if prune else []
                stage(BUILD_STAGES[1])
                # The longest outputs are made by two more processes: the static
                # images as soon as the incidents are located, the GeoPackage and the
                # big tables once the model is made, while the store is updated.
                underway = later.enter_context(Underway())
                title = _title(resources)
                model = _frames(
                    store,
                    resources,
                    lambda places: underway.start_drawing(places, drawer, title=title),
                )
                if not underway.drawing:
                    underway.start_drawing(model, drawer, title=title)
                underway.start_tables(model, out, parallel=jobs > 1)
                unresolved = sorted({u.surface for u in store.unresolved()})
                new_incidents, area_claims = _rows(model)
                store.replace_incidents(new_incidents)
                changes = debt.changes(
                    new_incidents=new_incidents,
                    new_claims=area_claims,
                    read=ingest.new,
                    replaced=ingest.replaced,
                    pruned=pruned,
                    present=store.article_ids(),
                )
                token = debt.record(store, folder, changes)
                checkpoint("before-commit")
            checkpoint("after-commit")
            # The changelog describes the last build that changed something: a build
            # with nothing new leaves it, like every other output, byte for byte.
            report = {}
            if has_changes(changes) or not (out / CHANGES_NAME).exists():
                report[CHANGES_NAME] = json.dumps(changes, indent=2, sort_keys=True) + "\n"
            stage(BUILD_STAGES[2])
            outputs = folder.publish(
                token,
                lambda staging: _write_outputs(staging, model, resources, map_options, underway),
                extra=report,
                keep=[CHANGES_NAME],
            )
            outputs[CHANGES_NAME] = out / CHANGES_NAME
            with Store(store_file) as recorded, recorded.transaction():
                _incremental.mark_outputs(
                    recorded,
                    outputs_key,
                    outputs,
                    boundaries=resources.boundaries,
                    boundary_file=resources.boundary_file,
                )
    return BuildResult(
        n_files=survey.n_files,
        n_new=len(ingest.new),
        n_known=ingest.known,
        skipped=(*(str(item.path) for item in survey.skipped), *ingest.skipped),
        skip_reasons={
            **{str(item.path): item.reason for item in survey.skipped},
            **ingest.skipped,
        },
        ignored=survey.ignored,
        unresolved=tuple(unresolved),
        store=store_file,
        n_incidents=len(model.incidents),
        n_claims=len(model.claims),
        outputs=outputs,
        boundaries=resources.boundaries,
        reextracted=reextracted,
        replaced=tuple(ingest.replaced),
        pruned=tuple(pruned),
        changes=changes,
    )


def _stores_articles(store_file: Path) -> bool:
    """True when the store holds articles, or cannot be read (the build then says why)."""
    if not store_file.is_file():
        return False
    try:
        with Store(store_file) as store:
            return bool(store.article_ids())
    except (sqlite3.DatabaseError, StoreError):
        return True


def _why_unreadable(path: Path) -> str | None:
    try:
        read_article(path)
    except (ArticleError, OSError) as exc:
        return str(exc)
    return None


def _nothing_readable(paths: Sequence[str | Path], inputs: Inputs) -> str:
    """Say what the input holds, for a build that found no readable article."""
    skipped = {str(path): _why_unreadable(path) or "" for path in inputs.files}
    ignored = inputs.ignored
    where = ", ".join(str(p) for p in paths)
    n_files = len(skipped) + sum(ignored.values())
    if not n_files:
        return (
            f"found no files in {where}; expected articles ending in "
            f"{', '.join(ARTICLE_SUFFIXES)}. Nothing was written."
        )
    parts = [f"{n} {suffix}" for suffix, n in ignored.items()]
    if ignored:
        parts[-1] += f" (not read: expected {', '.join(ARTICLE_SUFFIXES)})"
    if skipped:
        parts.append(f"{len(skipped)} unreadable article file(s): " + " ".join(skipped.values()))
    return (
        f"found {n_files} file(s) in {where}, none readable: {'; '.join(parts)}. "
        "Nothing was written."
    )


def _write_outputs(
    folder: Path,
    model: Model,
    resources: Resources,
    map_options: MapOptions,
    underway: Underway,
) -> dict[str, Path]:
    """Write every output file into ``folder``; return ``{file name: path}``.

    ``underway`` are the outputs started as soon as the model was made
    (the static images, the GeoPackage, the big tables): this process
    makes the rest.
    """
    from geo.exports import write_outputs

    return write_outputs(
        folder, model, options=map_options, title=_title(resources), underway=underway
    )


def _title(resources: Resources) -> str:
    return f"Attacks in {resources.region.label}"


@dataclass
class _Ingest:
    new: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file -> why
    known: int = 0


#: Articles read and extracted at a time: bounds the text held in memory.
INGEST_BATCH = 256


@dataclass(frozen=True)
class _Survey:
    """What a build finds before it loads anything (:func:`_survey`).

    Small enough to come back from a forked process at once: the files as
    one text (a list of 10,000 paths takes longer to unpickle than to find).
    """

    n_files: int
    joined_files: str
    #: Each file's resolved path (:attr:`geo.articles.Inputs.keys`), by its path as text.
    keys: dict[str, str]
    skipped: list[Skipped]
    ignored: dict[str, int]
    #: Why the build has work to do, or that it has none, for the log.
    notes: list[str] = field(default_factory=list)
    #: The message of :class:`NoReadableArticleError`, when that is the answer.
    nothing_readable: str = ""
    unchanged: BuildResult | None = None
    scan: _incremental.Scan | None = None
    #: Whether ``PRAGMA integrity_check`` found the store sound, when the survey ran it.
    sound: bool | None = None

    @property
    def files(self) -> list[Path]:
        """The article files found, in order."""
        return [Path(p) for p in self.joined_files.split("\0")] if self.n_files else []

    @property
    def path_keys(self) -> dict[Path, str]:
        """:attr:`keys` by Path."""
        return {Path(p): key for p, key in self.keys.items()}


def _survey(
    paths: Sequence[str | Path],
    store_file: Path,
    key: str,
    resources: Resources | None,
    *,
    rebuild: bool,
    check: bool,
    prune: bool,
    out: Path,
    check_store: bool = False,
) -> _Survey:
    """Find the article files, and the result of the build when it has nothing to do.

    With ``check``, the files are compared with the store
    (:func:`_unchanged_build`); their scan is kept for the build.  With
    ``check_store``, a build with something to do also has its store's
    integrity checked (:class:`geo.store.IntegrityCheck`).  Nothing is
    written, and nothing is logged: the build logs what it says.
    """
    inputs = find_inputs(paths)
    survey = _Survey(
        len(inputs.files),
        "\0".join(map(str, inputs.files)),
        {str(path): key for path, key in inputs.keys.items()},
        inputs.skipped,
        inputs.ignored,
    )
    # Nothing to read and nothing stored: say what was found, write nothing.  (An
    # emptied folder over a filled store is a re-run: --prune retracts its articles.)
    # The store is asked first, so a re-run opens no article file here; any()
    # stops at the first readable file.
    if (rebuild or not _stores_articles(store_file)) and not any(
        _why_unreadable(path) is None for path in inputs.files
    ):
        return replace(survey, nothing_readable=_nothing_readable(paths, inputs))
    if check:
        try:
            note, unchanged, scan = _unchanged_build(
                store_file, inputs, key, resources, prune=prune, out=out
            )
        except (sqlite3.DatabaseError, StoreError) as exc:
            # The build opens the store itself, and says what is wrong with it
            # (damaged, locked, not a store), or sets it aside with --rebuild.
            note, unchanged, scan = f"a build: the store could not be read ({exc})", None, None
        survey = replace(survey, notes=[note] if note else [], unchanged=unchanged, scan=scan)
        if unchanged is not None:
            return survey
    if check_store and store_file.is_file():
        survey = replace(survey, sound=IntegrityCheck(store_file, threaded=False).sound())
    return survey


def _surveyed(
    paths: Sequence[str | Path],
    store_file: Path,
    key: str,
    resources: Resources | None,
    *,
    check: bool,
    rebuild: bool,
    prune: bool,
    out: Path,
    jobs: int,
) -> _Survey:
    """:func:`_survey`; with ``jobs`` above 1, in a process forked now, store check included.

    Meanwhile this process imports what a build with something to do needs
    (at 10,000 articles the survey takes about 0.2 s, the imports 0.3 s).
    """
    parallel = jobs > 1
    with Forked(
        _survey,
        paths,
        store_file,
        key,
        resources,
        rebuild=rebuild,
        check=check,
        prune=prune,
        out=out,
        check_store=parallel,
        parallel=parallel,
    ) as surveying:
        if parallel:
            _import_for_work(surveying)
        return surveying.result()  # type: ignore[no-any-return]


def _import_for_work(surveying: Forked) -> None:
    """Import what a build with work to do needs, unless the survey says it has none."""
    for module in _WORK_MODULES:
        if surveying.done():
            break
        importlib.import_module(module)


#: What a build with work to do imports first (pandas, geopandas, the exports).
_WORK_MODULES = ("numpy", "pandas", "shapely", "geopandas", "geo.model", "geo.exports")


def _unchanged_build(
    store_file: Path,
    inputs: Inputs,
    key: str,
    resources: Resources | None,
    *,
    prune: bool,
    out: Path,
) -> tuple[str, BuildResult | None, _incremental.Scan | None]:
    """The result of a build with nothing to do, or None when there is something.

    Returned after why a build is needed (or ""), with the scan of the
    files when it got that far (the build then need not scan them again:
    :func:`geo._incremental.rescan`).

    Nothing to do: every file is as it was read, the extractor is the same,
    the last build wrote all its outputs with the same code and options, no
    build left outputs owed in ``out`` (:mod:`geo.publish`), and (with
    ``prune``) no stored article's file is gone.
    """
    if not store_file.exists():
        return "", None, None
    if OutputFolder.has_leftovers(out):
        return f"a build: an earlier one left its outputs owed in {out}", None, None
    with Store(store_file) as store:
        if store.get_meta("extractor") != extractor_fingerprint():
            return "a build: the store was read by another version of the extractor", None, None
        boundaries = resources.boundaries if resources else None
        written = _incremental.written_outputs(store, key, boundaries=boundaries)
        if written is None:
            why = "a build: the outputs are missing, or were written with other settings"
            return why, None, None
        scan = _incremental.scan(store, inputs.files, inputs.keys)
        if not scan.nothing_new:
            return f"a build: {len(scan.changed)} file(s) new or changed", None, scan
        if prune and any(not Path(p).exists() for p in store.article_paths().values()):
            return "a build: --prune, and a stored article's file is gone", None, scan
        n_incidents, n_claims = store.counts()
    changes = describe_changes(
        old_incidents=[], new_incidents=[], old_claims=[], new_claims=[], new_articles=[]
    )
    result = BuildResult(
        n_files=len(inputs.files),
        n_new=0,
        n_known=scan.unchanged,
        skipped=tuple(str(p) for p in scan.unreadable),
        skip_reasons={str(p): str(why) for p, why in scan.unreadable.items()},
        ignored=inputs.ignored,
        store=store_file,
        n_incidents=n_incidents,
        n_claims=n_claims,
        outputs=written[0],
        boundaries=written[1],
        changes=changes,
    )
    return "", result, scan


def _ingest(
    store: Store, scan: _incremental.Scan, resources: Resources, wrap: Progress, *, jobs: int
) -> _Ingest:
    """Read the files that changed since last read; a changed file replaces its old article."""
    result = _Ingest(known=scan.unchanged)
    for path, reason in scan.unreadable.items():
        logger.warning("skipped %s", reason)
        result.skipped[str(path)] = str(reason)
    keys = _incremental.PathKeys()
    # The scan resolved every input file: stored paths among them are not asked again.
    by_path = {scan.keys.get(p) or keys(p): a for a, p in store.article_paths().items()}
    outcomes = _read_and_extract(scan.changed, store.article_ids(), resources, jobs=jobs)
    for path, stat, article, found, error in wrap(outcomes, len(scan.changed)):
        if article is None:
            logger.warning("skipped %s", error)
            result.skipped[str(path)] = error
            _incremental.record(store, path, stat, error=error)
            continue
        if found is None:  # content the store already holds
            result.known += 1
            _incremental.record(store, path, stat, article_id=article.article_id)
            continue
        old = by_path.get(scan.keys.get(str(path)) or keys(path))
        if old is not None and old != article.article_id:
            store.remove_article(old)
            result.replaced.append(old)
        store.add_article(article, found.claims, found.reports, found.unresolved)
        _incremental.record(store, path, stat, article_id=article.article_id)
        result.new.append(article.article_id)
        checkpoint("article-stored")
    return result


_Outcome = tuple[Path, os.stat_result | None, Article | None, "Extraction | None", str]


def _read_and_extract(
    changed: list[tuple[Path, os.stat_result | None]],
    known: set[str],
    resources: Resources,
    *,
    jobs: int,
) -> Iterator[_Outcome]:
    """Read the changed files and extract the articles the store lacks, in file order.

    Yields ``(path, stat, article, extraction, error)`` per file: no article
    (and the reason) for a file that cannot be read, no extraction for
    content already known (or seen earlier in this build).
    """
    seen = set(known)
    with _extractor(resources, jobs) as extractor:
        for start in range(0, len(changed), INGEST_BATCH):
            batch: list[tuple[Path, os.stat_result | None, Article | None, str]] = []
            for path, stat in changed[start : start + INGEST_BATCH]:
                try:
                    batch.append((path, stat, read_article(path), ""))
                except (ArticleError, OSError) as exc:
                    batch.append((path, stat, None, str(exc)))
            new = []
            for _, _, article, _ in batch:
                if article is not None and article.article_id not in seen:
                    seen.add(article.article_id)
                    new.append(article)
            results = extractor.map(new)
            fresh = {id(a) for a in new}
            for path, stat, article, error in batch:
                found = next(results) if id(article) in fresh else None
                yield path, stat, article, found, error


def _prune(store: Store) -> list[str]:
    """Retract every stored article whose file is gone."""
    gone = [a for a, p in store.article_paths().items() if not Path(p).exists()]
    for article_id in gone:
        store.remove_article(article_id)
        logger.info("retracted %s: its file is gone", article_id)
    return gone


def _stale(store: Store) -> bool:
    """True when the store was filled by another version of the extractor."""
    return store.get_meta("extractor") not in (None, extractor_fingerprint())


def _reextract(store: Store, resources: Resources, *, jobs: int) -> int:
    """Re-run extraction on every stored article (the extractor has changed)."""
    articles = store.articles()
    with _extractor(resources, jobs) as extractor:
        for start in range(0, len(articles), INGEST_BATCH):
            batch = articles[start : start + INGEST_BATCH]
            for article, found in zip(batch, extractor.map(batch), strict=True):
                store.add_article(article, found.claims, found.reports, found.unresolved)
    logger.info("re-read %d stored articles with the current extractor", len(articles))
    return len(articles)


def _extractor(resources: Resources, jobs: int) -> Extractor[Article, Extraction]:
    """Extraction in ``jobs`` processes; here when the online geocoder is asked.

    The geocoder's cache and its rate limit live in this process; the
    workers need no district polygons.
    """
    if resources.online is not None:
        return Extractor(extract, resources, jobs=1)
    return Extractor(extract, replace(resources, districts=None), jobs=jobs)


def _rows(model: Model) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The model's incidents (kept in the store) and area claims (for the change report)."""
    from geo.columns import records

    claims = model.claims
    return records(model.incidents.drop(columns="geometry")), records(
        claims[claims["scope"] == "area"]
    )


def _frames(
    store: Store, resources: Resources, located: Callable[[Places], None] = lambda places: None
) -> Model:
    """The model of everything the store holds: incidents merged, claims, tables.

    Only the groups of places whose articles changed are merged anew
    (:mod:`geo._merged`); the claims and articles are read as columns.
    When the merged groups know every incident's tolls, the incidents are
    located first and handed to ``located`` (the static image needs no
    more) before the claims are read.
    """
    import pandas as pd

    from geo._merged import merged
    from geo.districts import read_district_table
    from geo.model import aggregate, known_toll_frame, locate
    from geo.schema import CLAIM_COLUMNS
    from geo.tables import area_frame, articles_frame, incident_table

    boundary = resources.boundary_file
    key = _incremental.outputs_key(
        (resources.boundaries, _incremental.stat_of(str(boundary)) if boundary else None)
    )
    found = merged(store, resources.districts, key=key)
    incidents = incident_table(found.incidents)
    district_table = read_district_table() if resources.districts is None else None
    places = None
    tolls = found.tolls and known_toll_frame(
        found.tolls, (r["incident_id"] for r in found.incidents)
    )
    if tolls is not None:
        places = locate(
            incidents,
            tolls,
            polygons=resources.districts,
            district_table=district_table,
            province=resources.region.admin1,
        )
        located(places)
    claims = store.claim_columns()
    claims["incident_id"] = [found.owners.get(c, "") for c in claims["claim_id"]]
    articles = store.article_rows()
    return aggregate(
        incidents,
        pd.DataFrame(claims, columns=list(CLAIM_COLUMNS)),
        articles=articles_frame(articles),
        areas=area_frame(store.claims(scope="area"), articles),
        polygons=resources.districts,
        district_table=district_table,
        province=resources.region.admin1,
        known_tolls=found.tolls,
        places=places,
    )
