"""Write the incident and claim tables: CSV, GeoJSON and the HTML map.

The files follow the export schema of DESIGN.md.  They are written
atomically (:mod:`geo.atomic`) and deterministically: rows sorted by id,
columns in schema order, missing figures as empty cells (CSV) or ``null``
(GeoJSON), coordinates rounded to :data:`COORDINATE_DECIMALS`, so that the
same input gives byte-identical files and a re-run changes nothing.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import pandas as pd
import xyzservices

from geo._faults import checkpoint
from geo.atomic import atomic_write
from geo.render import render_map, write_fragment, write_map

#: Columns of ``incidents.csv`` / ``incidents.geojson``, in order (DESIGN.md).
INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "event_date",
    "date_precision",
    "place",
    "admin1",
    "admin2",
    "admin3",
    "latitude",
    "longitude",
    "geo_precision",
    "attack_types",
    "primary_type",
    "target",
    "killed_civilians",
    "killed_security",
    "killed_militants",
    "killed_unspecified",
    "fatalities_low",
    "fatalities_best",
    "fatalities_high",
    "injured",
    "abducted",
    "freed_prisoners",
    "n_sources",
    "sources",
    "notes",
    # Beyond DESIGN.md's list (issue 3): where the incident's point comes from.
    "geo_source",
)

#: Columns of ``claims.csv``, in order (DESIGN.md).
CLAIM_COLUMNS: tuple[str, ...] = (
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
    "article_id",
    "outlet",
    "published",
    "sentence",
)

#: ~0.1 m: finer than any gazetteer point, coarse enough to hide float noise.
COORDINATE_DECIMALS = 6

_FLOAT_COLUMNS = frozenset({"latitude", "longitude"})
_INT_COLUMNS = frozenset(
    {
        "geo_precision",
        "killed_civilians",
        "killed_security",
        "killed_militants",
        "killed_unspecified",
        "fatalities_low",
        "fatalities_best",
        "fatalities_high",
        "injured",
        "abducted",
        "freed_prisoners",
        "n_sources",
        "value_low",
        "value_high",
    }
)

#: File names written by :func:`write_outputs`.
OUTPUT_NAMES: tuple[str, ...] = (
    "incidents.csv",
    "claims.csv",
    "incidents.geojson",
    "incidents.html",
)
#: The map as a snippet for a report page, written when ``write_outputs(fragment=True)``.
FRAGMENT_NAME = "incidents_fragment.html"


def write_incidents_csv(incidents: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``incidents.csv``: one row per incident, sorted by ``incident_id``.

    Parameters
    ----------
    incidents : pandas.DataFrame or geopandas.GeoDataFrame
        A frame with at least :data:`INCIDENT_COLUMNS`; other columns
        (``geometry``) are not written.
    path : str or os.PathLike
        The file to write (UTF-8, Unix line ends).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``incidents`` is not a DataFrame.
    ValueError
        If a column is missing, an ``incident_id`` repeats or a count is not whole.
    """
    table = _table(incidents, INCIDENT_COLUMNS, "incidents", key="incident_id")
    return _write_csv(table, path)


