"""``incidents.gpkg``: every table of the model in one GeoPackage, for QGIS.

Four layers: ``incidents`` (points), ``claims`` (a table), ``districts``
(multipolygons, with the totals of ``districts.csv``; no geometry where no
polygon is known) and ``areas`` (a table).  Column types come from
:mod:`geo.schema`, never from the data: counts are 64-bit integers with
nulls, dates are GeoPackage ``DATE`` columns, text stays raw (no formula
neutralising: a GeoPackage is not opened by a spreadsheet).  QGIS styles
are stored in the ``layer_styles`` table QGIS reads (attack-type colours for
the incidents, the choropleth classes for the districts), so the file opens
looking like the map.  The file is written beside its target and renamed
into place, with a fixed timestamp, so the same model gives the same bytes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.exports import temporary_beside
from geo.model import Model
from geo.schema import (
    AREA_COLUMNS,
    CLAIM_COLUMNS,
    DISTRICT_COLUMNS,
    INCIDENT_COLUMNS,
    TYPE_COLOURS,
    TYPE_LABELS,
    column_type,
)

#: GDAL stamps a GeoPackage with the time of writing unless told otherwise:
#: a fixed stamp keeps the bytes reproducible.
FIXED_TIMESTAMP = "2000-01-01T00:00:00.000Z"
LAYERS = ("incidents", "claims", "districts", "areas")


def write_geopackage(path: str | os.PathLike[str], model: Model) -> Path:
    """Write ``model`` as a four-layer GeoPackage at ``path``, atomically.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import pyogrio

    target = Path(path)
    with temporary_beside(target, ".tmp.gpkg") as tmp:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_TIMESTAMP})
        try:
            _layer(tmp, "incidents", model.incidents, INCIDENT_COLUMNS, "Point")
            _layer(tmp, "claims", model.claims.iloc[:0], CLAIM_COLUMNS, None)
            _layer(tmp, "districts", model.districts, DISTRICT_COLUMNS, "MultiPolygon")
            _layer(tmp, "areas", model.areas.iloc[:0], AREA_COLUMNS, None)
        except pyogrio.errors.DataSourceError as exc:
            raise _as_os_error(exc, target) from exc
        except pyogrio.errors.FeatureError as exc:
            raise _as_os_error(exc, target) from exc
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
        # GDAL made the two plain tables empty; their rows (tens of thousands
        # in a big build) go in through SQLite, several times faster.
        try:
            _table_rows(tmp, "claims", model.claims, CLAIM_COLUMNS)
            _table_rows(tmp, "areas", model.areas, AREA_COLUMNS)
        except sqlite3.Error as exc:
            raise _as_os_error(exc, target) from exc
        _styles(tmp, model)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    return target


def _as_os_error(exc: Exception, target: Path) -> Exception:
    """GDAL's "database or disk is full" is the disk's error: say it as an OSError."""
    if "full" in str(exc).casefold():
        return OSError(errno.ENOSPC, "No space left on device", str(target))
    return exc


def _field(values: pd.Series, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A column as GDAL wants it: typed by the schema, with a null mask."""
    kind = column_type(name)
    if kind == "int":
        numbers = pd.array(values, dtype="Int64")
        mask = np.asarray(numbers.isna(), dtype=bool)
        return np.asarray(numbers.fillna(0), dtype="int64"), mask
    if kind == "float":
        return pd.to_numeric(values).astype("float64").to_numpy(), None
    if kind == "date":
        days = pd.to_datetime(values.replace("", None), format="ISO8601", errors="coerce")
        return days.to_numpy().astype("datetime64[D]"), None
    cells = values.tolist()
    return np.asarray([v if type(v) is str else str(v) for v in cells], dtype=object), None


def _layer(
    path: Path, name: str, frame: pd.DataFrame, columns: Sequence[str], geometry: str | None
) -> None:
    from pyogrio.raw import write

    fields, masks = [], []
    for column in columns:
        data, mask = _field(frame[column], column)
        fields.append(data)
        masks.append(mask if mask is not None else np.zeros(len(frame), dtype=bool))
    shapes = None
    if geometry is not None:
        geoms = frame.geometry.to_numpy()
        if geometry == "MultiPolygon":
            geoms = np.array([_multi(g) for g in geoms], dtype=object)
        shapes = shapely.to_wkb(geoms)
    write(
        str(path),
        geometry=shapes,
        field_data=fields,
        fields=list(columns),
        field_mask=masks,
        layer=name,
        driver="GPKG",
        geometry_type=geometry,
        crs="EPSG:4326" if geometry else None,
        append=path.exists(),
    )


def _table_rows(path: Path, name: str, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Insert the rows of a table without geometry that GDAL created empty.

    Each value as GDAL stores it (:func:`_field`): a count as an integer or
    NULL, a date as ISO text or NULL, text as it is.  GDAL's triggers that
    count the table's rows are set aside meanwhile, as GDAL does for its own
    bulk writes, and the count is set once.
    """
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        triggers = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
            "AND name LIKE 'trigger_%_feature_count_%' ORDER BY name",
            (name,),
        ).fetchall()
        for trigger, _sql in triggers:
            connection.execute(f'DROP TRIGGER "{trigger}"')
        cells = [_sql_values(frame[column], column) for column in columns]
        fields = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" * len(columns))
        connection.executemany(
            f'INSERT INTO "{name}" ({fields}) VALUES ({marks})', zip(*cells, strict=True)
        )
        connection.execute(
            "UPDATE gpkg_ogr_contents SET feature_count = ? WHERE lower(table_name) = ?",
            (len(frame), name.lower()),
        )
        for _trigger, sql in triggers:
            connection.execute(sql)


