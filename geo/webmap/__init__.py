"""The interactive map: model -> compact data -> page.

* :mod:`geo.webmap.data` turns a :class:`geo.model.Model` into the compact
  JSON document the page draws (strings stored once, columns not objects);
* :mod:`geo.webmap.page` puts that document, Leaflet (inlined by default)
  and ``map.js`` / ``map.css`` (package data beside this file) into a page
  or a fragment, reproducibly;
* ``map.js`` draws markers, popups, tooltips, the choropleth and the panels
  in the browser, with ``textContent`` only;
* :mod:`geo.webmap.notebook` wraps it all in a ``folium.Map`` for notebooks.

The public functions keep the names the package has always exported:
:func:`render_map`, :func:`write_map`, :func:`write_fragment`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from geo.atomic import write_text_atomic
from geo.model import Model, aggregate
from geo.webmap.data import document, marker_radius
from geo.webmap.page import ID_PATTERN, fragment_html, page_html

if TYPE_CHECKING:
    import xyzservices

    from geo.webmap.notebook import IncidentMap

__all__ = [
    "DEFAULT_FRAGMENT_HEIGHT",
    "map_document",
    "marker_radius",
    "render_map",
    "write_fragment",
    "write_map",
]

#: A fragment sits in a report page, whose height it cannot take: a fixed one.
DEFAULT_FRAGMENT_HEIGHT = "600px"
_CSS_LENGTH = re.compile(r"\d+(\.\d+)?(px|em|rem|vh|vw|%)")


def tile_spec(basemap: xyzservices.TileProvider | None = None) -> dict[str, Any]:
    """Return the URL template, attribution and zoom limit of a basemap.

    The default is OpenStreetMap's standard tiles (free to view without a
    key), named through ``xyzservices`` with the attribution it carries.
    """
    import xyzservices

    provider = basemap if basemap is not None else xyzservices.providers.OpenStreetMap.Mapnik
    if not isinstance(provider, xyzservices.TileProvider):
        raise TypeError(
            f"basemap must be an xyzservices.TileProvider, got {type(provider).__name__}"
        )
    return {
        "url": provider.build_url(),
        "attribution": provider.html_attribution,
        "max_zoom": int(provider.get("max_zoom", 19)),
    }


def map_document(
    model: Model,
    *,
    title: str,
    tiles: bool = True,
    basemap: xyzservices.TileProvider | None = None,
) -> dict[str, Any]:
    """Return the page's data document for ``model`` (see :mod:`geo.webmap.data`)."""
    return document(model, title=title, tiles=tile_spec(basemap) if tiles else None)


def render_map(
    incidents: pd.DataFrame,
    claims: pd.DataFrame,
    *,
    districts: gpd.GeoDataFrame | None = None,
    articles: pd.DataFrame | None = None,
    tiles: bool = True,
    basemap: xyzservices.TileProvider | None = None,
    title: str = "Incidents",
    self_contained: bool = True,
) -> IncidentMap:
    """Build the interactive incident map from the export tables.

    Parameters
    ----------
    incidents : pandas.DataFrame or geopandas.GeoDataFrame
        The incidents (columns of ``incidents.csv``).
    claims : pandas.DataFrame
        The claims (columns of ``claims.csv``).
    districts : geopandas.GeoDataFrame, optional
        District polygons with ``admin2`` and ``admin1`` (EPSG:4326): the
        choropleth of the toll per district and the province outline.
    articles : pandas.DataFrame, optional
        Articles (``article_id, path, outlet, url, published, title``), for
        the sources listed in the popups.
    tiles : bool, default True
        Add a basemap; ``False`` draws none.
    basemap : xyzservices.TileProvider, optional
        The basemap when ``tiles`` is true (default OpenStreetMap).
    title : str, default "Incidents"
        The page title and the key's heading.
    self_contained : bool, default True
        Inline Leaflet so the page needs no network (basemap tiles aside);
        ``False`` links it from its CDN.

    Returns
    -------
    geo.webmap.notebook.IncidentMap
        A ``folium.Map`` (a notebook shows it inline); write it with
        :func:`write_map` or :func:`write_fragment`.

    Raises
    ------
    TypeError
        If a frame is not a (Geo)DataFrame.
    ValueError
        If a column is missing, a CRS is not EPSG:4326 or an incident has an
        attack type outside ``ATTACK_TYPES``.
    """
    model = aggregate(incidents, claims, articles=articles, polygons=districts)
    _check_types(model)
    if self_contained:
        from geo.webmap.leaflet import leaflet_inline

        leaflet_inline()  # fail now, not when the map is written
    from geo.webmap.notebook import IncidentMap

    doc = map_document(model, title=title, tiles=tiles, basemap=basemap)
    return IncidentMap(doc, self_contained=self_contained)