def write_claims_csv(claims: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``claims.csv``: one row per reported figure, sorted by ``claim_id``.

    Parameters
    ----------
    claims : pandas.DataFrame
        A frame with at least :data:`CLAIM_COLUMNS`.
    path : str or os.PathLike
        The file to write (UTF-8, Unix line ends).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``claims`` is not a DataFrame.
    ValueError
        If a column is missing, a ``claim_id`` repeats or a value is not whole.
    """
    table = _table(claims, CLAIM_COLUMNS, "claims", key="claim_id")
    return _write_csv(table, path)


def write_incidents_geojson(incidents: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``incidents.geojson``: a FeatureCollection of points, one per line.

    Every incident column is a property (missing values as ``null``); the
    point is built from ``longitude``/``latitude`` rounded to
    :data:`COORDINATE_DECIMALS`, and is ``null`` when either is missing.
    The JSON is written here with :func:`json.dumps` rather than through
    GDAL, so the bytes do not depend on the GDAL version.

    Parameters
    ----------
    incidents : pandas.DataFrame or geopandas.GeoDataFrame
        A frame with at least :data:`INCIDENT_COLUMNS` (EPSG:4326 if it has a CRS).
    path : str or os.PathLike
        The file to write (UTF-8).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``incidents`` is not a DataFrame.
    ValueError
        If a column is missing, an id repeats, or the CRS is not EPSG:4326.
    """
    table = _table(incidents, INCIDENT_COLUMNS, "incidents", key="incident_id")
    _check_crs(incidents)
    with atomic_write(path) as handle:
        _dump_features(table, handle)
    return Path(path)


def write_outputs(
    out_dir: str | os.PathLike[str],
    *,
    incidents: pd.DataFrame,
    claims: pd.DataFrame,
    articles: pd.DataFrame | None,
    districts: gpd.GeoDataFrame | None,
    title: str = "Incidents",
    tiles: bool = True,
    basemap: xyzservices.TileProvider | None = None,
    self_contained: bool = False,
    fragment: bool = False,
) -> dict[str, Path]:
    """Write the tables and the map into ``out_dir``.

    Everything is checked and the map is built before the first file is
    written, so bad input leaves the previous outputs as they were.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The folder to write to (created if missing).
    incidents, claims : DataFrame
        The incidents and claims frames (see :data:`INCIDENT_COLUMNS`,
        :data:`CLAIM_COLUMNS`).
    articles : pandas.DataFrame or None
        Articles, for the source links in the map's popups.
    districts : geopandas.GeoDataFrame or None
        District polygons for the map, or ``None`` when unavailable.
    title : str, default "Incidents"
        The map's title.
    tiles : bool, default True
        Whether the map has a basemap.
    basemap : xyzservices.TileProvider, optional
        The basemap when ``tiles`` is true (default OpenStreetMap).
    self_contained : bool, default False
        Inline Leaflet in the HTML so that the map needs no network (basemap
        tiles aside); needs the ``xstatic-leaflet`` package.
    fragment : bool, default False
        Also write the map as a snippet to paste into a report page
        (:data:`FRAGMENT_NAME`, see :func:`geo.render.write_fragment`).

    Returns
    -------
    dict of str to pathlib.Path
        The path of each file, keyed by its name (:data:`OUTPUT_NAMES`, and
        :data:`FRAGMENT_NAME` when asked for).
    """
    incident_table = _table(incidents, INCIDENT_COLUMNS, "incidents", key="incident_id")
    _check_crs(incidents)
    claim_table = _table(claims, CLAIM_COLUMNS, "claims", key="claim_id")
    m = render_map(
        incidents,
        claims,
        districts=districts,
        articles=articles,
        tiles=tiles,
        basemap=basemap,
        title=title,
        self_contained=self_contained,
    )
    folder = Path(out_dir)
    paths = {name: folder / name for name in OUTPUT_NAMES}
    _write_csv(incident_table, paths["incidents.csv"])
    _write_csv(claim_table, paths["claims.csv"])
    checkpoint("mid-outputs")
    with atomic_write(paths["incidents.geojson"]) as handle:
        _dump_features(incident_table, handle)
    write_map(m, paths["incidents.html"])
    if fragment:
        paths[FRAGMENT_NAME] = write_fragment(m, folder / FRAGMENT_NAME)
    return paths


# -- validate and shape -----------------------------------------------------


def _table(frame: Any, columns: Sequence[str], what: str, *, key: str) -> pd.DataFrame:
    """Check ``frame`` and return its schema columns, typed and sorted by ``key``."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} is missing column(s) {missing}; expected columns, in order: {list(columns)}"
        )
    table = pd.DataFrame({c: _column(frame[c], c, what) for c in columns}, index=range(len(frame)))
    repeated = sorted(set(table.loc[table[key].duplicated(), key]))
    if repeated:
        raise ValueError(f"{what} has repeated {key} values {repeated}; each must be unique")
    return table.sort_values(key, kind="stable").reset_index(drop=True)


def _column(series: pd.Series, name: str, what: str) -> pd.Series:
    values = series.reset_index(drop=True)
    if name in _FLOAT_COLUMNS:
        try:
            numbers = pd.to_numeric(values).astype("float64")
        except (TypeError, ValueError) as error:
            raise ValueError(f"{what} column {name!r} must hold numbers or NaN: {error}") from error
        return numbers.round(COORDINATE_DECIMALS)
    if name in _INT_COLUMNS:
        try:
            return values.astype("Int64")
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{what} column {name!r} must hold whole numbers or <NA>: {error}"
            ) from error
    return values.map(_text).astype(object)


def _text(value: Any) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def _check_crs(frame: pd.DataFrame) -> None:
    crs = getattr(frame, "crs", None)
    if crs is not None and crs.to_epsg() != 4326:
        raise ValueError(
            f"incidents have CRS {crs.to_string()}, expected EPSG:4326; "
            'reproject with .to_crs("EPSG:4326") first.'
        )


# -- write ------------------------------------------------------------------


def write_csv_atomic(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a frame as UTF-8 CSV (no index, NA as empty), atomically."""
    return _write_csv(table, path)


def _write_csv(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    with atomic_write(path) as handle:
        table.to_csv(handle, index=False, na_rep="", lineterminator="\n")
    return Path(path)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return value


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    properties = {c: _json_value(row[c]) for c in INCIDENT_COLUMNS}
    lon, lat = properties["longitude"], properties["latitude"]
    geometry = None
    if lon is not None and lat is not None:
        geometry = {"type": "Point", "coordinates": [lon, lat]}
    return {
        "type": "Feature",
        "id": properties["incident_id"],
        "geometry": geometry,
        "properties": properties,
    }


def _dump_features(table: pd.DataFrame, handle: IO[str]) -> None:
    """Write a FeatureCollection with one feature per line, for readable diffs."""
    handle.write('{"type": "FeatureCollection", "features": [')
    for i, row in enumerate(table.to_dict("records")):
        text = json.dumps(_feature(row), ensure_ascii=False, sort_keys=False, allow_nan=False)
        handle.write(("\n" if i == 0 else ",\n") + text)
    handle.write("\n]}\n")
