"""Render incidents and claims as an interactive Folium map.

:func:`render_map` builds the map: one toggleable layer per attack type,
markers sized by the reported toll, a popup with every claim and its
sentence, a district choropleth of the toll with its legend, the province
outline, a legend, a panel of the contested area-wide figures and a
timeline.  :func:`write_map` writes it as a page and :func:`write_fragment`
as a snippet for a report, atomically and byte-for-byte reproducibly.

The incidents travel as one JSON data block, not as one folium object each:
a small script (:data:`geo._assets.SCRIPT`) draws the markers and builds each
popup when it is opened, which keeps a map of thousands of incidents small
and quick.  The data is shaped in :mod:`geo._mapdata`, the panels' HTML in
:mod:`geo._popup`, the assets and rendering in :mod:`geo._assets`.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import xyzservices

from geo import _assets, _mapdata, _popup
from geo.atomic import write_text_atomic
from geo.records import ATTACK_TYPES

logger = logging.getLogger(__name__)

#: One colour per attack type, fixed so a type looks the same on every map.
TYPE_COLOURS: dict[str, str] = {
    "suicide_bombing": "#b2182b",
    "bombing": "#e6550d",
    "grenade_attack": "#fdae6b",
    "armed_assault": "#6a3d9a",
    "shelling": "#8c510a",
    "abduction": "#41b6c4",
    "prison_break": "#01665e",
    "arson": "#d4a000",
    "sabotage": "#525252",
    "seizure": "#c51b7d",
    "identity_killing": "#111111",
    "targeted_killing": "#66a61e",
    "security_operation": "#253494",
    "other": "#969696",
}

#: Human labels of the attack types, used for layer names and the legend.
TYPE_LABELS: dict[str, str] = {
    "suicide_bombing": "Suicide bombing",
    "bombing": "Bombing",
    "grenade_attack": "Grenade attack",
    "armed_assault": "Armed assault",
    "shelling": "Shelling",
    "abduction": "Abduction",
    "prison_break": "Prison break",
    "arson": "Arson",
    "sabotage": "Sabotage",
    "seizure": "Seizure",
    "identity_killing": "Identity-based killing",
    "targeted_killing": "Targeted killing",
    "security_operation": "Security operation",
    "other": "Other",
}

#: Where an empty map looks: Balochistan as a whole.
DEFAULT_CENTRE: tuple[float, float] = (28.5, 66.0)
DEFAULT_ZOOM = 6
#: A fitted map never zooms in further than this, so one incident keeps its context.
MAX_FIT_ZOOM = 10
#: Markers keep this radius (px) when no toll, or a small one, is reported.
MIN_RADIUS = 5.0
#: Pixels of radius per square root of a death: circle *area* tracks the toll.
RADIUS_SCALE = 3.0
#: Degrees; ~1 km, invisible at the zooms a district map is read at, and it
#: shrinks Pakistan's ADM2 file from ~1 MB to a few tens of kB.
SIMPLIFY_TOLERANCE = 0.01
#: Decimals kept in district coordinates (~10 m), again for size.
DISTRICT_DECIMALS = 4
POPUP_MAX_WIDTH = 480
#: A fragment sits in a report page, whose height it cannot take: a fixed one.
DEFAULT_FRAGMENT_HEIGHT = "600px"
#: Layer names of the district choropleth and the province outline.
CHOROPLETH_NAME = "Fatalities by district"
OUTLINE_NAME = "Province outline"
#: OpenStreetMap's standard tiles: free to view without a key (CARTO now asks
#: for one), with the attribution xyzservices carries.
BASEMAP: xyzservices.TileProvider = xyzservices.providers.OpenStreetMap.Mapnik

#: Columns render_map reads; the export schema (geo.exports) has more.
_INCIDENT_NEEDS = (
    "incident_id",
    "event_date",
    "date_precision",
    "place",
    "admin1",
    "admin2",
    "admin3",
    "latitude",
    "longitude",
    "attack_types",
    "primary_type",
    "target",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "sources",
    "notes",
)
_CLAIM_NEEDS = (
    "claim_id",
    "incident_id",
    "scope",
    "area",
    "figure",
    "role",
    "value_low",
    "value_high",
    "qualifier",
    "claimant",
    "claimant_kind",
    "outlet",
    "published",
    "sentence",
)
_ARTICLE_NEEDS = ("article_id", "path", "outlet", "url", "published", "title")
_DISTRICT_NEEDS = ("admin2", "admin1", "geometry")
_CSS_LENGTH = re.compile(r"\d+(\.\d+)?(px|em|rem|vh|vw|%)")
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


def marker_radius(killed: Any) -> float:
    """Return the marker radius (px) for a toll, on an area-true scale.

    Parameters
    ----------
    killed : int or None
        The best estimate of people killed; missing counts as unknown.

    Returns
    -------
    float
        ``RADIUS_SCALE * sqrt(killed)``, but at least ``MIN_RADIUS``.
    """
    value = _popup.int_or_none(killed)
    if value is None or value <= 0:
        return MIN_RADIUS
    return max(MIN_RADIUS, round(RADIUS_SCALE * math.sqrt(value), 2))


def render_map(
    incidents: pd.DataFrame,
    claims: pd.DataFrame,
    *,
    districts: gpd.GeoDataFrame | None = None,
    articles: pd.DataFrame | None = None,
    tiles: bool = True,
    basemap: xyzservices.TileProvider | None = None,
    title: str = "Incidents",
    self_contained: bool = False,
) -> folium.Map:
    """Build the interactive incident map.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The incidents frame (columns of ``incidents.csv``, EPSG:4326).
    claims : pandas.DataFrame
        The claims frame (columns of ``claims.csv``).
    districts : geopandas.GeoDataFrame, optional
        District polygons with ``admin2`` and ``admin1``, in EPSG:4326: the
        choropleth of the toll per district and the province outline.
    articles : pandas.DataFrame, optional
        Articles (``article_id, path, outlet, url, published, title``), for
        the source links in the popups.
    tiles : bool, default True
        Add a basemap; ``False`` draws no tile layer (plain mode).
    basemap : xyzservices.TileProvider, optional
        The basemap when ``tiles`` is true; default :data:`BASEMAP`
        (OpenStreetMap).  Any ``xyzservices.providers`` entry works, e.g.
        ``CartoDB.Positron(apikey=...)``.
    title : str, default "Incidents"
        Shown in the legend and as the page title.
    self_contained : bool, default False
        Inline Leaflet's script and stylesheet (from the ``xstatic-leaflet``
        package) instead of linking them, so that the page needs no network
        (basemap tiles aside).  :func:`write_map` can override it.

    Returns
    -------
    folium.Map
        The map; write it with :func:`write_map` or :func:`write_fragment`.

    Raises
    ------
    TypeError
        If a frame is not a (Geo)DataFrame.
    ValueError
        If a column is missing, a CRS is not EPSG:4326 or an incident has an
        attack type outside ``ATTACK_TYPES``.
    ImportError
        If ``self_contained`` is true and ``xstatic-leaflet`` is missing.
    """
    _check_inputs(incidents, claims, districts, articles)
    if self_contained:
        _assets.leaflet_inline()  # fail now, not when the map is written
    points, unmapped = _split_unmapped(incidents)
    data = _mapdata.payload(
        points, claims, articles, labels=TYPE_LABELS, colours=TYPE_COLOURS, radius=marker_radius
    )
    types = list(data["types"])
    panels = [_popup.legend_html(title, types, TYPE_LABELS, TYPE_COLOURS, unmapped=unmapped)]
    if districts is not None:
        choropleth = _district_data(districts, incidents)
        data["districts"], data["outline"] = choropleth.features, choropleth.outline
        panels.append(_popup.choropleth_legend_html(choropleth.classes))
    area = [row for row in _rows(claims) if _popup.text_of(row["scope"]) == "area"]
    if area:
        panels.append(_popup.area_panel_html(area))
    panels.append(_popup.timeline_html(*_mapdata.timeline_counts(incidents)))
    m = _base_map(points, basemap=(basemap or BASEMAP) if tiles else None)
    cast(branca.element.Figure, m.get_root()).title = _popup.esc(title)
    _assets.prepare(m, self_contained=self_contained)
    _add_layers(m, data, "".join(panels), districts=districts is not None)
    _assets.stabilise_ids(m)
    return m


def write_map(
    m: folium.Map,
    path: str | os.PathLike[str],
    *,
    self_contained: bool | None = None,
) -> Path:
    """Render ``m`` to a standalone HTML page, atomically and reproducibly.

    Folium gives every element a random id and rendering changes the element
    tree, so the map is copied into a fresh Figure, its ids renumbered in
    tree order, and the copy rendered: the same map gives the same bytes on
    every call, and ``m`` itself is left unrendered.  Anything to be written
    must therefore be added to the map, not to its Figure (``m.get_root()``);
    only the Figure's ``title`` is carried over.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`render_map`.
    path : str or os.PathLike
        The HTML file to write.
    self_contained : bool, optional
        Inline Leaflet (no ``<script src>`` or ``<link href>`` at all), or
        link it from its CDN; by default as ``render_map`` was told.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``m`` is not a folium.Map.
    ImportError
        If a self-contained page is asked for and ``xstatic-leaflet`` is missing.
    """
    _check_map(m)
    write_text_atomic(path, _assets.render_page(m, self_contained=self_contained))
    return Path(path)


def write_fragment(
    m: folium.Map,
    path: str | os.PathLike[str],
    *,
    height: str | int = DEFAULT_FRAGMENT_HEIGHT,
    id_prefix: str | None = None,
    self_contained: bool | None = None,
) -> Path:
    """Write ``m`` as an HTML snippet to paste into a report page.

    The snippet holds the map's styles and scripts and a ``<div>`` of the
    given height with the map in it; no ``<html>``, ``<head>`` or ``<body>``,
    and nothing that styles the host page.  Every id and JavaScript name in
    it starts from ``id_prefix``, so several maps can share a page.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`render_map`.
    path : str or os.PathLike
        The file to write.
    height : str or int, default "600px"
        The map's CSS height (an int is pixels): a fragment cannot take the
        whole window as a page does.
    id_prefix : str, optional
        Letters, digits and ``_``, starting with a letter.  By default a hash
        of the map, so two different maps never clash; give distinct
        prefixes to paste the *same* map twice.
    self_contained : bool, optional
        As for :func:`write_map`.  Two self-contained fragments on one page
        run Leaflet's code once.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``m`` is not a folium.Map.
    ValueError
        If ``height`` or ``id_prefix`` is malformed.
    """
    _check_map(m)
    if isinstance(height, int) and not isinstance(height, bool):
        height = f"{height}px"
    if not isinstance(height, str) or not _CSS_LENGTH.fullmatch(height):
        raise ValueError(
            "height must be a CSS length such as '600px' or '80vh', or an int (pixels); "
            f"got {height!r}"
        )
    if id_prefix is not None and not _ID_PREFIX.fullmatch(id_prefix):
        raise ValueError(
            "id_prefix must be letters, digits or '_', starting with a letter "
            f"(it names JavaScript variables), got {id_prefix!r}"
        )
    text = _assets.render_fragment(
        m, height=height, self_contained=self_contained, prefix=id_prefix
    )
    write_text_atomic(path, text)
    return Path(path)


# -- validate ---------------------------------------------------------------


def _check_map(m: Any) -> None:
    if not isinstance(m, folium.Map):
        raise TypeError(f"expected a folium.Map (from render_map), got {type(m).__name__}")


def _require(frame: Any, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} is missing column(s) {missing}; it needs {list(columns)} "
            "(see the export schema in DESIGN.md)"
        )


def _check_crs(frame: Any, what: str, *, required: bool) -> None:
    crs = getattr(frame, "crs", None)
    if crs is None:
        if required:
            raise ValueError(
                f"{what} has no CRS; expected EPSG:4326. If the coordinates are "
                'longitude/latitude, call .set_crs("EPSG:4326") first.'
            )
        return
    if crs.to_epsg() != 4326:
        raise ValueError(
            f"{what} has CRS {crs.to_string()}, expected EPSG:4326; "
            'reproject with .to_crs("EPSG:4326") first.'
        )


def _check_inputs(incidents: Any, claims: Any, districts: Any, articles: Any) -> None:
    _require(incidents, _INCIDENT_NEEDS, "incidents")
    _check_crs(incidents, "incidents", required=False)
    _require(claims, _CLAIM_NEEDS, "claims")
    if articles is not None:
        _require(articles, _ARTICLE_NEEDS, "articles")
    if districts is not None:
        if not isinstance(districts, gpd.GeoDataFrame):
            raise TypeError(
                f"districts must be a GeoDataFrame or None, got {type(districts).__name__}"
            )
        _require(districts, _DISTRICT_NEEDS, "districts")
        _check_crs(districts, "districts", required=True)
    bad = sorted(
        {
            f"{row['incident_id']}: {row['primary_type']!r}"
            for row in _rows(incidents)
            if _popup.text_of(row["primary_type"]) not in TYPE_COLOURS
        }
    )
    if bad:
        raise ValueError(
            f"incidents have a primary_type outside ATTACK_TYPES: {', '.join(bad)}; "
            f"expected one of {list(ATTACK_TYPES)}"
        )


# -- compute ----------------------------------------------------------------


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict("records")


def _split_unmapped(incidents: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Return the incidents with coordinates (sorted by id) and how many lack them."""
    try:
        lat = pd.to_numeric(incidents["latitude"]).astype(float)
        lon = pd.to_numeric(incidents["longitude"]).astype(float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"incidents latitude/longitude must be numbers or NaN: {error}") from error
    has = (lat.notna() & lon.notna()).to_numpy()
    unmapped = int((~has).sum())
    if unmapped:
        ids = sorted(map(str, incidents.loc[~has, "incident_id"]))
        logger.warning("%d incident(s) without coordinates left off the map: %s", unmapped, ids)
    points = pd.DataFrame(incidents.loc[has]).copy()
    points["latitude"] = lat.to_numpy()[has]
    points["longitude"] = lon.to_numpy()[has]
    order = np.argsort(points["incident_id"].astype(str).to_numpy(), kind="stable")
    return points.iloc[order], unmapped


