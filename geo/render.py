"""Render incidents and claims as an interactive Folium map.

:func:`render_map` builds the map (one toggleable layer per attack type,
markers sized by the reported toll, a popup with every claim and its
sentence, a legend and a panel of the contested area-wide figures);
:func:`write_map` writes it to disk, atomically and byte-for-byte
reproducibly.  The HTML fragments live in :mod:`geo._popup`.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xyzservices

from geo import _popup
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
) -> folium.Map:
    """Build the interactive incident map.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The incidents frame (columns of ``incidents.csv``, EPSG:4326).
    claims : pandas.DataFrame
        The claims frame (columns of ``claims.csv``).
    districts : geopandas.GeoDataFrame, optional
        District polygons with ``admin2`` and ``admin1``, in EPSG:4326.
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

    Returns
    -------
    folium.Map
        The map; write it with :func:`write_map`.

    Raises
    ------
    TypeError
        If a frame is not a (Geo)DataFrame.
    ValueError
        If a column is missing, a CRS is not EPSG:4326 or an incident has an
        attack type outside ``ATTACK_TYPES``.
    """
    _check_inputs(incidents, claims, districts, articles)
    points, unmapped = _split_unmapped(incidents)
    m = _base_map(points, basemap=(basemap or BASEMAP) if tiles else None)
    cast(branca.element.Figure, m.get_root()).title = _popup.esc(title)
    m.add_child(_popup.Raw(head=_popup.STYLESHEET), name="incidentmap_style")
    if districts is not None:
        _district_layer(districts, incidents).add_to(m)
    types = _add_incident_layers(m, points, claims, articles)
    folium.LayerControl(collapsed=False).add_to(m)
    legend = _popup.legend_html(title, types, TYPE_LABELS, TYPE_COLOURS, unmapped=unmapped)
    m.add_child(_popup.Raw(body=legend), name="incidentmap_legend")
    area = [row for row in _rows(claims) if _popup.text_of(row["scope"]) == "area"]
    if area:
        m.add_child(_popup.Raw(body=_popup.area_panel_html(area)), name="incidentmap_panel")
    _popup.stabilise_ids(m)
    return m


def write_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Render ``m`` to a standalone HTML file, atomically and reproducibly.

    Folium gives every element a random id and rendering changes the element
    tree, so the map is copied into a fresh Figure, its ids renumbered in
    tree order, and the copy rendered: the same map gives the same bytes on
    every call, and ``m`` itself is left unrendered.  Anything to be written
    must therefore be added to the map, not to its Figure (``m.get_root()``);
    only the Figure's ``title`` is carried over.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`render_map` (or any folium map).
    path : str or os.PathLike
        The HTML file to write.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    if not isinstance(m, folium.Map):
        raise TypeError(f"write_map expects a folium.Map, got {type(m).__name__}")
    write_text_atomic(path, _popup.render_html(m))
    return Path(path)


# -- validate ---------------------------------------------------------------


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


def _claims_by_incident(claims: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(claims):
        if _popup.text_of(row["scope"]) == "incident":
            grouped.setdefault(_popup.text_of(row["incident_id"]), []).append(row)
    return grouped


def _articles_by_id(articles: pd.DataFrame | None) -> dict[str, dict[str, Any]] | None:
    if articles is None:
        return None
    return {_popup.text_of(row["article_id"]): row for row in _rows(articles)}


def _districts_to_show(districts: gpd.GeoDataFrame, incidents: pd.DataFrame) -> gpd.GeoDataFrame:
    provinces = {_popup.text_of(v) for v in incidents["admin1"]} - {""}
    shown = districts
    if provinces:
        shown = districts[districts["admin1"].isin(provinces)]
        if shown.empty:
            logger.warning(
                "no district lies in the incidents' provinces %s; showing all districts",
                sorted(provinces),
            )
            shown = districts
    # Leaflet cannot draw a feature without a geometry.
    shown = shown[shown.geometry.notna() & ~shown.geometry.is_empty]
    shown = shown.sort_values(["admin1", "admin2"], kind="stable")
    geometry = shown.geometry.simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
    geometry = shapely.transform(geometry.to_numpy(), lambda xy: np.round(xy, DISTRICT_DECIMALS))
    return gpd.GeoDataFrame(
        {
            "admin2": [_popup.esc(v) for v in shown["admin2"]],
            "admin1": [_popup.esc(v) for v in shown["admin1"]],
        },
        geometry=list(geometry),
        crs="EPSG:4326",
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


def _district_layer(districts: gpd.GeoDataFrame, incidents: pd.DataFrame) -> folium.GeoJson:
    shown = _districts_to_show(districts, incidents)
    return folium.GeoJson(
        shown.to_geo_dict(show_bbox=False, drop_id=False),
        name="Districts",
        style_function=_district_style,
        tooltip=folium.GeoJsonTooltip(
            fields=["admin2", "admin1"], aliases=["District", "Province"]
        ),
        control=True,
        show=True,
    )


def _district_style(_feature: Mapping[str, Any]) -> dict[str, Any]:
    return {"color": "#777777", "weight": 1, "fillColor": "#cccccc", "fillOpacity": 0.08}


def _add_incident_layers(
    m: folium.Map,
    points: pd.DataFrame,
    claims: pd.DataFrame,
    articles: pd.DataFrame | None,
) -> list[str]:
    """Add one FeatureGroup per primary type present; return those types in order."""
    by_incident = _claims_by_incident(claims)
    by_article = _articles_by_id(articles)
    rows = _rows(points)
    present = {_popup.text_of(row["primary_type"]) for row in rows}
    types = [t for t in ATTACK_TYPES if t in present]
    for attack_type in types:
        group = folium.FeatureGroup(name=TYPE_LABELS[attack_type], show=True)
        for row in rows:
            if _popup.text_of(row["primary_type"]) == attack_type:
                _marker(row, by_incident, by_article).add_to(group)
        group.add_to(m)
    return types


def _marker(
    row: dict[str, Any],
    by_incident: Mapping[str, list[dict[str, Any]]],
    by_article: Mapping[str, dict[str, Any]] | None,
) -> folium.CircleMarker:
    colour = TYPE_COLOURS[_popup.text_of(row["primary_type"])]
    claims = by_incident.get(_popup.text_of(row["incident_id"]), [])
    popup_html = _popup.popup_html(row, claims, by_article, TYPE_LABELS)
    return folium.CircleMarker(
        location=[round(float(row["latitude"]), 6), round(float(row["longitude"]), 6)],
        radius=marker_radius(row["fatalities_best"]),
        color=colour,
        weight=1,
        fill=True,
        fill_color=colour,
        fill_opacity=0.6,
        # A str popup becomes Html(script=True): inserted verbatim into a JS
        # template literal, which is why popup_html escapes with _popup.esc.
        popup=folium.Popup(popup_html, max_width=POPUP_MAX_WIDTH),
        tooltip=folium.Tooltip(_popup.tooltip_html(row)),
    )
