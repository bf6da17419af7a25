"""The build: articles on disk -> store -> incidents -> map and exports.

This is the I/O edge of the project.  It loads the heavy things once
(gazetteer, lexicon, district polygons), reads only articles whose content
the store does not know, and does all store writes inside one transaction,
so a build that dies leaves the last good state.  Outputs are then written
atomically from what the store holds, so a build with nothing new rewrites
the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import geopandas as gpd

from geo import __version__
from geo._faults import checkpoint
from geo.articles import ARTICLE_SUFFIXES, ArticleError, find_article_files, read_article
from geo.boundaries import DATA_ENV, is_shipped
from geo.changes import has_changes
from geo.claims import build_claims_and_reports
from geo.districts import find_boundary_file, load_districts, read_district_table
from geo.exports import MapOptions, write_outputs
from geo.gazetteer import PROJECT_DATA, Gazetteer, load_gazetteer
from geo.geocode import OnlineGeocoder, StoreCache
from geo.incidents import assign_incidents, merge_reports
from geo.lexicon import Lexicon, load_lexicon
from geo.mentions import extract_mentions
from geo.model import Model, aggregate
from geo.publish import Debt, OutputFolder
from geo.records import Article, Claim, Report, UnresolvedName
from geo.region import DEFAULT_REGION, Region
from geo.store import SCHEMA_VERSION, Store, open_store
from geo.tables import area_frame, articles_frame, claims_frame, incident_frame

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


def load_resources(
    *, region: Region = DEFAULT_REGION, data_dir: str | Path | None = None
) -> Resources:
    """Load the gazetteer, the lexicons and the district polygons.

    The polygons are the layer shipped with the package (its sha256 checked),
    or the user's own copy in ``data_dir`` or ``$INCIDENTMAP_DATA``; so a
    fresh machine with no network draws districts.
    """
    path = find_boundary_file(data_dir=data_dir)
    if is_shipped(path):
        note = f"district polygons: geoBoundaries PAK ADM2 2019, shipped ({path}, sha256 checked)"
    else:
        origin = "data_dir" if data_dir is not None else f"${DATA_ENV}"
        note = f"district polygons: {path} (from {origin})"
    districts = load_districts(path)
    return Resources(load_gazetteer(region=region), load_lexicon(), districts, note, region)


@dataclass(frozen=True)
class Extraction:
    """What one article yields: claims, per-place reports, and names that did not resolve."""

    claims: list[Claim]
    reports: list[Report]
    unresolved: list[UnresolvedName]


def extract(article: Article, resources: Resources) -> Extraction:
    """Run the pure stages on one article: mentions, then claims and reports."""
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

    Raises
    ------
    NoReadableArticleError
        If the paths hold no article that can be read; nothing is written.
    """
    paths = paths or [SAMPLE_ARTICLES]
    stage = on_stage or (lambda name: None)
    files, unreadable = find_article_files(paths)
    for item in unreadable:
        logger.warning("skipped %s", item)
    out = Path(out_dir)
    store_file = Path(store_path) if store_path else out / STORE_NAME
    # Nothing to read and nothing stored: say what was found, write nothing.  (An
    # emptied folder over a filled store is a re-run: --prune retracts its articles.)
    # any() stops at the first readable file: a normal build reads one file twice.
    if not any(_why_unreadable(path) is None for path in files) and (
        rebuild or not _stores_articles(store_file)
    ):
        raise NoReadableArticleError(_nothing_readable(paths, files))
    resources = resources or load_resources()
    map_options = map_options or MapOptions()
    # A build is one unit (geo.publish): the output folder stays locked until
    # its files are in place, and what they owe is committed with the store.
    with OutputFolder(out) as folder, open_store(store_file, rebuild=rebuild) as store:
        with store.transaction():
            if online:
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
            reextracted = _reextract(store, resources) if _stale(store) else 0
            store.set_meta("extractor", extractor_fingerprint())
            stage(BUILD_STAGES[0])
            ingest = _ingest(store, files, resources, progress or (lambda items, total: items))
            pruned = _prune(store) if prune else []
            stage(BUILD_STAGES[1])
            model = _frames(store, resources)
            unresolved = sorted({u.surface for u in store.unresolved()})
            new_incidents = model.incidents.drop(columns="geometry").to_dict("records")
            store.replace_incidents(new_incidents)
            changes = debt.changes(
                new_incidents=new_incidents,
                new_claims=model.claims.to_dict("records"),
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
            lambda staging: _write_outputs(staging, model, resources, map_options),
            extra=report,
        )
    outputs[CHANGES_NAME] = out / CHANGES_NAME
    return BuildResult(
        n_files=len(files),
        n_new=len(ingest.new),
        n_known=ingest.known,
        skipped=(*(str(item.path) for item in unreadable), *ingest.skipped),
        skip_reasons={**{str(item.path): item.reason for item in unreadable}, **ingest.skipped},
        ignored=_ignored_suffixes(paths),
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


def _ignored_suffixes(paths: Sequence[str | Path]) -> dict[str, int]:
    """Count the files in the input folders that are not articles, by suffix.

    Walks the folders as :func:`geo.articles.iter_article_files` does (hidden
    files and folders left out), so that a summary can say "3 .pdf not read".
    """
    counts: Counter[str] = Counter()
    for given in paths:
        for _root, dirs, names in os.walk(given):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                suffix = Path(name).suffix.lower()
                if not name.startswith(".") and suffix not in ARTICLE_SUFFIXES:
                    counts[suffix or "(no suffix)"] += 1
    return dict(sorted(counts.items()))


def _stores_articles(store_file: Path) -> bool:
    if not store_file.is_file():
        return False
    with Store(store_file) as store:
        return bool(store.article_ids())


def _why_unreadable(path: Path) -> str | None:
    try:
        read_article(path)
    except (ArticleError, OSError) as exc:
        return str(exc)
    return None


def _nothing_readable(paths: Sequence[str | Path], files: Sequence[Path]) -> str:
    """Say what the input holds, for a build that found no readable article."""
    skipped = {str(path): _why_unreadable(path) or "" for path in files}
    ignored = _ignored_suffixes(paths)
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
    folder: Path, model: Model, resources: Resources, map_options: MapOptions
) -> dict[str, Path]:
    """Write every output file into ``folder``; return ``{file name: path}``."""
    return write_outputs(
        folder, model, options=map_options, title=f"Attacks in {resources.region.label}"
    )