def _district_data(districts: gpd.GeoDataFrame, incidents: pd.DataFrame) -> _mapdata.Choropleth:
    shown = _mapdata.districts_to_show(districts, incidents)
    return _mapdata.district_choropleth(
        shown, incidents, tolerance=SIMPLIFY_TOLERANCE, decimals=DISTRICT_DECIMALS
    )


# -- assemble ---------------------------------------------------------------


def _base_map(points: pd.DataFrame, *, basemap: xyzservices.TileProvider | None) -> folium.Map:
    m = folium.Map(
        location=list(DEFAULT_CENTRE),
        zoom_start=DEFAULT_ZOOM,
        tiles=None,
        control_scale=True,
    )
    if basemap is not None:
        if not isinstance(basemap, xyzservices.TileProvider):
            raise TypeError(
                f"basemap must be an xyzservices.TileProvider, got {type(basemap).__name__}"
            )
        folium.TileLayer(basemap, name=basemap.name, control=False).add_to(m)
    if not points.empty:
        south, north = points["latitude"].min(), points["latitude"].max()
        west, east = points["longitude"].min(), points["longitude"].max()
        m.fit_bounds(
            [[float(south), float(west)], [float(north), float(east)]],
            padding=(30, 30),
            max_zoom=MAX_FIT_ZOOM,
        )
    return m


def _add_layers(m: folium.Map, data: dict[str, Any], panels: str, *, districts: bool) -> None:
    """Add the empty groups the page script fills, the layer control and the data."""
    groups = {t: folium.FeatureGroup(name=TYPE_LABELS[t], show=True) for t in data["types"]}
    for group in groups.values():
        group.add_to(m)
    district_group = outline_group = None
    if districts:
        district_group = folium.FeatureGroup(name=CHOROPLETH_NAME, show=True)
        outline_group = folium.FeatureGroup(name=OUTLINE_NAME, show=True)
        district_group.add_to(m)
        outline_group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    layers = _assets.IncidentLayers(
        _mapdata.script_json(data),
        panels,
        groups,
        districts=district_group,
        outline=outline_group,
        popup_width=POPUP_MAX_WIDTH,
    )
    m.add_child(layers, name="incidentmap_layers")