def _check_types(model: Model) -> None:
    from geo.records import ATTACK_TYPES

    bad = sorted(
        f"{i}: {t!r}"
        for i, t in zip(
            model.incidents["incident_id"], model.incidents["primary_type"], strict=True
        )
        if t not in ATTACK_TYPES
    )
    if bad:
        raise ValueError(
            f"incidents have a primary_type outside ATTACK_TYPES: {', '.join(bad)}; "
            f"expected one of {list(ATTACK_TYPES)}"
        )


def _check_map(m: Any) -> None:
    from geo.webmap.notebook import IncidentMap

    if not isinstance(m, IncidentMap):
        raise TypeError(f"expected a map from render_map (a folium.Map), got {type(m).__name__}")


def write_map(
    m: IncidentMap, path: str | os.PathLike[str], *, self_contained: bool | None = None
) -> Path:
    """Write ``m`` as a standalone HTML page, atomically and reproducibly.

    Parameters
    ----------
    m : IncidentMap
        A map from :func:`render_map`.
    path : str or os.PathLike
        The HTML file to write.
    self_contained : bool, optional
        Inline Leaflet (no ``<script src>`` or stylesheet link at all), or
        link it from its CDN; by default as ``render_map`` was told.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    _check_map(m)
    write_text_atomic(path, m.page(self_contained=self_contained))
    return Path(path)


def write_fragment(
    m: IncidentMap,
    path: str | os.PathLike[str],
    *,
    height: str | int = DEFAULT_FRAGMENT_HEIGHT,
    id_prefix: str | None = None,
    self_contained: bool | None = None,
) -> Path:
    """Write ``m`` as an HTML snippet to paste into a report page.

    The snippet holds the map's styles and scripts and a ``<div>`` of the
    given height; no ``<html>``, ``<head>`` or ``<body>``, and no style for
    the host page.  Its element id is ``id_prefix`` (default: a hash of the
    map's data), so several maps can share a page.

    Raises
    ------
    TypeError
        If ``m`` is not a map from :func:`render_map`.
    ValueError
        If ``height`` or ``id_prefix`` is malformed.
    """
    _check_map(m)
    text = fragment_text(
        m.document,
        height=height,
        id_prefix=id_prefix,
        self_contained=m.self_contained if self_contained is None else self_contained,
    )
    write_text_atomic(path, text)
    return Path(path)


def fragment_text(
    doc: dict[str, Any],
    *,
    height: str | int = DEFAULT_FRAGMENT_HEIGHT,
    id_prefix: str | None = None,
    self_contained: bool = True,
) -> str:
    """Check the fragment's options and return its text."""
    if isinstance(height, int) and not isinstance(height, bool):
        height = f"{height}px"
    if not isinstance(height, str) or not _CSS_LENGTH.fullmatch(height):
        raise ValueError(
            "height must be a CSS length such as '600px' or '80vh', or an int (pixels); "
            f"got {height!r}"
        )
    if id_prefix is not None and not ID_PATTERN.fullmatch(id_prefix):
        raise ValueError(
            "id_prefix must be letters, digits, '_' or '-', starting with a letter "
            f"(it is the map's element id), got {id_prefix!r}"
        )
    return fragment_html(doc, height=height, inline_leaflet=self_contained, prefix=id_prefix)


def page_text(doc: dict[str, Any], *, self_contained: bool = True) -> str:
    """Return the standalone page of a data document."""
    return page_html(doc, inline_leaflet=self_contained)
