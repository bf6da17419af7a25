"""District (ADM2) polygons: load them, join points to them, outline a province.

The polygons are geoBoundaries' Pakistan ADM2 layer (126 units, 2019 vintage),
shipped with the package; :mod:`geo.boundaries` finds the file (or the user's
own copy named by ``$INCIDENTMAP_DATA``) and checks its sha256.  The district
-> province table and news spellings are in ``data/districts.csv``.  Only
:func:`load_districts` and :func:`read_district_table` do I/O, and nothing
touches the disk or the network at import time.
"""

from __future__ import annotations

import difflib
import functools
import json
import logging
import os
import pathlib
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo._paths import PROJECT_DATA
from geo.boundaries import (
    ADM2_FILENAME,
    ADM2_UNIT_COUNT,
    CACHE_ENV,
    DATA_ENV,
    BoundaryError,
    find_boundary_file,
    is_shipped,
    shipped_adm2,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ADM2_FILENAME",
    "ADM2_UNIT_COUNT",
    "CACHE_ENV",
    "DATA_ENV",
    "BoundaryError",
    "district_key",
    "district_lookup",
    "find_boundary_file",
    "join_districts",
    "load_districts",
    "province_of",
    "province_outline",
    "read_district_table",
]

DISTRICT_TABLE = PROJECT_DATA / "districts.csv"
TABLE_COLUMNS = ("district", "province", "seat", "aliases", "note")
PROVINCES = (
    "Balochistan",
    "Khyber Pakhtunkhwa",
    "Punjab",
    "Sindh",
    "Islamabad Capital Territory",
    "Gilgit-Baltistan",
    "Azad Kashmir",
)
WGS84 = "EPSG:4326"
#: UTM 42N (central meridian 69E): under 1 % scale error across Balochistan,
#: ample for a snapping threshold of kilometres.
METRIC_CRS = "EPSG:32642"
#: The 2019 coastline is coarse (Ormara lies 0.8 km, Gadani 3.2 km outside it);
#: 15 km keeps such towns without reaching far across the sea or a border.
DEFAULT_SNAP_KM = 15.0


def _is_wgs84(crs: CRS | None) -> bool:
    # GeoJSON declares OGC:CRS84, the same datum as EPSG:4326 in lon/lat order.
    return crs is not None and (crs.to_epsg() == 4326 or crs.equals(CRS("OGC:CRS84")))


def _crs_name(crs: CRS | None) -> str:
    return "no CRS" if crs is None else crs.to_string()


def load_districts(
    path: str | os.PathLike[str] | None = None, *, table: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """Read an ADM2 file (default: the shipped layer, its sha256 checked) as district frame.

    Returns columns ``admin2`` (the ``shapeName``), ``admin1`` (province from
    ``table``, default ``data/districts.csv``; ``""`` and a warning for a unit
    not in it), ``shape_id`` and ``geometry``.  Raises ValueError if the file
    is not in EPSG:4326 or has no ``shapeName``, and BoundaryError if the
    shipped layer does not match its sha256.
    """
    shipped = path is None or is_shipped(path)
    path = shipped_adm2() if path is None or shipped else pathlib.Path(path)
    try:
        frame = _read_shipped(path) if shipped else gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio's errors do not name the file
        raise BoundaryError(
            f"cannot read the district boundaries {path}: {exc}. The file may be truncated "
            "or not GeoJSON; replace it with a fresh copy, or unset INCIDENTMAP_DATA to use "
            "the district layer shipped with incidentmap"
        ) from None
    if not _is_wgs84(frame.crs):
        raise ValueError(
            f"{path} is in {_crs_name(frame.crs)}, but district polygons must be in {WGS84}; "
            f"reproject with frame.to_crs('{WGS84}') and save it again"
        )
    _check_degrees(frame, path)
    if "shapeName" not in frame.columns:
        raise ValueError(
            f"{path} has no 'shapeName' column (only {', '.join(map(str, frame.columns))}); "
            "expected a geoBoundaries ADM2 layer"
        )
    table = read_district_table() if table is None else table
    province = dict(zip(table["district"], table["province"], strict=True))
    names = frame["shapeName"].astype(str)
    missing = sorted(set(names) - set(province))
    if missing:
        msg = "%s: units not in %s get no province (add them there): %s"
        logger.warning(msg, path, DISTRICT_TABLE, ", ".join(missing))
    shape_id = frame["shapeID"].astype(str) if "shapeID" in frame.columns else ""
    columns = {"admin2": names, "admin1": names.map(province).fillna(""), "shape_id": shape_id}
    return gpd.GeoDataFrame(columns, geometry=frame.geometry.values, crs=WGS84)


def _read_shipped(path: pathlib.Path) -> gpd.GeoDataFrame:
    """The shipped layer (GeoJSON, its sha256 checked), read by GEOS, not GDAL.

    The same polygons, to the bit, as :func:`geopandas.read_file` gives
    (a test holds them equal); in a third of the time, and a build need not
    import GDAL's bindings before it writes the GeoPackage.
    """
    text = path.read_text(encoding="utf-8")
    properties = [feature["properties"] for feature in json.loads(text)["features"]]
    geometry = shapely.get_parts(shapely.from_geojson(text))
    if len(geometry) != len(properties):
        raise ValueError(f"{len(properties)} features but {len(geometry)} geometries")
    columns = {name: [p.get(name) for p in properties] for name in ("shapeName", "shapeID")}
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=WGS84)