def _sql_values(values: pd.Series, name: str) -> list[Any]:
    """A column's values for SQLite, as :func:`_field` gives them to GDAL."""
    data, mask = _field(values, name)
    if column_type(name) == "date":  # ISO days, converted at once
        days, missing = np.datetime_as_string(data, unit="D").tolist(), np.isnat(data).tolist()
        return [None if gone else day for day, gone in zip(days, missing, strict=True)]
    cells = data.tolist()
    if mask is None:
        return cells
    return [None if missing else cell for cell, missing in zip(cells, mask.tolist(), strict=True)]


def _multi(shape: Any) -> Any:
    if shape is None or shape.is_empty:
        return None
    if shape.geom_type == "Polygon":
        return shapely.MultiPolygon([shape])
    return shape


# -- QGIS styles ------------------------------------------------------------------

_STYLE_TABLE = """CREATE TABLE layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME)"""


def _rgb(colour: str) -> str:
    return ",".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5)) + ",255"


def _xml(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _symbol(kind: str, index: int, colour: str) -> str:
    if kind == "marker":
        options = (
            f'<Option name="color" type="QString" value="{_rgb(colour)}"/>'
            '<Option name="name" type="QString" value="circle"/>'
            '<Option name="size" type="QString" value="3"/>'
            '<Option name="outline_color" type="QString" value="255,255,255,255"/>'
        )
        layer = "SimpleMarker"
    else:
        options = (
            f'<Option name="color" type="QString" value="{_rgb(colour)}"/>'
            '<Option name="outline_color" type="QString" value="102,102,102,255"/>'
            '<Option name="outline_width" type="QString" value="0.26"/>'
        )
        layer = "SimpleFill"
    return (
        f'<symbol type="{kind}" name="{index}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{layer}" enabled="1" pass="0" locked="0"><Option type="Map">{options}'
        "</Option></layer></symbol>"
    )


def _qml(renderer: str) -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        f'<qgis version="3.28.0" styleCategories="Symbology">{renderer}</qgis>'
    )


def _incident_style(model: Model) -> str:
    types = [t for t in TYPE_COLOURS if t in set(model.incidents["primary_type"])] or ["other"]
    categories = "".join(
        f'<category symbol="{i}" value="{t}" label="{_xml(TYPE_LABELS[t])}" render="true"/>'
        for i, t in enumerate(types)
    )
    symbols = "".join(_symbol("marker", i, TYPE_COLOURS[t]) for i, t in enumerate(types))
    return _qml(
        '<renderer-v2 type="categorizedSymbol" attr="primary_type" symbollevels="0">'
        f"<categories>{categories}</categories><symbols>{symbols}</symbols></renderer-v2>"
    )


def _district_style(model: Model) -> str:
    classes = model.classes or ((0, 0, "#e0e0e0"),)
    ranges = "".join(
        f'<range symbol="{i}" lower="{low}" upper="{high}" '
        f'label="{low if low == high else f"{low}–{high}"}" render="true"/>'
        for i, (low, high, _c) in enumerate(classes)
    )
    symbols = "".join(_symbol("fill", i, colour) for i, (_l, _h, colour) in enumerate(classes))
    return _qml(
        '<renderer-v2 type="graduatedSymbol" attr="killed_best" '
        'graduatedMethod="GraduatedColor" symbollevels="0">'
        f"<ranges>{ranges}</ranges><symbols>{symbols}</symbols></renderer-v2>"
    )


def _styles(path: Path, model: Model) -> None:
    """Store the map's styling as QGIS default styles of the two spatial layers."""
    rows = [
        ("incidents", "geom", "incidentmap: attack type", _incident_style(model)),
        ("districts", "geom", "incidentmap: killed by district", _district_style(model)),
    ]
    with sqlite3.connect(path) as connection:
        connection.execute(_STYLE_TABLE)
        connection.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, "
            "ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
            [(t, g, n, q, n, FIXED_TIMESTAMP) for t, g, n, q in rows],
        )
    connection.close()
