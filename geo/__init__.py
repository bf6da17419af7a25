"""incidentmap: news articles about attacks -> incidents -> an evidence-backed map.

The stages (see DESIGN.md) are importable on their own; :func:`build` runs
them all.  Names are imported lazily so that ``import geo`` (and the
command line's ``--help``) stays fast and touches no data.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "build": "geo.pipeline",
    "load_resources": "geo.pipeline",
    "BuildResult": "geo.pipeline",
    "read_article": "geo.articles",
    "parse_article": "geo.articles",
    "iter_article_files": "geo.articles",
    "split_sentences": "geo.text",
    "load_gazetteer": "geo.gazetteer",
    "Gazetteer": "geo.gazetteer",
    "load_lexicon": "geo.lexicon",
    "extract_mentions": "geo.mentions",
    "build_claims_and_reports": "geo.claims",
    "merge_reports": "geo.incidents",
    "reconcile": "geo.incidents",
    "find_boundary_file": "geo.districts",
    "load_districts": "geo.districts",
    "join_districts": "geo.districts",
    "Store": "geo.store",
    "aggregate": "geo.model",
    "Model": "geo.model",
    "render_map": "geo.webmap",
    "write_map": "geo.webmap",
    "write_fragment": "geo.webmap",
    "MapOptions": "geo.options",
    "write_outputs": "geo.exports",
    "write_static_map": "geo.static",
    "Region": "geo.region",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'geo' has no attribute {name!r}")
