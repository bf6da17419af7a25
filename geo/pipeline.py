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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import geopandas as gpd

from geo import __version__
from geo._faults import checkpoint
from geo.articles import ArticleError, iter_article_files, read_article
from geo.atomic import write_text_atomic
from geo.changes import describe_changes, has_changes
from geo.claims import build_claims_and_reports
from geo.districts import find_boundary_file, load_districts, read_district_table
from geo.exports import MapOptions, write_outputs
from geo.gazetteer import PROJECT_DATA, Gazetteer, load_gazetteer
from geo.geocode import OnlineGeocoder, StoreCache
from geo.incidents import assign_incidents, merge_reports
from geo.lexicon import Lexicon, load_lexicon
from geo.mentions import extract_mentions
from geo.model import Model, aggregate
from geo.records import Article, Claim, Report, UnresolvedName
from geo.region import DEFAULT_REGION, Region
from geo.store import SCHEMA_VERSION, Store
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
    "articles", "text", "gazetteer", "_matching", "lexicon", "mentions", "figures", "numbers",
    "dates", "claimants", "claims", "records",
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


@dataclass(frozen=True)
class BuildResult:
    """What a build did, for the command line's summary."""

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
    *, region: Region = DEFAULT_REGION, data_dir: str | Path | None = None, download: bool = False
) -> Resources:
    """Load the gazetteer, the lexicons and (when available) the district polygons.

    Without polygons the build still runs: districts then come from the
    gazetteer's table, and the summary says so.
    """
    path = find_boundary_file(data_dir=data_dir, download=download)
    if path is None:
        districts, note = (
            None,
            (
                "no district polygons found: districts come from the gazetteer table. Set "
                "INCIDENTMAP_DATA to a folder holding boundaries/geoBoundaries-PAK-ADM2.geojson, "
                "or run 'incidentmap fetch-boundaries' where there is internet."
            ),
        )
    else:
        districts, note = load_districts(path), f"district polygons: {path}"
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
        article, mentions, area=resources.region.admin1 or "Pakistan"
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
    """
    files = iter_article_files(paths or [SAMPLE_ARTICLES])
    resources = resources or load_resources()
    map_options = map_options or MapOptions()
    out = Path(out_dir)
    store_file = Path(store_path) if store_path else out / STORE_NAME
    with Store(store_file) as store, store.transaction():
        if online:
            url = urlsplit(nominatim)
            geocoder = OnlineGeocoder(
                cache=StoreCache(store),
                region=resources.region,
                domain=url.netloc + url.path.rstrip("/"),
                scheme=url.scheme or "https",
            )
            resources = replace(resources, online=geocoder)
        old_incidents = store.incidents()
        old_claims = claims_frame(store.claims()).to_dict("records")
        old_articles = store.article_ids()
        if rebuild:
            store.clear()
        reextracted = _reextract(store, resources) if _stale(store) else 0
        store.set_meta("extractor", extractor_fingerprint())
        ingest = _ingest(store, files, resources, progress or (lambda items, total: items))
        pruned = _prune(store) if prune else []
        model = _frames(store, resources)
        new_incidents = model.incidents.drop(columns="geometry").to_dict("records")
        store.replace_incidents(new_incidents)
        checkpoint("before-commit")
    changes = describe_changes(
        old_incidents=old_incidents,
        new_incidents=new_incidents,
        old_claims=old_claims,
        new_claims=model.claims.to_dict("records"),
        # Re-read articles (--rebuild) are not news: only ids the store lacked are.
        new_articles=[a for a in ingest.new if a not in old_articles],
        replaced_articles=ingest.replaced,
        pruned_articles=pruned,
    )
    outputs = write_outputs(
        out, model, options=map_options, title=f"Attacks in {resources.region.label}"
    )
    checkpoint("before-changelog")
    # The changelog describes the last build that changed something: a build
    # with nothing new leaves it, like every other output, byte for byte.
    if has_changes(changes) or not (out / CHANGES_NAME).exists():
        write_text_atomic(out / CHANGES_NAME, json.dumps(changes, indent=2, sort_keys=True) + "\n")
    outputs[CHANGES_NAME] = out / CHANGES_NAME
    return BuildResult(
        n_files=len(files),
        n_new=len(ingest.new),
        n_known=ingest.known,
        skipped=tuple(ingest.skipped),
        n_incidents=len(model.incidents),
        n_claims=len(model.claims),
        outputs=outputs,
        boundaries=resources.boundaries,
        reextracted=reextracted,
        replaced=tuple(ingest.replaced),
        pruned=tuple(pruned),
        changes=changes,
    )


@dataclass
class _Ingest:
    new: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
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
            result.skipped.append(str(path))
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
