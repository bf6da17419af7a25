"""Extraction beyond one machine: map it over an archive, then load the results.

Extraction is a pure function of one article and the loaded resources, so an
archive of millions of articles can be read by any engine that maps a
function over items (a Dask bag, Spark, a job array): :func:`extract_path`
is that function, and :func:`store_extractions` loads what it returned into
a store.  A normal :func:`~geo.pipeline.build` on the same files then finds
every article known, reads no article twice through the extractor, and
merges and writes the map::

    import dask.bag as db
    from geo.bulk import extract_path, for_workers, store_extractions

    resources = for_workers(geo.load_resources())
    bag = db.from_sequence(paths, npartitions=64).map(extract_path, resources=resources)
    store_extractions("maps/incidentmap.db", bag.filter(None).compute())
    geo.build(paths, out_dir="maps")

Install Dask with ``pip install 'incidentmap[dask]'``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from geo import _incremental
from geo.articles import ArticleError, read_article
from geo.pipeline import Extraction, Resources, extract, extractor_fingerprint
from geo.records import Article
from geo.store import Store

logger = logging.getLogger(__name__)


def for_workers(resources: Resources) -> Resources:
    """The resources extraction needs, without the district polygons (lighter to ship)."""
    return replace(resources, districts=None, online=None)


def extract_path(path: str | Path, *, resources: Resources) -> tuple[Article, Extraction] | None:
    """Read one article file and extract it; None (with a warning) for a file that is unusable."""
    try:
        article = read_article(Path(path))
    except (ArticleError, OSError) as exc:
        logger.warning("skipped %s", exc)
        return None
    return article, extract(article, resources)


def store_extractions(
    store_path: str | Path, results: Iterable[tuple[Article, Extraction] | None]
) -> list[str]:
    """Put extracted articles into a store in one transaction; return the ids it lacked.

    Articles the store already holds are left as they are.  The store is
    marked as read by this extractor, so a later build does not re-read it.
    """
    added: list[str] = []
    with Store(store_path) as store, store.transaction():
        known = store.article_ids()
        fingerprint = extractor_fingerprint()
        if store.get_meta("extractor") not in (None, fingerprint):
            raise ValueError(
                f"the store {store_path} was filled by another version of the extractor; "
                "run 'incidentmap build' on it first (it re-reads its articles), or use a "
                "new store"
            )
        store.set_meta("extractor", fingerprint)
        _incremental.mark_outputs(store, None)  # the outputs no longer show the whole store
        for item in results:
            if item is None:
                continue
            article, found = item
            if article.article_id in known:
                continue
            store.add_article(article, found.claims, found.reports, found.unresolved)
            known.add(article.article_id)
            added.append(article.article_id)
    logger.info("stored %d extracted articles in %s", len(added), store_path)
    return added
