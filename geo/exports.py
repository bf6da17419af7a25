"""Write every output of a build from the model: tables, GeoPackage, maps.

:func:`write_outputs` is the one call that turns a :class:`geo.model.Model`
into files: ``incidents.csv``, ``claims.csv``, ``districts.csv``,
``areas.csv``, ``incidents.geojson``, ``incidents.gpkg``, ``incidents.html``
(and the fragment on request), ``incidents.png`` and ``incidents.svg``.
Everything is built in memory and checked before the first file is
written, every file is written atomically (:mod:`geo.atomic`) into the one
folder it is given, and the same model gives the same bytes: rows sorted by
id, columns in schema order (:mod:`geo.schema`), missing figures as empty
cells (CSV) or ``null`` (JSON), coordinates rounded to
:data:`COORDINATE_DECIMALS`.

Column types never depend on the data: a count is an integer that may be
null, a date an ISO day that may be null, in every format.  CSV cells of
text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
tab, CR first) get a leading apostrophe, as OWASP recommends; numbers the
project writes are never touched, and the GeoPackage keeps the raw text.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd

from geo._faults import checkpoint
from geo._parallel import Forked, Helper
from geo.atomic import (
    atomic_write,
    fsync_dir,
    write_bytes_atomic,
    write_text_atomic,
)
from geo.columns import listed, typed_column
from geo.model import Model, Places, require_columns
from geo.options import MapOptions
from geo.publish import STAGING_PREFIX
from geo.schema import (
    AREA_COLUMNS,
    CLAIM_COLUMNS,
    DISTRICT_COLUMNS,
    INCIDENT_COLUMNS,
    column_type,
)

__all__ = [
    "CLAIM_COLUMNS",
    "COORDINATE_DECIMALS",
    "FRAGMENT_NAME",
    "INCIDENT_COLUMNS",
    "OUTPUT_NAMES",
    "MapOptions",
    "neutralise",
    "write_claims_csv",
    "write_csv_atomic",
    "write_incidents_csv",
    "write_incidents_geojson",
    "write_outputs",
]

#: ~0.1 m: finer than any gazetteer point, coarse enough to hide float noise.
COORDINATE_DECIMALS = 6
#: The files :func:`write_outputs` writes, in order.
OUTPUT_NAMES: tuple[str, ...] = (
    "incidents.csv",
    "claims.csv",
    "districts.csv",
    "areas.csv",
    "incidents.geojson",
    "incidents.gpkg",
    "incidents.html",
    "incidents.png",
    "incidents.svg",
)
#: The map as a snippet for a report page, written when ``MapOptions(fragment=True)``.
FRAGMENT_NAME = "incidents_fragment.html"
#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_outputs(
    out_dir: str | os.PathLike[str],
    model: Model,
    *,
    options: MapOptions | None = None,
    title: str = "Incidents",
    parallel: bool = False,
    helper: Helper | None = None,
    underway: Underway | None = None,
) -> dict[str, Path]:
    """Write every output file of ``model`` into ``out_dir``.

    Parameters
    ----------
    out_dir : str or os.PathLike
        The folder to write into (created if missing); nothing is written
        anywhere else.
    model : geo.model.Model
        What to write (:func:`geo.model.aggregate`).
    options : MapOptions, optional
        How to write the HTML map.
    title : str, default "Incidents"
        The maps' title.
    parallel : bool, default False
        Use two more processes: one draws the static images, one writes
        the GeoPackage and makes the claims and incidents tables, while this
        one makes the other outputs and the HTML map (the bytes are the same).
    helper : geo._parallel.Helper, optional
        The process for the drawing, started earlier by the caller with
        :data:`geo.static.DRAWING_MODULES` (its imports are done by now);
        it is the caller's to close.
    underway : Underway, optional
        Those outputs already being made (:class:`Underway`): a build starts
        the drawing as soon as its incidents are located and the GeoPackage
        and the big tables as soon as its model is made, before it updates
        the store.  It must have been started for ``model``.

    Returns
    -------
    dict of str to pathlib.Path
        The path of each file written, keyed by its name
        (:data:`OUTPUT_NAMES`, and :data:`FRAGMENT_NAME` when asked for).

    Raises
    ------
    TypeError
        If ``model`` is not a Model.
    """
    from geo.static import DRAWING_MODULES

    if not isinstance(model, Model):
        raise TypeError(
            f"model must be a geo.model.Model (aggregate()), got {type(model).__name__}"
        )
    options = options or MapOptions()
    folder = Path(out_dir)
    with contextlib.ExitStack() as stack:
        if underway is None:
            if helper is None:
                helper = stack.enter_context(Helper(DRAWING_MODULES, parallel=parallel))
            underway = stack.enter_context(
                start_outputs(model, helper, near=folder, title=title, parallel=parallel)
            )
        return _write_all(folder, model, options, title, underway)


#: The outputs :func:`start_outputs` makes away from the HTML map, as text: the
#: tables that make both processes end about together at 10,000 articles.
_MADE_AWAY = ("claims.csv", "incidents.csv")


class Underway(contextlib.ExitStack):
    """Outputs of a model being made while the caller goes on (see :func:`start_outputs`).

    Started in two steps, each as soon as what it reads is known:
    :meth:`start_drawing` (the static images read only the incidents'
    places, :class:`geo.model.Places`) and :meth:`start_tables` (the
    GeoPackage and the big tables read the whole model).  :meth:`images`
    and :meth:`tables` wait for them.  Leaving the context stops what still
    runs and removes the temporary GeoPackage unless it was moved into place.
    """

    def __init__(self) -> None:
        super().__init__()
        self.gpkg = Path()
        self._drawing: Callable[[], dict[str, bytes]] | None = None
        self._tables: Forked | None = None

    @property
    def drawing(self) -> bool:
        """True once :meth:`start_drawing` was called."""
        return self._drawing is not None

    def start_drawing(self, places: Model | Places, helper: Helper, *, title: str) -> None:
        """Start drawing the static images in ``helper`` (here when it is not a process)."""
        from geo.static import static_plan

        _check_crs(places.incidents)
        plan, attribution = static_plan(places)
        self._drawing = helper.call(
            "geo.static:draw_images", plan, title=title, attribution=attribution
        )

    def start_tables(self, model: Model, near: Path, *, parallel: bool) -> None:
        """Fork the process that makes the tables and the GeoPackage (here without ``parallel``).

        The GeoPackage goes into a temporary folder in ``near`` named as a
        staging folder (:data:`geo.publish.STAGING_PREFIX`): if the build is
        killed, the next one into ``near`` removes it.
        """
        near.mkdir(parents=True, exist_ok=True)
        scratch = self.enter_context(tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=near))
        self.gpkg = Path(scratch) / "incidents.gpkg"
        self._tables = self.enter_context(Forked(_away, model, self.gpkg, parallel=parallel))

    def images(self) -> dict[str, bytes]:
        """The static images by file name, once drawn."""
        assert self._drawing is not None, "start_drawing starts the drawing"
        return self._drawing()

    def tables(self) -> dict[str, str]:
        """The texts made away from the HTML map, by name (the GeoPackage is at :attr:`gpkg`)."""
        assert self._tables is not None, "start_tables starts the tables"
        return self._tables.result()  # type: ignore[no-any-return]


def start_outputs(
    model: Model, helper: Helper, *, near: Path, title: str, parallel: bool
) -> Underway:
    """Start the outputs of ``model`` that take long: the static images, the GeoPackage, the claims.

    The images are drawn in ``helper``; with ``parallel``, a process forked
    now (it starts from this one's memory: the model is not copied) writes
    the GeoPackage into a temporary file in the folder ``near`` and makes
    the claims and incidents tables (:data:`_MADE_AWAY`).  Enter the result
    as a context manager, and pass it to :func:`write_outputs`.
    """
    underway = Underway()
    try:
        underway.start_drawing(model, helper, title=title)
        underway.start_tables(model, near, parallel=parallel)
    except BaseException:
        underway.close()
        raise
    return underway


def _away(model: Model, gpkg: Path) -> dict[str, str]:
    """Write the GeoPackage at ``gpkg``; return the texts of :data:`_MADE_AWAY`."""
    from geo.gpkg import write_geopackage

    write_geopackage(gpkg, model)
    return {
        "claims.csv": csv_text(model.claims, CLAIM_COLUMNS),
        "incidents.csv": csv_text(model.incidents, INCIDENT_COLUMNS),
    }


def _write_all(
    folder: Path, model: Model, options: MapOptions, title: str, underway: Underway
) -> dict[str, Path]:
    """Make the rest, wait for what is underway, then put every file in place.

    Nothing is written before everything is made: bad input leaves the
    previous outputs as they were.
    """
    from geo.webmap import fragment_text, map_document, page_text

    texts = {
        "districts.csv": csv_text(model.districts, DISTRICT_COLUMNS),
        "areas.csv": csv_text(model.areas, AREA_COLUMNS),
        "incidents.geojson": geojson_text(model.incidents),
    }
    doc = map_document(model, title=title, tiles=options.tiles)
    texts["incidents.html"] = page_text(doc, self_contained=options.self_contained)
    if options.fragment:
        texts[FRAGMENT_NAME] = fragment_text(doc, self_contained=options.self_contained)
    images = underway.images()
    texts.update(underway.tables())
    paths: dict[str, Path] = {}
    for name in ("incidents.csv", "claims.csv", "districts.csv", "areas.csv"):
        write_text_atomic(folder / name, texts[name])
        paths[name] = folder / name
    checkpoint("mid-outputs")
    write_text_atomic(folder / "incidents.geojson", texts["incidents.geojson"])
    paths["incidents.geojson"] = folder / "incidents.geojson"
    os.replace(underway.gpkg, folder / "incidents.gpkg")
    fsync_dir(folder)
    paths["incidents.gpkg"] = folder / "incidents.gpkg"
    for name in ("incidents.html", FRAGMENT_NAME):
        if name in texts:
            write_text_atomic(folder / name, texts[name])
            paths[name] = folder / name
    for name, data in images.items():
        write_bytes_atomic(folder / name, data)
        paths[name] = folder / name
    return {name: paths[name] for name in (*OUTPUT_NAMES, FRAGMENT_NAME) if name in paths}


# -- single tables (public, for callers with frames of their own) ---------------------


def write_incidents_csv(incidents: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``incidents.csv``: one row per incident, sorted by ``incident_id``.

    Raises
    ------
    TypeError
        If ``incidents`` is not a DataFrame.
    ValueError
        If a column is missing, an ``incident_id`` repeats or a count is not whole.
    """
    table = _table(incidents, INCIDENT_COLUMNS, "incidents", key="incident_id")
    write_text_atomic(path, _csv(table))
    return Path(path)


def write_claims_csv(claims: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``claims.csv``: one row per reported figure, sorted by ``claim_id``.

    Raises
    ------
    TypeError
        If ``claims`` is not a DataFrame.
    ValueError
        If a column is missing, a ``claim_id`` repeats or a value is not whole.
    """
    table = _table(claims, CLAIM_COLUMNS, "claims", key="claim_id")
    write_text_atomic(path, _csv(table))
    return Path(path)


def write_incidents_geojson(incidents: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``incidents.geojson``: a FeatureCollection of points, one per line.

    Every incident column is a property with a fixed JSON type (counts as
    integers or ``null``, dates as ``"YYYY-MM-DD"`` or ``null``); the point
    comes from ``longitude``/``latitude`` and is ``null`` when either is
    missing.  The JSON is written here rather than through GDAL, so the
    bytes do not depend on the GDAL version.

    Raises
    ------
    TypeError
        If ``incidents`` is not a DataFrame.
    ValueError
        If a column is missing, an id repeats, or the CRS is not EPSG:4326.
    """
    _check_crs(incidents)
    with atomic_write(path) as handle:
        _dump_features(_table(incidents, INCIDENT_COLUMNS, "incidents", key="incident_id"), handle)
    return Path(path)


def write_csv_atomic(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a frame as UTF-8 CSV (no index, NA as empty, formulas neutralised), atomically."""
    write_text_atomic(path, _csv(table))
    return Path(path)


def csv_text(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    """Return the CSV text of ``frame``'s ``columns`` (typed by the schema)."""
    table = pd.DataFrame({c: _column(frame[c], c, "table") for c in columns})
    return _csv(table)


def geojson_text(incidents: pd.DataFrame) -> str:
    """Return ``incidents.geojson`` as text (see :func:`write_incidents_geojson`)."""
    _check_crs(incidents)
    buffer = io.StringIO()
    _dump_features(_table(incidents, INCIDENT_COLUMNS, "incidents", key="incident_id"), buffer)
    return buffer.getvalue()


def neutralise(value: str) -> str:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    Parameters
    ----------
    value : str
        A text cell.

    Returns
    -------
    str
        ``"'" + value`` when it starts with ``=``, ``+``, ``-``, ``@``, a tab
        or a carriage return (OWASP's list), else ``value``.
    """
    return "'" + value if value.startswith(FORMULA_STARTS) else value


# -- validate and shape -----------------------------------------------------


def _table(frame: Any, columns: Sequence[str], what: str, *, key: str) -> pd.DataFrame:
    """Check ``frame`` and return its schema columns, typed and sorted by ``key``."""
    require_columns(frame, columns, what)
    table = pd.DataFrame({c: _column(frame[c], c, what) for c in columns}, index=range(len(frame)))
    repeated = sorted(set(table.loc[table[key].duplicated(), key]))
    if repeated:
        raise ValueError(f"{what} has repeated {key} values {repeated}; each must be unique")
    return table.sort_values(key, kind="stable").reset_index(drop=True)


def _column(series: pd.Series, name: str, what: str) -> pd.Series:
    values = typed_column(series, name, what)
    if column_type(name) == "float":
        return values.round(COORDINATE_DECIMALS)
    return values


def _text(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    return str(value)


def _check_crs(frame: Any) -> None:
    crs = getattr(frame, "crs", None)
    if crs is not None and crs.to_epsg() != 4326:
        raise ValueError(
            f"incidents have CRS {crs.to_string()}, expected EPSG:4326; "
            'reproject with .to_crs("EPSG:4326") first.'
        )


# -- write ------------------------------------------------------------------


def _csv(table: pd.DataFrame) -> str:
    """CSV text (RFC 4180, LF line ends): text cells neutralised, numbers as written.

    Built column by column (a column of text, the common case, in one
    comprehension), then joined row by row.
    """
    header = ",".join(_quoted(str(c)) for c in table.columns)
    columns = [_cells(table[c].tolist(), column_type(c)) for c in table.columns]
    rows = [",".join(row) for row in zip(*columns, strict=True)]
    return "\n".join([header, *rows]) + "\n"


def _cells(values: list[Any], kind: str) -> list[str]:
    """One column's cells, quoted: what :func:`_cell` and :func:`_quoted` make of each value."""
    if kind == "str" and set(map(type, values)) <= {str}:
        # Most text columns (ids, dates, names) need nothing: one search over
        # the whole column says so, where a search per cell would take longer.
        joined = "\0" + "\0".join(values)
        if not any(mark in joined for mark in _NOT_PLAIN):
            return list(values)
        return [_text_cell(v) if v else v for v in values]
    if kind == "int":  # whole numbers need no quotes; a missing one is ""
        return [str(v) if type(v) is int else _quoted(_cell(v, kind)) for v in values]
    return [_quoted(_cell(value, kind)) for value in values]


#: The characters that make a cell start a formula, or need quotes.
_FIRST_OF_FORMULA = frozenset("".join(FORMULA_STARTS))
_NEEDS_QUOTES = re.compile(r'[,"\n\r]')
#: In a column's cells joined by NUL (and one before the first): what marks a
#: cell that needs quotes or neutralising.  Substring tests, each one fast
#: search of the text, are several times faster than one regular expression.
_NOT_PLAIN = (",", '"', "\n", "\r", *("\0" + start for start in FORMULA_STARTS))


def _text_cell(value: str) -> str:
    """A non-empty text cell: neutralised, then quoted if need be (one search, not two)."""
    if value[0] in _FIRST_OF_FORMULA:
        value = "'" + value
    if _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _quoted(cell: str) -> str:
    # Python's csv module leaves a lone CR unquoted when lines end in LF; a
    # reader would then split the row.  Quote it, as any field with a separator.
    if _NEEDS_QUOTES.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _cell(value: Any, kind: str) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if kind in ("int", "float"):
        return str(value)
    if not isinstance(value, str):
        value = _text(value)
    return neutralise(value)


_KINDS = {c: column_type(c) for c in INCIDENT_COLUMNS}
#: JSON types of the properties, carried in the file as a foreign member:
#: a reader can type the columns even when there is no feature to look at.
_FIELDS = {
    c: {"int": "integer", "float": "number", "date": "date", "str": "string"}[k]
    for c, k in _KINDS.items()
}


def _json_columns(table: pd.DataFrame) -> list[list[Any]]:
    """The schema's columns of ``table`` (typed by :func:`_table`) as JSON values.

    Text is str, counts are Int64 and coordinates floats, so each kind
    needs one test at most: a missing value is None, a date its ISO day.
    """
    columns = []
    for name in INCIDENT_COLUMNS:
        values = listed(table[name])
        kind = _KINDS[name]
        if kind == "float":
            values = [None if value != value else value for value in values]  # NaN
        elif kind == "date":
            values = [value[:10] if value else None for value in values]
        columns.append(values)
    return columns


#: One encoder for every feature (json.dumps would make one per call).
_ENCODE_FEATURE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _dump_features(table: pd.DataFrame, handle: IO[str]) -> None:
    """Write a FeatureCollection with one feature per line, for readable diffs."""
    fields = json.dumps(_FIELDS, separators=(", ", ": "))
    handle.write(f'{{"type": "FeatureCollection", "name": "incidents", "fields": {fields}, ')
    handle.write('"features": [')
    names = list(INCIDENT_COLUMNS)
    lon, lat = names.index("longitude"), names.index("latitude")
    lines = []
    for row in zip(*_json_columns(table), strict=True):
        geometry = None
        if row[lon] is not None and row[lat] is not None:
            geometry = {"type": "Point", "coordinates": [row[lon], row[lat]]}
        feature = {
            "type": "Feature",
            "id": row[0],
            "geometry": geometry,
            "properties": dict(zip(names, row, strict=True)),
        }
        lines.append(_ENCODE_FEATURE(feature))
    if lines:
        handle.write("\n" + ",\n".join(lines))
    handle.write("\n]}\n")


@contextlib.contextmanager
def temporary_beside(path: Path, suffix: str) -> Any:
    """Yield a temporary path in ``path``'s folder, removed unless it was renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    os.unlink(name)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