def _check_degrees(frame: gpd.GeoDataFrame, path: pathlib.Path) -> None:
    """Refuse coordinates that cannot be degrees: GeoJSON without a ``crs`` reads as WGS84."""
    if frame.empty:
        return
    west, south, east, north = frame.total_bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError(
            f"{path} claims {_crs_name(frame.crs)} (a GeoJSON file without a 'crs' member), "
            f"but its coordinates span x {west:.0f} to {east:.0f}, y {south:.0f} to "
            f"{north:.0f}: they are projected, not degrees. Reproject it to {WGS84} "
            f"(e.g. ogr2ogr -t_srs {WGS84} out.geojson {path.name}) and point "
            f"{DATA_ENV} at the result"
        )


def read_district_table(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and check the district table (default ``data/districts.csv``).

    Returns columns ``district, province, seat, aliases, note`` as stripped
    strings.  Raises ValueError naming the file and line of a missing column,
    an empty district, an unknown province or a repeated district.
    """
    path = DISTRICT_TABLE if path is None else pathlib.Path(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"{path}, line 1: missing column(s) {', '.join(missing)}; "
            f"expected the header {','.join(TABLE_COLUMNS)}"
        )
    table = table.apply(lambda column: column.str.strip())
    seen: dict[str, int] = {}
    rows = zip(table["district"], table["province"], strict=True)
    for line, (district, province) in enumerate(rows, start=2):  # no quoted newlines
        if not district:
            raise ValueError(f"{path}, line {line}: the district is empty")
        if province not in PROVINCES:
            raise ValueError(
                f"{path}, line {line}: province {province!r} of {district!r} is not one of "
                f"{', '.join(PROVINCES)}"
            )
        if district in seen:
            raise ValueError(
                f"{path}, line {line}: {district!r} repeats line {seen[district]}; "
                "keep one row per district"
            )
        seen[district] = line
    return table


def district_key(name: str) -> str:
    """Normalise a name for lookup: casefold, drop spaces, hyphens and dots."""
    return re.sub(r"[\s.\-]+", "", name).casefold()


def district_lookup() -> dict[str, str]:
    """Map the :func:`district_key` of each district and alias to its district.

    E.g. ``"noshki" -> "Nushki"``, ``"killaabdullah" -> "Qilla Abdullah"``.
    """
    return dict(_names()[0])


def province_of(district: str) -> str:
    """Return the province of a district given by name or alias.

    Raises ValueError, naming close matches, for a name not in the table.
    """
    lookup, provinces = _names()
    key = district_key(district)
    if key not in lookup:
        close = sorted({lookup[k] for k in difflib.get_close_matches(key, list(lookup), n=3)})
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown district {district!r}: not in {DISTRICT_TABLE}{hint}")
    return provinces[lookup[key]]


@functools.cache
def _names() -> tuple[dict[str, str], dict[str, str]]:
    table = read_district_table()
    lookup: dict[str, str] = {}
    for district, aliases in zip(table["district"], table["aliases"], strict=True):
        for name in [district, *aliases.split(";")]:
            key = district_key(name)
            if key and lookup.setdefault(key, district) != district:
                raise ValueError(
                    f"{DISTRICT_TABLE}: {name!r} names both {lookup[key]!r} and "
                    f"{district!r}; an alias must point at one district"
                )
    return lookup, dict(zip(table["district"], table["province"], strict=True))


def join_districts(
    points: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    *,
    max_snap_km: float = DEFAULT_SNAP_KM,
) -> gpd.GeoDataFrame:
    """Attach the district and province of each point (EPSG:4326, any columns).

    A point in no polygon of ``districts`` (from :func:`load_districts`) takes
    the nearest district within ``max_snap_km``, measured in UTM 42N.

    Returns
    -------
    geopandas.GeoDataFrame
        ``points`` (same rows, order, index) plus ``admin1``, ``admin2``,
        ``district_join`` (``"within"``, ``"nearest"``, ``"none"``) and
        ``district_km`` (0, the snapping distance, or NaN).  A point on a
        shared border is within the first such district in ``districts``.

    Raises
    ------
    TypeError
        If an input is not a GeoDataFrame.
    ValueError
        On a CRS other than EPSG:4326, a non-point, or a bad argument.
    """
    _check_join_inputs(points, districts, max_snap_km)
    n = len(points)
    admin1, admin2 = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    how, km = np.full(n, "none", dtype=object), np.full(n, np.nan)
    located = ~(points.geometry.isna() | points.geometry.is_empty).to_numpy()
    if located.any():
        work = gpd.GeoDataFrame(
            {"_row": np.flatnonzero(located)}, geometry=points.geometry.values[located], crs=WGS84
        )
        polygons = districts[["admin1", "admin2", "geometry"]].reset_index(drop=True)
        # covered_by, unlike within, also holds for a point on a polygon's edge.
        hits = _first(gpd.sjoin(work, polygons, how="inner", predicate="covered_by"))
        rows = hits["_row"].to_numpy()
        admin1[rows], admin2[rows] = hits["admin1"].to_numpy(), hits["admin2"].to_numpy()
        how[rows], km[rows] = "within", 0.0
        rest = work[~work["_row"].isin(rows)]
        if len(rest) and max_snap_km > 0:
            near = gpd.sjoin_nearest(
                rest.to_crs(METRIC_CRS),
                polygons.to_crs(METRIC_CRS),
                max_distance=max_snap_km * 1000.0,
                distance_col="_metres",
            )
            near = _first(near)
            rows = near["_row"].to_numpy()
            admin1[rows], admin2[rows] = near["admin1"].to_numpy(), near["admin2"].to_numpy()
            how[rows], km[rows] = "nearest", near["_metres"].to_numpy() / 1000.0
    out = points.copy()
    out["admin1"], out["admin2"], out["district_join"], out["district_km"] = admin1, admin2, how, km
    counts = pd.Series(how, dtype=object).value_counts()
    logger.info("district join: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return out


def _first(joined: pd.DataFrame) -> pd.DataFrame:
    # A border point or a tie in distance matches several districts; keep the
    # first in frame order so that every input row gets exactly one answer.
    return joined.sort_values(["_row", "index_right"], kind="stable").drop_duplicates("_row")


def _check_join_inputs(
    points: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, max_snap_km: float
) -> None:
    frames = {"points": points, "districts": districts}
    for name, frame in frames.items():
        if not isinstance(frame, gpd.GeoDataFrame):
            raise TypeError(f"{name} must be a GeoDataFrame, got {type(frame).__name__}")
    if not {"admin1", "admin2"} <= set(districts.columns):
        raise ValueError("districts lack admin1/admin2 columns; build them with load_districts()")
    if not max_snap_km >= 0:
        raise ValueError(f"max_snap_km must be 0 or more, got {max_snap_km!r}")
    wrong = {name: frame.crs for name, frame in frames.items() if not _is_wgs84(frame.crs)}
    if wrong:
        fixes = "; ".join(
            f"{name}.{'set_crs' if crs is None else 'to_crs'}('{WGS84}')"
            for name, crs in wrong.items()
        )
        raise ValueError(
            f"CRS mismatch: points are in {_crs_name(points.crs)} and districts in "
            f"{_crs_name(districts.crs)}; both must be {WGS84}. Fix: {fixes}"
        )
    geoms = points.geometry[~(points.geometry.isna() | points.geometry.is_empty)]
    bad = geoms[geoms.geom_type != "Point"]
    if len(bad):
        raise ValueError(
            f"points must be Point geometries, but row {bad.index[0]!r} is a "
            f"{bad.iloc[0].geom_type} ({len(bad)} such rows); use .representative_point()"
        )


def province_outline(districts: gpd.GeoDataFrame, province: str) -> gpd.GeoDataFrame:
    """Dissolve the districts of one province (``admin1``) into one outline.

    Returns one row (``admin1``, ``n_districts``, ``geometry``); a province no
    district has raises ValueError.
    """
    members = districts[districts["admin1"] == province]
    if members.empty:
        present = sorted(p for p in districts["admin1"].unique() if p)
        raise ValueError(f"no district has admin1 {province!r}; present: {', '.join(present)}")
    outline = members[["admin1", "geometry"]].dissolve(by="admin1", as_index=False)
    outline["n_districts"] = len(members)
    outline["geometry"] = outline.geometry.make_valid()
    return outline[["admin1", "n_districts", "geometry"]]