@dataclass
class _Ingest:
    new: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file -> why
    known: int = 0


def _ingest(store: Store, files: list[Path], resources: Resources, wrap: Progress) -> _Ingest:
    """Read files whose content the store lacks; a changed file replaces its old article."""
    result = _Ingest()
    known = store.article_ids()
    by_path = {_path_key(p): a for a, p in store.article_paths().items()}
    for path in wrap(files, len(files)):
        try:
            article = read_article(path)
        except (ArticleError, OSError) as exc:
            logger.warning("skipped %s", exc)
            result.skipped[str(path)] = str(exc)
            continue
        if article.article_id in known:
            result.known += 1
            continue
        old = by_path.get(_path_key(path))
        if old is not None and old != article.article_id:
            store.remove_article(old)
            result.replaced.append(old)
        found = extract(article, resources)
        store.add_article(article, found.claims, found.reports, found.unresolved)
        known.add(article.article_id)
        result.new.append(article.article_id)
        checkpoint("article-stored")
    return result


def _path_key(path: str | Path) -> str:
    return str(Path(path).resolve())


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


def _reextract(store: Store, resources: Resources) -> int:
    """Re-run extraction on every stored article (the extractor has changed)."""
    articles = store.articles()
    for article in articles:
        found = extract(article, resources)
        store.add_article(article, found.claims, found.reports, found.unresolved)
    logger.info("re-read %d stored articles with the current extractor", len(articles))
    return len(articles)


def _frames(store: Store, resources: Resources) -> Model:
    """Merge everything the store holds into the export tables, then the model."""
    articles = store.articles()
    incidents = merge_reports(store.reports())
    claims = assign_incidents(store.claims(), incidents)
    return aggregate(
        incident_frame(incidents, claims, articles, districts=resources.districts),
        claims_frame(claims),
        articles=articles_frame(articles),
        areas=area_frame(claims, articles),
        polygons=resources.districts,
        district_table=read_district_table() if resources.districts is None else None,
        province=resources.region.admin1,
    )
